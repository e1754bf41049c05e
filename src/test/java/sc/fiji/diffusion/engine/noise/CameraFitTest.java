package sc.fiji.diffusion.engine.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The camera is read off simulated images whose truth is known: gain 0.5–5, offset 0–1000,
 * read noise 0–10, stored as 8- or 16-bit (rounded and clipped as a camera does).
 */
class CameraFitTest {

	static final int W = 512, H = 512;

	/** Photons per pixel: a dark background with soft bright objects and a gentle ramp, 0.2 .. peak. */
	static double[] scene(final double peak, final long seed) {
		final Random r = new Random(seed);
		final double[] lambda = new double[W * H];
		final double[][] blobs = new double[14][];
		for (int k = 0; k < blobs.length; k++)
			blobs[k] = new double[] { r.nextDouble() * W, r.nextDouble() * H, 8 + 20 * r.nextDouble(), 0.3 + 0.7 * r.nextDouble() };
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				double v = 0.02 + 0.1 * x / W;
				for (final double[] b : blobs) {
					final double dx = x - b[0], dy = y - b[1];
					v += b[3] * Math.exp(-(dx * dx + dy * dy) / (2 * b[2] * b[2]));
				}
				lambda[y * W + x] = peak * Math.min(v, 1.2);
			}
		return lambda;
	}

	static int poisson(final Random r, final double lambda) {
		return sc.fiji.diffusion.testing.TestData.poisson(r, lambda);
	}

	/** z = clip(round(gain·Poisson(λ) + offset + σ·g)) in [0, max]. */
	static float[] camera(final double[] lambda, final double gain, final double offset, final double sigma,
		final int bits, final long seed)
	{
		final Random r = new Random(seed);
		final double max = bits == 8 ? 255 : 65535;
		final float[] z = new float[lambda.length];
		for (int i = 0; i < z.length; i++)
			z[i] = (float) Math.max(0, Math.min(max, Math.rint(gain * poisson(r, lambda[i]) + offset + sigma * r
				.nextGaussian())));
		return z;
	}

	/** Clipped values: a pile at 0 below, a saturation level or a pile-up above; a plain offset or maximum is none. */
	@Test
	void clipValuesAreThePilesAtTheEnds() {
		final java.util.Random r = new java.util.Random(2);
		final float[] z = new float[10000];
		for (int i = 0; i < z.length; i++)
			z[i] = (float) Math.rint(100 + 20 * r.nextGaussian());
		final double[] none = CameraFit.clipValues(z);
		assertTrue(Double.isNaN(none[0]) && Double.isNaN(none[1]), java.util.Arrays.toString(none));
		// 2 % of the pixels at 0 and at 255 (a saturation level): both ends clipped
		for (int i = 0; i < 200; i++) {
			z[i] = 0;
			z[z.length - 1 - i] = 255;
		}
		assertArrayEquals(new double[] { 0, 255 }, CameraFit.clipValues(z), 0);
		// a pile at 200, not a saturation level: clipped when it holds at least 3x the pixels of the next value below
		final float[] p = z.clone();
		for (int i = 0; i < 200; i++)
			p[z.length - 1 - i] = 200;
		float below = Float.NEGATIVE_INFINITY;
		for (final float v : p)
			if (v < 200) below = Math.max(below, v);
		int nBelow = 0;
		for (final float v : p)
			if (v == below) nBelow++;
		assertTrue(nBelow * 3 <= 200, "the test needs a thin next value: " + nBelow);
		assertEquals(200, CameraFit.clipValues(p)[1], 0);
		// the same pile split over two planes gives the same answer; a thick next value below makes it no clip
		assertEquals(200, CameraFit.clipValues(java.util.Arrays.copyOf(p, 5000), java.util.Arrays.copyOfRange(p, 5000,
			10000))[1], 0);
		for (int i = 0; i < 100; i++)
			p[i] = below;
		assertTrue(Double.isNaN(CameraFit.clipValues(p)[1]));
	}

	@Test
	void gainAndVarianceLineOfSimulatedCamerasWithUnknownOffset() {
		final List<String> report = new ArrayList<>();
		int cases = 0;
		for (final int bits : new int[] { 8, 16 })
			for (final double gain : new double[] { 0.5, 2, 5 })
				for (final double offset : bits == 8 ? new double[] { 0, 10, 100 } : new double[] { 0, 100, 1000 })
					for (final double sigma : new double[] { 0, 2, 10 }) {
						final double max = bits == 8 ? 255 : 65535;
						// the brightest objects reach 60 % of the range above the offset (8-bit, a usual exposure) or 200 photons
						final double peak = bits == 8 ? Math.min(200, 0.6 * (max - offset) / gain) : 200;
						final float[] z = camera(scene(peak, cases), gain, offset, sigma, bits, 100 + cases);
						cases++;
						final CameraFit fit = CameraFit.of(new float[][] { z }, W, Double.NaN);
						final double b = sigma * sigma - gain * offset;
						report.add(String.format(Locale.ROOT, "%2d-bit gain %.1f offset %4.0f sigma %4.1f: a %.3f b %.1f (true %.1f) " +
							"mu3 %.1f", bits, gain, offset, sigma, fit.a(), fit.b(), b, fit.offset()));
						// the gain itself is only visible where photon noise is a good part of the variance over
						// the image's range; elsewhere the variance line (checked below) is what matters
						// where a tenth of the pixels or more sit at a clip (offset 0 with read noise: the dark half of the
						// background is cut at 0), the dark end cannot be measured and 25 % is what is attainable
						int clippedPx = 0;
						for (final float v : z)
							if (v == 0 || v == max) clippedPx++;
						// 8-bit storage leaves few grey levels per photon and clips the bright end early: 25 %
						final double tol = clippedPx > z.length / 10 || bits == 8 ? 0.25 : 0.15;
						if (gain * gain * 0.5 * peak > sigma * sigma) assertEquals(gain, fit.a(), tol * gain, report.get(report
							.size() - 1) + String.format(Locale.ROOT, " (%.0f %% clipped)", 100.0 * clippedPx / z.length));
						// the variance the line predicts at a dark and at a bright level (the line's intercept alone
						// is a far extrapolation when the offset is large)
						for (final double photons : new double[] { 5, 0.5 * peak }) {
							final double m = gain * photons + offset, truth = gain * gain * photons + sigma * sigma;
							// a level within 3 noise σ of the clip at 0 has no true variance to compare with
							if (m < 3 * Math.sqrt(truth) || max - m < 3 * Math.sqrt(truth)) continue;
							// the camera's rounding adds 1/12 grey level² of variance
							assertEquals(truth + 1 / 12.0, fit.a() * m + fit.b(), 0.15 * truth + 0.5, report.get(report.size() - 1) +
								" at " + photons + " photons");
						}
					}
		System.out.println(String.join("\n", report));
	}

	@Test
	void theOffsetAndReadNoiseAreSplitByTheThirdMoment() {
		final double gain = 2, offset = 100, sigma = 2;
		final float[] z = camera(scene(30, 3), gain, offset, sigma, 16, 7);
		final List<NoiseModel> m = NoiseSettings.parse("poisson", 0, 0, Double.NaN).model(new float[][] { z }, W, s -> {});
		final PoissonGaussian pg = (PoissonGaussian) m.get(0);
		assertEquals(gain, pg.gain(), 0.15 * gain, pg.toString());
		assertEquals(offset, pg.offset(), 2, pg.toString());
		assertEquals(sigma, pg.sigma(), 0.6, pg.toString());
		// the transform stabilises the noise whatever the split: intercept as fitted
		assertEquals(sigma * sigma - gain * offset, pg.intercept(), 0.15 * gain * offset, pg.toString());
	}

	@Test
	void givenValuesOverrideEstimates() {
		final float[] z = camera(scene(30, 4), 2, 100, 2, 16, 8);
		final PoissonGaussian all = (PoissonGaussian) NoiseSettings.parse("poisson", 3, 1.5, 90).model(new float[][] { z },
			W, s -> {}).get(0);
		assertEquals(1.5, all.gain(), 0);
		assertEquals(3, all.sigma(), 0);
		assertEquals(90, all.offset(), 0);
		final PoissonGaussian offsetOnly = (PoissonGaussian) NoiseSettings.parse("poisson", 0, 0, 100).model(
			new float[][] { z }, W, s -> {}).get(0);
		assertEquals(100, offsetOnly.offset(), 0);
		assertEquals(2, offsetOnly.sigma(), 0.6, offsetOnly.toString());
	}

	@Test
	void autoTellsGaussianFromPoissonNoise() {
		final List<String> said = new ArrayList<>();
		final float[] photons = camera(scene(30, 5), 2, 100, 2, 16, 9);
		assertTrue(NoiseSettings.parse("auto", 0, 0, Double.NaN).model(new float[][] { photons }, W, said::add)
			.get(0) instanceof PoissonGaussian, String.join("\n", said));
		assertTrue(said.get(0).contains("Poisson"), said.get(0));
		// the same scene with constant Gaussian noise (σ 25 grey levels on 8 bits, clipped at 0 and 255)
		final double[] lambda = scene(1, 5);
		final Random r = new Random(11);
		final float[] gauss = new float[lambda.length];
		for (int i = 0; i < gauss.length; i++)
			gauss[i] = (float) Math.max(0, Math.min(255, Math.rint(20 + 200 * lambda[i] + 25 * r.nextGaussian())));
		said.clear();
		final NoiseModel g = NoiseSettings.parse("auto", 0, 0, Double.NaN).model(new float[][] { gauss }, W, said::add).get(0);
		assertTrue(g instanceof AdditiveGaussian, String.join("\n", said));
		assertEquals(25, ((AdditiveGaussian) g).sigma(), 2.5);
		assertFalse(CameraFit.of(new float[][] { gauss }, W, Double.NaN).signalDependent());
	}

	/**
	 * A dim camera image whose intensities span little beside a strong read noise: the variance
	 * rises by less than +50 %, but within two standard errors of it — auto says it is not sure
	 * (and what to try), keeping its decision; a clear case says nothing of the kind.
	 */
	@Test
	void autoSaysHowSureItIs() {
		final List<String> said = new ArrayList<>();
		final float[] whole = camera(scene(8, 21), 2, 100, 6, 16, 22);
		// a 128×128 corner: few smooth blocks, so a loose slope
		final int w = 128;
		final float[] dim = new float[w * w];
		for (int y = 0; y < w; y++)
			System.arraycopy(whole, (200 + y) * W + 200, dim, y * w, w);
		final CameraFit fit = CameraFit.of(new float[][] { dim }, w, Double.NaN);
		// (measured: growth 0.30 ± 0.16)
		assertTrue(fit.growth() < 0.5 && fit.growth() + 2 * fit.growthError() >= 0.5, "growth " + fit.growth() + " ± " +
			fit.growthError());
		final NoiseModel m = NoiseSettings.parse("auto", 0, 0, Double.NaN).model(new float[][] { dim }, w, said::add).get(0);
		assertTrue(said.get(0).contains(" ± ") && said.get(0).contains("NOT SURE") && said.get(0).contains(
			"try noise=poisson"), said.get(0));
		assertTrue(m instanceof AdditiveGaussian, String.join("\n", said));
		// constant noise: a flat line known well enough to say so
		final Random r = new Random(23);
		final double[] lambda = scene(1, 5);
		final float[] gauss = new float[lambda.length];
		for (int i = 0; i < gauss.length; i++)
			gauss[i] = (float) (1000 + 200 * lambda[i] + 12 * r.nextGaussian());
		said.clear();
		assertTrue(NoiseSettings.parse("auto", 0, 0, Double.NaN).model(new float[][] { gauss }, W, said::add)
			.get(0) instanceof AdditiveGaussian, String.join("\n", said));
		assertFalse(said.get(0).contains("NOT SURE"), said.get(0));
	}

	@Test
	void darkOrFlatImagesGetAMessageNotNaN() {
		// all zeros: nothing to measure
		final float[] dark = new float[W * H];
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse("poisson",
			0, 0, Double.NaN).model(new float[][] { dark }, W, s -> {}));
		assertTrue(e.getMessage().contains("noise"), e.getMessage());
		// auto falls back to Gaussian and then says there is no noise
		final IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse("auto",
			0, 0, Double.NaN).model(new float[][] { dark }, W, s -> {}));
		assertTrue(e2.getMessage().contains("no measurable noise"), e2.getMessage());
		// a flat image with read noise only: Poisson refused with a message, never NaN
		final Random r = new Random(1);
		final float[] flat = new float[W * H];
		for (int i = 0; i < flat.length; i++)
			flat[i] = (float) (500 + 3 * r.nextGaussian());
		final IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse("poisson",
			0, 0, Double.NaN).model(new float[][] { flat }, W, s -> {}));
		assertTrue(e3.getMessage().contains("does not grow"), e3.getMessage());
	}

	@Test
	void settingsThatCannotDescribeTheImageAreRefused() {
		final Random r = new Random(2);
		final float[] z = new float[W * H];
		for (int i = 0; i < z.length; i++)
			z[i] = (float) Math.rint(90 + 100 * (i % W) / (double) W + 2 * r.nextGaussian());
		final IllegalArgumentException off = assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse(
			"poisson", 0, 0, 5000).model(new float[][] { z }, W, s -> {}));
		assertTrue(off.getMessage().contains("offset=5000"), off.getMessage());
		final IllegalArgumentException sig = assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse(
			"gaussian", 1e9, 0, Double.NaN).model(new float[][] { z }, W, s -> {}));
		assertTrue(sig.getMessage().contains("sigma=1000000000"), sig.getMessage());
		assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse("poisson", -1, 0, Double.NaN));
		assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse("loud", 0, 0, Double.NaN));
		assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parseOffset("abc"));
	}
}
