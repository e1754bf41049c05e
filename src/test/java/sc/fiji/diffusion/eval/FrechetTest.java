package sc.fiji.diffusion.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The Fréchet distance against closed forms that do not go through the eigen-solver. */
class FrechetTest {

	private static double[][] randomSpd(final int d, final Random rnd) {
		final double[][] a = new double[d][d];
		for (int i = 0; i < d; i++)
			for (int j = 0; j < d; j++)
				a[i][j] = rnd.nextGaussian();
		final double[][] s = new double[d][d];
		for (int i = 0; i < d; i++)
			for (int j = 0; j < d; j++) {
				for (int k = 0; k < d; k++)
					s[i][j] += a[i][k] * a[j][k];
				if (i == j) s[i][j] += 0.1;
			}
		return s;
	}

	@Test
	void eigenDecompositionReconstructsTheMatrix() {
		final Random rnd = new Random(1);
		final int d = 40;
		final double[][] s = randomSpd(d, rnd);
		final double[][] v = new double[d][d];
		final double[] ev = Frechet.eigen(s, v);
		double trace = 0, sum = 0;
		for (int i = 0; i < d; i++) {
			trace += s[i][i];
			sum += ev[i];
			for (int j = 0; j < d; j++) {
				double r = 0, orth = 0;
				for (int k = 0; k < d; k++) {
					r += v[i][k] * ev[k] * v[j][k];
					orth += v[k][i] * v[k][j];
				}
				assertEquals(s[i][j], r, 1e-9 * trace);
				assertEquals(i == j ? 1 : 0, orth, 1e-10);
			}
		}
		assertEquals(trace, sum, 1e-9 * trace);
		// and the square root squares back
		final double[][] r = Frechet.sqrtPsd(s);
		final double[][] rr = Frechet.multiply(r, r);
		for (int i = 0; i < d; i++)
			for (int j = 0; j < d; j++)
				assertEquals(s[i][j], rr[i][j], 1e-9 * trace);
	}

	private static Frechet.Gaussian gaussian(final double[] mean, final double[][] cov) {
		return new Frechet.Gaussian(mean, cov, 100);
	}

	@Test
	void diagonalCovariancesGiveTheSumOfSquaredStdDifferences() {
		final Frechet.Gaussian a = gaussian(new double[] { 1, 2, 3 }, new double[][] { { 4, 0, 0 }, { 0, 1, 0 }, { 0, 0, 9 } });
		final Frechet.Gaussian b = gaussian(new double[] { 0, 2, 5 }, new double[][] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 16 } });
		// |Δμ|² = 1 + 0 + 4; Σ (σa − σb)² = 1 + 0 + 1
		assertEquals(7, Frechet.distance(a, b), 1e-9);
		assertEquals(7, Frechet.distance(b, a), 1e-9);
	}

	@Test
	void nonCommutingTwoByTwoMatchesTheClosedForm() {
		// for 2×2 SPD M: tr √M = √(tr M + 2 √det M), with M = Σ₁Σ₂ (same eigenvalues as the symmetric form)
		final double[][] s1 = { { 2, 0.7 }, { 0.7, 1 } }, s2 = { { 0.5, -0.2 }, { -0.2, 3 } };
		final double[][] m = Frechet.multiply(s1, s2);
		final double det1 = 2 * 1 - 0.49, det2 = 0.5 * 3 - 0.04;
		final double crossTrace = Math.sqrt(m[0][0] + m[1][1] + 2 * Math.sqrt(det1 * det2));
		final double expected = 0.3 * 0.3 + 2 + 1 + 0.5 + 3 - 2 * crossTrace;
		assertEquals(expected, Frechet.distance(gaussian(new double[] { 0.3, 0 }, s1), gaussian(new double[] { 0, 0 }, s2)),
			1e-10);
	}

	@Test
	void identicalSetsAreAtZeroAndRotationsDoNotMatter() {
		final Random rnd = new Random(2);
		final int n = 400, d = 16;
		final float[][] x = new float[n][d], y = new float[n][d];
		for (int i = 0; i < n; i++)
			for (int j = 0; j < d; j++) {
				x[i][j] = (float) (rnd.nextGaussian() * (1 + j % 3));
				y[i][j] = (float) (0.5 + rnd.nextGaussian());
			}
		assertEquals(0, Frechet.distance(Frechet.fit(x), Frechet.fit(x)), 1e-6);
		final double before = Frechet.distance(Frechet.fit(x), Frechet.fit(y));
		// the same orthogonal map (a rotation in the first two coordinates) applied to both sets
		final double c = Math.cos(0.7), s = Math.sin(0.7);
		for (final float[][] set : new float[][][] { x, y })
			for (final float[] f : set) {
				final double a = f[0], b = f[1];
				f[0] = (float) (c * a - s * b);
				f[1] = (float) (s * a + c * b);
			}
		assertEquals(before, Frechet.distance(Frechet.fit(x), Frechet.fit(y)), 1e-4 * before);
	}

	@Test
	void fitNeedsTwoVectors() {
		assertThrows(IllegalArgumentException.class, () -> Frechet.fit(new float[][] { { 1, 2 } }));
	}
}
