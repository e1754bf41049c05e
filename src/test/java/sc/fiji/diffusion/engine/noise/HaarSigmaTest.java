package sc.fiji.diffusion.engine.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.values.OrderStatistics;

/**
 * The Haar σ estimate on whole-number data (8- and 16-bit files): |HH| lies on a grid of ½, and
 * the plain median of it jumps between grid points; the interpolated median does not.
 */
class HaarSigmaTest {

	@Test
	void wholeNumberNoiseIsReadWithoutTheGridsSteps() {
		final int w = 512, h = 512;
		for (final double sigma : new double[] { 1.5, 2, 2.6, 6.1, 25 }) {
			final Random r = new Random(Double.doubleToLongBits(sigma));
			final float[] plane = new float[w * h];
			for (int i = 0; i < plane.length; i++)
				plane[i] = (float) Math.rint(1000 + sigma * r.nextGaussian());
			// rounding adds a uniform error of variance 1/12 to every pixel
			final double truth = Math.sqrt(sigma * sigma + 1 / 12.0);
			final double est = NoiseSettings.estimateSigma(plane, w, h);
			assertEquals(truth, est, 0.015 * truth, "sigma " + sigma);
			if (sigma == 2) {
				// the plain median is a grid point: 1.5 / 0.6745 = 2.22, 11 % high
				final double[] hh = new double[(w / 2) * (h / 2)];
				int k = 0;
				for (int y = 0; y < h; y += 2)
					for (int x = 0; x < w; x += 2) {
						final int i = y * w + x;
						hh[k++] = Math.abs((plane[i] - plane[i + 1] - plane[i + w] + plane[i + w + 1]) / 2.0);
					}
				final double plain = OrderStatistics.median(hh) / 0.6745;
				assertTrue(Math.abs(plain / truth - 1) > 0.05, "the plain median at sigma 2: " + plain);
			}
		}
	}

	@Test
	void valuesOffTheGridKeepThePlainMedian() {
		final double[] hh = { 0.3, 1.7, 0.9, 2.2, 1.1 };
		assertEquals(1.1, NoiseSettings.haarMedian(hh.clone(), false), 0);
	}

	/**
	 * Fine texture over half a plane reaches the finest diagonal band and reads as noise over the
	 * whole plane; read over the flatter half of the plane's regions, σ is the noise's.
	 */
	@Test
	void textureIsLeftOutWithTheRougherHalf() {
		final int w = 256, h = 256;
		final double sigma = 10;
		final Random r = new Random(11);
		final float[] plane = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				final double texture = x < w / 2 ? 20 * Math.sin(2.3 * x + 1.7 * y) + 15 * Math.sin(1.1 * x - 2.9 * y) : 0;
				plane[y * w + x] = (float) Math.rint(128 + texture + sigma * r.nextGaussian());
			}
		final double truth = Math.sqrt(sigma * sigma + 1 / 12.0);
		final double[] none = { Double.NaN, Double.NaN };
		final double all = NoiseSettings.estimateSigma(plane, w, h, null, none, false);
		final double flatter = NoiseSettings.estimateSigma(plane, w, h, null, none, true);
		assertTrue(all > 1.1 * truth, "the whole plane reads the texture as noise: " + all);
		assertEquals(truth, flatter, 0.03 * truth, "the flatter half");
		assertEquals(flatter, NoiseSettings.estimateSigma(plane, w, h), 0, "the default reads the flatter half");
	}

	/**
	 * An 8-bit image under noise that clips a good part of it (σ 50: a black background and a
	 * bright region pinned at 0 and 255, between them values 60–195): σ is read from the blocks
	 * whose mean lies more than 2 σ from a clip, and comes out within 3 % of the noise before the
	 * clip. (Leaving out the blocks that hold a clipped pixel as well, tried on 2026-12-07, read
	 * 1–4 % low here: what is left is the draws that did not reach the clip.)
	 */
	@Test
	void anEightBitImageThatClipsReadsTheNoiseBeforeTheClip() {
		final int w = 512, h = 512;
		for (final long seed : new long[] { 1, 2, 3 }) {
			final Random r = new Random(seed);
			final float[] plane = new float[w * h];
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					// black on the left third, a smooth middle, bright on the right third
					final double clean = x < w / 3 ? 0 : x >= 2 * w / 3 ? 255 : 60 + 135 * (x - w / 3) / (w / 3.0) + 10 * Math.sin(
						y / 9.0);
					plane[y * w + x] = (float) Math.max(0, Math.min(255, Math.rint(clean + 50 * r.nextGaussian())));
				}
			final double est = NoiseSettings.estimateSigma(plane, w, h);
			assertEquals(50, est, 1.5, "seed " + seed);
		}
	}
}
