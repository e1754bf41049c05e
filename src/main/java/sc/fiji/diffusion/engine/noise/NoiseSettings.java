package sc.fiji.diffusion.engine.noise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import sc.fiji.diffusion.engine.Normals;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.engine.values.OrderStatistics;

/**
 * The noise keys of Denoise (and of Train on noisy data), validated once: {@code noise} =
 * {@code auto} (the default: decided from the image: Poisson–Gaussian when the noise variance
 * grows with the signal, else Gaussian; a σ given without a gain means constant noise of that σ),
 * {@code gaussian} (constant σ: {@code sigma}, 0 = estimate per plane), {@code poisson}
 * (photon noise of a camera: {@code gain}, {@code sigma} = read noise and {@code offset}, each
 * estimated when not given). {@link #model} turns them into the
 * {@link NoiseModel} of an image, saying in the log what it estimated and decided.
 */
public final class NoiseSettings {

	/** auto, or a noise model's name ({@link NoiseModels}). */
	private final String name;
	private final double sigma, gain, offset;

	private NoiseSettings(final String name, final double sigma, final double gain, final double offset) {
		this.name = name;
		this.sigma = sigma;
		this.gain = gain;
		this.offset = offset;
	}

	/** The two noise models noise=auto decides between. */
	static final String GAUSSIAN = "gaussian", POISSON = "poisson";

	/** The default of every front end: decided from the image. */
	public static NoiseSettings auto() {
		return parse("auto", 0, 0, Double.NaN);
	}

	/** Gaussian noise of σ (image units; 0 = estimate). */
	public static NoiseSettings gaussian(final double sigma) {
		return parse("gaussian", sigma, 0, Double.NaN);
	}

	/**
	 * Reads the keys; a clear message naming the key for values outside what is accepted.
	 *
	 * @param offset the camera offset, NaN = estimate it
	 */
	public static NoiseSettings parse(final String noise, final double sigma, final double gain, final double offset) {
		final String k = NoiseModels.checked(noise);
		if (!(sigma >= 0) || Double.isInfinite(sigma)) throw new IllegalArgumentException("sigma must be a number >= 0 " +
			"(0 = estimate it from the image), was " + sigma);
		if (!(gain >= 0) || Double.isInfinite(gain)) throw new IllegalArgumentException("gain must be a number >= 0 (0 = " +
			"estimate it from the image), was " + gain);
		if (Double.isInfinite(offset)) throw new IllegalArgumentException("offset must be a number (or auto), was " + offset);
		return new NoiseSettings(k, sigma, gain, offset);
	}

	/** Reads an {@code offset} key: "auto" or empty = estimate (NaN), else a number. */
	public static double parseOffset(final String offset) {
		if (offset == null || offset.trim().isEmpty() || offset.trim().equalsIgnoreCase("auto")) return Double.NaN;
		try {
			return Double.parseDouble(offset.trim());
		}
		catch (final NumberFormatException e) {
			throw new IllegalArgumentException("offset must be a number (the camera's value at zero light) or auto (estimate " +
				"it), was '" + offset + "'");
		}
	}

	/** auto, or the name of a noise model. */
	public String name() {
		return name;
	}

	public double sigma() {
		return sigma;
	}

	public double gain() {
		return gain;
	}

	/** The given camera offset, NaN when it is to be estimated. */
	public double offset() {
		return offset;
	}

	/**
	 * The noise model of each plane of one channel (planes in image units, all {@code width}
	 * wide). Poisson–Gaussian noise is one camera for all planes; Gaussian σ is estimated per plane.
	 *
	 * @param say receives what was estimated and decided
	 */
	public List<NoiseModel> model(final float[][] planes, final int width, final Consumer<String> say) {
		checkAgainst(planes, width);
		String k = name;
		CameraFit fit = null;
		if (k.equals(NoiseModels.AUTO) && sigma > 0 && gain == 0 && Double.isNaN(offset)) {
			// a σ without a camera is what macros written for constant noise give ("sigma=25"): honoured as such
			k = GAUSSIAN;
			say.accept("noise=auto with sigma given and no gain: constant (gaussian) noise of sigma " + fmt(sigma) +
				" (give noise=poisson to take sigma as a camera's read noise)");
		}
		if (k.equals(NoiseModels.AUTO)) {
			try {
				fit = CameraFit.of(planes, width, gain > 0 ? gain : Double.NaN);
				// how sure: the growth's standard error from the line's. A decision within two standard errors of +50 % is said
				// to be unsure; it is not changed (taking the camera model there turned clipped 8-bit images with constant
				// noise into Poisson ones and tripled their error: tools/error_report.py, validation fluorescence σ 25)
				final boolean unsure = Math.abs(fit.growth() - 0.5) < 2 * fit.growthError();
				k = fit.signalDependent() ? POISSON : GAUSSIAN;
				say.accept(String.format(Locale.ROOT, "noise=auto: the noise variance %s ± %.0f %% over the image's intensities " +
					"(%s): %s%s", fit.signalDependent() ? String.format(Locale.ROOT, "grows by %.0f %%", 100 * fit.growth()) : String
						.format(Locale.ROOT, "changes by %+.0f %% (less than +50 %%)", 100 * fit.growth()), 100 * fit.growthError(),
					fit, k.equals(POISSON) ? "Poisson-Gaussian (noise=poisson)" : "constant (noise=gaussian)", unsure ? "; NOT " +
						"SURE: +50 % is within two standard errors (the image spans few intensities): if this is a camera image, " +
						"try noise=poisson; else noise=gaussian" : ""));
			}
			catch (final IllegalArgumentException e) {
				k = GAUSSIAN;
				say.accept("noise=auto: " + e.getMessage() + "; taking constant (gaussian) noise");
			}
		}
		final List<NoiseModel> out = NoiseModels.get(k).models(planes, width, this, fit, say);
		if (out.size() != planes.length) throw new IllegalStateException("noise model '" + k + "' gave " + out.size() +
			" models for " + planes.length + " planes");
		return out;
	}

	/**
	 * Robust σ of Gaussian noise in a plane: median |HH| / 0.6745 over 2×2 Haar blocks (Donoho),
	 * read in the flatter half of the plane. The finest diagonal band HH holds the noise and what
	 * texture reaches that fine: read over the whole plane, a textured photograph's or an EM
	 * slice's grain comes out as 5–9 % more σ (15–20 % more variance, which moves Stein's error
	 * estimate by more than the error it estimates). So the blocks are grouped in regions of
	 * {@link #FLAT_REGION}² blocks, each region's texture measured by the mean of LH² + HL² over
	 * its blocks, and |HH| is read only in the regions whose texture is at most the median of the
	 * regions of about the same intensity (see {@link #flatter}). For
	 * Gaussian white noise a block's HH, LH and HL are independent (an orthonormal transform),
	 * so choosing regions by LH and HL does not bias the noise read in HH; the texture that
	 * reaches HH mostly comes with texture in LH and HL, and is left out with it.
	 * <p>
	 * Where the plane clipped (an 8-bit image's black background) the noise near the clipped value
	 * was cut off and reads too low: there a second pass keeps only the blocks whose mean lies
	 * more than 2 σ̂ (of the first pass) from the clipped value. Planes with fewer than
	 * {@link #FLAT_MIN_REGIONS} regions are read over all their blocks.
	 * <p>
	 * Grain spread evenly over a plane (an EM slice's) is in every region, the flatter half too,
	 * and still read as noise. A second,
	 * independent reading separates it by its correlation across 7×7 patches ({@link PatchNoise}:
	 * the noise is the tail of the patch covariance's spectrum); both err only upward, so σ is the
	 * lower of the two. {@code tools/sigma_check.py} (results/noise-sigma.md: the micrograph
	 * report's images cleaned, σ 15 and 25 added in float): mean error of σ on the validation
	 * images +0.4 / +0.4 % (fluorescence), +1.7 / −1.4 % (EM), +1.0 / +1.5 % (photographs) with
	 * the Haar reading alone, +0.1 / +0.2, +0.7 / −1.4, +1.0 / +1.4 % with both; on the held-out
	 * EM slices +7.4 / +2.9 % alone, +1.4 / +0.6 % with both.
	 */
	public static double estimateSigma(final float[] plane, final int w, final int h) {
		return estimateSigma(plane, w, h, null);
	}

	/** Side, in 2×2 blocks, of the regions {@link #estimateSigma} compares for texture (8×8 pixels). */
	static final int FLAT_REGION = 4;
	/** The fewest regions for which {@link #estimateSigma} chooses the flatter half. */
	static final int FLAT_MIN_REGIONS = 16;
	/** Intensity bins within each of which {@link #estimateSigma} keeps the flatter half of the regions. */
	static final int FLAT_BINS = 8;

	/**
	 * As {@link #estimateSigma(float[], int, int)} from the 2×2 blocks with no pixel in
	 * {@code skip} (e.g. a hole whose values are not the image's); 0 when no block is left.
	 */
	public static double estimateSigma(final float[] plane, final int w, final int h, final boolean[] skip) {
		return estimateSigma(plane, w, h, skip, CameraFit.clipValues(plane));
	}

	/**
	 * As {@link #estimateSigma(float[], int, int, boolean[])} with the clipped values given
	 * ({@code {low, high}}, NaN for none): for a transformed plane, whose own lowest value may be
	 * a floor of the transform (the Anscombe transform's max(·, 0) where read noise dips below
	 * the offset) rather than a clip of the camera — then the camera's clip values, transformed,
	 * are the ones to avoid.
	 */
	public static double estimateSigma(final float[] plane, final int w, final int h, final boolean[] skip,
		final double[] clip)
	{
		return estimateSigma(plane, w, h, skip, clip, true);
	}

	/**
	 * As {@link #estimateSigma(float[], int, int, boolean[], double[])}; with {@code flatter} false
	 * over all the plane's blocks rather than its flatter half. For the noise left after a
	 * variance-stabilising transform: at a few photons per pixel it still varies with the
	 * intensity, and the flatter half of a fluorescence plane is mostly its dark background, so
	 * the σ the denoiser is told is the whole plane's (chosen on validation images: the flatter
	 * half lost 0.13 dB at peak 30 and 0.38 dB on EM at peak 5).
	 */
	public static double estimateSigma(final float[] plane, final int w, final int h, final boolean[] skip,
		final double[] clip, final boolean flatter)
	{
		final double haar = haarSigma(plane, w, h, skip, clip, flatter);
		if (!flatter || !(haar > 0)) return haar;
		// both read structure as noise and neither reads noise as structure: the lower of the two (PatchNoise). Only
		// patches 4 σ from a clip: nearer, those that happen to hold no clipped pixel have their noise cut short (at σ 50 on
		// 8 bits a margin of 2 σ read 6 % low on the validation images and cost EM 0.3 dB; tools/error_report.py)
		final double pca = PatchNoise.sigma(plane, w, h, skip, clip, PATCH_CLIP_MARGIN * haar);
		return pca > 0 && pca < haar ? pca : haar;
	}

	/** How far (in σ) from a clipped value the mean of a patch {@link PatchNoise} reads must lie. */
	static final double PATCH_CLIP_MARGIN = 4;

	/** The Haar part of {@link #estimateSigma(float[], int, int, boolean[], double[], boolean)} alone. */
	static double haarSigma(final float[] plane, final int w, final int h, final boolean[] skip, final double[] clip,
		final boolean flatter)
	{
		final int bw = w / 2, bh = h / 2;
		if (bw < 1 || bh < 1) return 0;
		// per block of the bw × bh grid: |HH|, the texture LH² + HL², the mean; use[] false where a pixel is skipped
		final double[] hh = new double[bw * bh], tex = flatter ? new double[bw * bh] : null, mean = new double[bw * bh];
		final boolean[] use = new boolean[bw * bh];
		int blocks = 0;
		boolean whole = true;
		for (int by = 0; by < bh; by++)
			for (int bx = 0; bx < bw; bx++) {
				final int i = 2 * by * w + 2 * bx, j = by * bw + bx;
				if (skip != null && (skip[i] || skip[i + 1] || skip[i + w] || skip[i + w + 1])) continue;
				final float a = plane[i], b = plane[i + 1], c = plane[i + w], d = plane[i + w + 1];
				// (once a value is not whole, the rest need no test)
				whole = whole && a == Math.rint(a) && b == Math.rint(b) && c == Math.rint(c) && d == Math.rint(d);
				hh[j] = Math.abs((a - b - c + d) / 2.0);
				if (flatter) {
					final double lh = (a + b - c - d) / 2.0, hl = (a - b + c - d) / 2.0;
					tex[j] = lh * lh + hl * hl;
				}
				mean[j] = (a + b + c + d) / 4.0;
				use[j] = true;
				blocks++;
			}
		if (blocks == 0) return 0;
		final boolean unclipped = Double.isNaN(clip[0]) && Double.isNaN(clip[1]);
		if (!unclipped) {
			final double first = haarMedian(gather(hh, use, blocks), whole) / 0.6745;
			int k = 0;
			for (int j = 0; j < use.length; j++) {
				use[j] = use[j] && !(mean[j] - clip[0] <= 2 * first) && !(clip[1] - mean[j] <= 2 * first);
				if (use[j]) k++;
			}
			if (k < blocks / 10 || k == 0) {
				// a plane clipped almost everywhere (a dark sky, a black background with a few objects): from how often and how
				// far the noise crosses the clip; all its blocks, which read low, only when that cannot be measured either
				final double censored = censoredSigma(plane, w, h, skip, clip);
				return Double.isFinite(censored) ? censored : first;
			}
		}
		if (flatter) flatter(tex, mean, use, bw, bh);
		int k = 0;
		for (final boolean u : use)
			if (u) k++;
		// every block in use: hh itself (haarMedian may reorder it; it is not read again)
		return haarMedian(k == hh.length ? hh : gather(hh, use, k), whole) / 0.6745;
	}

	/** The values whose use[] is set (there are n). */
	private static double[] gather(final double[] v, final boolean[] use, final int n) {
		final double[] out = new double[n];
		int k = 0;
		for (int j = 0; j < v.length; j++)
			if (use[j]) out[k++] = v[j];
		return out;
	}

	/**
	 * Clears use[] outside the flatter half of the regions of {@link #FLAT_REGION}² blocks: of
	 * the regions with at least half their blocks in use, ranked by their mean intensity into
	 * {@link #FLAT_BINS} bins of equal count, those whose mean texture is at most their bin's
	 * median. Chosen within each intensity bin so that the half kept spans the plane's
	 * intensities as the whole plane does: where the noise grows with the signal (photon noise
	 * read as constant), the flattest regions overall are the darkest, and σ read there alone came
	 * out low (1–2 dB lost on photon-limited images denoised with noise=gaussian,
	 * tools/micro_report.py). Blocks outside whole regions are cleared too. Leaves use[] as it is
	 * where fewer than {@link #FLAT_MIN_REGIONS} regions qualify.
	 */
	private static void flatter(final double[] tex, final double[] mean, final boolean[] use, final int bw, final int bh) {
		final int r = FLAT_REGION, rw = bw / r, rh = bh / r;
		if (rw * rh < FLAT_MIN_REGIONS) return;
		final double[] t = new double[rw * rh], level = new double[rw * rh];
		final int[] eligible = new int[rw * rh];
		int n = 0;
		for (int ry = 0; ry < rh; ry++)
			for (int rx = 0; rx < rw; rx++) {
				double sum = 0, m = 0;
				int count = 0;
				for (int y = ry * r; y < ry * r + r; y++)
					for (int x = rx * r; x < rx * r + r; x++)
						if (use[y * bw + x]) {
							sum += tex[y * bw + x];
							m += mean[y * bw + x];
							count++;
						}
				final int j = ry * rw + rx;
				t[j] = Double.NaN;
				if (2 * count < r * r) continue;
				t[j] = sum / count;
				level[j] = m / count;
				eligible[n++] = j;
			}
		if (n < FLAT_MIN_REGIONS) return;
		// the eligible regions by intensity, then within each of FLAT_BINS equal slices of that order the flatter half
		final double[] levels = new double[n];
		for (int i = 0; i < n; i++)
			levels[i] = level[eligible[i]];
		final int[] byLevel = OrderStatistics.stableOrder(levels);
		final boolean[] keep = new boolean[rw * rh];
		for (int bin = 0; bin < FLAT_BINS; bin++) {
			final int from = (int) ((long) n * bin / FLAT_BINS), to = (int) ((long) n * (bin + 1) / FLAT_BINS);
			if (to <= from) continue;
			final double[] tb = new double[to - from];
			for (int i = from; i < to; i++)
				tb[i - from] = t[eligible[byLevel[i]]];
			final double limit = OrderStatistics.median(tb);
			for (int i = from; i < to; i++)
				if (t[eligible[byLevel[i]]] <= limit) keep[eligible[byLevel[i]]] = true;
		}
		for (int by = 0; by < bh; by++)
			for (int bx = 0; bx < bw; bx++) {
				final int rx = bx / r, ry = by / r;
				if (!(rx < rw && ry < rh && keep[ry * rw + rx])) use[by * bw + bx] = false;
			}
	}

	/**
	 * The median of |HH| values (reordered). Where the plane holds whole numbers (8- and 16-bit data)
	 * |HH| = |a − b − c + d| / 2 lies on a grid of ½ and the plain median jumps from one grid point
	 * to the next (by 0.5 / 0.6745 in σ: 3 % at σ 25, 6 % of σ² — what moves Stein's estimate of
	 * a good result's error by tens of percent): there it is the median of the continuous values
	 * the grid rounded, interpolated within the grid point's class [k/2 − ¼, k/2 + ¼) (the
	 * grouped-data median).
	 */
	static double haarMedian(final double[] hh, final boolean whole) {
		final double m = OrderStatistics.median(hh);
		if (!whole || hh.length == 0) return m;
		final long km = Math.round(2 * m);
		long below = 0, at = 0;
		for (final double v : hh) {
			final long k = Math.round(2 * v);
			if (k < km) below++;
			else if (k == km) at++;
		}
		// an even count whose two middle values differ: the plain median; a median at 0: noise below the grid (a flat
		// or nearly flat image), which the grid cannot resolve and must not be invented
		if (at == 0 || km == 0) return m;
		return (km - 0.5 + (hh.length / 2.0 - below) / at) / 2;
	}

	/** Side of the blocks {@link #censoredSigma} reads; the fewest of them it needs. */
	static final int CENSORED_BLOCK = 4, CENSORED_MIN_BLOCKS = 50;

	/**
	 * σ of Gaussian noise from the way it is clipped: in a flat block of clean value x next to
	 * the clipped value a, a share p = Φ(A) of the pixels sits at a, A = (a − x)/σ, and the block's
	 * mean m obeys m − a = σ·(φ(A) − A·(1 − p)) (the mean of clip(x + σξ) at a); so each block
	 * with 0.1 ≤ p ≤ 0.9 gives σ = (m − a) / (φ(A) − A·(1 − p)) without knowing x, and the median
	 * over blocks of {@link #CENSORED_BLOCK}² pixels is the estimate (the upper clip the same way,
	 * mirrored). Texture inside a block reads as noise: only for planes where the Haar estimate
	 * has too few unclipped blocks left. NaN when fewer than {@link #CENSORED_MIN_BLOCKS} blocks
	 * qualify.
	 */
	static double censoredSigma(final float[] plane, final int w, final int h, final boolean[] skip, final double[] clip) {
		final int b = CENSORED_BLOCK, bw = w / b, bh = h / b;
		final double[] est = new double[2 * Math.max(bw * bh, 0)];
		int n = 0;
		for (int end = 0; end < 2; end++) {
			final double a = clip[end];
			if (Double.isNaN(a)) continue;
			final double sign = end == 0 ? 1 : -1; // the upper clip mirrored onto a lower one
			blocks:
			for (int by = 0; by < bh; by++)
				for (int bx = 0; bx < bw; bx++) {
					int at = 0;
					double sum = 0;
					for (int y = 0; y < b; y++)
						for (int x = 0; x < b; x++) {
							final int i = (by * b + y) * w + bx * b + x;
							if (skip != null && skip[i]) continue blocks;
							if (plane[i] == a) at++;
							sum += sign * (plane[i] - a);
						}
					final double p = at / (double) (b * b);
					if (p < 0.1 || p > 0.9) continue;
					final double z = Normals.quantile(p), g = Normals.pdf(z) - z * (1 - p);
					final double s = sum / (b * b) / g;
					if (s > 0 && Double.isFinite(s)) est[n++] = s;
				}
		}
		return n >= CENSORED_MIN_BLOCKS ? OrderStatistics.median(Arrays.copyOf(est, n)) : Double.NaN;
	}

	/**
	 * Relative standard error of σ̂² from {@link #estimateSigma} on n pixels: the median of the
	 * n/8 half-normal |HH| values of the flatter half of the plane has standard error 1.166 σ/√(n/8)
	 * in σ̂ (asymptotic variance of a sample median, 1/(4 N f(m)²)), twice that relatively in σ̂².
	 * Texture that still leaks into the finest Haar band adds a bias this does not count.
	 */
	static double sigmaVarianceError(final int n) {
		return withSystematic(2 * 1.166 / Math.sqrt(Math.max(n / 8.0, 1)));
	}

	/**
	 * The part of an estimated noise variance's error that no sample size removes — texture read as
	 * noise, clipping, a camera line that is not quite straight — as a relative error of the
	 * variance. Chosen on the validation images of tools/error_report.py (never on its test
	 * images; results/error-estimate.md, "Calibration"): what each validation image needed for its
	 * true error to lie inside the stated two-standard-error range was at most 0.03 for photon-limited
	 * images and 0.08 for unclipped Gaussian ones (0.05 covers most); clipped 8-bit images need more,
	 * which {@link Sure} adds by how much of the image clipped, and the EM slices' own noise (their
	 * "truth" is noisy) made them need more too.
	 */
	static final double SYSTEMATIC_VARIANCE_ERROR = 0.05;

	static double withSystematic(final double statistical) {
		return Math.sqrt(statistical * statistical + SYSTEMATIC_VARIANCE_ERROR * SYSTEMATIC_VARIANCE_ERROR);
	}

	/**
	 * Refuses settings that cannot describe these pixels: a σ far beyond the image's whole range,
	 * or a camera offset above most of the image (more than half its pixels would have fewer than
	 * zero photons).
	 */
	private void checkAgainst(final float[][] planes, final int width) {
		if (sigma == 0 && (name.equals(GAUSSIAN) || Double.isNaN(offset))) return;
		final double[] p = Normalization.percentiles(planes, 0.1, 99.9);
		// a flat image has no range to speak of: one grey level is the smallest meaningful one
		final double range = Math.max(p[1] - p[0], 1);
		if (sigma > 0 && sigma > 10 * range) throw new IllegalArgumentException(String.format(Locale.ROOT,
			"sigma=%s is far beyond the image's range (its values span %.4g..%.4g): give the noise's standard deviation in " +
				"pixel units, or 0 to estimate it", fmt(sigma), p[0], p[1]));
		if (!name.equals(GAUSSIAN) && !Double.isNaN(offset)) {
			final double median = Normalization.percentiles(planes, 50, 50)[0];
			final double spread = estimateSigma(planes[0], width, planes[0].length / width);
			if (offset > median + 3 * spread) throw new IllegalArgumentException(String.format(Locale.ROOT,
				"offset=%s is above most of the image (its median is %.4g): the camera offset is the value at zero light, " +
					"below the image's darkest values; give it, or leave offset=auto to estimate it", fmt(offset), median));
		}
	}

	private static String fmt(final double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
	}

	@Override
	public String toString() {
		if (name.equals(GAUSSIAN)) return "gaussian (sigma " + (sigma > 0 ? fmt(sigma) : "estimated") + ")";
		return name + " (gain " + (gain > 0 ? fmt(gain) : "estimated") + ", read noise " + (sigma > 0 ? fmt(sigma) :
			"estimated") + ", offset " + (Double.isNaN(offset) ? "estimated" : fmt(offset)) + ")";
	}
}
