package sc.fiji.diffusion.eval;

/**
 * Fréchet distance between Gaussian fits of two feature sets (the FID recipe, here on the
 * reference classifier's penultimate features):
 * <pre>
 *   d² = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½
 * </pre>
 * The symmetric form of the cross term (instead of sqrtm(Σ₁Σ₂)) keeps every matrix symmetric
 * positive semi-definite, so one symmetric eigen-solver (cyclic Jacobi, in double) does all
 * the square roots without complex round-off.
 */
public final class Frechet {

	private Frechet() {}

	/** Mean and (unbiased, n − 1) covariance of a feature set. */
	public static final class Gaussian {

		public final double[] mean;
		public final double[][] cov;
		public final int n;

		Gaussian(final double[] mean, final double[][] cov, final int n) {
			this.mean = mean;
			this.cov = cov;
			this.n = n;
		}
	}

	/** Fits a Gaussian to the rows of {@code features} (at least two rows). */
	public static Gaussian fit(final float[][] features) {
		final int n = features.length;
		if (n < 2) throw new IllegalArgumentException("need at least 2 feature vectors, got " + n);
		final int d = features[0].length;
		final double[] mu = new double[d];
		for (final float[] f : features)
			for (int i = 0; i < d; i++)
				mu[i] += f[i];
		for (int i = 0; i < d; i++)
			mu[i] /= n;
		final double[][] cov = new double[d][d];
		final double[] c = new double[d];
		for (final float[] f : features) {
			for (int i = 0; i < d; i++)
				c[i] = f[i] - mu[i];
			for (int i = 0; i < d; i++) {
				final double ci = c[i];
				final double[] row = cov[i];
				for (int j = i; j < d; j++)
					row[j] += ci * c[j];
			}
		}
		for (int i = 0; i < d; i++)
			for (int j = i; j < d; j++) {
				cov[i][j] /= n - 1;
				cov[j][i] = cov[i][j];
			}
		return new Gaussian(mu, cov, n);
	}

	/** The Fréchet distance d² between two fitted Gaussians (same dimension). */
	public static double distance(final Gaussian a, final Gaussian b) {
		final int d = a.mean.length;
		if (b.mean.length != d) throw new IllegalArgumentException("feature dimensions differ: " + d + " vs " + b.mean.length);
		double m = 0, tr = 0;
		for (int i = 0; i < d; i++) {
			final double diff = a.mean[i] - b.mean[i];
			m += diff * diff;
			tr += a.cov[i][i] + b.cov[i][i];
		}
		final double[][] s1 = sqrtPsd(a.cov);
		final double[][] inner = multiply(multiply(s1, b.cov), s1);
		symmetrize(inner);
		final double[] ev = eigen(inner, null);
		double cross = 0;
		for (final double e : ev)
			cross += Math.sqrt(Math.max(e, 0));
		return m + tr - 2 * cross;
	}

	/** Square root of a symmetric positive semi-definite matrix (negative round-off eigenvalues → 0). */
	static double[][] sqrtPsd(final double[][] s) {
		final int d = s.length;
		final double[][] v = new double[d][d];
		final double[] ev = eigen(s, v);
		final double[][] r = new double[d][d];
		for (int k = 0; k < d; k++) {
			final double sq = Math.sqrt(Math.max(ev[k], 0));
			if (sq == 0) continue;
			for (int i = 0; i < d; i++) {
				final double vik = v[i][k] * sq;
				for (int j = 0; j < d; j++)
					r[i][j] += vik * v[j][k];
			}
		}
		symmetrize(r);
		return r;
	}

	/**
	 * Eigenvalues of a symmetric matrix by cyclic Jacobi rotations; if {@code vectors} is given
	 * it receives the eigenvectors as columns. The input is not modified.
	 */
	static double[] eigen(final double[][] s, final double[][] vectors) {
		final int n = s.length;
		final double[][] a = new double[n][];
		for (int i = 0; i < n; i++)
			a[i] = s[i].clone();
		if (vectors != null) for (int i = 0; i < n; i++) {
			java.util.Arrays.fill(vectors[i], 0);
			vectors[i][i] = 1;
		}
		double scale = 0;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				scale += a[i][j] * a[i][j];
		final double tol = 1e-26 * Math.max(scale, Double.MIN_NORMAL);
		for (int sweep = 0; sweep < 100; sweep++) {
			double off = 0;
			for (int i = 0; i < n; i++)
				for (int j = i + 1; j < n; j++)
					off += a[i][j] * a[i][j];
			if (off <= tol) break;
			for (int p = 0; p < n; p++)
				for (int q = p + 1; q < n; q++) {
					final double apq = a[p][q];
					if (apq == 0) continue;
					// rotation angle that zeroes a[p][q] (Golub & Van Loan, sym.schur2)
					final double theta = (a[q][q] - a[p][p]) / (2 * apq);
					final double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
					final double c = 1 / Math.sqrt(t * t + 1), sn = t * c;
					for (int k = 0; k < n; k++) {
						final double akp = a[k][p], akq = a[k][q];
						a[k][p] = c * akp - sn * akq;
						a[k][q] = sn * akp + c * akq;
					}
					for (int k = 0; k < n; k++) {
						final double apk = a[p][k], aqk = a[q][k];
						a[p][k] = c * apk - sn * aqk;
						a[q][k] = sn * apk + c * aqk;
					}
					if (vectors != null) for (int k = 0; k < n; k++) {
						final double vkp = vectors[k][p], vkq = vectors[k][q];
						vectors[k][p] = c * vkp - sn * vkq;
						vectors[k][q] = sn * vkp + c * vkq;
					}
				}
		}
		final double[] ev = new double[n];
		for (int i = 0; i < n; i++)
			ev[i] = a[i][i];
		return ev;
	}

	static double[][] multiply(final double[][] x, final double[][] y) {
		final int n = x.length, m = y[0].length, k = y.length;
		final double[][] r = new double[n][m];
		for (int i = 0; i < n; i++)
			for (int l = 0; l < k; l++) {
				final double xil = x[i][l];
				if (xil == 0) continue;
				final double[] yl = y[l], ri = r[i];
				for (int j = 0; j < m; j++)
					ri[j] += xil * yl[j];
			}
		return r;
	}

	private static void symmetrize(final double[][] a) {
		for (int i = 0; i < a.length; i++)
			for (int j = i + 1; j < a.length; j++) {
				final double v = 0.5 * (a[i][j] + a[j][i]);
				a[i][j] = v;
				a[j][i] = v;
			}
	}
}
