package sc.fiji.diffusion.engine;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;

/**
 * The discrete forward process of a DDPM: β_t for t = 0 … T−1, α_t = 1 − β_t and
 * ᾱ_t = ∏_{s ≤ t} α_s, so that q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I).
 * <p>
 * Indices follow diffusers: t = 0 is the first noising step, t = T − 1 the last. All values
 * are kept in double precision on the Java side; samplers use them as scalars, so nothing
 * about the schedule is copied between host and device while sampling.
 */
public final class NoiseSchedule {

	/** Schedule families understood in a model descriptor. */
	public enum Kind {
		LINEAR, COSINE
	}

	private final Kind kind;
	private final double[] betas;
	private final double[] alphaBars;

	private NoiseSchedule(final Kind kind, final double[] betas) {
		this.kind = kind;
		this.betas = betas;
		this.alphaBars = new double[betas.length];
		double prod = 1;
		for (int t = 0; t < betas.length; t++) {
			prod *= 1 - betas[t];
			alphaBars[t] = prod;
		}
	}

	/** β_t evenly spaced from {@code betaStart} to {@code betaEnd} (Ho et al. 2020). */
	public static NoiseSchedule linear(final int T, final double betaStart, final double betaEnd) {
		if (T < 2) throw new IllegalArgumentException("T must be at least 2, was " + T);
		if (!(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd)) {
			throw new IllegalArgumentException("need 0 < beta_start <= beta_end < 1, got " + betaStart + ", " + betaEnd);
		}
		final double[] b = new double[T];
		for (int t = 0; t < T; t++)
			b[t] = betaStart + (betaEnd - betaStart) * t / (T - 1);
		return new NoiseSchedule(Kind.LINEAR, b);
	}

	/**
	 * Cosine schedule (Nichol &amp; Dhariwal 2021): ᾱ(t) = f(t)/f(0) with
	 * f(t) = cos²((t/T + s)/(1 + s) · π/2), β_t = 1 − ᾱ_t/ᾱ_{t−1} clipped at {@code maxBeta}.
	 */
	public static NoiseSchedule cosine(final int T, final double s, final double maxBeta) {
		if (T < 2) throw new IllegalArgumentException("T must be at least 2, was " + T);
		final double[] b = new double[T];
		for (int t = 0; t < T; t++) {
			final double a1 = f(t / (double) T, s), a2 = f((t + 1) / (double) T, s);
			b[t] = Math.min(1 - a2 / a1, maxBeta);
		}
		return new NoiseSchedule(Kind.COSINE, b);
	}

	private static double f(final double u, final double s) {
		final double c = Math.cos((u + s) / (1 + s) * Math.PI / 2);
		return c * c;
	}

	public Kind kind() {
		return kind;
	}

	/** Number of diffusion steps T. */
	public int T() {
		return betas.length;
	}

	public double beta(final int t) {
		return betas[t];
	}

	public double alpha(final int t) {
		return 1 - betas[t];
	}

	/** ᾱ_t; by convention ᾱ_{−1} = 1 (no noise), which the last reverse step lands on. */
	public double alphaBar(final int t) {
		return t < 0 ? 1.0 : alphaBars[t];
	}

	/**
	 * ᾱ at a fractional timestep: σ_t = √((1−ᾱ_t)/ᾱ_t) interpolated linearly in log σ between
	 * the neighbouring integer steps (as diffusers' {@code _sigma_to_t}), then ᾱ = 1/(1+σ²).
	 * Exact at integer t; consistent with {@link #timestepForSigma(double)}'s continuous inverse.
	 */
	public double alphaBar(final double t) {
		if (t < 0) return 1.0;
		if (t >= T() - 1) return alphaBars[T() - 1];
		final int lo = (int) Math.floor(t);
		final double w = t - lo;
		final double s = Math.exp((1 - w) * Math.log(sigma(lo)) + w * Math.log(sigma(lo + 1)));
		return 1 / (1 + s * s);
	}

	/**
	 * Samples q(x_t | x_0) in closed form: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (diffusers' {@code add_noise}).
	 * The result is attached to the manager of {@code x0}.
	 */
	public NDArray addNoise(final NDArray x0, final NDArray eps, final int t) {
		final double ab = alphaBar(t);
		return x0.mul((float) Math.sqrt(ab)).addi(eps.mul((float) Math.sqrt(1 - ab)));
	}

	/**
	 * Forward noising from level t up to level s &gt; t (RePaint's "undo" step):
	 * x_s = √(ᾱ_s/ᾱ_t) x_t + √(1 − ᾱ_s/ᾱ_t) z, which is q(x_s | x_t) of the forward chain.
	 * t = −1 starts from the clean image. The result is attached to the manager of {@code x}.
	 */
	public NDArray renoise(final NDArray x, final int t, final int s, final NDArray z) {
		if (s <= t) throw new IllegalArgumentException("renoise goes up: need s > t, got t = " + t + ", s = " + s);
		final double ratio = alphaBar(s) / alphaBar(t);
		return x.mul((float) Math.sqrt(ratio)).addi(z.mul((float) Math.sqrt(1 - ratio)));
	}

	/** x̂_0 = (x_t − √(1−ᾱ_t) ε) / √ᾱ_t, the estimate of the clean image from a noise prediction. */
	public NDArray x0FromEps(final NDArray x, final NDArray eps, final int t) {
		return x0FromEpsAt(x, eps, alphaBar(t));
	}

	/** As {@link #x0FromEps(NDArray, NDArray, int)} at a fractional timestep. */
	public NDArray x0FromEps(final NDArray x, final NDArray eps, final double t) {
		return x0FromEpsAt(x, eps, alphaBar(t));
	}

	private static NDArray x0FromEpsAt(final NDArray x, final NDArray eps, final double ab) {
		return x.sub(eps.mul((float) Math.sqrt(1 - ab))).divi((float) Math.sqrt(ab));
	}

	/** ε = (x_t − √ᾱ_t x_0) / √(1−ᾱ_t): the noise consistent with x_t and a clean image. */
	public NDArray epsFromX0(final NDArray x, final NDArray x0, final int t) {
		return epsFromX0At(x, x0, alphaBar(t));
	}

	/** As {@link #epsFromX0(NDArray, NDArray, int)} at a fractional timestep. */
	public NDArray epsFromX0(final NDArray x, final NDArray x0, final double t) {
		return epsFromX0At(x, x0, alphaBar(t));
	}

	private static NDArray epsFromX0At(final NDArray x, final NDArray x0, final double ab) {
		return x.sub(x0.mul((float) Math.sqrt(ab))).divi((float) Math.sqrt(1 - ab));
	}

	/** ε = √ᾱ_t v + √(1−ᾱ_t) x_t from a velocity prediction v = √ᾱ ε − √(1−ᾱ) x_0. */
	public NDArray epsFromV(final NDArray x, final NDArray v, final double t) {
		final double ab = alphaBar(t);
		return v.mul((float) Math.sqrt(ab)).addi(x.mul((float) Math.sqrt(1 - ab)));
	}

	/** Posterior variance β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t of q(x_{t−1} | x_t, x_0). */
	public double posteriorVariance(final int t) {
		return (1 - alphaBar(t - 1)) / (1 - alphaBar(t)) * betas[t];
	}

	/** Noise-to-signal ratio σ_t = √((1 − ᾱ_t)/ᾱ_t) of x_t/√ᾱ_t = x_0 + σ_t ε. */
	public double sigma(final int t) {
		final double ab = alphaBar(t);
		return Math.sqrt((1 - ab) / ab);
	}

	/** The timestep whose {@link #sigma(int)} is closest to {@code sigma} (in log space). */
	public int timestepForSigma(final double sigma) {
		if (!(sigma > 0)) return -1;
		int best = 0;
		double bestErr = Double.MAX_VALUE;
		for (int t = 0; t < T(); t++) {
			final double err = Math.abs(Math.log(sigma(t)) - Math.log(sigma));
			if (err < bestErr) {
				bestErr = err;
				best = t;
			}
		}
		return best;
	}

	/**
	 * {@code count} descending timesteps over the whole range, spaced as diffusers'
	 * "leading" spacing: t_k = k·⌊T/count⌋ for k = count−1 … 0.
	 */
	public int[] timesteps(final int count) {
		checkCount(count, T());
		final int stride = T() / count;
		final int[] ts = new int[count];
		for (int k = 0; k < count; k++)
			ts[k] = (count - 1 - k) * stride;
		return ts;
	}

	/**
	 * At most {@code count} descending timesteps from exactly {@code tStart} down to 0, evenly
	 * spaced (rounded): the subsequence used when the reverse process starts part-way, as in
	 * SDEdit and denoising. With {@code tStart = T − 1} it equals {@link #timesteps(int)} only
	 * where the spacing happens to coincide.
	 */
	public int[] timestepsFrom(final int tStart, final int count) {
		checkStart(tStart);
		checkCount(count, T());
		final int n = Math.min(count, tStart + 1);
		if (n == 1) return new int[] { tStart };
		final int[] ts = new int[n];
		for (int k = 0; k < n; k++)
			ts[k] = (int) Math.round(tStart * (double) (n - 1 - k) / (n - 1));
		return ts;
	}

	/**
	 * {@code count} descending timesteps from {@code tStart} spaced evenly but ending one
	 * stride above 0 (diffusers' "linspace" spacing without its final 0): the last step then
	 * jumps to the clean image, which suits ODE solvers that treat σ = 0 exactly.
	 */
	public int[] timestepsLinspace(final int tStart, final int count) {
		checkStart(tStart);
		checkCount(count, T());
		final int n = Math.min(count, tStart + 1);
		final int[] ts = new int[n];
		for (int k = 0; k < n; k++)
			ts[k] = (int) Math.round(tStart * (double) (n - k) / n);
		return dedupe(ts);
	}

	/**
	 * Timesteps whose σ follow Karras et al.'s (2022) ρ-spacing from σ(tStart) to σ(0):
	 * σ_i = (σ_max^{1/ρ} + i/(n−1) (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, each rounded to the nearest
	 * training timestep (duplicates dropped), which concentrates steps at low noise.
	 */
	public int[] timestepsKarras(final int tStart, final int count, final double rho) {
		checkStart(tStart);
		checkCount(count, T());
		final int n = Math.min(count, tStart + 1);
		if (n == 1) return new int[] { tStart };
		final double a = Math.pow(sigma(tStart), 1 / rho), b = Math.pow(sigma(0), 1 / rho);
		final int[] ts = new int[n];
		for (int i = 0; i < n; i++)
			ts[i] = timestepForSigma(Math.pow(a + i / (double) (n - 1) * (b - a), rho));
		ts[0] = tStart;
		return dedupe(ts);
	}

	private static int[] dedupe(final int[] descending) {
		return Arrays.stream(descending).distinct().toArray();
	}

	private void checkStart(final int tStart) {
		if (tStart < 0 || tStart >= T()) {
			throw new IllegalArgumentException("start timestep must be in [0, " + (T() - 1) + "], was " + tStart);
		}
	}

	private static void checkCount(final int count, final int T) {
		if (count < 1 || count > T) {
			throw new IllegalArgumentException("steps must be between 1 and " + T + " (the model's T), was " + count);
		}
	}

	/** Refuses a step count outside 1 … T with a message naming both. */
	public void checkSteps(final int steps) {
		checkCount(steps, T());
	}

	@Override
	public String toString() {
		return kind.name().toLowerCase() + " schedule, T = " + T() + ", beta " + betas[0] + " .. " + betas[T() - 1] +
			", alphaBar_T = " + alphaBars[T() - 1];
	}
}
