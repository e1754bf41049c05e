package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.noise.Clipped;
import sc.fiji.diffusion.engine.noise.NoiseModel;
import sc.fiji.diffusion.engine.training.Objective;

/**
 * A comparison of two denoisers on one noisy image that needs no clean image and no noise model
 * it could be misled by — what decides whether Denoise's {@code adapt} helped. The rows below
 * {@code top} are split into two half-resolution images g₁, g₂ from the two diagonals of every
 * 2×2 cell (the sub-sampling of Neighbor2Neighbor, Huang et al. 2021): where the noise is
 * independent from pixel to pixel, g₂'s noise is independent of g₁. Each denoiser f denoises
 * g₁ and is compared with g₂:
 * <pre>
 *   E[(f_A(g₁) − g₂)² − (f_B(g₁) − g₂)²] = E[(f_A(g₁) − x₂)²] − E[(f_B(g₁) − x₂)²]
 * </pre>
 * (x₂ = E[g₂], g₂'s noise adds the same to both and its cross terms vanish), so the mean of the
 * per-pixel differences estimates how much lower A's squared error is than B's, without the bias
 * Stein's estimate has when its Gaussian assumption does not hold (a few photons per pixel) and
 * that a network fitted to that estimate learns to exploit. Both ways round: (0,0) → (1,1) and
 * (1,0) → (0,1).
 * <p>
 * Where the file bounded its values (an 8-bit black background, a saturated camera: the noise model
 * is {@link Clipped}) g₂'s noise is not zero-mean, E[g₂] = μ(x₂), the mean of the values the file
 * holds at x₂. There each estimate f is compared through that same map, μ(f) against g₂, which
 * makes the identity above hold again with μ(f) and μ(x₂) in place of f and x₂ — every pixel
 * counts, near the bound each error weighted by μ's slope there (leaving those pixels out would
 * judge a dark field by its few bright cells).
 * <p>
 * The denoisers see half-resolution images, so this is a check of direction,
 * not a measure of the full-resolution error.
 */
final class SplitCheck {

	/** A denoiser of a working-unit plane of w × h pixels, giving image units. */
	interface Denoiser {

		float[] apply(float[] work, int w, int h);
	}

	/** {mean difference (A − B), its standard error, pixels}. */
	static final class Result {

		final double mean, error;
		final long pixels;

		Result(final double mean, final double error, final long pixels) {
			this.mean = mean;
			this.error = error;
			this.pixels = pixels;
		}

		/** Whether A's error is lower than B's by more than {@code z} standard errors. */
		boolean lower(final double z) {
			return pixels > 1 && mean + z * error < 0;
		}
	}

	private SplitCheck() {}

	/**
	 * @param raw the plane in image units (the comparison's targets)
	 * @param work the same plane in working units (what the denoisers are given)
	 * @param top the first row of the part compared (rows above it are left out)
	 * @param clip the plane's clipped values ({@code CameraFit.clipValues}): unless {@code noise} is
	 *          {@link Clipped}, targets whose clean value, as the two denoisers' mean estimates it, lies
	 *          within 3 noise σ of one are left out — their noise was cut off and is not zero-mean
	 */
	static Result compare(final float[] raw, final float[] work, final int w, final int h, final int top,
		final double[] clip, final NoiseModel noise, final Denoiser a, final Denoiser b)
	{
		return compare(raw, work, w, h, top, clip, noise, a, b, Objective.Split.pairs());
	}

	/**
	 * Every pixel of each 2×2 cell a target once: the two ways round of {@link Objective.Split#pairs}
	 * and their reverses — twice the targets for twice the denoising, a standard error about √2
	 * smaller (adapt=N's judge on photon data, where the differences to see are small).
	 */
	static int[][] allFour() {
		final int[][] two = Objective.Split.pairs(), four = new int[4][];
		for (int i = 0; i < 2; i++) {
			four[2 * i] = two[i];
			four[2 * i + 1] = new int[] { two[i][2], two[i][3], two[i][0], two[i][1] };
		}
		return four;
	}

	/**
	 * As {@link #compare(float[], float[], int, int, int, double[], NoiseModel, Denoiser, Denoiser)}
	 * with the given ways round, each {x₁, y₁, x₂, y₂} within a 2×2 cell: the denoised image from
	 * (x₁, y₁), its targets at (x₂, y₂).
	 */
	static Result compare(final float[] raw, final float[] work, final int w, final int h, final int top,
		final double[] clip, final NoiseModel noise, final Denoiser a, final Denoiser b, final int[][] pairs)
	{
		final int sw = w / 2, sh = (h - top) / 2;
		if (sw < 1 || sh < 1) return new Result(Double.NaN, Double.NaN, 0);
		final Clipped bounded = noise instanceof Clipped ? (Clipped) noise : null;
		double sum = 0, sum2 = 0;
		long n = 0;
		for (final int[] pair : pairs) {
			final float[] g1 = new float[sw * sh];
			final int[] to = new int[sw * sh];
			for (int y = 0; y < sh; y++)
				for (int x = 0; x < sw; x++) {
					g1[y * sw + x] = work[(top + 2 * y + pair[1]) * w + 2 * x + pair[0]];
					to[y * sw + x] = (top + 2 * y + pair[3]) * w + 2 * x + pair[2];
				}
			final float[] fa = a.apply(g1.clone(), sw, sh), fb = b.apply(g1.clone(), sw, sh);
			for (int k = 0; k < g1.length; k++) {
				double pa = fa[k], pb = fb[k];
				if (bounded != null) {
					// the file's mean at each estimate, μ(f), against the target, whose mean is μ(x₂) exactly
					pa = bounded.noisyMean(pa);
					pb = bounded.noisyMean(pb);
				}
				else {
					// near a clip the model does not know of, the target's noise is not zero-mean: left out by the two
					// estimates of its clean value, never by the target itself (choosing targets by their own noise would
					// bias what is left)
					final double ref = (pa + pb) / 2, sd = 3 * Math.sqrt(Math.max(0, noise.variance(ref)));
					if (ref - clip[0] <= sd || clip[1] - ref <= sd) continue;
				}
				final double z = raw[to[k]];
				final double d = (pa - z) * (pa - z) - (pb - z) * (pb - z);
				sum += d;
				sum2 += d * d;
				n++;
			}
		}
		if (n < 2) return new Result(Double.NaN, Double.NaN, n);
		final double m = sum / n;
		return new Result(m, Math.sqrt(Math.max(0, sum2 / n - m * m) / (n - 1)), n);
	}
}
