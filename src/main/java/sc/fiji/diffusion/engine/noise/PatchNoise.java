package sc.fiji.diffusion.engine.noise;

import java.util.Arrays;

import sc.fiji.diffusion.engine.image.SummedAreas;

/**
 * σ of white Gaussian noise from the covariance of an image's p × p patches (Chen, Zhu &amp; Heng,
 * "An efficient statistical method for image noise level estimation", ICCV 2015).
 * <p>
 * White noise of variance σ² adds σ² to every eigenvalue of the patches' covariance; the image's
 * structure lives in a few directions (the largest eigenvalues), so the smallest ones are σ² plus
 * little. Of the eigenvalues λ₁ ≥ … ≥ λ_d, the tail λ_i … λ_d whose mean is no more than its
 * median (noise alone: spread symmetrically about σ²; structure pulls the mean above the median)
 * is taken as noise, σ² = its mean, for the smallest i that qualifies.
 * <p>
 * Where {@link NoiseSettings#estimateSigma} reads a textured plane's finest Haar band, grain of the
 * specimen that reaches that band reads as noise; the patch covariance separates what is
 * correlated across a 7×7 patch from what is not. Neither is best everywhere (on photographs'
 * fine regular texture the tail of the spectrum holds texture too), and both err upward — structure
 * adds to what they read, nothing takes from it — so the estimate is the lower of the two.
 */
final class PatchNoise {

	private PatchNoise() {}

	/** The patch side. */
	static final int P = 7;
	/**
	 * At most this many patches are read (on a regular grid); fewer than {@link #MIN_PATCHES} usable
	 * ones: no estimate. The sample covariance's eigenvalues spread about σ² (Marchenko–Pastur) and
	 * the tail rule reads that spread low: on pure noise, −6 % of σ from 500 independent 7×7
	 * patches, −0.5 % from 5000, −0.2 % from 20 000 (overlapping patches count for fewer); a clipped
	 * photograph (the Hubble deep field, a few hundred patches far enough from the black sky) read
	 * 3 % low.
	 */
	static final int MAX_PATCHES = 100_000, MIN_PATCHES = 10_000;

	/**
	 * σ of the plane's white noise, from the patches none of whose pixels is in {@code skip} (null:
	 * none) or at a clipped value, and whose mean lies more than {@code margin} from the clipped
	 * values ({@code {low, high}}, NaN for none: near a clip the noise was cut off); NaN where too
	 * few patches qualify.
	 */
	static double sigma(final float[] plane, final int w, final int h, final boolean[] skip, final double[] clip,
		final double margin)
	{
		final int p = P, d = p * p;
		if (w < p || h < p) return Double.NaN;
		// summed-area tables of the pixels not to use and of the values: a patch qualifies where the first sums to 0
		// and the second's mean is far enough from the clips
		final float[] notUsed = new float[plane.length];
		for (int i = 0; i < plane.length; i++)
			notUsed[i] = skip != null && skip[i] || plane[i] == clip[0] || plane[i] == clip[1] ? 1 : 0;
		final double[] bad = SummedAreas.of(notUsed, w, h), sum = SummedAreas.of(plane, w, h);
		final long positions = (long) (w - p + 1) * (h - p + 1);
		final int stride = (int) Math.max(1, Math.ceil(Math.sqrt((double) positions / MAX_PATCHES)));
		final double[] mean = new double[d], outer = new double[d * d], v = new double[d];
		// the sums are taken about the plane's mean, so that they stay small (the covariance is the same)
		double c = 0;
		for (final float f : plane)
			c += f;
		c /= plane.length;
		long n = 0;
		for (int y0 = 0; y0 + p <= h; y0 += stride)
			for (int x0 = 0; x0 + p <= w; x0 += stride) {
				if (SummedAreas.sum(bad, w, x0, y0, x0 + p, y0 + p) != 0) continue;
				final double m = SummedAreas.sum(sum, w, x0, y0, x0 + p, y0 + p) / d;
				if (m - clip[0] <= margin || clip[1] - m <= margin) continue; // NaN clip: no limit
				for (int dy = 0; dy < p; dy++)
					for (int dx = 0; dx < p; dx++)
						v[dy * p + dx] = plane[(y0 + dy) * w + x0 + dx];
				for (int a = 0; a < d; a++) {
					final double va = v[a] - c;
					mean[a] += va;
					for (int b = a; b < d; b++)
						outer[a * d + b] += va * (v[b] - c);
				}
				n++;
			}
		if (n < MIN_PATCHES) return Double.NaN;
		final double[] cov = new double[d * d];
		for (int a = 0; a < d; a++)
			for (int b = a; b < d; b++) {
				final double cab = outer[a * d + b] / n - mean[a] / n * (mean[b] / n);
				cov[a * d + b] = cab;
				cov[b * d + a] = cab;
			}
		final double[] lambda = eigenvalues(cov, d);
		return Math.sqrt(Math.max(tail(lambda), 0));
	}

	/** The noise variance from eigenvalues sorted in descending order: the mean of the first tail whose mean ≤ median. */
	static double tail(final double[] lambda) {
		final int d = lambda.length;
		for (int i = 0; i < d; i++) {
			double sum = 0;
			for (int j = i; j < d; j++)
				sum += lambda[j];
			final double tau = sum / (d - i);
			int above = 0, below = 0;
			for (int j = i; j < d; j++)
				if (lambda[j] > tau) above++;
				else if (lambda[j] < tau) below++;
			if (above >= below) return tau;
		}
		return lambda[d - 1];
	}

	/** The eigenvalues of a symmetric d × d matrix (row-major; destroyed), descending: cyclic Jacobi rotations. */
	static double[] eigenvalues(final double[] m, final int d) {
		for (int sweep = 0; sweep < 100; sweep++) {
			double off = 0, diag = 0;
			for (int a = 0; a < d; a++) {
				diag += m[a * d + a] * m[a * d + a];
				for (int b = a + 1; b < d; b++)
					off += m[a * d + b] * m[a * d + b];
			}
			if (off <= 1e-24 * Math.max(diag, 1e-300)) break;
			for (int a = 0; a < d; a++)
				for (int b = a + 1; b < d; b++) {
					final double apq = m[a * d + b];
					if (apq == 0) continue;
					final double app = m[a * d + a], aqq = m[b * d + b];
					final double theta = (aqq - app) / (2 * apq);
					final double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
					final double c = 1 / Math.sqrt(t * t + 1), s = t * c;
					for (int k = 0; k < d; k++) {
						final double mka = m[k * d + a], mkb = m[k * d + b];
						m[k * d + a] = c * mka - s * mkb;
						m[k * d + b] = s * mka + c * mkb;
					}
					for (int k = 0; k < d; k++) {
						final double mak = m[a * d + k], mbk = m[b * d + k];
						m[a * d + k] = c * mak - s * mbk;
						m[b * d + k] = s * mak + c * mbk;
					}
				}
		}
		final double[] lambda = new double[d];
		for (int a = 0; a < d; a++)
			lambda[a] = m[a * d + a];
		Arrays.sort(lambda);
		for (int i = 0; i < d / 2; i++) {
			final double t = lambda[i];
			lambda[i] = lambda[d - 1 - i];
			lambda[d - 1 - i] = t;
		}
		return lambda;
	}
}
