package sc.fiji.diffusion.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.djl.Device;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.models.Models;

/** Denoise's adapt=N with the bundled grayscale prior on a small noisy image. */
class AdaptTest {

	private static DiffusionModel model;

	@BeforeAll
	static void load() throws Exception {
		model = DiffusionModel.load(Models.resolve("grayscale"), Device.cpu());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	@Test
	void adaptsACopyChecksItOnUnseenRowsAndSaysWhatItDid() {
		final int w = 64, h = 64;
		final float[] px = new float[w * h];
		final Random r = new Random(5);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				px[y * w + x] = (float) (128 + 60 * Math.sin(x / 5.0) * Math.cos(y / 7.0) + 20 * r.nextGaussian());
		final Hyperstack in = Hyperstack.of(w, h, 32, px);
		final DenoiseSettings base = DenoiseSettings.builder().noise(NoiseSettings.gaussian(20)).build();
		final ModelSource source = ModelSource.of(model);
		final DenoisePipeline.Result before = DenoisePipeline.run(source, in, base, Monitor.NONE);
		final List<String> log = new ArrayList<>();
		final DenoisePipeline.Result adapted = DenoisePipeline.run(source, in, base.toBuilder().adapt(10).build(), Monitor
			.logging(log::add));
		final String all = String.join("\n", log);
		// the run names what trained and the held-out estimate it was steered by, from the prior as it was on
		assertTrue(all.contains("adapt=10: the prior's one-step network fine-tuned on this image (all ") && all.contains(
			" weights; self-distillation: its posterior mean of 1 plane, upper half"), all);
		assertTrue(all.contains("estimated RMS error on the rows it did not see (Stein), step 0 (as it was): "), all);
		if (all.contains("kept the weights of step ")) {
			// a candidate: the decision names both checks, and says which way it went
			assertTrue(log.stream().anyMatch(l -> l.contains("on the rows the adaptation did not see") && l.contains(
				"split-pixel check there") && (l.contains("denoising with the adapted prior") || l.contains(
					"the adaptation did not help ("))), all);
		}
		else assertTrue(all.contains("no step lowered Stein's estimate: the prior stays as it was"), all);
		// Gaussian noise: Stein's estimate judges, and the decision says so
		if (all.contains("kept the weights of step ")) assertTrue(all.contains("(judged by Stein's estimate"), all);
		assertTrue(Double.isFinite(adapted.estimatedRmse()), "an error estimate with adapt too");
		// the shared model was not touched: the same result as before
		final DenoisePipeline.Result after = DenoisePipeline.run(source, in, base, Monitor.NONE);
		assertArrayEquals(before.image.plane(0), after.image.plane(0), 0f);
		assertThrows(IllegalArgumentException.class, () -> base.toBuilder().adapt(-1).build());
		assertThrows(IllegalArgumentException.class, () -> base.toBuilder().adapt(5).stack("volume").build());
	}

	/**
	 * On photon data (stabilised by the Anscombe transform, camera told) the split-pixel check, not
	 * Stein's estimate, judges the adapted weights: the Log says so at the end of the run and in
	 * the decision.
	 */
	@Test
	void onPhotonDataTheSplitCheckJudges() {
		final int w = 64, h = 64;
		final float[] px = new float[w * h];
		final Random r = new Random(9);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				final double lambda = 8 + 6 * Math.sin(x / 4.0) * Math.sin(y / 6.0);
				// Poisson by counting exponential gaps, camera gain 2, offset 100
				int k = 0;
				for (double t = -Math.log(1 - r.nextDouble()); t < lambda; t -= Math.log(1 - r.nextDouble()))
					k++;
				px[y * w + x] = 100 + 2 * k;
			}
		final Hyperstack in = Hyperstack.of(w, h, 16, px);
		final DenoiseSettings s = DenoiseSettings.builder().noise(NoiseSettings.parse("poisson", 0, 2, 100)).adapt(10)
			.build();
		final List<String> log = new ArrayList<>();
		DenoisePipeline.run(ModelSource.of(model), in, s, Monitor.logging(log::add));
		final String all = String.join("\n", log);
		assertTrue(all.contains("adapt=10: the prior's "), all);
		assertTrue(all.contains("kept the weights of step ") ? all.contains("(judged by the split-pixel check against " +
			"the prior as it was") && all.contains("judged by the split-pixel check against the prior as it was:") : all
				.contains("no step lowered the split-pixel check against the prior as it was: the prior stays as it was"),
			all);
	}

	/**
	 * The mask of pixels near a clipped value for Stein's estimate on noisy patches: a dark clipped background is out, a
	 * bright region in, and a pixel's own value never decides whether it counts (else the
	 * background's pixels with positive noise would be kept and bias the estimate).
	 */
	@Test
	void theLossMaskIgnoresThePixelsOwnValue() {
		final int w = 40, h = 30;
		final float[] y = new float[w * h];
		final Random r = new Random(5);
		for (int k = 0; k < y.length; k++) {
			final double clean = k % w < 20 ? 0 : 150;
			y[k] = (float) Math.max(0, Math.min(255, Math.round(clean + 25 * r.nextGaussian())));
		}
		final sc.fiji.diffusion.engine.noise.NoiseModel noise = new sc.fiji.diffusion.engine.noise.AdditiveGaussian(25,
			false);
		final double[] clip = { 0, Double.NaN };
		final float[] mask = Adaptation.countingMask(y, w, noise, clip);
		for (int row = 0; row < h; row++) {
			assertTrue(mask[row * w + 5] == 0, "dark clipped background is out");
			assertTrue(mask[row * w + 35] == 1, "bright region is in");
		}
		// changing any one pixel's value does not change whether that pixel counts
		for (int k = 0; k < y.length; k += 7) {
			final float[] z = y.clone();
			z[k] = z[k] > 100 ? 0 : 255;
			assertTrue(Adaptation.countingMask(z, w, noise, clip)[k] == mask[k], "pixel " + k);
		}
		// no clipped value: every pixel counts
		final float[] all = Adaptation.countingMask(y, w, noise, new double[] { Double.NaN, Double.NaN });
		for (final float v : all)
			assertTrue(v == 1);
	}
}
