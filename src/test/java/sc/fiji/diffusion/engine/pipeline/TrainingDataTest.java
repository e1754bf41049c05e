package sc.fiji.diffusion.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Patches;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.testing.TestData;

/**
 * data=noisy: what trains is the base's posterior mean of each noisy training image (normalised
 * as clean images are), and what is held out stays noisy, measured by the split-pixel measure.
 */
class TrainingDataTest {

	@Test
	void noisyDataTrainsOnPosteriorMeansAndHoldsOutTheNoisyImages() throws Exception {
		final List<float[]> clean = TestData.blobs(5, 64, 64, 11);
		final Random r = new Random(2);
		final List<Hyperstack> planes = new ArrayList<>();
		for (final float[] c : clean) {
			final float[] y = c.clone();
			for (int i = 0; i < y.length; i++)
				y[i] += (float) (20 * r.nextGaussian());
			planes.add(Hyperstack.of(64, 64, 32, y));
		}
		final TrainSettings s = TrainSettings.builder().name("t").data("noisy").noise(NoiseSettings.gaussian(0))
			.validation(0.2).patch(32).seed(1).build();
		final TrainingData d = TrainingData.prepare(ModelDescriptor.read(Models.resolve("grayscale")), planes, s, 32,
			Monitor.NONE);
		assertTrue(d.objective instanceof Objective.Clean, "the simple loss on the posterior means");
		assertTrue(d.validationObjective instanceof Objective.Split, "held-out noisy patches, by the split-pixel measure");
		// patches whose halves the network cannot take (16 → 8 < grayscale's 16): Stein's estimate
		assertTrue(TrainingData.heldOutMeasure(ModelDescriptor.read(Models.resolve("grayscale")), 16) instanceof
			Objective.Sure);
		assertEquals(1, d.heldOut.size(), "one of five images held out, whole");
		final double sigma = d.sigmaModel[0];
		assertTrue(sigma > 0, "the noise was measured");
		// the finest detail (2×2 Haar HH): noise alone puts σ² there; a posterior mean far less
		final double train = hh2(d.train, false), val = hh2(d.val, true);
		assertTrue(val > 0.7 * sigma * sigma && val < 1.4 * sigma * sigma, "held-out patches are noisy: " + val);
		assertTrue(train < 0.15 * sigma * sigma, "training patches are denoised: " + train);
	}

	/**
	 * 8-bit images whose black background clipped the Gaussian noise: with the split-pixel measure
	 * every held-out pixel counts, compared through the file's mean μ (μ(0) ≈ 0.4 σ above the clean
	 * 0); with Stein's estimate (patches too small to split) the pixels near the clip are left out
	 * and no file mean is given, since that estimate assumes the noise unclipped.
	 */
	@Test
	void clippedNoiseIsMeasuredThroughTheFilesMeanWhereTheSplitMeasureIsUsed() throws Exception {
		final Random r = new Random(4);
		final List<Hyperstack> planes = new ArrayList<>();
		for (int k = 0; k < 5; k++) {
			final float[] y = new float[64 * 64];
			for (int i = 0; i < y.length; i++)
				y[i] = (float) Math.max(0, Math.min(255, Math.rint((i % 64 < 32 ? 0 : 120) + 25 * r.nextGaussian())));
			planes.add(Hyperstack.of(64, 64, 8, y));
		}
		final ModelDescriptor base = ModelDescriptor.read(Models.resolve("grayscale"));
		for (final int patch : new int[] { 32, 16 }) {
			final TrainSettings s = TrainSettings.builder().name("t").data("noisy").noise(NoiseSettings.gaussian(0))
				.validation(0.2).patch(patch).seed(1).build();
			final TrainingData d = TrainingData.prepare(base, planes, s, 8, Monitor.NONE);
			final int n = 64, q = patch;
			final float[] buf = new float[n * q * q], mask = new float[buf.length];
			final DoubleUnaryOperator[] mean = new DoubleUnaryOperator[n];
			final float[] sig = new float[n];
			d.val.batch(new SplittableRandom(3), n, buf, mask, sig, mean);
			double counted = 0;
			for (final float m : mask)
				counted += m;
			if (patch == 32) {
				assertTrue(d.validationObjective instanceof Objective.Split);
				assertEquals(buf.length, counted, 0, "every pixel counts");
				assertTrue(mean[0] != null, "the file's mean is given");
				// at the model's value of a clean 0 the file's mean lies 0.4 σ higher (σ 25 grey levels in model units)
				final double zero = d.values.offset(), sigma = sig[0];
				assertEquals(0.399 * sigma, mean[0].applyAsDouble(zero) - zero, 0.05 * sigma);
			}
			else {
				assertTrue(d.validationObjective instanceof Objective.Sure);
				assertTrue(counted < 0.8 * buf.length, "pixels near the clip are left out: " + counted / buf.length);
				assertTrue(mean[0] == null, "no file mean for Stein's estimate");
			}
		}
	}

	/** Mean square of the 2×2 diagonal Haar detail over 64 random patches. */
	private static double hh2(final Patches p, final boolean twins) {
		final int n = 64, q = p.patch();
		final float[] buf = new float[n * q * q];
		if (twins) p.batch(new SplittableRandom(3), n, buf, new float[buf.length], new float[n]);
		else p.batch(new SplittableRandom(3), n, buf);
		double s = 0;
		long k = 0;
		for (int b = 0; b < n; b++)
			for (int y = 0; y + 1 < q; y += 2)
				for (int x = 0; x + 1 < q; x += 2) {
					final int i = b * q * q + y * q + x;
					final double hh = (buf[i] - buf[i + 1] - buf[i + q] + buf[i + q + 1]) / 2;
					s += hh * hh;
					k++;
				}
		return s / k;
	}
}
