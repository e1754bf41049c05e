package sc.fiji.diffusion.engine.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The clipped-noise model against draws of clipped noise: its mean of the clipped values, the way
 * back from that mean to the clean value, and what it leaves alone.
 */
class ClippedTest {

	private static final double SIGMA = 25;
	private static final NoiseModel GAUSS = new AdditiveGaussian(SIGMA, false);
	private static final Clipped EIGHT_BIT = (Clipped) Clipped.of(GAUSS, new double[] { 0, 255 });

	@Test
	void theClippedMeanIsTheMeanOfClippedDraws() {
		final Random r = new Random(3);
		for (final double x : new double[] { -20, 0, 12, 40, 128, 230, 255, 270 }) {
			final int n = 400_000;
			double sum = 0;
			for (int k = 0; k < n; k++)
				sum += Math.max(0, Math.min(255, x + SIGMA * r.nextGaussian()));
			// standard error of the draws' mean ≤ σ/√n = 0.04
			assertEquals(sum / n, EIGHT_BIT.noisyMean(x), 0.15, "x = " + x);
		}
		assertEquals(SIGMA / Math.sqrt(2 * Math.PI), EIGHT_BIT.noisyMean(0), 1e-4, "at the clip: σ·φ(0)");
	}

	@Test
	void theWayBackInvertsTheClippedMeanWithinTheRange() {
		for (double x = 0; x <= 255; x += 0.7)
			assertEquals(x, EIGHT_BIT.clean(EIGHT_BIT.noisyMean(x)), 0.01, "x = " + x);
		// a mean no clean value in [0, 255] gives: the nearest end
		assertEquals(0, EIGHT_BIT.clean(0.5), 0);
		assertEquals(255, EIGHT_BIT.clean(254.9), 0);
		assertEquals(0, EIGHT_BIT.clean(-3), 0);
	}

	@Test
	void valuesFarFromTheClipsPassUnchanged() {
		final float[] d = { 100, 128.25f, 200.5f, 60 };
		// at σ 5, more than Clipped.REACH σ from 0 and 255
		assertArrayEquals(d, Clipped.of(new AdditiveGaussian(5, false), new double[] { 0, 255 }).inverse(d));
		// at σ 25, 4σ or more from both clips: the clipped noise's mean is off by σ·(φ(4) − 4·Φ(−4)) ≈ 2e-4 at most
		final float[] mid = { 100, 128.25f, 155 };
		final float[] back = EIGHT_BIT.inverse(mid);
		for (int i = 0; i < mid.length; i++)
			assertEquals(mid[i], back[i], 1e-3);
		// within reach of the lower clip only, when the image clipped only there
		final Clipped low = (Clipped) Clipped.of(GAUSS, new double[] { 0, Double.NaN });
		assertEquals(240, low.clean(240), 0);
		assertEquals(300, low.clean(300), 0, "no upper clip: no upper bound");
		assertTrue(low.clean(10) < 10 - 5, "10 grey levels above a black clip at σ 25 is mostly clipped noise");
	}

	@Test
	void aFileThatClippedNothingIsNotWrapped() {
		assertSame(GAUSS, Clipped.of(GAUSS, new double[] { Double.NaN, Double.NaN }));
	}

	@Test
	void theWrappedModelIsOtherwiseTheSame() {
		final PoissonGaussian pg = PoissonGaussian.of(2, 100, 3);
		final NoiseModel c = Clipped.of(pg, new double[] { Double.NaN, 65535 });
		final float[] z = { 100, 400, 3000, 65535 };
		assertArrayEquals(pg.forward(z), c.forward(z));
		assertEquals(pg.variance(400), c.variance(400), 0);
		assertEquals(pg.isStabilised(), c.isStabilised());
		assertEquals(pg.toString(), c.toString());
		final NoiseModel measured = c.withWorkingSigma(1.2);
		assertTrue(measured instanceof Clipped, "a measured working sigma keeps the clip");
		assertEquals(1.2, measured.workingSigma(), 1e-12);
		// far below saturation the way back is the camera model's own
		final float[] d = pg.forward(new float[] { 400, 3000 });
		assertArrayEquals(pg.inverse(d), c.inverse(d));
	}

	/**
	 * A dark sky: almost every pixel within 2σ of the black clip, a few bright stars. The Haar
	 * estimate has too few unclipped blocks left and reads the clipped noise (too low); the
	 * censored estimate reads σ from how often and how far the noise crosses the clip. The same
	 * mirrored at a saturated white.
	 */
	@Test
	void theNoiseOfAPlaneClippedAlmostEverywhereIsReadFromHowItClips() {
		final int w = 256, h = 256;
		final double sigma = 20;
		final Random r = new Random(5);
		final float[] dark = new float[w * h], bright = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				final boolean star = (x % 64 < 6) && (y % 64 < 6);
				final double clean = star ? 200 : 4 + 8.0 * x / w;
				final double z = Math.rint(clean + sigma * r.nextGaussian());
				dark[y * w + x] = (float) Math.max(0, Math.min(255, z));
				bright[y * w + x] = (float) Math.max(0, Math.min(255, 255 - clean + sigma * r.nextGaussian()));
			}
		for (final float[] plane : new float[][] { dark, bright }) {
			final double haarAll = NoiseSettings.estimateSigma(plane, w, h, null, new double[] { Double.NaN, Double.NaN });
			assertTrue(haarAll < 0.85 * sigma, "the clipped noise reads low to the Haar estimate: " + haarAll);
			assertEquals(sigma, NoiseSettings.estimateSigma(plane, w, h), 0.05 * sigma);
		}
	}

	/**
	 * Truncated noise (a value out of [0, 255] drawn again, as ImageJ's 8-bit Add Noise does): its
	 * mean against draws, and the way back.
	 */
	@Test
	void truncatedNoiseHasItsOwnMeanAndWayBack() {
		final Clipped t = (Clipped) Clipped.of(GAUSS, new double[] { 0, 255 }, new boolean[] { true, true });
		final Random r = new Random(4);
		for (final double x : new double[] { 0, 12, 40, 128, 250 }) {
			final int n = 200_000;
			double sum = 0;
			for (int k = 0; k < n; k++) {
				double z;
				do
					z = x + SIGMA * r.nextGaussian();
				while (z < 0 || z > 255);
				sum += z;
			}
			assertEquals(sum / n, t.noisyMean(x), 0.2, "x = " + x);
		}
		assertEquals(SIGMA * 2 / Math.sqrt(2 * Math.PI), t.noisyMean(0), 1e-3, "at the bound: the half-normal's mean");
		for (double x = 0; x <= 255; x += 1.3)
			assertEquals(x, t.clean(t.noisyMean(x)), 0.01, "x = " + x);
		assertTrue(t.truncated(0) && t.truncated(1));
	}

	/** Clipped noise piles up at the bound, truncated noise does not: that is how the two are told apart. */
	@Test
	void aPileAtTheBoundMeansClippedNoneMeansTruncated() {
		final Random r = new Random(9);
		final int n = 128 * 128;
		final float[] clipped = new float[n], truncated = new float[n], inside = new float[n];
		for (int i = 0; i < n; i++) {
			final double x = i < n / 2 ? 5 : 120;
			clipped[i] = (float) Math.max(0, Math.min(255, Math.rint(x + SIGMA * r.nextGaussian())));
			long v;
			do
				v = Math.round(x + SIGMA * r.nextGaussian());
			while (v < 0 || v > 255);
			truncated[i] = v;
			inside[i] = (float) Math.rint(120 + 10 * r.nextGaussian());
		}
		final Clipped.Bounds c = Clipped.bounds(clipped), t = Clipped.bounds(truncated), none = Clipped.bounds(inside);
		assertEquals(0, c.value[0], 0);
		assertTrue(!c.truncated[0] && c.count[0] > n / 5, "a clipped dark half: about 42 % of it at 0, " + c.count[0]);
		assertEquals(0, t.value[0], 0);
		assertTrue(t.truncated[0], "no pile at 0: " + t.count[0] + " pixels");
		assertTrue(Double.isNaN(none.value[0]) && Double.isNaN(none.value[1]), "values that never reach a bound");
		assertTrue(Clipped.of(GAUSS, t.value, t.truncated) instanceof Clipped);
		assertSame(GAUSS, Clipped.of(GAUSS, none.value, none.truncated));
	}

	/**
	 * A dim 16-bit channel (100–1740) under σ 300 drawn again below 0: only ~0.03 % of the pixels
	 * land exactly on 0, no pile, yet the noise of the dim half was cut there. The floor is found,
	 * called truncated, and the camera fit, kept away from it, sees constant noise (it read the
	 * shrunken variance of the dim pixels as noise growing with the signal before).
	 */
	@Test
	void aFloorTheNoiseWasCutAtWithoutAPileIsFound() {
		final Random r = new Random(11);
		final int w = 256, h = 256;
		final float[] truncated = new float[w * h], lifted = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				final double clean = 100 + 1640 * x / (w - 1.0);
				long v;
				do
					v = Math.round(clean + 300 * r.nextGaussian());
				while (v < 0 || v > 65535);
				truncated[y * w + x] = v;
				lifted[y * w + x] = Math.round(clean + 300 * r.nextGaussian());
			}
		final Clipped.Bounds b = Clipped.bounds(truncated);
		assertEquals(0, b.value[0], 0, "the floor at 0");
		assertTrue(b.truncated[0] && b.count[0] < w * h / 1000, "no pile: " + b.count[0] + " pixels at 0");
		final CameraFit fit = CameraFit.of(new float[][] { truncated }, w, Double.NaN);
		assertTrue(!fit.signalDependent(), "constant noise away from the floor: " + fit + ", growth " + fit.growth());
		// the same noise not cut (values below 0 kept, as in a 32-bit image): its lowest value is a tail, not a floor
		final double[] none = CameraFit.clipValues(lifted);
		assertTrue(Double.isNaN(none[0]), "a Gaussian tail is no floor: " + none[0]);
	}
}
