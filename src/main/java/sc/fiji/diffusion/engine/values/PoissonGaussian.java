package sc.fiji.diffusion.engine.values;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Poisson–Gaussian noise, as photon-counting cameras produce it: z = a·p + n with p ~ Poisson(λ)
 * photons, gain a and Gaussian read noise n ~ N(μ, σ²) around the camera offset μ, so that
 * var(z) = a·(E[z] − μ) + σ², i.e. var(z) = a·E[z] + b with b = σ² − a·μ.
 * <p>
 * The generalised Anscombe transform (GAT; Starck, Murtagh &amp; Bijaoui 1998)
 * <pre>
 *   f(z) = (2/a) · √(max(a·z + 3a²/8 + σ² − a·μ, 0))
 * </pre>
 * makes the noise approximately Gaussian of unit variance, so a Gaussian denoiser can work at
 * σ = 1. The way back is the exact unbiased inverse of Mäkitalo &amp; Foi (2013): with the
 * normalised model z̃ = (z − μ)/a = p + σ̃ g, σ̃ = σ/a, the denoised value D estimates
 * F(λ) = E[f̃(z̃) | λ] = Σ_k Poisson(k; λ) · E_g[2√(max(k + σ̃ g + 3/8 + σ̃², 0))], and the
 * inverse maps D to the λ with F(λ) = D (tabulated and interpolated for λ ≤ 150, the
 * closed-form approximation of the same inverse above), then E[z] = a·λ + μ. The plain
 * algebraic inverse (D/2)² − 3/8 − σ̃² is biased at low counts; this one is not.
 * <p>
 * The parameters can be estimated from the image: a robust local mean–variance fit in the
 * spirit of Foi et al. (2008): the image is cut into 2×2 blocks, each giving a local mean and
 * a diagonal Haar detail (which has the pixels' noise variance where the image is smooth);
 * blocks in smooth regions are grouped into intensity bins, each bin's noise variance is the
 * mean squared detail (without outliers beyond 5 robust standard deviations), and
 * var = a·mean + b is fitted by weighted least squares.
 */
public final class PoissonGaussian {

	/** Above this λ the closed-form approximation of the exact inverse is used (its error there is negligible). */
	private static final double TABLE_MAX = 150;

	private final double a, mu, sigma;
	private final boolean estimatedGain, estimatedSigma;
	private double[] tableLambda, tableF;

	private PoissonGaussian(final double a, final double mu, final double sigma, final boolean estimatedGain,
		final boolean estimatedSigma)
	{
		if (!(a > 0) || !Double.isFinite(a)) throw new IllegalArgumentException("the gain must be positive, was " + a);
		if (!(sigma >= 0) || !Double.isFinite(sigma)) throw new IllegalArgumentException("sigma must be >= 0, was " + sigma);
		this.a = a;
		this.mu = mu;
		this.sigma = sigma;
		this.estimatedGain = estimatedGain;
		this.estimatedSigma = estimatedSigma;
	}

	/** Known parameters: gain a, camera offset μ, read noise σ (all in image units). */
	public static PoissonGaussian of(final double gain, final double offset, final double sigma) {
		return new PoissonGaussian(gain, offset, sigma, false, false);
	}

	/**
	 * Parameters from the image where not given: {@code gain} and {@code sigma} of 0 mean
	 * "estimate"; {@code offset} (the camera's dark level) is taken as given (0 when unknown:
	 * the fit's b then is all read noise).
	 */
	public static PoissonGaussian estimate(final float[][] planes, final int width, final double gain, final double sigma,
		final double offset)
	{
		if (gain < 0 || sigma < 0) throw new IllegalArgumentException("gain and sigma must be >= 0 (0 = estimate), were " +
			gain + ", " + sigma);
		if (gain > 0 && sigma > 0) return of(gain, offset, sigma);
		final double[] ab = fit(planes, width, gain > 0 ? gain : Double.NaN, Double.NaN);
		final double aHat = gain > 0 ? gain : ab[0];
		// if the variance grows by less than a tenth of its lowest value over the image's range, it is no Poisson noise
		if (!(aHat > 0) || (gain == 0 && aHat * (ab[3] - ab[2]) < 0.1 * Math.abs(aHat * ab[2] + ab[1]))) throw new IllegalArgumentException(String.format(Locale.ROOT,
			"the noise does not grow with the signal here (fitted gain %.3g): use noise=gaussian, or give gain", ab[0]));
		// b = σ² − a·μ  ⇒  σ² = b + a·μ
		final double s2 = sigma > 0 ? sigma * sigma : Math.max(0, ab[1] + aHat * offset);
		return new PoissonGaussian(aHat, offset, Math.sqrt(s2), gain == 0, sigma == 0);
	}

	/**
	 * Fits var = a·mean + b (with a or b fixed when not NaN). Returns {a, b, lowest bin mean, highest bin mean}.
	 */
	static double[] fit(final float[][] planes, final int width, final double fixedA, final double fixedB) {
		final List<double[]> blocks = new ArrayList<>(); // {smoothed mean, detail, roughness}
		for (final float[] p : planes) {
			final int w = width, h = p.length / width;
			final int bw = w / 2, bh = h / 2;
			if (bw < 3 || bh < 3) continue;
			final double[] mean = new double[bw * bh], det = new double[bw * bh];
			for (int by = 0; by < bh; by++)
				for (int bx = 0; bx < bw; bx++) {
					final int i = 2 * by * w + 2 * bx;
					mean[by * bw + bx] = (p[i] + p[i + 1] + p[i + w] + p[i + w + 1]) / 4.0;
					det[by * bw + bx] = (p[i] - p[i + 1] - p[i + w] + p[i + w + 1]) / 2.0;
				}
			// 3×3 block neighbourhood: a less noisy level, and how much it varies (edges, texture)
			for (int by = 1; by < bh - 1; by++)
				for (int bx = 1; bx < bw - 1; bx++) {
					double s = 0, s2 = 0, d2 = 0;
					for (int dy = -1; dy <= 1; dy++)
						for (int dx = -1; dx <= 1; dx++) {
							final double v = mean[(by + dy) * bw + bx + dx];
							s += v;
							s2 += v * v;
							// the neighbours' details only: selecting on a block's own detail would bias its estimate
							if (dx != 0 || dy != 0) d2 += det[(by + dy) * bw + bx + dx] * det[(by + dy) * bw + bx + dx];
						}
					final double m = s / 9, spread = s2 / 9 - m * m;
					// pure noise: the 2×2 means vary by var/4 and the details by var, so the ratio is ≈ 1;
					// edges and texture raise it at any brightness
					blocks.add(new double[] { m, det[by * bw + bx], spread / Math.max(d2 / 8 / 4, 1e-12) });
				}
		}
		if (blocks.size() < 200) throw new IllegalArgumentException(
			"the image is too small to estimate Poisson-Gaussian noise; give gain and sigma");
		// keep the smoother half (lowest structure-to-noise ratio), at every brightness
		blocks.sort((u, v) -> Double.compare(u[2], v[2]));
		final List<double[]> smooth = blocks.subList(0, blocks.size() / 2);
		smooth.sort((u, v) -> Double.compare(u[0], v[0]));
		final int bins = Math.max(4, Math.min(32, smooth.size() / 400));
		final int per = smooth.size() / bins;
		final double[] x = new double[bins], y = new double[bins], wt = new double[bins];
		int n = 0;
		for (int k = 0; k < bins; k++) {
			final List<double[]> bin = smooth.subList(k * per, k == bins - 1 ? smooth.size() : (k + 1) * per);
			final double[] abs = new double[bin.size()];
			double m = 0;
			for (int i = 0; i < abs.length; i++) {
				abs[i] = Math.abs(bin.get(i)[1]);
				m += bin.get(i)[0];
			}
			Arrays.sort(abs);
			// the second moment of the details, without the outliers edges leave (beyond 5 robust σ): the
			// median alone is biased where few photons make the details' distribution discrete
			final double cut = 5 * Math.max(abs[abs.length / 2] / 0.6745, 1e-12);
			double ss = 0;
			int c = 0;
			for (final double v : abs)
				if (v <= cut) {
					ss += v * v;
					c++;
				}
			x[n] = m / abs.length;
			y[n] = ss / c;
			// the variance of a variance estimate grows with its square: weight by count / var²
			wt[n] = abs.length / Math.max(y[n] * y[n], 1e-12);
			n++;
		}
		if (!Double.isNaN(fixedA)) {
			double num = 0, den = 0;
			for (int k = 0; k < n; k++) {
				num += wt[k] * (y[k] - fixedA * x[k]);
				den += wt[k];
			}
			return new double[] { fixedA, num / den, x[0], x[n - 1] };
		}
		if (!Double.isNaN(fixedB)) {
			double num = 0, den = 0;
			for (int k = 0; k < n; k++) {
				num += wt[k] * x[k] * (y[k] - fixedB);
				den += wt[k] * x[k] * x[k];
			}
			return new double[] { num / den, fixedB, x[0], x[n - 1] };
		}
		double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
		for (int k = 0; k < n; k++) {
			sw += wt[k];
			sx += wt[k] * x[k];
			sy += wt[k] * y[k];
			sxx += wt[k] * x[k] * x[k];
			sxy += wt[k] * x[k] * y[k];
		}
		final double det = sw * sxx - sx * sx;
		final double slope = (sw * sxy - sx * sy) / det;
		return new double[] { slope, (sy - slope * sx) / sw, x[0], x[n - 1] };
	}

	public double gain() {
		return a;
	}

	public double offset() {
		return mu;
	}

	/** The read noise σ (image units). */
	public double sigma() {
		return sigma;
	}

	/** f(z) = (2/a)·√(max(a z + 3a²/8 + σ² − a μ, 0)): unit-variance noise. */
	public float[] forward(final float[] z) {
		final float[] out = new float[z.length];
		final double c = 3 * a * a / 8 + sigma * sigma - a * mu;
		for (int i = 0; i < z.length; i++)
			out[i] = (float) (2 / a * Math.sqrt(Math.max(a * z[i] + c, 0)));
		return out;
	}

	/** The exact unbiased inverse: E[z] from a denoised value D of f(z) (see the class comment). */
	public float[] inverse(final float[] d) {
		table();
		final float[] out = new float[d.length];
		for (int i = 0; i < d.length; i++)
			out[i] = (float) (a * lambda(d[i]) + mu);
		return out;
	}

	/** λ with F(λ) = D in the normalised model. */
	double lambda(final double d) {
		table();
		if (d <= tableF[0]) return 0;
		final int last = tableF.length - 1;
		if (d >= tableF[last]) return closedForm(d);
		int lo = 0, hi = last;
		while (hi - lo > 1) {
			final int mid = (lo + hi) >>> 1;
			if (tableF[mid] <= d) lo = mid;
			else hi = mid;
		}
		final double t = (d - tableF[lo]) / (tableF[hi] - tableF[lo]);
		return tableLambda[lo] + t * (tableLambda[hi] - tableLambda[lo]);
	}

	/** Mäkitalo &amp; Foi's closed-form approximation of the exact unbiased inverse (accurate at large D). */
	double closedForm(final double d) {
		final double s = sigma / a, r = Math.sqrt(1.5);
		return Math.max(0, d * d / 4 + r / (4 * d) - 11 / (8 * d * d) + 5 * r / (8 * d * d * d) - 1.0 / 8 - s * s);
	}

	/** F(λ) = E[2√(max(p + σ̃ g + 3/8 + σ̃², 0))] on a λ grid, by exact Poisson sums and Gaussian quadrature. */
	private synchronized void table() {
		if (tableF != null) return;
		final double s = sigma / a;
		final int kMax = (int) Math.ceil(TABLE_MAX + 12 * Math.sqrt(TABLE_MAX) + 20);
		// h(k) = E_g[2√(max(k + s g + 3/8 + s², 0))], trapezoid over g in [−8, 8]
		final double[] h = new double[kMax + 1];
		final int nodes = s == 0 ? 1 : 801;
		final double[] g = new double[nodes], wg = new double[nodes];
		if (s == 0) {
			g[0] = 0;
			wg[0] = 1;
		}
		else {
			double sum = 0;
			for (int j = 0; j < nodes; j++) {
				g[j] = -8 + 16.0 * j / (nodes - 1);
				wg[j] = Math.exp(-g[j] * g[j] / 2) * (j == 0 || j == nodes - 1 ? 0.5 : 1);
				sum += wg[j];
			}
			for (int j = 0; j < nodes; j++)
				wg[j] /= sum;
		}
		for (int k = 0; k <= kMax; k++) {
			double e = 0;
			for (int j = 0; j < nodes; j++)
				e += wg[j] * 2 * Math.sqrt(Math.max(k + s * g[j] + 0.375 + s * s, 0));
			h[k] = e;
		}
		// λ grid: fine near 0 where the inverse bends most
		final List<Double> lambdas = new ArrayList<>();
		for (double l = 0; l < 1; l += 0.005)
			lambdas.add(l);
		for (double l = 1; l < 10; l += 0.02)
			lambdas.add(l);
		for (double l = 10; l <= TABLE_MAX; l += 0.1)
			lambdas.add(l);
		tableLambda = new double[lambdas.size()];
		tableF = new double[lambdas.size()];
		for (int j = 0; j < tableLambda.length; j++) {
			final double l = lambdas.get(j);
			tableLambda[j] = l;
			double f = 0;
			if (l == 0) f = h[0];
			else {
				// Poisson pmf by the log-gamma-free recurrence from the mode outward
				final int k0 = Math.max(0, (int) Math.floor(l - 12 * Math.sqrt(l) - 10));
				final int k1 = Math.min(kMax, (int) Math.ceil(l + 12 * Math.sqrt(l) + 10));
				double logp = -l + k0 * Math.log(l) - logFactorial(k0);
				for (int k = k0; k <= k1; k++) {
					f += Math.exp(logp) * h[k];
					logp += Math.log(l) - Math.log(k + 1);
				}
			}
			tableF[j] = f;
		}
	}

	private static double logFactorial(final int k) {
		double s = 0;
		for (int i = 2; i <= k; i++)
			s += Math.log(i);
		return s;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "gain a = %.4g%s, read noise sigma = %.4g%s, offset = %.4g (var = a*(E[z] - " +
			"offset) + sigma^2)", a, estimatedGain ? " (estimated)" : "", sigma, estimatedSigma ? " (estimated)" : "", mu);
	}
}
