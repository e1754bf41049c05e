package sc.fiji.diffusion.engine;

/** The standard normal distribution: its density φ, its distribution function Φ, and erfc. */
public final class Normals {

	private Normals() {}

	private static final double SQRT_2PI = Math.sqrt(2 * Math.PI);

	/** φ(z) = exp(−z²/2) / √(2π). */
	public static double pdf(final double z) {
		return Double.isInfinite(z) ? 0 : Math.exp(-0.5 * z * z) / SQRT_2PI;
	}

	/** Φ(z) = erfc(−z/√2) / 2, with Φ(−∞) = 0 and Φ(∞) = 1. */
	public static double cdf(final double z) {
		return z == Double.NEGATIVE_INFINITY ? 0 : z == Double.POSITIVE_INFINITY ? 1 : 0.5 * erfc(-z / Math.sqrt(2));
	}

	/** Complementary error function, relative error below 1.2e-7 (Chebyshev fit, Numerical Recipes §6.2). */
	public static double erfc(final double x) {
		final double z = Math.abs(x);
		final double t = 1 / (1 + 0.5 * z);
		final double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
			t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
		return x >= 0 ? r : 2 - r;
	}

	/** Φ⁻¹(p) for 0 < p < 1 (bisection on {@link #cdf}, to 1e-9): ±∞ at 0 and 1, NaN outside. */
	public static double quantile(final double p) {
		if (!(p >= 0 && p <= 1)) return Double.NaN;
		if (p == 0) return Double.NEGATIVE_INFINITY;
		if (p == 1) return Double.POSITIVE_INFINITY;
		double lo = -40, hi = 40;
		while (hi - lo > 1e-9) {
			final double mid = 0.5 * (lo + hi);
			if (cdf(mid) < p) lo = mid;
			else hi = mid;
		}
		return 0.5 * (lo + hi);
	}
}
