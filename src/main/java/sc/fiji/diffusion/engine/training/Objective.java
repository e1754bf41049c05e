package sc.fiji.diffusion.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * What the network is trained to predict from a batch of patches: the noisy input x_t at level
 * t, a target for ε̂(x_t, t) and a weight per patch; the loss is mean(w · (ε̂ − target)²).
 * {@link Clean} is the simple DDPM loss on clean images; {@link OwnLevel} the same at one level on
 * a denoiser's estimates of a noisy image; {@link Sure} fits the estimator
 * Denoise uses to noisy images alone, at their own noise level; {@link Split} measures that
 * estimator on held-out noisy patches without a noise model's distribution (not for training).
 */
public interface Objective {

	/** One batch, as flat arrays: x_t and target [b, 1, p, p], t and weight [b]. */
	final class Batch {

		public final float[] xt, target, t, weight;
		/** Per pixel, 1 where the pixel counts and 0 where not (e.g. clipped); null = all count. Set by objectives that use it. */
		public float[] mask;
		/**
		 * Per patch, where its file clipped: the mean of the value the file holds at a clean value
		 * (model units), μ; null (or a null entry) = no clip. Measures that compare an estimate
		 * with the noisy patch compare μ(estimate), whose target mean it is.
		 */
		public DoubleUnaryOperator[] fileMean;

		public Batch(final int b, final int pp) {
			xt = new float[b * pp];
			target = new float[b * pp];
			t = new float[b];
			weight = new float[b];
		}
	}

	/**
	 * Fills {@code out} from the patches (model units).
	 *
	 * @param y the patches as drawn (the images trained on)
	 * @param twin the same patches of the twin images (Sure: the mask of the pixels that count), or null
	 * @param sigmaY per patch, the noise σ of its image in model units (0 for clean data)
	 * @param noise the step's noise, read at stream {@code stream}
	 */
	void batch(float[] y, float[] twin, float[] sigmaY, int b, int pp, NoiseSchedule schedule, SplittableRandom r,
		GaussianNoise noise, long stream, Batch out);

	/** How the objective is described in a model's training record. */
	Map<String, Object> describe();

	/** The network being trained: ε̂(x_t, t) for a batch. */
	@FunctionalInterface
	interface Network {

		NDArray eps(NDArray xt, NDArray t);
	}

	/**
	 * The batch's loss, to be differentiated: by default the weighted squared error of ε̂ against
	 * the target, mean over patches and pixels.
	 */
	default NDArray loss(final Network net, final NDManager m, final Batch one, final int b,
		final int p)
	{
		final Shape shape = new Shape(b, 1, p, p);
		final NDArray pred = net.eps(m.create(one.xt, shape), m.create(one.t));
		return pred.sub(m.create(one.target, shape)).square().mul(m.create(one.weight, new Shape(b, 1,
			1, 1))).mean();
	}

	/** Patch i of the simple loss at t: x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, target ε, weight 1. */
	static void simple(final float[] x0, final float[] eps, final int t, final int i, final int pp,
		final NoiseSchedule schedule, final Batch out)
	{
		final float sa = (float) Math.sqrt(schedule.alphaBar(t)), s1a = (float) Math.sqrt(1 - schedule.alphaBar(t));
		out.t[i] = t;
		out.weight[i] = 1;
		for (int k = i * pp; k < (i + 1) * pp; k++) {
			out.xt[k] = sa * x0[k] + s1a * eps[k];
			out.target[k] = eps[k];
		}
	}

	/** The simple loss ‖ε − ε̂(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t)‖², t uniform on 0 … T−1, weight 1. */
	final class Clean implements Objective {

		@Override
		public void batch(final float[] y, final float[] twin, final float[] sigmaY, final int b, final int pp,
			final NoiseSchedule schedule, final SplittableRandom r, final GaussianNoise noise, final long stream,
			final Batch out)
		{
			final float[] eps = noise.floats(stream, 0, b * pp);
			for (int i = 0; i < b; i++)
				simple(y, eps, r.nextInt(schedule.T()), i, pp, schedule, out);
		}

		@Override
		public Map<String, Object> describe() {
			final Map<String, Object> m = new LinkedHashMap<>();
			m.put("loss", "simple epsilon loss, t uniform on 0..T-1");
			return m;
		}
	}

	/**
	 * The simple loss at each patch's own noise level on estimates of the clean image: the patches
	 * are a denoiser's posterior means x̂ of a noisy image whose noise σ_y (model units) they carry,
	 * and at the level t* with σ_t* ≈ σ_y
	 * <pre>
	 *   x_t* = √ᾱ_t* x̂ + √(1−ᾱ_t*) ε,  target ε,  weight 1,
	 * </pre>
	 * which is ‖D(x̂ + σ_t* ε) − x̂‖²/σ_t*² for the one-step posterior mean D(y) = y − σ_t* ε̂(√ᾱ_t* y, t*):
	 * the estimator Denoise uses, taught to give back the image's estimate from that estimate with
	 * fresh noise of the image's own level — self-distillation on the image being denoised
	 * (Denoise's {@code adapt}). Unlike {@link Sure} there is no noise of the data to learn: the
	 * noise is drawn anew each step.
	 */
	final class OwnLevel implements Objective {

		@Override
		public void batch(final float[] y, final float[] twin, final float[] sigmaY, final int b, final int pp,
			final NoiseSchedule schedule, final SplittableRandom r, final GaussianNoise noise, final long stream,
			final Batch out)
		{
			final float[] eps = noise.floats(stream, 0, b * pp);
			for (int i = 0; i < b; i++) {
				if (!(sigmaY[i] > 0)) throw new IllegalArgumentException("the own-level objective needs each patch's noise " +
					"sigma (> 0)");
				simple(y, eps, Math.max(0, schedule.timestepForSigma(sigmaY[i])), i, pp, schedule, out);
			}
		}

		@Override
		public Map<String, Object> describe() {
			final Map<String, Object> m = new LinkedHashMap<>();
			m.put("loss", "simple epsilon loss at the data's own noise level t* on posterior means of the noisy data " +
				"(self-distillation)");
			return m;
		}
	}

	/**
	 * Stein's unbiased risk estimate of the estimator Denoise uses, at the data's own noise level:
	 * for y = x₀ + σ_y n (model units) the one-step posterior mean at the level t* with σ_t* ≈ σ_y is
	 * D(y) = y − σ_t ε̂(√ᾱ_t* y, t*), and
	 * <pre>
	 *   E‖D(y) − x₀‖²/N = E[ ‖D(y) − y‖²/N − σ_y² + 2σ_y² div D(y)/N ],
	 *   ‖D(y) − y‖² = σ_t² ‖ε̂‖²,   div D(y) = N − σ_t div_y ε̂,
	 * </pre>
	 * with the divergence by one Monte-Carlo probe b (±1): div_y ε̂ ≈ bᵀ(ε̂(y + δb) − ε̂(y − δb))/(2δ),
	 * δ = {@link #PROBE}·σ_y (Ramani et al. 2008). Per patch, divided by σ_y² (so every noise level
	 * weighs alike), the loss to minimise is
	 * <pre>
	 *   mean[ (σ_t/σ_y)² ε̂(y)² − σ_t b (ε̂(y + δb) − ε̂(y − δb)) / δ ]
	 * </pre>
	 * — no clean image anywhere (Denoise's {@code adapt} trained by it until 2026-12-08; now Train's
	 * held-out measure where patches are too small to split). {@code batch} puts √ᾱ_t* y in xt, the probe in target, σ_y in weight.
	 * The twin patches, when given, are a mask: 0 where a pixel does not count (clipped values,
	 * whose noise is not the Gaussian SURE assumes), 1 elsewhere.
	 */
	final class Sure implements Objective {

		/** The probe's step, relative to σ_y. */
		public static final double PROBE = 0.05;

		private NoiseSchedule schedule;

		@Override
		public void batch(final float[] y, final float[] twin, final float[] sigmaY, final int b, final int pp,
			final NoiseSchedule schedule, final SplittableRandom r, final GaussianNoise noise, final long stream,
			final Batch out)
		{
			this.schedule = schedule;
			for (int i = 0; i < b; i++) {
				if (!(sigmaY[i] > 0)) throw new IllegalArgumentException("the SURE objective needs noisy patches (sigma > 0)");
				final int t = Math.max(0, schedule.timestepForSigma(sigmaY[i]));
				final float sa = (float) Math.sqrt(schedule.alphaBar(t));
				out.t[i] = t;
				out.weight[i] = sigmaY[i];
				for (int k = i * pp; k < (i + 1) * pp; k++) {
					out.xt[k] = sa * y[k];
					out.target[k] = r.nextBoolean() ? 1 : -1;
				}
				if (twin != null) {
					if (out.mask == null) out.mask = new float[out.xt.length];
					System.arraycopy(twin, i * pp, out.mask, i * pp, pp);
				}
			}
		}

		@Override
		public NDArray loss(final Network net, final NDManager m, final Batch one, final int b,
			final int p)
		{
			final float[] sa = new float[b], st = new float[b], delta = new float[b], ratio2 = new float[b];
			for (int i = 0; i < b; i++) {
				final int t = (int) one.t[i];
				sa[i] = (float) Math.sqrt(schedule.alphaBar(t));
				st[i] = (float) schedule.sigma(t);
				delta[i] = (float) (PROBE * one.weight[i]);
				ratio2[i] = (st[i] / one.weight[i]) * (st[i] / one.weight[i]);
			}
			final Shape shape = new Shape(b, 1, p, p), per =
				new Shape(b, 1, 1, 1);
			final NDArray xt = m.create(one.xt, shape), probe = m.create(one.target, shape), t = m.create(one.t);
			// y + δ b at level t*: √ᾱ (y + δ b)
			final float[] step = new float[b];
			for (int i = 0; i < b; i++)
				step[i] = sa[i] * delta[i];
			final NDArray e0 = net.eps(xt, t);
			// central difference: its error is second order in δ, so the network cannot gain by bending ε̂ at that scale
			final NDArray shift = probe.mul(m.create(step, per));
			final NDArray e1 = net.eps(xt.add(shift), t), e2 = net.eps(xt.sub(shift), t);
			final float[] div = new float[b];
			for (int i = 0; i < b; i++)
				div[i] = st[i] / delta[i];
			final NDArray terms = e0.square().mul(m.create(ratio2, per)).sub(probe.mul(e1.sub(e2)).mul(m
				.create(div, per)));
			if (one.mask == null) return terms.mean();
			double kept = 0;
			for (final float v : one.mask)
				kept += v;
			// the mean over the pixels that count (a batch with none counts nothing)
			return terms.mul(m.create(one.mask, shape)).sum().div((float) Math.max(1, kept));
		}

		@Override
		public Map<String, Object> describe() {
			final Map<String, Object> m = new LinkedHashMap<>();
			m.put("loss", "SURE of the one-step posterior mean at the data's own noise level (Monte-Carlo divergence, " +
				"probe " + PROBE + " sigma_y)");
			return m;
		}
	}

	/**
	 * A held-out measure of Denoise's one-step posterior mean D(y) = y − σ_t ε̂(√ᾱ_t* y, t*) on noisy
	 * patches that needs neither a clean image nor the noise's distribution, only that the noise
	 * be independent from pixel to pixel (Neighbor2Neighbor's sub-sampling, Huang et al. 2021):
	 * each patch is split into two half-resolution images g₁, g₂ from the two diagonals of every
	 * 2×2 cell, and, both ways round,
	 * <pre>
	 *   E‖D(g₁) − g₂‖²/(Nσ_y²) − 1 = E‖D(g₁) − x₂‖²/(Nσ_y²),   x₂ = E[g₂]
	 * </pre>
	 * g₂'s noise being independent of D(g₁). x₂ is g₁'s clean neighbour, not its clean value, so the
	 * level is not the error at full resolution; what is compared — one set of weights against
	 * another on the same patches — is the direction. Stein's estimate ({@link Sure}) assumes
	 * Gaussian noise; at a few photons per pixel, after the Anscombe transform, it ranked weights
	 * trained on posterior means the wrong way round (docs/train.md). Its value has no gradient:
	 * a measure for {@code Trainer#validateWith}, not an objective to train by.
	 * {@code batch} puts the patches in target, σ_y in weight, the level in t; the twin patches,
	 * when given, are the mask of the pixels that count, read at the targets.
	 */
	final class Split implements Objective {

		private final int min, step;
		private NoiseSchedule schedule;

		/**
		 * The two ways round, each {x₁, y₁, x₂, y₂} within a 2×2 cell: g₁ from (x₁, y₁), its target
		 * g₂ from (x₂, y₂) — (0,0) → (1,1) and (1,0) → (0,1).
		 */
		public static int[][] pairs() {
			return new int[][] { { 0, 0, 1, 1 }, { 1, 0, 0, 1 } };
		}

		/**
		 * @param min the network's smallest input side, {@code step} the step of its sizes: the
		 *          half-resolution images are cropped to the largest side it accepts
		 */
		public Split(final int min, final int step) {
			this.min = min;
			this.step = step;
		}

		/** The side of the half-resolution images of p × p patches, or 0 when the network takes none. */
		public int side(final int p) {
			final int h = p / 2;
			if (h < min) return 0;
			return step <= 0 ? h == min ? h : 0 : min + (h - min) / step * step;
		}

		@Override
		public void batch(final float[] y, final float[] twin, final float[] sigmaY, final int b, final int pp,
			final NoiseSchedule schedule, final SplittableRandom r, final GaussianNoise noise, final long stream,
			final Batch out)
		{
			this.schedule = schedule;
			for (int i = 0; i < b; i++) {
				if (!(sigmaY[i] > 0)) throw new IllegalArgumentException("the split-pixel measure needs noisy patches " +
					"(sigma > 0)");
				out.t[i] = Math.max(0, schedule.timestepForSigma(sigmaY[i]));
				out.weight[i] = sigmaY[i];
			}
			System.arraycopy(y, 0, out.target, 0, b * pp);
			if (twin != null) out.mask = Arrays.copyOf(twin, b * pp);
		}

		@Override
		public NDArray loss(final Network net, final NDManager m, final Batch one, final int b, final int p) {
			final int s = side(p), ss = s * s;
			if (s == 0) throw new IllegalArgumentException("patches of " + p + " pixels are too small for the " +
				"split-pixel measure: their halves must be at least " + min + " pixels");
			final float[] sa = new float[b];
			for (int i = 0; i < b; i++)
				sa[i] = (float) Math.sqrt(schedule.alphaBar((int) one.t[i]));
			double sum = 0, count = 0;
			for (final int[] pair : pairs()) {
				final float[] xt = new float[b * ss];
				for (int i = 0; i < b; i++)
					for (int y = 0; y < s; y++)
						for (int x = 0; x < s; x++)
							xt[i * ss + y * s + x] = sa[i] * one.target[i * p * p + (2 * y + pair[1]) * p + 2 * x + pair[0]];
				final float[] eps = net.eps(m.create(xt, new Shape(b, 1, s, s)), m.create(one.t)).toFloatArray();
				for (int i = 0; i < b; i++) {
					final double st = schedule.sigma((int) one.t[i]), sy2 = (double) one.weight[i] * one.weight[i];
					for (int y = 0; y < s; y++)
						for (int x = 0; x < s; x++) {
							final int to = i * p * p + (2 * y + pair[3]) * p + 2 * x + pair[2];
							final double w = one.mask == null ? 1 : one.mask[to];
							if (w == 0) continue;
							final int k = i * ss + y * s + x;
							double x0 = xt[k] / sa[i] - st * eps[k];
							if (one.fileMean != null && one.fileMean[i] != null) x0 = one.fileMean[i].applyAsDouble(x0);
							final double d = x0 - one.target[to];
							sum += w * (d * d / sy2 - 1);
							count += w;
						}
				}
			}
			return m.create((float) (count > 0 ? sum / count : 0));
		}

		@Override
		public Map<String, Object> describe() {
			final Map<String, Object> m = new LinkedHashMap<>();
			m.put("loss", "split-pixel estimate of the one-step posterior mean's squared error at the data's own noise " +
				"level (each held-out patch's 2x2 diagonals denoised and compared with the other diagonal; minus the " +
				"noise variance, as a fraction of it)");
			return m;
		}
	}
}
