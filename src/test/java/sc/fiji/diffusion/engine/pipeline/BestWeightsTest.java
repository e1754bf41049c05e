package sc.fiji.diffusion.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Patches;
import sc.fiji.diffusion.engine.training.Trainer;

/**
 * Train data=noisy keeps the weights of the step with the lowest held-out estimate, not the
 * last step's, and only where one beat the base; the record survives a resume.
 */
class BestWeightsTest {

	@TempDir
	Path tmp;

	@Test
	void keepsTheLowestStepAndOnlyBelowTheBase() throws Exception {
		final Trainer.Settings ts = settings(3);
		try (Trainer trainer = trainer(ts)) {
			final BestWeights best = BestWeights.start(trainer, tmp, false);
			final double base = trainer.validationLoss();
			assertEquals(0, best.step(), "before any step the base is the best");
			assertTrue(best.describe().contains("no step"), best.describe());
			// a step estimated worse than the base is not kept
			best.offer(1, base + 0.1);
			assertEquals(0, best.step());
			assertFalse(Files.exists(best.file()));
			trainer.run(Monitor.NONE, new Trainer.Listener() {}, null);
			final byte[] now = export(trainer);
			best.offer(2, base - 0.1);
			assertEquals(2, best.step());
			assertArrayEquals(now, Files.readAllBytes(best.file()), "the weights of the kept step, as they were then");
			// a later step higher than the best (though below the base) does not replace it
			ts.steps = 6;
			trainer.run(Monitor.NONE, new Trainer.Listener() {}, null);
			best.offer(3, base - 0.05);
			assertEquals(2, best.step());
			assertArrayEquals(now, Files.readAllBytes(best.file()));
			assertTrue(best.describe().contains("at step 2 (the lowest") && best.describe().contains("last step (3)"), best
				.describe());
			// a resumed run reads the record instead of measuring the (trained) weights as the base
			final BestWeights again = BestWeights.start(trainer, tmp, true);
			assertEquals(2, again.step());
			again.offer(4, base - 0.07);
			assertEquals(2, again.step(), "the resumed record keeps the lowest estimate of the run before");
		}
	}

	/** The run ends after {@link BestWeights#PATIENCE} evaluations in a row without a new lowest estimate. */
	@Test
	void endsTheRunWhenTheEstimateStopsFalling() throws Exception {
		try (Trainer trainer = trainer(settings(2))) {
			final BestWeights best = BestWeights.start(trainer, tmp, false);
			final Trainer.Listener l = best.watching(new Trainer.Listener() {});
			final double base = trainer.validationLoss();
			int k = 0;
			for (int i = 0; i < BestWeights.PATIENCE - 1; i++) {
				l.validation(++k, base + 0.01);
				assertFalse(l.stop(), "evaluation " + k);
			}
			l.validation(++k, base - 0.01); // a new lowest: the count starts again
			assertEquals(k, best.step());
			for (int i = 0; i < BestWeights.PATIENCE - 1; i++) {
				l.validation(++k, base);
				assertFalse(l.stop(), "evaluation " + k);
			}
			l.validation(++k, base);
			assertTrue(l.stop(), "five evaluations without a lower estimate end the run");
			assertTrue(best.describe().contains("stopped at step " + k), best.describe());
		}
	}

	/** The FiLM biases of tiny-gray by SURE, as Train data=noisy trains: batches of 2 patches of 32², lr 1e-2. */
	private static Trainer.Settings settings(final int steps) {
		final Trainer.Settings ts = new Trainer.Settings();
		ts.steps = steps;
		ts.batch = 2;
		ts.patch = 32;
		ts.lr = 1e-2;
		ts.emaDecay = 0;
		ts.trainable = Collections.singletonList("film.bias");
		ts.validationPatches = 4;
		return ts;
	}

	/** A trainer of tiny-gray on noisy blobs, with held-out noisy blobs of another seed. */
	private static Trainer trainer(final Trainer.Settings ts) throws Exception {
		final ModelDescriptor tiny = ModelDescriptor.read(Paths.get(BestWeightsTest.class.getResource(
			"/models/tiny-gray/rdf.yaml").toURI()).getParent());
		return new Trainer(tiny.verifiedWeights(), Device.cpu(), tiny.schedule(), ts, noisy(1), noisy(2), null,
			new Objective.Sure());
	}

	private static byte[] export(final Trainer trainer) {
		final ByteArrayOutputStream out = new ByteArrayOutputStream();
		trainer.export(out);
		return out.toByteArray();
	}

	/** Blob images with Gaussian noise σ 0.15 (model units), with that σ. */
	private static Patches noisy(final long seed) {
		final Patches patches = new Patches(32);
		final java.util.Random r = new java.util.Random(seed);
		for (final float[] px : sc.fiji.diffusion.testing.TestData.blobs(2, 48, 48, seed)) {
			for (int i = 0; i < px.length; i++)
				px[i] = px[i] / 127.5f - 1 + (float) (0.15 * r.nextGaussian());
			patches.add(px, null, 0.15, 48, 48, 0, 48);
		}
		return patches;
	}
}
