package sc.fiji.diffusion.engine.noise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import sc.fiji.diffusion.engine.GaussianNoise;

/**
 * The error of a denoiser's result without the clean image: Stein's unbiased risk estimate
 * (SURE), in the form that also holds, to first order, for Poisson–Gaussian noise (PG-URE,
 * Luisier, Blu &amp; Unser 2011). For a noisy image y = x + n whose per-pixel noise variance
 * has an unbiased estimate v(y) ({@link NoiseModel#variance}), and a denoiser f,
 * <pre>
 *   E ‖f(y) − x‖² / N  ≈  (1/N) Σₙ [ (fₙ(y) − yₙ)² − vₙ + 2 vₙ ∂fₙ/∂yₙ ]
 * </pre>
 * (exact for Gaussian noise; for Poisson noise the weighted divergence replaces the discrete
 * shift f(y − a·eₙ) by its first-order expansion). The weighted divergence Σ vₙ ∂fₙ/∂yₙ is
 * estimated by one more pass of the denoiser on a probed image (Ramani, Blu &amp; Unser 2008):
 * with bₙ = ±1 at random and pₙ ≈ √vₙ,
 * <pre>
 *   Σₙ vₙ ∂fₙ/∂yₙ  ≈  Σₙ (vₙ / pₙ) · bₙ · (fₙ(y + ε p ⊙ b) − fₙ(y)) / ε,
 * </pre>
 * unbiased over b to first order in ε. The estimate is of the mean squared error against the
 * clean image x (not against the noisy one), in image units; it needs the noise model to be
 * right — a σ misjudged by 5 % moves it by about as much as the error it estimates is small, so
 * the noise model's own estimate is the weak link, not the formula.
 * <p>
 * Stein's estimate needs the noise model to be right, and an estimated σ rarely is within the
 * few per cent that would take: where the noise was estimated from the image, the error reported
 * ({@link Estimate#reportedMse}) weighs it against one that needs no noise level, each by the
 * inverse of its variance ({@link Estimate#combinedMse}). Take the noise to be
 * the model's scaled by an unknown s² (variance s²·v), f the posterior mean under it, V and D the
 * means of v and of v·∂f/∂y over the pixels. Tweedie's formulas give s²·∇ log p(y) = f − y and
 * the posterior variance s²·D; the marginal likelihood p(y) is stationary in s where
 * ‖∇ log p‖² + Δ log p = 0 (the heat equation), that is where the residual is
 * <pre>
 *   R = s² (V − D),   so   s² = R / (V − D),   and the error is the posterior variance   s² D = R · D / (V − D),
 * </pre>
 * R = (1/N) Σ (f − y)², all read off the result at hand. An error of the whole noise model's scale
 * cancels (D / V does not change); what this trusts instead is the prior (its posterior variance is
 * its error only on images like its training data). On the 45 validation cases of
 * tools/error_report.py (noise not told) the weighted estimate came within 10 % of the true error
 * on 15, the consistent form alone on 13 and Stein's on 11 (21 / 13 / 19 against references
 * cleaned of their own noise); where the noise is given, Stein's estimate is the better one (30 of
 * 44 against 15) and is reported alone.
 * <p>
 * A large plane is probed on blocks (each run on the probed y with a halo) spread over the whole
 * plane, at a fixed budget of pixels, so the estimate costs a fraction of the denoising itself
 * (about a fifth at 2048²); a small plane is probed whole (one more pass).
 */
public final class Sure {

	private Sure() {}

	/**
	 * How far the consistent form R·D/(V − D) was from the true mean squared error, relatively:
	 * the RMS of (consistent / true − 1) over the 45 validation cases of tools/error_report.py was
	 * 0.46 against their references as they are and 0.50 against references cleaned of their own
	 * noise (the prior's posterior variance is its error only on images like its training data).
	 * Its weight beside Stein's estimate in {@link Estimate#combinedMse}.
	 */
	public static final double CONSISTENT_RELATIVE_ERROR = 0.5;

	/** Probe step, in units of each pixel's noise standard deviation. */
	public static final double EPS = 0.05;

	/** The noise stream the probe's signs come from (apart from every sampler's). */
	private static final long PROBE_STREAM = 0x5EED5C0DEL;

	/** Side of a probe block's core and the halo it is run with. */
	static final int BLOCK = 256, HALO = 32;

	/** A denoiser of one plane in image units: y (w × h) → f(y), a new array. */
	@FunctionalInterface
	public interface Denoiser {

		float[] apply(float[] y, int w, int h);
	}

	/** An estimate of one plane. */
	public static final class Estimate {

		/** Estimated mean squared error against the clean image (image units²; may come out slightly negative). */
		public final double mse;
		/** (1/N) Σ (f − y)² and (1/N) Σ v: the residual and the noise it should have. */
		public final double residual, noiseVariance;
		/** Mean of vₙ ∂fₙ/∂yₙ over the probed pixels, and their number. */
		public final double weightedDivergence;
		public final long probed, pixels;
		/**
		 * Standard error of {@link #mse}: the spread of its per-pixel terms (as if pixels were
		 * independent: a lower bound of the real one where errors are correlated in space) and the
		 * noise model's own uncertainty ({@link NoiseModel#varianceError}), which dominates when the
		 * result's error is small against the noise.
		 */
		public final double standardError;
		/** The pixels the estimate speaks for: all but those whose result lies within 2 σ of a clipped value. */
		public final long covered;
		/** Standard errors of {@link #residual} and of {@link #weightedDivergence} (pixels taken as independent). */
		public final double residualError, divergenceError;
		/** Whether the noise model was estimated from the image (then {@link #reportedMse} is {@link #consistentMse}). */
		public final boolean noiseEstimated;
		/**
		 * The posterior variance under the noise level the residual is consistent with, R·D/(V − D)
		 * (see {@link Sure}); NaN where D ≤ 0 or D ≥ V.
		 */
		public final double consistentMse;
		/** Standard error of {@link #consistentMse} from the residual's and the probe's spread alone. */
		public final double consistentError;
		/**
		 * Stein's {@link #mse} and {@link #consistentMse} weighted by the inverse of their variances:
		 * Stein's {@link #standardError}², and (CONSISTENT_RELATIVE_ERROR · consistentMse)² plus
		 * {@link #consistentError}² for the consistent form. Where the noise model is uncertain
		 * against the error (a high noise level, a good result, a clipped image) the consistent form
		 * carries it; where the noise model is sure, Stein's. NaN where either is missing.
		 */
		public final double combinedMse;
		/** The weight of Stein's estimate in {@link #combinedMse} (0..1). */
		public final double steinWeight;

		Estimate(final double residual, final double noiseVariance, final double weightedDivergence, final long probed,
			final long pixels, final double standardError, final long covered, final double residualError,
			final double divergenceError, final boolean noiseEstimated)
		{
			this.covered = covered;
			this.residual = residual;
			this.noiseVariance = noiseVariance;
			this.weightedDivergence = weightedDivergence;
			this.probed = probed;
			this.pixels = pixels;
			this.standardError = standardError;
			this.residualError = residualError;
			this.divergenceError = divergenceError;
			this.noiseEstimated = noiseEstimated;
			this.mse = residual - noiseVariance + 2 * weightedDivergence;
			final double free = noiseVariance - weightedDivergence;
			final boolean ok = weightedDivergence > 0 && free > 0 && residual >= 0;
			this.consistentMse = ok ? residual * weightedDivergence / free : Double.NaN;
			// δ(R·D/(V − D)) = δR·D/(V − D) + δD·R·V/(V − D)²
			this.consistentError = ok ? Math.hypot(residualError * weightedDivergence / free, divergenceError * residual *
				noiseVariance / (free * free)) : Double.NaN;
			// the two estimates weighted by the inverse of their variances: Stein's from its standard error (the noise
			// model's own uncertainty included), the consistent one's from how far the prior's posterior variance was from
			// the true error on the validation images (CONSISTENT_RELATIVE_ERROR)
			final double sc = Math.hypot(CONSISTENT_RELATIVE_ERROR * consistentMse, ok ? consistentError : 0);
			if (ok && standardError > 0 && sc > 0 && Double.isFinite(mse)) {
				final double ws = 1 / (standardError * standardError), wc = 1 / (sc * sc);
				this.combinedMse = (ws * mse + wc * consistentMse) / (ws + wc);
				this.steinWeight = ws / (ws + wc);
			}
			else {
				this.combinedMse = Double.NaN;
				this.steinWeight = Double.NaN;
			}
		}

		/** Whether {@link #reportedMse} is {@link #combinedMse} rather than Stein's {@link #mse} alone. */
		public boolean reportsConsistent() {
			return noiseEstimated && combinedMse > 0;
		}

		/**
		 * The mean squared error reported: {@link #combinedMse} where the noise was estimated (a σ
		 * off by a few per cent moves Stein's estimate by as much as the error itself, and the
		 * consistent form trusts the prior instead), Stein's {@link #mse} where it was given.
		 */
		public double reportedMse() {
			return reportsConsistent() ? combinedMse : mse;
		}

		/** What the range of {@link #rmseRange} is, for a log line. */
		public String rangeMeaning() {
			return reportsConsistent() ? "within two standard errors of either estimate" : "within two standard errors";
		}

		/** The consistent form's RMS error for a log line. */
		private String consistentRmse() {
			return consistentMse > 0 ? String.format(Locale.ROOT, "%.4g", Math.sqrt(consistentMse)) : "none";
		}

		/** Stein's RMS error for a log line ("<= 0" where it came out so). */
		private String steinRmse() {
			return mse > 0 ? String.format(Locale.ROOT, "%.4g", Math.sqrt(mse)) : "<= 0";
		}

		/** How {@link #reportedMse} was made, for a log line. */
		public String method() {
			return reportsConsistent() ? String.format(Locale.ROOT, "Stein's unbiased risk estimate under the noise model " +
				"above (%s) and the posterior variance at the noise level the result's residual is consistent with (%s), " +
				"weighted %.0f : %.0f by their uncertainties (the noise was estimated); no clean image used", steinRmse(),
				consistentRmse(), 100 * steinWeight, 100 * (1 - steinWeight)) :
				"Stein's unbiased risk estimate under the noise model above, no clean image used";
		}

		/**
		 * The RMS errors two standard errors below and above the estimate (the low one ≥ 0); where
		 * {@link #consistentMse} is reported, the range covers it (two of its standard errors) and
		 * Stein's range too: the two trust different things (the prior; the noise model), and where
		 * they disagree the truth has been found on either side.
		 */
		public double[] rmseRange() {
			double lo = mse - 2 * standardError, hi = mse + 2 * standardError;
			if (reportsConsistent()) {
				lo = Math.min(lo, consistentMse - 2 * consistentError);
				hi = Math.max(hi, consistentMse + 2 * consistentError);
			}
			return new double[] { Math.sqrt(Math.max(lo, 0)), Math.sqrt(Math.max(hi, 0)) };
		}

		/**
		 * √{@link #reportedMse}: the estimated RMS error in image units; NaN when the estimate came
		 * out ≤ 0, which says that the noise model overstates the noise (no error can be read from it).
		 */
		public double rmse() {
			final double m = reportedMse();
			return m > 0 ? Math.sqrt(m) : Double.NaN;
		}

		/** Mean of several planes' estimates (weighted by the pixels each covers). */
		public static Estimate mean(final List<Estimate> all) {
			double r = 0, v = 0, d = 0, se2 = 0, re2 = 0, de2 = 0;
			long n = 0, probed = 0, covered = 0;
			boolean estimated = false;
			for (final Estimate e : all) {
				covered += e.covered;
				estimated |= e.noiseEstimated;
			}
			for (final Estimate e : all) {
				n += e.pixels;
				probed += e.probed;
				if (e.covered == 0 || Double.isNaN(e.mse)) continue;
				r += e.residual * e.covered;
				v += e.noiseVariance * e.covered;
				d += e.weightedDivergence * e.covered;
				se2 += Math.pow(e.standardError * e.covered / covered, 2);
				re2 += Math.pow(e.residualError * e.covered / covered, 2);
				de2 += Math.pow(e.divergenceError * e.covered / covered, 2);
			}
			return new Estimate(r / covered, v / covered, d / covered, probed, n, Math.sqrt(se2), covered, Math.sqrt(re2),
				Math.sqrt(de2), estimated);
		}

		@Override
		public String toString() {
			if (covered == 0) return "no error estimate: every pixel lies at or near a clipped value";
			if (!(reportedMse() > 0)) return String.format(Locale.ROOT, "no error estimate: it came out <= 0 (mean squared error " +
				"%.4g +- %.4g): %s (residual %.4g, noise %.4g)", mse, standardError, mse + 2 * standardError > 0 ? String.format(
					Locale.ROOT, "the error is too small to measure against this much noise on this many pixels (RMS error " +
						"below about %.3g)", Math.sqrt(mse + 2 * standardError)) : "the noise model overstates this image's noise",
				Math.sqrt(residual), Math.sqrt(Math.max(noiseVariance, 0)));
			final String over = covered == pixels ? "" : String.format(Locale.ROOT, " over the %.0f %% of the pixels away " +
				"from clipped values", 100.0 * covered / pixels);
			final double[] range = rmseRange();
			return String.format(Locale.ROOT, "estimated RMS error %.4g%s (%.3g..%.3g %s; %s" +
				"residual %.4g, noise %.4g, divergence term %.4g; %d of %d pixels probed)", rmse(), over, range[0], range[1],
				rangeMeaning(),
				reportsConsistent() ? String.format(Locale.ROOT, "Stein's estimate %s and the posterior variance at the noise " +
					"level the residual is consistent with %s, weighted %.0f : %.0f; ", steinRmse(), consistentRmse(), 100 *
						steinWeight, 100 * (1 - steinWeight)) :
					"", Math.sqrt(residual), Math.sqrt(Math.max(noiseVariance, 0)), 2 * weightedDivergence, probed, pixels);
		}
	}

	/**
	 * The estimated error of {@code fy = f(y)}.
	 *
	 * @param y the noisy plane (image units; only read)
	 * @param fy the denoiser's result on it
	 * @param noise the noise model of y
	 * @param f the same denoiser, to run on probed images (the whole plane or blocks of it)
	 * @param seed keys the probe's signs (same seed, same estimate)
	 * @param budget the most pixels to probe; a plane no larger than what its blocks would cost is probed whole
	 */
	public static Estimate of(final float[] y, final float[] fy, final int w, final int h, final NoiseModel noise,
		final Denoiser f, final long seed, final long budget)
	{
		return of(y, fy, w, h, noise, f, seed, budget, null);
	}

	/**
	 * As {@link #of(float[], float[], int, int, NoiseModel, Denoiser, long, long)}, also filling
	 * {@code terms} (when not null, one per pixel) with each pixel's own unbiased but very noisy
	 * term (fₙ − yₙ)² − vₙ + 2 vₙ ∂fₙ/∂yₙ, NaN where the estimate does not speak (near a clip, or
	 * not probed): averaged over many pixels of one kind they estimate those pixels' MSE.
	 */
	public static Estimate of(final float[] y, final float[] fy, final int w, final int h, final NoiseModel noise,
		final Denoiser f, final long seed, final long budget, final double[] terms)
	{
		return of(y, fy, w, h, noise, f, seed, budget, terms, false);
	}

	/**
	 * As {@link #of(float[], float[], int, int, NoiseModel, Denoiser, long, long, double[])};
	 * with {@code rerunBase}, the unprobed values of each probed block come from f itself rather
	 * than from fy: for when f is a more precise copy of the denoiser that made fy (float32 beside
	 * a bfloat16 result), so that the finite difference sees no rounding difference. fy still
	 * gives the residual. Costs one more run of f per probed block.
	 */
	public static Estimate of(final float[] y, final float[] fy, final int w, final int h, final NoiseModel noise,
		final Denoiser f, final long seed, final long budget, final double[] terms, final boolean rerunBase)
	{
		return of(y, fy, w, h, noise, f, seed, budget, terms, null, rerunBase);
	}

	/**
	 * As {@link #of(float[], float[], int, int, NoiseModel, Denoiser, long, long, double[], boolean)},
	 * also filling {@code propagated} (when not null, one per pixel; NaN where not probed) with
	 * ((fₙ(y + ε p ⊙ b) − fₙ(y)) / ε)², whose mean over the probe's signs is Σₘ (∂fₙ/∂yₘ)² vₘ: the
	 * variance the noise passes on to the result at pixel n, to first order (the error's variance
	 * part, apart from its bias).
	 */
	public static Estimate of(final float[] y, final float[] fy, final int w, final int h, final NoiseModel noise,
		final Denoiser f, final long seed, final long budget, final double[] terms, final double[] propagated,
		final boolean rerunBase)
	{
		final int n = w * h;
		if (terms != null) Arrays.fill(terms, Double.NaN);
		if (propagated != null) Arrays.fill(propagated, Double.NaN);
		if (y.length != n || fy.length != n) throw new IllegalArgumentException("image and result differ in size");
		final double[] v = new double[n];
		double positive = 0;
		for (int i = 0; i < n; i++) {
			v[i] = noise.variance(y[i]);
			positive += Math.max(v[i], 0);
		}
		// pixels whose estimated variance is ≤ 0 (a dark camera pixel) are still probed, a little
		final double floor = Math.max(1e-3 * positive / n, 1e-12);
		// where the file clipped (an 8-bit black background), Stein's identity does not hold: the
		// estimate is made over the pixels whose result lies more than 2 σ from a clipped value
		final double[] clip = CameraFit.clipValues(y);
		final boolean[] use = new boolean[n];
		double resid = 0, var = 0, term2 = 0;
		long used = 0;
		final boolean unclipped = Double.isNaN(clip[0]) && Double.isNaN(clip[1]);
		for (int i = 0; i < n; i++) {
			final double margin = unclipped ? 0 : 2 * Math.sqrt(Math.max(v[i], floor));
			use[i] = unclipped || !(fy[i] - clip[0] <= margin) && !(clip[1] - fy[i] <= margin); // NaN clip: no limit
			if (!use[i]) continue;
			final double r = fy[i] - y[i];
			resid += r * r;
			var += v[i];
			term2 += (r * r - v[i]) * (r * r - v[i]);
			used++;
		}
		if (used == 0) return new Estimate(Double.NaN, Double.NaN, Double.NaN, 0, n, Double.NaN, 0, Double.NaN, Double.NaN,
			noise.estimated());
		double div = 0, div2 = 0;
		long probed = 0;
		for (final int[] b : blocks(w, h, budget)) {
			// b = crop x, y, width, height, then the core inside it: x, y, width, height (crop coordinates)
			final int cx = b[0], cy = b[1], cw = b[2], ch = b[3];
			final boolean whole = cw == w && ch == h;
			final float[] crop = whole ? y : crop(y, w, cx, cy, cw, ch);
			// the unprobed values come from the whole plane's result: where a block's own run would differ (its border,
			// beyond the halo; an adapted model's extra noise) the difference does not depend on the probe's signs, so it
			// averages out instead of biasing, and no second run of the block is needed
			final float[] base = rerunBase ? f.apply(crop, cw, ch) : whole ? fy : crop(fy, w, cx, cy, cw, ch);
			final float[] sign = signs(seed, w, cx, cy, cw, ch);
			final float[] probe = new float[crop.length];
			final double[] weight = new double[crop.length];
			for (int yy = 0; yy < ch; yy++)
				for (int xx = 0; xx < cw; xx++) {
					final int j = yy * cw + xx;
					final double vj = v[(cy + yy) * w + cx + xx], p = Math.sqrt(Math.max(vj, floor));
					probe[j] = (float) (crop[j] + EPS * p * sign[j]);
					weight[j] = vj / p * sign[j] / EPS;
				}
			final float[] probed1 = f.apply(probe, cw, ch);
			for (int yy = b[5]; yy < b[5] + b[7]; yy++)
				for (int xx = b[4]; xx < b[4] + b[6]; xx++) {
					final int j = yy * cw + xx;
					if (propagated != null) {
						final double dif = ((double) probed1[j] - base[j]) / EPS;
						propagated[(cy + yy) * w + cx + xx] = dif * dif;
					}
					if (!use[(cy + yy) * w + cx + xx]) continue;
					final double dj = weight[j] * ((double) probed1[j] - base[j]);
					if (terms != null) {
						final int i = (cy + yy) * w + cx + xx;
						final double r = fy[i] - y[i];
						terms[i] = r * r - v[i] + 2 * dj;
					}
					div += dj;
					div2 += dj * dj;
					probed++;
				}
		}
		if (probed == 0) return new Estimate(Double.NaN, Double.NaN, Double.NaN, 0, n, Double.NaN, used, Double.NaN,
			Double.NaN, noise.estimated());
		final double t = (resid - var) / used, d = div / probed;
		// the spread of the per-pixel terms, and what an error of the noise model's own variance does: all v scaled by
		// (1 + δ) moves the estimate by δ·(2·divergence term − noise variance)
		// an image that clipped: the variance near the clip is not the model's, and how far that reaches is not known;
		// the range widens by the share of pixels the estimate cannot speak for
		final double clipped = 1 - (double) used / n;
		final double model = Math.sqrt(Math.pow(noise.varianceError(), 2) + clipped * clipped) * (2 * d - var / used);
		final double seResidual = Math.sqrt(Math.max(term2 / used - t * t, 0) / used), seDivergence = Math.sqrt(Math.max(div2
			/ probed - d * d, 0) / probed);
		final double se = Math.sqrt(seResidual * seResidual + 4 * seDivergence * seDivergence + model * model);
		return new Estimate(resid / used, var / used, d, probed, n, se, used, seResidual, seDivergence, noise.estimated());
	}

	/**
	 * Whether Stein's estimate {@code a} of one result's mean squared error is below {@code b},
	 * another's on the same pixels; never where b ≤ 0 (both errors are then too small to measure
	 * against the noise, which says nothing about which is lower).
	 */
	public static boolean lower(final double a, final double b) {
		return b > 0 && a < b;
	}

	/** Why {@link #lower}{@code (a, b)} said no, for a verdict. */
	public static String notLowerBecause(final double b) {
		return b > 0 ? "Stein's estimate is not lower" : "Stein's estimate cannot tell: both errors too small to measure";
	}

	/** A budget with which {@link #of} probes a w × h plane whole, in one run (every pixel its own response). */
	public static long wholePlane(final int w, final int h) {
		return 2L * w * h + (long) BLOCK * BLOCK;
	}

	/**
	 * The probe blocks of a w × h plane: the whole plane when it costs no more than the blocks
	 * would (one run of each block with its halo), else about budget / 256² blocks of 256² (with a
	 * 32 px halo), one in each cell of a regular grid over the plane. Each entry: crop x, y, w, h,
	 * then the core's x, y, w, h inside the crop.
	 */
	public static List<int[]> blocks(final int w, final int h, final long budget) {
		final List<int[]> out = new ArrayList<>();
		final int k = (int) Math.max(1, Math.round((double) budget / ((long) BLOCK * BLOCK)));
		final long blockCost = (long) k * (BLOCK + 2 * HALO) * (BLOCK + 2 * HALO);
		if ((long) w * h <= blockCost || w < BLOCK + 2 * HALO || h < BLOCK + 2 * HALO) {
			out.add(new int[] { 0, 0, w, h, 0, 0, w, h });
			return out;
		}
		// a gx × gy grid with about k cells, shaped like the plane
		int gx = (int) Math.max(1, Math.round(Math.sqrt(k * (double) w / h))), gy = Math.max(1, (int) Math.round(
			(double) k / gx));
		gx = Math.min(gx, w / BLOCK);
		gy = Math.min(gy, h / BLOCK);
		for (int j = 0; j < gy; j++)
			for (int i = 0; i < gx; i++) {
				// the core centred in its cell, the crop around it clamped to the plane
				final int coreX = (int) ((i + 0.5) * w / gx) - BLOCK / 2, coreY = (int) ((j + 0.5) * h / gy) - BLOCK / 2;
				final int x0 = Math.max(0, Math.min(w - BLOCK, coreX)), y0 = Math.max(0, Math.min(h - BLOCK, coreY));
				final int cx = Math.max(0, x0 - HALO), cy = Math.max(0, y0 - HALO);
				final int cw = Math.min(w, x0 + BLOCK + HALO) - cx, ch = Math.min(h, y0 + BLOCK + HALO) - cy;
				out.add(new int[] { cx, cy, cw, ch, x0 - cx, y0 - cy, BLOCK, BLOCK });
			}
		return out;
	}

	private static float[] crop(final float[] y, final int w, final int cx, final int cy, final int cw, final int ch) {
		final float[] out = new float[cw * ch];
		for (int r = 0; r < ch; r++)
			System.arraycopy(y, (cy + r) * w + cx, out, r * cw, cw);
		return out;
	}

	/** ±1 signs keyed by the pixel's place in the whole plane: a block probes what the whole plane would. */
	private static float[] signs(final long seed, final int w, final int cx, final int cy, final int cw, final int ch) {
		final GaussianNoise g = new GaussianNoise(seed);
		final float[] out = new float[cw * ch];
		for (int r = 0; r < ch; r++)
			for (int c = 0; c < cw; c++)
				out[r * cw + c] = g.sign(PROBE_STREAM, (long) (cy + r) * w + cx + c);
		return out;
	}
}
