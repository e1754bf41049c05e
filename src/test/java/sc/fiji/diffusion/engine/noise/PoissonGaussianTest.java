package sc.fiji.diffusion.engine.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The generalised Anscombe transform, its exact unbiased inverse, and the noise estimator. */
class PoissonGaussianTest {

	/** Knuth's Poisson sampler (fine for the small means used here), then gain, offset and read noise. */
	private static float camera(final Random r, final double lambda, final double gain, final double offset,
		final double sigma)
	{
		int k = 0;
		if (lambda > 0) {
			if (lambda > 60) k = (int) Math.max(0, Math.round(lambda + Math.sqrt(lambda) * r.nextGaussian()));
			else {
				final double l = Math.exp(-lambda);
				double p = 1;
				do {
					k++;
					p *= r.nextDouble();
				}
				while (p > l);
				k--;
			}
		}
		return (float) (gain * k + offset + sigma * r.nextGaussian());
	}

	/**
	 * A large image's integer pixels go through a table of the transform (one entry per 16-bit
	 * value): every pixel, integer or not, in range or not, gets what the transform's formula
	 * gives it alone (a 4-pixel image, which takes no table), bit for bit.
	 */
	@Test
	void theTabulatedForwardTransformIsTheFormula() {
		final PoissonGaussian pg = PoissonGaussian.of(2.5, 100, 1.5);
		final Random r = new Random(5);
		final float[] z = new float[1 << 19];
		for (int i = 0; i < z.length; i++) {
			final int kind = r.nextInt(6);
			z[i] = kind == 0 ? (float) (100 + 40 * r.nextGaussian()) : kind == 1 ? -r.nextInt(50) : kind == 2 ? 65535 + r
				.nextInt(3) : kind == 3 ? -0.0f : r.nextInt(65536);
		}
		final float[] f = pg.forward(z);
		for (int i = 0; i < z.length; i += 4) {
			final float[] one = pg.forward(new float[] { z[i], z[i + 1], z[i + 2], z[i + 3] });
			for (int j = 0; j < 4; j++)
				assertEquals(Float.floatToIntBits(one[j]), Float.floatToIntBits(f[i + j]), "pixel " + (i + j) + " = " + z[i +
					j]);
		}
	}

	/**
	 * The inverse of a whole image interpolates λ(D) on a fine uniform grid: it stays within 10⁻⁶
	 * photons of the table's own λ(D) (and within a float's rounding of the result) at every D,
	 * below, inside and above the table, for cameras with and without read noise.
	 */
	@Test
	void theGriddedInverseIsTheTablesInverse() {
		for (final double sigma : new double[] { 0, 1.5, 6 }) {
			final PoissonGaussian pg = PoissonGaussian.of(2.5, 100, sigma);
			final Random r = new Random(7);
			final float[] d = new float[200_000];
			for (int i = 0; i < d.length; i++)
				d[i] = i < 1000 ? -1 + 31f * i / 1000 : (float) (r.nextDouble() * 32 - 1);
			final float[] z = pg.inverse(d);
			double worst = 0;
			for (int i = 0; i < d.length; i++) {
				final double lambda = pg.lambda(d[i]);
				final double want = 2.5 * lambda + 100;
				assertEquals(want, z[i], Math.ulp((float) want) + 2.5e-6, "D = " + d[i] + ", sigma " + sigma);
				worst = Math.max(worst, Math.abs((z[i] - 100) / 2.5 - lambda) - Math.ulp((float) want) / 2.5);
			}
			assertTrue(worst < 1e-6, "worst difference in photons " + worst);
		}
	}

	@Test
	void theForwardTransformStabilisesTheVarianceAndTheInverseIsUnbiased() {
		final double gain = 2.5, offset = 100, sigma = 1.5;
		final PoissonGaussian pg = PoissonGaussian.of(gain, offset, sigma);
		final Random r = new Random(3);
		for (final double lambda : new double[] { 0.5, 2, 5, 20, 80, 400 }) {
			final int n = 200000;
			final float[] z = new float[n];
			for (int i = 0; i < n; i++)
				z[i] = camera(r, lambda, gain, offset, sigma);
			final float[] f = pg.forward(z);
			double m = 0, v = 0;
			for (final float x : f)
				m += x / (double) n;
			for (final float x : f)
				v += (x - m) * (x - m) / n;
			if (lambda >= 5) assertEquals(1, v, 0.08, "unit variance at lambda " + lambda);
			// the exact unbiased inverse of the mean of f gives back the mean of z
			final double back = pg.inverse(new float[] { (float) m })[0];
			final double truth = gain * lambda + offset;
			assertEquals(truth, back, Math.max(0.02 * gain * lambda, 0.03 * gain), "lambda " + lambda);
			// where counts are low, the algebraic inverse is visibly biased and this one is not
			if (lambda <= 2) {
				final double s = sigma / gain;
				final double algebraic = gain * (m * m / 4 - 0.375 - s * s) + offset;
				assertTrue(Math.abs(algebraic - truth) > 3 * Math.abs(back - truth), "lambda " + lambda + ": algebraic " +
					algebraic + ", exact " + back + ", truth " + truth);
			}
		}
	}

	@Test
	void aMixOfTheImageAndItsMeanIsTheMixedCamerasImage() {
		// m = λ z + (1 − λ) E[z] (an estimate without error): the mixed camera's variance line holds for m, its
		// transform has unit variance where z's (at 3 photons) does not, and its inverse gives E[z] back
		final double gain = 2, offset = 100, sigma = 2, lambda = 0.4;
		final PoissonGaussian pg = PoissonGaussian.of(gain, offset, sigma), mixed = pg.mixed(lambda);
		final Random r = new Random(5);
		final double photons = 3, mean = gain * photons + offset;
		final int n = 200000;
		final float[] z = new float[n], m = new float[n];
		for (int i = 0; i < n; i++) {
			z[i] = camera(r, photons, gain, offset, sigma);
			m[i] = (float) (lambda * z[i] + (1 - lambda) * mean);
		}
		double vm = 0;
		for (final float x : m)
			vm += (x - mean) * (x - mean) / n;
		assertEquals(mixed.variance(mean), vm, 0.02 * vm, "variance of the mix");
		assertEquals(lambda * lambda * pg.variance(mean), mixed.variance(mean), 1e-9);
		final double vz = variance(pg.forward(z)), vMixed = variance(mixed.forward(m));
		assertTrue(Math.abs(vMixed - 1) < 0.03 && Math.abs(vz - 1) > 2 * Math.abs(vMixed - 1), "transformed variance: " +
			"mix " + vMixed + ", image " + vz);
		double f = 0;
		for (final float x : mixed.forward(m))
			f += x / (double) n;
		assertEquals(mean, mixed.inverse(new float[] { (float) f })[0], 0.02 * gain * photons);
		assertThrows(IllegalArgumentException.class, () -> pg.mixed(0));
		assertThrows(IllegalArgumentException.class, () -> pg.mixed(1.5));
	}

	private static double variance(final float[] f) {
		double m = 0, v = 0;
		for (final float x : f)
			m += x / (double) f.length;
		for (final float x : f)
			v += (x - m) * (x - m) / f.length;
		return v;
	}

	@Test
	void theInverseJoinsTheClosedFormSmoothly() {
		final PoissonGaussian pg = PoissonGaussian.of(1, 0, 0.7);
		// just below and above the end of the table
		final double below = pg.lambda(2 * Math.sqrt(149.9 + 0.375 + 0.49)), above = pg.closedForm(2 * Math.sqrt(149.9 + 0.375 +
			0.49));
		assertEquals(below, above, 0.01);
		assertEquals(0, pg.lambda(0.1), 0);
	}

	@Test
	void gainAndReadNoiseAreEstimatedFromAnImage() {
		final int w = 400, h = 300;
		final double gain = 3, offset = 100, sigma = 4;
		final float[] z = new float[w * h];
		final Random r = new Random(7);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				// a smooth ramp with soft blobs: photons from 0.5 to ~60
				final double bx = x - 250, by = y - 150;
				final double lambda = 0.5 + 30.0 * x / w + 30 * Math.exp(-(bx * bx + by * by) / 2000.0);
				z[y * w + x] = camera(r, lambda, gain, offset, sigma);
			}
		final PoissonGaussian est = (PoissonGaussian) NoiseSettings.parse("poisson", 0, 0, offset).model(new float[][] { z },
			w, s -> {}).get(0);
		assertEquals(gain, est.gain(), 0.1 * gain, est.toString());
		assertEquals(sigma, est.sigma(), 0.3 * sigma, est.toString());
		assertTrue(est.toString().contains("estimated"), est.toString());
		// given values are kept
		final PoissonGaussian given = (PoissonGaussian) NoiseSettings.parse("poisson", 5, 2, offset).model(new float[][] { z },
			w, s -> {}).get(0);
		assertEquals(2, given.gain(), 0);
		assertEquals(5, given.sigma(), 0);
		// pure Gaussian noise has no signal-dependent part: a clear message instead of nonsense
		final float[] flat = new float[w * h];
		for (int i = 0; i < flat.length; i++)
			flat[i] = (float) (100 + 200.0 * (i % w) / w + 10 * r.nextGaussian());
		assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse("poisson", 0, 0, 0).model(new float[][] { flat },
			w, s -> {}));
	}

	/**
	 * cleanForward(x) is E[f(z)] for the clean value x: the exact unbiased inverse maps it back to x
	 * (a round trip through the table, and above it through the closed form), it matches a
	 * Monte-Carlo mean of the transformed noisy values, and at a few photons it lies below f(x)
	 * (the transform is concave).
	 */
	@Test
	void cleanForwardIsTheExpectedTransformThatTheInverseMapsBack() {
		final PoissonGaussian pg = PoissonGaussian.of(2, 100, 2);
		final float[] x = { 100.5f, 101, 102, 104, 110, 130, 200, 400, 1100 };
		final float[] d = pg.cleanForward(x), back = pg.inverse(d), direct = pg.forward(x);
		for (int i = 0; i < x.length; i++)
			assertEquals(x[i], back[i], 1e-3 * Math.max(1, x[i] - 100), "round trip at " + x[i]);
		// at 1 photon E[f(z)] is clearly below f(E[z]); at 500 photons nearly equal
		assertTrue(direct[1] - d[1] > 0.05, direct[1] + " vs " + d[1]);
		assertEquals(direct[8], d[8], 0.02);
		// against a Monte-Carlo mean of f(z) at 2 photons (z = 2·Poisson(2) + 100 + 2·N(0,1))
		final Random r = new Random(5);
		final int n = 400_000;
		final float[] z = new float[n];
		for (int k = 0; k < n; k++) {
			int p = 0;
			for (double t = -Math.log(r.nextDouble()); t < 2; t -= Math.log(r.nextDouble()))
				p++;
			z[k] = (float) (2 * p + 100 + 2 * r.nextGaussian());
		}
		double mean = 0;
		for (final float f : pg.forward(z))
			mean += f;
		assertEquals(mean / n, pg.cleanForward(new float[] { 104 })[0], 0.01);
	}
}
