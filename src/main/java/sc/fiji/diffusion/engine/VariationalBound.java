package sc.fiji.diffusion.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;

/**
 * The DDPM variational bound on −log p(x_0) (Ho et al. 2020, eq. 5) for discrete data, in
 * nats per image; 0-based timesteps 0 … T−1 as elsewhere in the engine:
 * <pre>
 *   L = L_prior + Σ_{t=1}^{T−1} L_t + L_0
 *   L_prior = KL( q(x_{T−1} | x_0) ‖ N(0, I) )
 *   L_t     = KL( q(x_{t−1} | x_t, x_0) ‖ p(x_{t−1} | x_t) ),   x_t ~ q(x_t | x_0)
 *           = β_t / (2 α_t (1 − ᾱ_{t−1})) · |ε̂ − ε|²                      (σ_t² = β̃_t)
 *           = β_t / (2 α_t (1 − ᾱ_t)) · |ε̂ − ε|² + D/2 (r − 1 − ln r),  r = β̃_t/β_t  (σ_t² = β_t)
 *   L_0     = −log ∫_bin N(x; x̂_0(x_0 step), β_0) dx   (discretised Gaussian decoder, edge bins open)
 * </pre>
 * Both fixed reverse variances are evaluated from the same network calls. The sum over t is
 * estimated by stratified sampling: {@code strata} strata equal in log t (the terms fall off
 * roughly like 1/t), one random t in each, weighted by the stratum's width; {@code strata ≥ T−1}
 * is the exact sum.
 */
public final class VariationalBound {

	private final NoiseSchedule schedule;
	private final double binWidth, low, high;

	/**
	 * @param binWidth width of one quantisation bin in the model range (2/255 for 8-bit data on [−1, 1])
	 * @param low centre of the lowest bin (its lower edge is −∞)
	 * @param high centre of the highest bin (its upper edge is +∞)
	 */
	public VariationalBound(final NoiseSchedule schedule, final double binWidth, final double low, final double high) {
		if (!(binWidth > 0)) throw new IllegalArgumentException("bin width must be positive, was " + binWidth);
		this.schedule = schedule;
		this.binWidth = binWidth;
		this.low = low;
		this.high = high;
	}

	/** Per-image terms of the bound, in nats. */
	public static final class Result {

		public final double[] prior, decoder, diffusionSmall, diffusionLarge;
		/** Network calls per image. */
		public int calls;

		Result(final int n) {
			prior = new double[n];
			decoder = new double[n];
			diffusionSmall = new double[n];
			diffusionLarge = new double[n];
		}

		/** Mean bound over the images with σ² = β̃ (small) or β (large), in nats per image. */
		public double mean(final boolean small) {
			double s = 0;
			for (int i = 0; i < prior.length; i++)
				s += total(i, small);
			return s / prior.length;
		}

		public double total(final int i, final boolean small) {
			return prior[i] + decoder[i] + (small ? diffusionSmall[i] : diffusionLarge[i]);
		}
	}

	/**
	 * Evaluates the bound for {@code x0} (each image D floats in the model range, on the bin
	 * centres). Noise comes from {@code seed}: stream t, index image·D + pixel.
	 *
	 * @param denoiser called with batches of shape {@code shape} with the first dimension replaced
	 * @param shape the shape of one image, e.g. (C, H, W)
	 */
	public Result evaluate(final Denoiser denoiser, final float[][] x0, final long[] shape, final int strata,
		final long seed, final int batch, final NDManager manager, final Monitor monitor)
	{
		if (strata < 1) throw new IllegalArgumentException("strata must be at least 1, was " + strata);
		final int n = x0.length, d = x0[0].length;
		final Result r = new Result(n);
		final int T = schedule.T();
		// prior: KL(N(√ᾱ x0, 1−ᾱ) ‖ N(0,1)) per dimension
		final double abT = schedule.alphaBar(T - 1);
		for (int i = 0; i < n; i++) {
			double s = 0;
			for (final float v : x0[i])
				s += 0.5 * ((1 - abT) + abT * v * v - 1 - Math.log(1 - abT));
			r.prior[i] = s;
		}
		final Random pick = new Random(seed);
		final GaussianNoise noise = new GaussianNoise(seed);
		// the terms fall off roughly like 1/t (largest at the decoder's fine scale), so the strata
		// are equal in log t: single steps at the start, wider ones later; t = 0 is the decoder
		final List<int[]> plan = new ArrayList<>();
		if (strata >= T - 1) for (int t = 1; t <= T - 1; t++)
			plan.add(new int[] { t, 1 });
		else {
			int lo = 1;
			for (int j = 1; j <= strata && lo <= T - 1; j++) {
				final int hi = j == strata ? T - 1 : Math.min(T - 1, Math.max(lo, (int) Math.floor(Math.pow(T - 1, j / (double) strata))));
				plan.add(new int[] { lo + pick.nextInt(hi - lo + 1), hi - lo + 1 });
				lo = hi + 1;
			}
		}
		plan.add(new int[] { 0, 1 });
		final int total = plan.size();
		// the images of each batch, laid out once for all timesteps
		final int batches = (n + batch - 1) / batch;
		final float[][] flats = new float[batches][];
		final Shape[] shapes = new Shape[batches];
		final int[] axes = new int[shape.length];
		for (int k = 0; k < axes.length; k++)
			axes[k] = k + 1;
		for (int j = 0; j < batches; j++) {
			final int b0 = j * batch, b = Math.min(batch, n - b0);
			flats[j] = new float[b * d];
			for (int k = 0; k < b; k++)
				System.arraycopy(x0[b0 + k], 0, flats[j], k * d, d);
			final long[] dims = new long[shape.length + 1];
			dims[0] = b;
			System.arraycopy(shape, 0, dims, 1, shape.length);
			shapes[j] = new Shape(dims);
		}
		int done = 0;
		for (final int[] step : plan) {
			final int t = step[0], weight = step[1];
			final double ab = schedule.alphaBar(t), beta = schedule.beta(t), alpha = 1 - beta;
			for (int j = 0; j < batches; j++) {
				final int b0 = j * batch, b = flats[j].length / d;
				try (NDManager m = manager.newSubManager()) {
					final NDArray eps = m.create(noise.floats(t, (long) b0 * d, b * d), shapes[j]);
					final NDArray xt = schedule.addNoise(m.create(flats[j], shapes[j]), eps, t);
					final NDArray epsHat = denoiser.eps(xt, t);
					if (t > 0) {
						final double wSmall = beta / (2 * alpha * (1 - schedule.alphaBar(t - 1)));
						final double wLarge = beta / (2 * alpha * (1 - ab));
						final double ratio = schedule.posteriorVariance(t) / beta;
						final double varTerm = 0.5 * d * (ratio - 1 - Math.log(ratio));
						// |ε̂ − ε|² per image, reduced where the arrays live: b numbers come back, not b·D
						final float[] sse = epsHat.sub(eps).square().sum(axes).toFloatArray();
						for (int k = 0; k < b; k++) {
							r.diffusionSmall[b0 + k] += weight * wSmall * sse[k];
							r.diffusionLarge[b0 + k] += weight * (wLarge * sse[k] + varTerm);
						}
					}
					else {
						final float[] xtArr = xt.toFloatArray(), epsHatArr = epsHat.toFloatArray();
						final double sigma = Math.sqrt(beta);
						for (int k = 0; k < b; k++) {
							double nll = 0;
							for (int i = 0; i < d; i++) {
								final double x0Hat = (xtArr[k * d + i] - Math.sqrt(1 - ab) * epsHatArr[k * d + i]) / Math.sqrt(ab);
								nll -= logBinProbability(x0[b0 + k][i], x0Hat, sigma);
							}
							r.decoder[b0 + k] = nll;
						}
					}
				}
				if (monitor.isCanceled()) throw new CancellationException("canceled");
			}
			monitor.progress("likelihood", ++done, total);
		}
		r.calls = total;
		return r;
	}

	/** log P(bin of x | N(mean, σ²)), the edge bins open to ±∞, floored at 1e-12 as Ho et al. do. */
	double logBinProbability(final double x, final double mean, final double sigma) {
		final double h = binWidth / 2;
		final double lo = x - h <= low ? Double.NEGATIVE_INFINITY : (x - h - mean) / sigma;
		final double hi = x + h >= high ? Double.POSITIVE_INFINITY : (x + h - mean) / sigma;
		// subtract in the tail where both CDFs are small, to keep precision
		final double p = lo > 0 ? upperTail(lo) - upperTail(hi) : lowerTail(hi) - lowerTail(lo);
		return Math.log(Math.max(p, 1e-12));
	}

	/** Φ(z). */
	static double lowerTail(final double z) {
		return Normals.cdf(z);
	}

	/** 1 − Φ(z). */
	static double upperTail(final double z) {
		return lowerTail(-z);
	}
}
