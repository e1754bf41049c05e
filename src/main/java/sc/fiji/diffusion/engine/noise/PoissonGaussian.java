package sc.fiji.diffusion.engine.noise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import sc.fiji.diffusion.engine.Parallel;

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
 * The forward transform needs only a and b = σ² − a·μ (what the image's mean–variance line
 * shows, {@link CameraFit}); the inverse also needs the split of b into offset and read noise,
 * which the fit reads from the third moment or which the user gives.
 */
public final class PoissonGaussian implements NoiseModel {

	/** Above this λ the closed-form approximation of the exact inverse is used (its error there is negligible). */
	private static final double TABLE_MAX = 150;

	private final double a, mu, sigma;
	/** The intercept the forward transform uses: the fitted one, which σ² − a·μ equals unless σ² had to be clamped at 0. */
	private double b;
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
		this.b = sigma * sigma - a * mu;
	}

	/** Known parameters: gain a, camera offset μ, read noise σ (all in image units). */
	public static PoissonGaussian of(final double gain, final double offset, final double sigma) {
		return new PoissonGaussian(gain, offset, sigma, false, false);
	}

	/**
	 * The model of a fitted line var = a·E[z] + b with the offset μ: σ² = b + a·μ (≥ 0).
	 *
	 * @param how what was estimated and how, for the log
	 */
	static PoissonGaussian fitted(final double a, final double b, final double mu, final boolean estimatedGain,
		final boolean estimatedSigma, final String how)
	{
		final PoissonGaussian pg = new PoissonGaussian(a, mu, Math.sqrt(Math.max(0, b + a * mu)), estimatedGain,
			estimatedSigma);
		pg.how = how;
		pg.b = b;
		return pg;
	}

	private String how = "";

	public double gain() {
		return a;
	}

	/** Whether the gain or the read noise was estimated from the image. */
	@Override
	public boolean estimated() {
		return estimatedGain || estimatedSigma;
	}

	public double offset() {
		return mu;
	}

	/** The read noise σ (image units). */
	@Override
	public double sigma() {
		return sigma;
	}

	/** b = σ² − a·μ, the intercept of var(z) = a·E[z] + b. */
	public double intercept() {
		return b;
	}

	/** σ of the noise after the transform: 1 in theory; as measured when {@link #withWorkingSigma} says so. */
	private double working = 1;

	@Override
	public double workingSigma() {
		return working;
	}

	/** The same model, telling the denoiser a measured σ after the transform instead of the nominal 1. */
	@Override
	public PoissonGaussian withWorkingSigma(final double s) {
		final PoissonGaussian pg = copy();
		pg.working = s;
		return pg;
	}

	/** Relative standard error of the fitted line's variance (0 when the camera was given). */
	private double varianceError;

	@Override
	public double varianceError() {
		return varianceError;
	}

	/** The same model, knowing how well its line was fitted. */
	PoissonGaussian withVarianceError(final double e) {
		final PoissonGaussian pg = copy();
		pg.varianceError = e;
		return pg;
	}

	/**
	 * The model of m = λ·z + (1 − λ)·x̂, where x̂ is an estimate of E[z] whose own noise is small
	 * against z's: var(m) ≈ λ²·var(z) = (λ²a)·E[m] + λ²b, a camera of gain λ²a, read noise λσ and
	 * the same offset, whose image holds 1/λ² times as many photon-equivalents as z — where the
	 * transform stabilises better (Azzari &amp; Foi 2016, iterative Poisson denoising). Nominal σ 1
	 * after the transform.
	 *
	 * @param lambda the weight of the noisy image, in (0, 1]
	 */
	public PoissonGaussian mixed(final double lambda) {
		if (!(lambda > 0 && lambda <= 1)) throw new IllegalArgumentException("the noisy image's weight must be in (0, 1], " +
			"was " + lambda);
		final PoissonGaussian pg = new PoissonGaussian(lambda * lambda * a, mu, lambda * sigma, estimatedGain,
			estimatedSigma);
		pg.b = lambda * lambda * b;
		pg.how = how;
		pg.varianceError = varianceError;
		return pg;
	}

	private PoissonGaussian copy() {
		final PoissonGaussian pg = new PoissonGaussian(a, mu, sigma, estimatedGain, estimatedSigma);
		pg.b = b;
		pg.how = how;
		pg.working = working;
		pg.varianceError = varianceError;
		return pg;
	}

	@Override
	public boolean isStabilised() {
		return true;
	}

	/**
	 * a·z + b: unbiased for var(z) = a·E[z] + b — the camera's line itself, as given or as fitted
	 * in the image's own units. (The σ measured after the transform, {@link #withWorkingSigma}, is
	 * not folded in: at a few photons it differs from 1 because the transform is not exact there,
	 * not because the line is wrong.)
	 */
	@Override
	public double variance(final double z) {
		return a * z + b;
	}

	/** f(z) = (2/a)·√(max(a z + 3a²/8 + σ² − a μ, 0)): unit-variance noise. */
	@Override
	public float[] forward(final float[] z) {
		final float[] out = new float[z.length];
		final double k = 2 / a, c = 3 * a * a / 8 + b;
		// a camera's pixels are integers of 8 or 16 bits: f of each of those once, then a lookup (the same value
		// the formula gives), instead of a square root per pixel of a large image
		final float[] table = z.length < 4 * INTEGERS ? null : new float[INTEGERS];
		if (table != null) for (int q = 0; q < INTEGERS; q++)
			table[q] = (float) (k * Math.sqrt(Math.max(a * q + c, 0)));
		Parallel.chunks(z.length, (from, to) -> {
			for (int i = from; i < to; i++) {
				final float v = z[i];
				final int q = (int) v;
				out[i] = table != null && q == v && q >= 0 && q < INTEGERS ? table[q] : (float) (k * Math.sqrt(Math.max(a *
					v + c, 0)));
			}
		});
		return out;
	}

	/** The unsigned 16-bit values, whose transform {@link #forward} tabulates. */
	private static final int INTEGERS = 1 << 16;

	/** The exact unbiased inverse: E[z] from a denoised value D of f(z) (see the class comment). */
	@Override
	public float[] inverse(final float[] d) {
		dense();
		final float[] out = new float[d.length];
		final double[] l = denseLambda;
		final double f0 = tableF[0], f1 = tableF[tableF.length - 1], scale = denseScale;
		Parallel.chunks(d.length, (from, to) -> {
			for (int i = from; i < to; i++) {
				final double v = d[i];
				final double lambda;
				if (v <= f0) lambda = 0;
				else if (v >= f1) lambda = closedForm(v);
				else if (v != v) lambda = v;
				else {
					final double u = (v - f0) * scale;
					final int j = Math.min((int) u, DENSE - 1);
					lambda = l[j] + (u - j) * (l[j + 1] - l[j]);
				}
				out[i] = (float) (a * lambda + mu);
			}
		});
		return out;
	}

	/**
	 * E[f(z)] for the clean value x: F(λ) of the exact inverse's table at λ = (x − μ)/a (0 below
	 * the offset), so that {@link #inverse} maps it back to x; above the table, the D whose
	 * closed-form inverse is λ (a few Newton steps from 2√(λ + 3/8 + σ̃²)).
	 */
	@Override
	public float[] cleanForward(final float[] x) {
		table();
		final double[] l = tableLambda, f = tableF;
		final double top = l[l.length - 1], s = sigma / a;
		final float[] out = new float[x.length];
		Parallel.chunks(x.length, (from, to) -> {
			for (int i = from; i < to; i++) {
				final double lambda = Math.max(0, (x[i] - mu) / a);
				if (lambda != lambda) out[i] = x[i];
				else if (lambda <= top) {
					int k = Arrays.binarySearch(l, lambda);
					if (k >= 0) out[i] = (float) f[k];
					else {
						k = -k - 1; // l[k − 1] < λ < l[k]
						out[i] = (float) (f[k - 1] + (f[k] - f[k - 1]) * (lambda - l[k - 1]) / (l[k] - l[k - 1]));
					}
				}
				else {
					double d = 2 * Math.sqrt(lambda + 0.375 + s * s);
					for (int it = 0; it < 6; it++)
						d += (lambda - closedForm(d)) * 2 / d; // dλ/dD ≈ D/2
					out[i] = (float) d;
				}
			}
		});
		return out;
	}

	/** Nodes of the uniform grid over D on which {@link #inverse} interpolates λ(D). */
	private static final int DENSE = 1 << 16;
	private transient double[] denseLambda;
	private transient double denseScale;

	/**
	 * λ(D) of the table ({@link #lambdaFromTable}) on a uniform grid of {@value #DENSE} steps over
	 * its range: a pixel's λ is then one interpolation at a computed index instead of a search of
	 * the λ table. The grid is fine enough that the two differ by less than 10⁻⁶ of a photon
	 * (linear interpolation of the table's own piecewise-linear λ(D), whose slope changes little
	 * from one table row to the next), below a float's resolution of the result.
	 */
	private synchronized void dense() {
		if (denseLambda != null) return;
		table();
		final double f0 = tableF[0], f1 = tableF[tableF.length - 1];
		final double[] l = new double[DENSE + 1];
		for (int j = 0; j < DENSE; j++)
			l[j] = lambdaFromTable(f0 + (f1 - f0) * j / DENSE);
		l[DENSE] = tableLambda[tableLambda.length - 1];
		denseScale = DENSE / (f1 - f0);
		denseLambda = l;
	}

	/** λ with F(λ) = D in the normalised model. */
	double lambda(final double d) {
		table();
		return lambdaFromTable(d);
	}

	/** {@link #lambda} once the table exists (no lock per pixel). */
	private double lambdaFromTable(final double d) {
		final double[] f = tableF;
		if (d <= f[0]) return 0;
		final int last = f.length - 1;
		if (d >= f[last]) return closedForm(d);
		// the bucket of d on a uniform grid over F gives the table row to start from: a few steps, not a bisection
		// (this runs for every pixel of every result); the steps find the same row from any start, so the bucket may
		// be computed with a product instead of a quotient
		final double u = (d - f[0]) * bucketScale;
		int lo = bucketStart[u < BUCKETS - 1 ? (int) u : BUCKETS - 1];
		while (lo > 0 && f[lo] > d)
			lo--;
		while (lo < last - 1 && f[lo + 1] <= d)
			lo++;
		final int hi = lo + 1;
		final double t = (d - f[lo]) / (f[hi] - f[lo]);
		return tableLambda[lo] + t * (tableLambda[hi] - tableLambda[lo]);
	}

	/** Mäkitalo &amp; Foi's closed-form approximation of the exact unbiased inverse (accurate at large D). */
	double closedForm(final double d) {
		final double s = sigma / a, r = Math.sqrt(1.5);
		return Math.max(0, d * d / 4 + r / (4 * d) - 11 / (8 * d * d) + 5 * r / (8 * d * d * d) - 1.0 / 8 - s * s);
	}

	/** F(λ) = E[2√(max(p + σ̃ g + 3/8 + σ̃², 0))] on a λ grid, by exact Poisson sums and Gaussian quadrature. */
	private synchronized void table() {
		if (bucketStart != null) return; // set last: the whole table is there
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
		// log(k + 1), shared by every row's Poisson recurrence
		final double[] logK1 = new double[kMax + 2];
		for (int k = 0; k < logK1.length; k++)
			logK1[k] = Math.log(k + 1);
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
				final double logL = Math.log(l);
				double logp = -l + k0 * logL - logFactorial(k0);
				for (int k = k0; k <= k1; k++) {
					f += Math.exp(logp) * h[k];
					logp += logL - logK1[k];
				}
			}
			tableF[j] = f;
		}
		bucketWidth = (tableF[tableF.length - 1] - tableF[0]) / BUCKETS;
		bucketScale = 1 / bucketWidth;
		bucketStart = new int[BUCKETS];
		for (int b = 0, j = 0; b < BUCKETS; b++) {
			final double start = tableF[0] + b * bucketWidth;
			while (j < tableF.length - 2 && tableF[j + 1] <= start)
				j++;
			bucketStart[b] = j;
		}
	}

	private static final int BUCKETS = 4096;
	private int[] bucketStart;
	private double bucketWidth, bucketScale;

	private static double logFactorial(final int k) {
		double s = 0;
		for (int i = 2; i <= k; i++)
			s += Math.log(i);
		return s;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "poisson: gain a = %.4g%s, read noise sigma = %.4g%s, offset = %.4g (var = " +
			"a*(E[z] - offset) + sigma^2 = %.4g * E[z] %s %.4g)%s", a, estimatedGain ? " (estimated)" : "", sigma,
			estimatedSigma ? " (estimated)" : "", mu, a, intercept() < 0 ? "-" : "+", Math.abs(intercept()), how.isEmpty() ?
				"" : "; " + how);
	}
}
