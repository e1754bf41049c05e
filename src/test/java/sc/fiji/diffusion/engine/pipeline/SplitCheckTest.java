package sc.fiji.diffusion.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.noise.AdditiveGaussian;
import sc.fiji.diffusion.engine.noise.Clipped;
import sc.fiji.diffusion.engine.noise.NoiseModel;

/** The split-pixel comparison of two denoisers against what their true errors say. */
class SplitCheckTest {

	private static final int W = 128, H = 128;
	private static final double SIGMA = 10;
	private static final NoiseModel NOISE = new AdditiveGaussian(SIGMA, false);
	private static final double[] NO_CLIP = { Double.NaN, Double.NaN };

	private static float[] noisy(final long seed, final float[] clean) {
		final Random r = new Random(seed);
		final float[] y = new float[W * H];
		for (int y0 = 0; y0 < H; y0++)
			for (int x = 0; x < W; x++) {
				clean[y0 * W + x] = (float) (100 + 40 * Math.sin(x / 9.0) * Math.cos(y0 / 11.0));
				y[y0 * W + x] = (float) (clean[y0 * W + x] + SIGMA * r.nextGaussian());
			}
		return y;
	}

	/** A 3×3 box mean, edges replicated. */
	private static float[] box(final float[] p, final int w, final int h) {
		final float[] out = new float[p.length];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double s = 0;
				for (int dy = -1; dy <= 1; dy++)
					for (int dx = -1; dx <= 1; dx++)
						s += p[Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))];
				out[y * w + x] = (float) (s / 9);
			}
		return out;
	}

	@Test
	void aBetterDenoiserComesOutLowerAndAWorseOneDoesNot() {
		final float[] clean = new float[W * H], y = noisy(1, clean);
		final SplitCheck.Denoiser blur = (p, w, h) -> box(p, w, h);
		final SplitCheck.Denoiser none = (p, w, h) -> p;
		final SplitCheck.Result better = SplitCheck.compare(y, y, W, H, H / 2, NO_CLIP, NOISE, blur, none);
		// each diagonal of the lower half: 64 × 32 pixels, both ways round
		assertEquals(2 * 64 * 32, better.pixels);
		// identity: error σ² = 100; the box mean of the half-resolution image: about σ²/9 plus a little blur
		assertTrue(better.lower(2), "the blur is better: " + better.mean + " +- " + better.error);
		assertEquals(-SIGMA * SIGMA * (1 - 1 / 9.0), better.mean, 15, "close to the true difference");
		final SplitCheck.Result worse = SplitCheck.compare(y, y, W, H, H / 2, NO_CLIP, NOISE, none, blur);
		assertFalse(worse.lower(2));
		assertEquals(-better.mean, worse.mean, 1e-9);
	}

	/**
	 * All four ways round: every pixel of the compared rows is a target exactly once, the estimate
	 * of the difference stays where the two ways found it, and its standard error shrinks.
	 */
	@Test
	void allFourWaysRoundMakeEveryPixelATargetOnce() {
		final int[][] four = SplitCheck.allFour();
		final boolean[] target = new boolean[4];
		for (final int[] p : four) {
			// the input pixel and the target lie on the two different diagonals of the cell
			assertTrue(p[0] != p[2] && p[1] != p[3], java.util.Arrays.toString(p));
			final int t = p[3] * 2 + p[2];
			assertFalse(target[t], "each pixel of the cell a target once");
			target[t] = true;
		}
		final float[] clean = new float[W * H], y = noisy(3, clean);
		final SplitCheck.Denoiser blur = (p, w, h) -> box(p, w, h);
		final SplitCheck.Denoiser none = (p, w, h) -> p;
		final SplitCheck.Result two = SplitCheck.compare(y, y, W, H, H / 2, NO_CLIP, NOISE, blur, none);
		final SplitCheck.Result all = SplitCheck.compare(y, y, W, H, H / 2, NO_CLIP, NOISE, blur, none, four);
		assertEquals(2 * two.pixels, all.pixels);
		assertEquals(two.mean, all.mean, 3 * two.error, "the same difference");
		assertTrue(all.error < 0.85 * two.error, "a smaller standard error: " + all.error + " against " + two.error);
		assertTrue(all.lower(2));
	}

	@Test
	void aDenoiserThatOnlyCopiesItsInputIsNotRewardedForIt() {
		// the same denoiser both ways: no difference, and an equal one is never "lower"
		final float[] clean = new float[W * H], y = noisy(2, clean);
		final SplitCheck.Denoiser none = (p, w, h) -> p;
		final SplitCheck.Result same = SplitCheck.compare(y, y, W, H, 0, NO_CLIP, NOISE, none, none);
		assertEquals(0, same.mean, 0);
		assertFalse(same.lower(2));
		// a denoiser that adds back a fraction of its input's noise (what a network fitted to a biased estimate of its own
		// error may learn) is worse than the clean answer, and the check sees it without knowing the clean image
		final SplitCheck.Denoiser keepsNoise = (p, w, h) -> {
			final float[] b = box(p, w, h);
			for (int k = 0; k < b.length; k++)
				b[k] += 0.5f * (p[k] - b[k]);
			return b;
		};
		final SplitCheck.Denoiser blur = (p, w, h) -> box(p, w, h);
		assertTrue(SplitCheck.compare(y, y, W, H, 0, NO_CLIP, NOISE, blur, keepsNoise).lower(2));
		assertFalse(SplitCheck.compare(y, y, W, H, 0, NO_CLIP, NOISE, keepsNoise, blur).lower(2));
	}

	@Test
	void targetsNearAClippedValueAreLeftOut() {
		final float[] clean = new float[W * H], y = noisy(3, clean);
		for (int k = 0; k < y.length / 4; k++)
			y[k] = 0; // a clipped top quarter
		final SplitCheck.Denoiser none = (p, w, h) -> p;
		final SplitCheck.Result r = SplitCheck.compare(y, y, W, H, 0, new double[] { 0, Double.NaN }, NOISE, none, none);
		// targets left out by the denoisers' estimate of their clean value (here the source pixel: 0 in the clipped
		// quarter), not by their own noise; elsewhere the clean values (60..140) lie 3σ above 0 but for a rare noisy source
		assertTrue(r.pixels <= 2 * 64 * 64 * 3 / 4 && r.pixels > 2 * 64 * 64 * 3 / 4 - 20, "the clipped quarter's targets " +
			"are out: " + r.pixels);
	}

	/**
	 * Near a clip the targets are left out by the denoisers' estimate of their clean value, not by
	 * their own noise: choosing them by their noisy value keeps only those whose noise went up, and
	 * a denoiser biased upwards then looks better than the truth. Half the plane at 30 next to a
	 * clip at 0 (σ 20), half at 150; A returns the truth, B the truth + 6.
	 */
	@Test
	void targetsNearAClipAreNotChosenByTheirOwnNoise() {
		final Random r = new Random(8);
		final float[] clean = new float[W * H], y = new float[W * H];
		for (int i = 0; i < y.length; i++) {
			clean[i] = i < y.length / 2 ? 30 : 150;
			y[i] = (float) Math.max(0, clean[i] + 20 * r.nextGaussian());
		}
		final NoiseModel noise = new AdditiveGaussian(20, false);
		// the denoisers see the source pixels only through their position: the truth, or the truth + 6
		final SplitCheck.Denoiser truth = (p, w, h) -> {
			final float[] out = new float[p.length];
			for (int k = 0; k < out.length; k++)
				out[k] = k < out.length / 2 ? 30 : 150;
			return out;
		};
		final SplitCheck.Denoiser high = (p, w, h) -> {
			final float[] out = truth.apply(p, w, h);
			for (int k = 0; k < out.length; k++)
				out[k] += 6;
			return out;
		};
		final double[] clip = { 0, Double.NaN };
		final SplitCheck.Result ab = SplitCheck.compare(y, y, W, H, 0, clip, noise, truth, high);
		assertTrue(ab.lower(2), "the truth is better: " + ab.mean + " +- " + ab.error);
		assertEquals(-36, ab.mean, 6, "36 squared units per pixel, on the half far from the clip");
		assertEquals(2 * 64 * 32, ab.pixels, "the half next to the clip is left out whole");
		assertFalse(SplitCheck.compare(y, y, W, H, 0, clip, noise, high, truth).lower(2));
	}
	/**
	 * Where the noise model knows the clip ({@link Clipped}), every target counts: each estimate is
	 * compared through the file's mean μ, so a dark background (clean 0, clipped at 0, σ 25) judges
	 * the denoisers too. A returns the truth, B the clipped noise's mean there (μ(0) ≈ 10: what a
	 * denoiser that ignores the clip returns) and the truth elsewhere: only the background tells
	 * them apart, and the check finds A better without the clean image.
	 */
	@Test
	void aClipTheNoiseModelKnowsJudgesTheDarkPixelsToo() {
		final Random r = new Random(9);
		final float[] y = new float[W * H];
		for (int i = 0; i < y.length; i++)
			y[i] = (float) Math.min(255, Math.max(0, (i < y.length / 2 ? 0 : 150) + 25 * r.nextGaussian()));
		final double[] clip = { 0, Double.NaN };
		final NoiseModel noise = Clipped.of(new AdditiveGaussian(25, false), clip);
		assertTrue(noise instanceof Clipped);
		final double mu0 = ((Clipped) noise).noisyMean(0);
		assertEquals(25 * 0.3989, mu0, 0.01, "μ(0) = σ φ(0) / (1/2 + 1/2) for a clip at 0");
		final SplitCheck.Denoiser truth = (p, w, h) -> {
			final float[] out = new float[p.length];
			for (int k = 0; k < out.length; k++)
				out[k] = k < out.length / 2 ? 0 : 150;
			return out;
		};
		final SplitCheck.Denoiser ignoresClip = (p, w, h) -> {
			final float[] out = truth.apply(p, w, h);
			for (int k = 0; k < out.length / 2; k++)
				out[k] = (float) mu0;
			return out;
		};
		final SplitCheck.Result ab = SplitCheck.compare(y, y, W, H, 0, clip, noise, truth, ignoresClip);
		assertEquals(2 * 64 * 64, ab.pixels, "every target counts");
		assertTrue(ab.lower(2), "the truth is better: " + ab.mean + " +- " + ab.error);
		// half the pixels differ: (μ(0) − μ(μ(0)))² per pixel there, in the file's mean
		final double dmu = ((Clipped) noise).noisyMean(mu0) - mu0;
		assertEquals(-dmu * dmu / 2, ab.mean, 3 * ab.error + 1e-9);
		assertFalse(SplitCheck.compare(y, y, W, H, 0, clip, noise, ignoresClip, truth).lower(2));
		// the same noise without the clip known: the dark half is left out and nothing tells them apart
		final SplitCheck.Result blind = SplitCheck.compare(y, y, W, H, 0, clip, new AdditiveGaussian(25, false), truth,
			ignoresClip);
		assertEquals(0, blind.mean, 1e-9);
	}
}
