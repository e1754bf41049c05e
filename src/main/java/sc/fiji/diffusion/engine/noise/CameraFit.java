package sc.fiji.diffusion.engine.noise;

import java.util.Arrays;
import java.util.Locale;

import sc.fiji.diffusion.engine.Parallel;
import sc.fiji.diffusion.engine.values.OrderStatistics;

/**
 * The noise of a camera read off one image: var(z) = a·E[z] + b, fitted with a free intercept
 * (b = σ² − a·μ is negative for any camera whose offset μ is large against its read noise σ),
 * in the spirit of Foi et al. (2008).
 * <p>
 * The image is cut into 2×2 blocks, each giving a local mean and a diagonal Haar detail
 * (p₀ − p₁ − p₂ + p₃)/2, whose variance is the pixels' noise variance where the image is
 * locally smooth. Blocks whose 3×3 neighbourhood of block means varies more than its noise
 * explains (edges, texture) are dropped, and so are blocks touching a clipped value (the
 * image's lowest or highest value when many pixels have it: zeros, saturation), which would
 * fake a variance that no longer grows. The smooth blocks are grouped into intensity bins; each
 * bin's variance is the mean squared detail without outliers beyond 5 robust standard
 * deviations, and the line is fitted by least squares weighted by count/var².
 * <p>
 * The second moments identify a and b only: the split of b into offset and read noise is
 * invisible to them. It is read from the third moment, which only the photon part has: for
 * z = a·p + μ + n with p ~ Poisson(λ), κ₃(z) = a³λ = a²·(E[z] − μ). The residuals of the four
 * pixels of a smooth block around their mean have third moment (24/64)·κ₃, so each bin gives
 * μ = E[z] − κ₃/a², and their weighted mean is the offset estimate ({@link #offset()}, NaN when
 * the photon part is too weak to see).
 */
public final class CameraFit {

	/** Fewer smooth blocks than this and no fit is attempted. */
	static final int MIN_BLOCKS = 200;

	private final double a, b, meanLow, meanHigh, offset;
	private final int blocks;
	private final String clipped;
	/** Standard error of the slope a (0 when a was given). */
	private double slopeError;

	private CameraFit(final double a, final double b, final double meanLow, final double meanHigh, final double offset,
		final int blocks, final String clipped)
	{
		this.a = a;
		this.b = b;
		this.meanLow = meanLow;
		this.meanHigh = meanHigh;
		this.offset = offset;
		this.blocks = blocks;
		this.clipped = clipped;
	}

	/** Slope a of var = a·E[z] + b (the gain, in image units per photon). */
	public double a() {
		return a;
	}

	/** Intercept b = σ² − a·μ. */
	public double b() {
		return b;
	}

	/** Mean of the darkest and brightest intensity bins of the smooth blocks. */
	public double meanLow() {
		return meanLow;
	}

	public double meanHigh() {
		return meanHigh;
	}

	/** Fitted variance at the darkest bin. */
	public double varianceLow() {
		return a * meanLow + b;
	}

	/** The camera offset from the third moment, or NaN when it cannot be seen. */
	public double offset() {
		return offset;
	}

	public int blocks() {
		return blocks;
	}

	/** How much the variance grows over the image's range relative to its lowest value. */
	public double growth() {
		final double lo = Math.max(varianceLow(), 1e-12);
		return a * (meanHigh - meanLow) / lo;
	}

	/**
	 * Whether the noise grows with the signal: the fitted variance grows by at least 50 % over
	 * the image's intensities and the slope is positive.
	 */
	public boolean signalDependent() {
		return a > 0 && growth() >= 0.5;
	}

	/** Fits with a or b fixed when given (not NaN). */
	public static CameraFit of(final float[][] planes, final int width, final double fixedA) {
		return fit(planes, width, fixedA);
	}

	/**
	 * The values where the camera or the file clipped: the lowest value when it is 0 or below
	 * (unsigned storage cuts at 0) and many pixels have it or lie just above it (a floor the noise
	 * was cut at without piling up); the highest value when many pixels have
	 * it and it is a saturation level (255, 4095, 16383, 65535) or piles up (at least 3 times as
	 * many pixels as the next value below). A plain minimum at a camera offset (no read noise) is
	 * no clip: photons simply were 0 there.
	 */
	public static double[] clipValues(final float[]... planes) {
		float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
		long n = 0;
		for (final float[] p : planes)
			for (final float v : p) {
				lo = Math.min(lo, v);
				hi = Math.max(hi, v);
				n++;
			}
		// the next value below the highest and how many pixels have it, in the same pass as the extremes' counts
		float below = Float.NEGATIVE_INFINITY;
		long nLo = 0, nHi = 0, nBelow = 0;
		for (final float[] p : planes)
			for (final float v : p) {
				if (v == lo) nLo++;
				if (v == hi) nHi++;
				else if (v == below) nBelow++;
				else if (v > below) {
					below = v;
					nBelow = 1;
				}
			}
		final long many = Math.max(2, n / 1000);
		final double cLo = lo <= 0 && (nLo >= many || denseFloor(lo, n, planes)) ? lo : Double.NaN;
		final boolean saturation = hi == 255 || hi == 4095 || hi == 16383 || hi == 65535;
		final double cHi = nHi >= many && hi > lo && (saturation || nHi >= 3 * nBelow) ? hi : Double.NaN;
		return new double[] { cLo, cHi };
	}

	/**
	 * Whether the values end at {@code lo} with their density still high there — a floor that cut
	 * the noise off (ImageJ's Add Specified Noise draws again below 0, so a 16-bit image's dim
	 * pixels under large noise pile up nowhere, yet stop at 0) — rather than thinning out in a
	 * tail: the lowest tenth of the span from lo to the 1 % quantile holds at least 1/3000 of the
	 * pixels (a third of what a density flat down to the floor puts there; a Gaussian tail puts
	 * about 1/150 000 there).
	 */
	private static boolean denseFloor(final float lo, final long n, final float[]... planes) {
		final int stride = (int) Math.max(1, n / (1 << 17));
		final float[] sample = new float[(int) Math.min(Integer.MAX_VALUE - 8, n / stride + planes.length)];
		int k = 0;
		long i = 0;
		for (final float[] p : planes)
			for (final float v : p)
				if (i++ % stride == 0 && k < sample.length) sample[k++] = v;
		if (k < 100) return false;
		final float[] s = Arrays.copyOf(sample, k);
		Arrays.sort(s);
		final double reach = lo + (s[k / 100] - lo) / 10.0;
		long below = 0;
		for (final float[] p : planes)
			for (final float v : p)
				if (v <= reach) below++;
		return below >= Math.max(2, n / 3000);
	}

	/** Candidate 2×2 blocks at most (a larger image is sampled on a regular stride). */
	static final long MAX_CANDIDATES = 1 << 18;

	/** The indices {@code idx} stably ordered by {@code key[idx[i]]}. */
	private static int[] orderedBy(final double[] key, final int[] idx) {
		final double[] keys = new double[idx.length];
		for (int i = 0; i < keys.length; i++)
			keys[i] = key[idx[i]];
		final int[] order = OrderStatistics.stableOrder(keys);
		final int[] out = new int[idx.length];
		for (int i = 0; i < out.length; i++)
			out[i] = idx[order[i]];
		return out;
	}

	static CameraFit fit(final float[][] planes, final int width, final double fixedA) {
		final double[] clip = clipValues(planes);
		// a quarter of a million candidate blocks fit the line as well as all of a large image's millions (whose
		// sorting would cost seconds): a regular stride over the blocks of every plane
		long all = 0;
		for (final float[] p : planes)
			all += (long) (width / 2) * (p.length / width / 2);
		final int stride = (int) Math.max(1, Math.ceil(Math.sqrt(all / (double) MAX_CANDIDATES)));
		int capacity = 0;
		for (final float[] p : planes) {
			final int bw = width / 2, bh = p.length / width / 2;
			if (bw >= 5 && bh >= 5) capacity += ((bh - 5) / stride + 1) * ((bw - 5) / stride + 1);
		}
		// the candidates as columns: neighbours' mean, detail, roughness, third moment, own mean
		final double[] around = new double[capacity], detail = new double[capacity], rough = new double[capacity],
			third = new double[capacity], own = new double[capacity];
		int n = 0;
		for (final float[] p : planes) {
			final int w = width, h = p.length / width;
			final int bw = w / 2, bh = h / 2;
			if (bw < 3 || bh < 3) continue;
			final double[] mean = new double[bw * bh], det = new double[bw * bh], m3 = new double[bw * bh];
			final boolean[] bad = new boolean[bw * bh];
			// rows of blocks on all cores: each row is written by one chunk
			Parallel.chunks(bh, (from, to) -> {
				for (int by = from; by < to; by++)
					for (int bx = 0; bx < bw; bx++) {
						final int i = 2 * by * w + 2 * bx;
						final double p0 = p[i], p1 = p[i + 1], p2 = p[i + w], p3 = p[i + w + 1];
						final int k = by * bw + bx;
						final double m = (p0 + p1 + p2 + p3) / 4.0;
						mean[k] = m;
						det[k] = (p0 - p1 - p2 + p3) / 2.0;
						final double r0 = p0 - m, r1 = p1 - m, r2 = p2 - m, r3 = p3 - m;
						m3[k] = (r0 * r0 * r0 + r1 * r1 * r1 + r2 * r2 * r2 + r3 * r3 * r3) / 4.0;
						bad[k] = isClip(p0, clip) || isClip(p1, clip) || isClip(p2, clip) || isClip(p3, clip);
					}
			}, Math.max(1, (1 << 16) / bw));
			for (int by = 2; by < bh - 2; by += stride)
				for (int bx = 2; bx < bw - 2; bx += stride) {
					double s = 0, s2 = 0, d2 = 0, ring = 0;
					for (int dy = -2; dy <= 2; dy++)
						for (int dx = -2; dx <= 2; dx++)
							if (dx != 0 || dy != 0) ring += mean[(by + dy) * bw + bx + dx];
					boolean clipped = false;
					for (int dy = -1; dy <= 1; dy++)
						for (int dx = -1; dx <= 1; dx++) {
							final int k = (by + dy) * bw + bx + dx;
							final double v = mean[k];
							s += v;
							s2 += v * v;
							clipped |= bad[k];
							// the neighbours' details only: selecting on a block's own detail would bias its estimate
							if (dx != 0 || dy != 0) d2 += det[k] * det[k];
						}
					if (clipped) continue;
					final double m = s / 9, spread = s2 / 9 - m * m;
					// the 24 neighbours' mean, without the block's own pixels: the bins are chosen on it, and the bin's
					// level is then the mean of the blocks' OWN means, which the choice did not look at (sorting
					// on a noisy level and averaging that same level would flatten the line: regression dilution)
					final int k = by * bw + bx;
					around[n] = ring / 24;
					detail[n] = det[k];
					// pure noise: the 2×2 means vary by var/4 and the details by var, so the ratio is ≈ 1;
					// edges and texture raise it at any brightness
					rough[n] = spread / Math.max(d2 / 8 / 4, 1e-12);
					third[n] = m3[k];
					own[n] = mean[k];
					n++;
				}
		}
		if (n < 2 * MIN_BLOCKS) throw new IllegalArgumentException(
			"the image has too few smooth, unclipped areas to measure its noise (" + n + " blocks of 2x2 pixels)");
		// keep the smooth blocks: those whose neighbourhood varies at most 1.5 times as much as its noise
		// explains (ratio ≈ 1 for pure noise), and at least the smoother half — not just that half, which
		// in a sparse image (dim nuclei on a wide dark background) would keep background only;
		// stable sorts (same order, same fit): by roughness, then the kept ones by level
		final int[] all0 = new int[n];
		for (int i = 0; i < n; i++)
			all0[i] = i;
		final int[] byRoughness = orderedBy(rough, all0);
		int nSmooth = 0;
		while (nSmooth < n && rough[byRoughness[nSmooth]] <= 1.5)
			nSmooth++;
		nSmooth = Math.max(nSmooth, n / 2);
		final int[] smooth = orderedBy(around, Arrays.copyOf(byRoughness, nSmooth));
		final int bins = Math.max(4, Math.min(32, smooth.length / 400));
		final int per = smooth.length / bins;
		final double[] x = new double[bins], y = new double[bins], wt = new double[bins], k3 = new double[bins],
			count = new double[bins];
		for (int k = 0; k < bins; k++) {
			final int from = k * per, to = k == bins - 1 ? smooth.length : (k + 1) * per;
			final double[] abs = new double[to - from];
			double m = 0;
			for (int i = 0; i < abs.length; i++) {
				abs[i] = Math.abs(detail[smooth[from + i]]);
				m += own[smooth[from + i]];
			}
			final double[] sorted = abs.clone();
			Arrays.sort(sorted);
			// the second moment of the details, without the outliers edges leave (beyond 5 robust σ): the
			// median alone is biased where few photons make the details' distribution discrete
			final double cut = 5 * Math.max(sorted[sorted.length / 2] / 0.6745, 1e-12);
			double ss = 0, t3 = 0;
			int c = 0;
			for (int i = 0; i < abs.length; i++)
				if (abs[i] <= cut) {
					ss += abs[i] * abs[i];
					t3 += third[smooth[from + i]];
					c++;
				}
			x[k] = m / abs.length;
			y[k] = ss / c;
			k3[k] = t3 / c / 0.375;
			count[k] = c;
			// the variance of a variance estimate grows with its square: weight by count / var²
			wt[k] = abs.length / Math.max(y[k] * y[k], 1e-12);
		}
		// bins near a clip are biased even without clipped pixels of their own (the blocks whose
		// neighbourhood reached the clip are missing, and they are the low or high ones): keep bins at
		// least 4 noise σ from a clip, σ from the line fitted on the bins kept so far
		final boolean[] keep = new boolean[bins];
		Arrays.fill(keep, true);
		double[] line = null;
		for (int round = 0; round < 3; round++) {
			int kept = 0;
			for (int k = 0; k < bins; k++) {
				final double v = line == null ? y[k] : Math.max(y[k], line[0] * x[k] + line[1]);
				final double sd = Math.sqrt(Math.max(v, 0));
				keep[k] = !((!Double.isNaN(clip[0]) && x[k] - clip[0] < 4 * sd) || (!Double.isNaN(clip[1]) && clip[1] - x[k] < 4 *
					sd));
				if (keep[k]) kept++;
			}
			if (kept < 3) throw new IllegalArgumentException("the image's noise cannot be measured: almost all of the " +
				"image lies within a few noise levels of its bounds (" + (Double.isNaN(clip[0]) ? "" : fmt(clip[0])) + (!Double
					.isNaN(clip[0]) && !Double.isNaN(clip[1]) ? " and " : "") + (Double.isNaN(clip[1]) ? "" : fmt(clip[1])) +
				"), where its noise was cut off");
			line = line(x, y, wt, keep, fixedA);
			if (Double.isNaN(clip[0]) && Double.isNaN(clip[1])) break;
		}
		final double slope = line[0], intercept = line[1];
		int first = -1, last = -1;
		for (int k = 0; k < bins; k++)
			if (keep[k]) {
				if (first < 0) first = k;
				last = k;
			}
		// offset from the third moment: μ = E[z] − κ₃/a² per bin, weighted by the precision of κ₃ (∝ count / var³)
		double offset = Double.NaN;
		if (slope > 0) {
			double num = 0, den = 0;
			for (int k = 0; k < bins; k++) {
				if (!keep[k]) continue;
				final double wk = count[k] / Math.max(y[k] * y[k] * y[k], 1e-30);
				num += wk * (x[k] - k3[k] / (slope * slope));
				den += wk;
			}
			if (den > 0) offset = num / den;
		}
		final String clipNote = (Double.isNaN(clip[0]) ? "" : " clipped at " + fmt(clip[0])) + (Double.isNaN(clip[1]) ? "" :
			(Double.isNaN(clip[0]) ? " clipped at " : " and ") + fmt(clip[1]));
		final CameraFit fit = new CameraFit(slope, intercept, x[first], x[last], offset, smooth.length, clipNote
			.trim());
		fit.slopeError = Double.isNaN(fixedA) ? slopeError(x, y, wt, keep, slope, intercept) : 0;
		return fit;
	}

	/**
	 * Standard error of the fitted slope: the bins' weights count/var² are twice the inverse
	 * variance of a sample variance, so var(a) = 2·Σw / (Σw·Σwx² − (Σwx)²), scaled up by the
	 * reduced χ² of the fit where the bins scatter more than their counts explain (texture, a line
	 * that is not quite straight).
	 */
	private static double slopeError(final double[] x, final double[] y, final double[] wt, final boolean[] keep,
		final double slope, final double intercept)
	{
		double sw = 0, sx = 0, sxx = 0, chi2 = 0;
		int n = 0;
		for (int k = 0; k < x.length; k++)
			if (keep[k]) {
				sw += wt[k];
				sx += wt[k] * x[k];
				sxx += wt[k] * x[k] * x[k];
				final double r = y[k] - (slope * x[k] + intercept);
				chi2 += wt[k] / 2 * r * r;
				n++;
			}
		final double det = sw * sxx - sx * sx;
		if (!(det > 0) || n < 3) return Double.POSITIVE_INFINITY;
		return Math.sqrt(2 * sw / det * Math.max(1, chi2 / (n - 2)));
	}

	/** Standard error of {@link #growth()} from the slope's. */
	public double growthError() {
		return slopeError * Math.abs(meanHigh - meanLow) / Math.max(varianceLow(), 1e-12);
	}

	/** Weighted least squares of var = a·mean + b over the kept bins ({a, b}), with a fixed when given. */
	private static double[] line(final double[] x, final double[] y, final double[] wt, final boolean[] keep,
		final double fixedA)
	{
		if (!Double.isNaN(fixedA)) {
			double num = 0, den = 0;
			for (int k = 0; k < x.length; k++)
				if (keep[k]) {
					num += wt[k] * (y[k] - fixedA * x[k]);
					den += wt[k];
				}
			return new double[] { fixedA, num / den };
		}
		double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
		for (int k = 0; k < x.length; k++)
			if (keep[k]) {
				sw += wt[k];
				sx += wt[k] * x[k];
				sy += wt[k] * y[k];
				sxx += wt[k] * x[k] * x[k];
				sxy += wt[k] * x[k] * y[k];
			}
		final double det = sw * sxx - sx * sx;
		final double slope = det > 0 ? (sw * sxy - sx * sy) / det : 0;
		return new double[] { slope, (sy - slope * sx) / sw };
	}

	private static boolean isClip(final double v, final double[] clip) {
		return v == clip[0] || v == clip[1];
	}

	private static String fmt(final double v) {
		return String.format(Locale.ROOT, "%.4g", v);
	}

	/** Values held by many pixels at the ends of the range, which the fit left out ("" if none). */
	public String clipped() {
		return clipped;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "var = %.4g * E[z] %s %.4g over %.4g..%.4g (%d smooth blocks%s)", a, b < 0 ? "-" :
			"+", Math.abs(b), meanLow, meanHigh, blocks, clipped.isEmpty() ? "" : "; values " + clipped + " left out");
	}
}
