package sc.fiji.diffusion.engine.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The patch-covariance reading of σ ({@link PatchNoise}) and the lower-of-two rule of
 * {@link NoiseSettings#estimateSigma}.
 */
class PatchNoiseTest {

	private static final double[] NONE = { Double.NaN, Double.NaN };

	@Test
	void jacobiFindsTheEigenvaluesOfARotatedDiagonal() {
		// R diag(5, 2, 1) Rᵀ with R a rotation about the third axis by 0.3 and about the first by 1.1
		final double[] lambda = { 5, 2, 1 };
		final double[][] r1 = { { Math.cos(0.3), -Math.sin(0.3), 0 }, { Math.sin(0.3), Math.cos(0.3), 0 }, { 0, 0, 1 } };
		final double[][] r2 = { { 1, 0, 0 }, { 0, Math.cos(1.1), -Math.sin(1.1) }, { 0, Math.sin(1.1), Math.cos(1.1) } };
		final double[][] r = new double[3][3];
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				for (int k = 0; k < 3; k++)
					r[i][j] += r1[i][k] * r2[k][j];
		final double[] m = new double[9];
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				for (int k = 0; k < 3; k++)
					m[i * 3 + j] += r[i][k] * lambda[k] * r[j][k];
		assertArrayEquals(lambda, PatchNoise.eigenvalues(m, 3), 1e-9);
	}

	@Test
	void theTailWhoseMeanIsItsMedianIsTheNoise() {
		// three directions of structure above a flat floor of 4
		assertEquals(4, PatchNoise.tail(new double[] { 90, 30, 12, 4.2, 4.1, 4, 3.9, 3.8 }), 1e-12);
	}

	/** Fine texture over the whole plane: no flatter half escapes it; the patches' spectrum does. */
	@Test
	void textureEverywhereIsToldFromNoise() {
		final int w = 256, h = 256;
		final double sigma = 8;
		final Random r = new Random(5);
		final float[] plane = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				plane[y * w + x] = (float) (128 + 12 * Math.sin(2.3 * x + 1.7 * y) + 10 * Math.sin(1.1 * x - 2.9 * y) + sigma * r
					.nextGaussian());
		final double haar = NoiseSettings.haarSigma(plane, w, h, null, NONE, true);
		assertTrue(haar > 1.1 * sigma, "the Haar reading takes the texture for noise: " + haar);
		assertEquals(sigma, PatchNoise.sigma(plane, w, h, null, NONE, 0), 0.03 * sigma, "the patch reading");
		assertEquals(sigma, NoiseSettings.estimateSigma(plane, w, h), 0.03 * sigma, "the lower of the two");
	}

	/**
	 * An 8-bit plane whose dark half clipped at 0: patches at the clip (their noise cut off) are
	 * not read, and σ is the noise's.
	 */
	@Test
	void patchesNearAClipAreNotRead() {
		final int w = 256, h = 256;
		final double sigma = 10;
		final Random r = new Random(9);
		final float[] plane = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				plane[y * w + x] = (float) Math.max(0, Math.rint((x < w / 2 ? 3 : 120 + 0.2 * y) + sigma * r.nextGaussian()));
		final double truth = Math.sqrt(sigma * sigma + 1 / 12.0);
		final double[] clip = CameraFit.clipValues(plane);
		assertEquals(0, clip[0], 0, "the plane clipped at 0");
		// read over every patch, the clipped half pulls σ down
		assertTrue(PatchNoise.sigma(plane, w, h, null, NONE, 0) < 0.9 * truth);
		assertEquals(truth, PatchNoise.sigma(plane, w, h, null, clip, 4 * sigma), 0.03 * truth);
		assertEquals(truth, NoiseSettings.estimateSigma(plane, w, h), 0.03 * truth);
	}

	@Test
	void tooFewPatchesGiveNoReading() {
		final float[] tiny = new float[10 * 10];
		assertTrue(Double.isNaN(PatchNoise.sigma(tiny, 10, 10, null, NONE, 0)));
	}
}
