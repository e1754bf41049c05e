package sc.fiji.diffusion.engine.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.testing.TestData;

/**
 * {@link Sure} against the true error, on synthetic scenes whose clean image is known, with
 * denoisers whose behaviour is known: the identity (divergence exactly 1 per pixel) and box
 * filters (linear: SURE is unbiased for them), under Gaussian and Poisson–Gaussian noise.
 */
class SureTest {

	/** A smooth scene with edges, 0..200 grey levels. */
	static float[] scene(final int w, final int h) {
		final float[] out = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				out[y * w + x] = (float) (100 + 60 * Math.sin(x / 13.0) * Math.cos(y / 17.0) + ((x / 40 + y / 40) % 2 == 0 ? 30 :
					-30));
		return out;
	}

	/** (2r+1)² box mean with mirrored edges. */
	static float[] box(final float[] a, final int w, final int h, final int r) {
		final float[] out = new float[a.length];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double s = 0;
				for (int dy = -r; dy <= r; dy++)
					for (int dx = -r; dx <= r; dx++)
						s += a[mirror(y + dy, h) * w + mirror(x + dx, w)];
				out[y * w + x] = (float) (s / ((2 * r + 1) * (2 * r + 1)));
			}
		return out;
	}

	private static int mirror(final int i, final int n) {
		return i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i;
	}

	static double mse(final float[] a, final float[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++)
			s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
		return s / a.length;
	}

	@Test
	void theIdentityHasTheNoiseAsItsError() {
		final int w = 200, h = 150;
		final float[] clean = scene(w, h), y = TestData.gaussian(clean, 12, 1);
		final Sure.Estimate e = Sure.of(y, y.clone(), w, h, new AdditiveGaussian(12, false), (img, cw, ch) -> img.clone(), 5,
			1 << 20);
		// f(y) = y: residual 0, divergence exactly 1 per pixel, so the estimate is σ² itself
		assertEquals(144, e.mse, 1e-2);
		assertEquals(w * h, e.probed);
	}

	@Test
	void aBoxFilterUnderGaussianNoise() {
		final int w = 256, h = 192;
		final float[] clean = scene(w, h);
		for (final int r : new int[] { 1, 2, 4 }) {
			final float[] y = TestData.gaussian(clean, 20, r);
			final int rr = r;
			final Sure.Denoiser f = (img, cw, ch) -> box(img, cw, ch, rr);
			final float[] fy = f.apply(y, w, h);
			final Sure.Estimate e = Sure.of(y, fy, w, h, new AdditiveGaussian(20, false), f, 3, 1 << 20);
			final double truth = mse(fy, clean);
			// the exact divergence of a box mean is 1/(2r+1)² per pixel (mirroring adds a little at the edges)
			assertEquals(400.0 / ((2 * r + 1) * (2 * r + 1)), e.weightedDivergence, 0.1 * 400 / ((2 * r + 1) * (2 * r + 1)),
				"r " + r);
			assertEquals(Math.sqrt(truth), e.rmse(), 0.05 * Math.sqrt(truth), "r " + r + ": " + e + " vs true MSE " + truth);
		}
	}

	@Test
	void aBoxFilterUnderPoissonGaussianNoise() {
		final int w = 256, h = 256;
		final float[] clean = scene(w, h);
		// a camera: gain 2, offset 100, read noise 3 (image = 2·photons + 100 + N(0, 9))
		final double gain = 2, offset = 100, read = 3;
		final Random rnd = new Random(11);
		final float[] cam = new float[clean.length], y = new float[clean.length];
		for (int i = 0; i < clean.length; i++) {
			cam[i] = (float) (clean[i] + offset);
			y[i] = (float) (gain * TestData.poisson(rnd, clean[i] / gain) + offset + read * rnd.nextGaussian());
		}
		final PoissonGaussian noise = PoissonGaussian.of(gain, offset, read);
		for (final int r : new int[] { 1, 3 }) {
			final int rr = r;
			final Sure.Denoiser f = (img, cw, ch) -> box(img, cw, ch, rr);
			final float[] fy = f.apply(y, w, h);
			final Sure.Estimate e = Sure.of(y, fy, w, h, noise, f, 4, 1 << 20);
			final double truth = mse(fy, cam);
			assertEquals(Math.sqrt(truth), e.rmse(), 0.05 * Math.sqrt(truth), "r " + r + ": " + e + " vs true MSE " + truth);
		}
	}

	@Test
	void aLargePlaneIsProbedOnBlocksSpreadOverIt() {
		final int w = 1400, h = 1300;
		final List<int[]> blocks = Sure.blocks(w, h, 4 * 256 * 256);
		assertEquals(4, blocks.size());
		for (final int[] b : blocks) {
			assertTrue(b[0] >= 0 && b[1] >= 0 && b[0] + b[2] <= w && b[1] + b[3] <= h, "crop inside the plane");
			assertTrue(b[4] >= 0 && b[5] >= 0 && b[4] + b[6] <= b[2] && b[5] + b[7] <= b[3], "core inside the crop");
		}
		// one block per quadrant
		for (int q = 0; q < 4; q++) {
			final int qx = q % 2, qy = q / 2;
			assertTrue(blocks.stream().anyMatch(b -> (b[0] + b[4] + 128) / (w / 2) == qx && (b[1] + b[5] + 128) / (h /
				2) == qy), "a block in quadrant " + q);
		}
		// and the estimate from the blocks agrees with the truth
		final float[] clean = scene(w, h), y = TestData.gaussian(clean, 15, 9);
		final Sure.Denoiser f = (img, cw, ch) -> box(img, cw, ch, 2);
		final float[] fy = f.apply(y, w, h);
		final Sure.Estimate e = Sure.of(y, fy, w, h, new AdditiveGaussian(15, false), f, 2, 4 * 256 * 256);
		assertEquals(4 * 256 * 256, e.probed);
		final double truth = mse(fy, clean);
		assertEquals(Math.sqrt(truth), e.rmse(), 0.05 * Math.sqrt(truth), e + " vs true MSE " + truth);
		// a small plane is probed whole
		assertEquals(1, Sure.blocks(512, 512, 8 * 256 * 256).size());
		// a 3 x 3 grid for a budget of eight blocks: about the budget, spread over the plane
		assertEquals(9, Sure.blocks(2048, 2048, 8 * 256 * 256).size());
		assertEquals(4, Sure.blocks(2048, 2048, 4 * 256 * 256).size());
	}

	/**
	 * Pixels drawn from a Gaussian prior N(100, 10²) and denoised by that prior's posterior mean at
	 * the true σ, f(y) = 100 + (y − 100)·τ²/(τ² + σ²), whose error is τ²σ²/(τ² + σ²): told a σ 15 %
	 * too high, Stein's estimate misses it by far, the consistent form R·D/(V − D) does not (the
	 * noise scale cancels from it). An estimated noise model reports the two weighted by the
	 * inverse of their variances: where the noise model states the uncertainty its error has (the
	 * variance 32 % off) the consistent form carries the estimate; with the right σ known to 0.1 %,
	 * Stein's does.
	 */
	@Test
	void aWrongNoiseScaleCancelsFromTheConsistentEstimate() {
		final int w = 256, h = 256;
		final double tau = 10, sigma = 25, shrink = tau * tau / (tau * tau + sigma * sigma);
		final float[] clean = TestData.gaussian(new float[w * h], tau, 7);
		for (int i = 0; i < clean.length; i++)
			clean[i] += 100;
		final float[] y = TestData.gaussian(clean, sigma, 8);
		final Sure.Denoiser f = (img, cw, ch) -> {
			final float[] out = new float[img.length];
			for (int i = 0; i < img.length; i++)
				out[i] = (float) (100 + (img[i] - 100) * shrink);
			return out;
		};
		final float[] fy = f.apply(y, w, h);
		final double truth = mse(fy, clean);
		assertEquals(tau * tau * sigma * sigma / (tau * tau + sigma * sigma), truth, 0.03 * truth, "the scene itself");
		final Sure.Estimate told = Sure.of(y, fy, w, h, new AdditiveGaussian(sigma, false), f, 3, 1 << 20);
		final Sure.Estimate wrong = Sure.of(y, fy, w, h, new AdditiveGaussian(1.15 * sigma, true, 1.15 * 1.15 - 1), f, 3, 1 << 20);
		// with the right σ both forms hold; Stein's is what a given noise model reports
		assertEquals(truth, told.mse, 0.05 * truth);
		assertEquals(truth, told.consistentMse, 0.05 * truth);
		assertEquals(told.mse, told.reportedMse());
		// σ 15 % high: Stein's estimate off by more than half, the consistent one unmoved
		assertTrue(Math.abs(wrong.mse - truth) > 0.5 * truth, "Stein's estimate " + wrong.mse + " vs " + truth);
		assertEquals(truth, wrong.consistentMse, 0.05 * truth);
		// reported: the inverse-variance weighted mean, here mostly the consistent form, within 10 % of the truth
		final double ws = Math.pow(wrong.standardError, -2), wc = 1 / (Math.pow(Sure.CONSISTENT_RELATIVE_ERROR *
			wrong.consistentMse, 2) + Math.pow(wrong.consistentError, 2));
		assertEquals((ws * wrong.mse + wc * wrong.consistentMse) / (ws + wc), wrong.reportedMse(), 1e-9 * truth);
		assertTrue(wrong.steinWeight < 0.2, "Stein's weight " + wrong.steinWeight);
		assertEquals(truth, wrong.reportedMse(), 0.1 * truth);
		assertEquals(Math.sqrt(wrong.reportedMse()), wrong.rmse(), 1e-9);
		// the stated range covers both
		final double[] range = wrong.rmseRange();
		assertTrue(range[0] <= Math.sqrt(Math.max(wrong.mse, 0)) && range[0] <= wrong.rmse() && range[1] >= wrong.rmse() &&
			range[1] >= Math.sqrt(Math.max(wrong.mse, 0)), java.util.Arrays.toString(range) + " " + wrong);
		assertTrue(wrong.toString().contains("Stein's estimate"), wrong.toString());
		// the right σ, estimated but known to 0.1 %: Stein's estimate carries the weight
		final Sure.Estimate sure = Sure.of(y, fy, w, h, new AdditiveGaussian(sigma, true, 0.001), f, 3, 1 << 20);
		assertTrue(sure.steinWeight > 0.8, "Stein's weight " + sure.steinWeight);
		assertEquals(truth, sure.reportedMse(), 0.05 * truth);
	}
}
