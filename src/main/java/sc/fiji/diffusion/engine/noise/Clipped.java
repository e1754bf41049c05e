package sc.fiji.diffusion.engine.noise;

import java.util.Arrays;

import sc.fiji.diffusion.engine.Normals;

/**
 * The noise of a file whose values are bounded — an 8-bit image's black background at 0, a
 * saturated camera at 255 or 65535 — so that the noise near a bound was cut off. A camera or a
 * conversion <em>clips</em>: the file holds z = clip(x + s(x)·ξ, a, b), ξ ~ N(0, 1), s(x)² the
 * variance the wrapped model gives at x, and values pile up at the bound. ImageJ's "Add Specified
 * Noise" on 8 bits instead <em>truncates</em>: it draws again until x + s·ξ lies within [a, b],
 * so nothing piles up. Either way a denoiser told that the noise is the wrapped model's returns,
 * near a bound, the local mean of the values the file holds — above the clean value at a, below
 * it at b:
 * <pre>
 *   μ(x) = E[z | x] = (x·(Φ(B) − Φ(A)) + s·(φ(A) − φ(B)) + [a clipped]·a·Φ(A) + [b clipped]·b·(1 − Φ(B)))
 *                     / (Φ(B) − Φ(A) + [a clipped]·Φ(A) + [b clipped]·(1 − Φ(B))),
 *   A = (a − x)/s,  B = (b − x)/s
 * </pre>
 * (clipped at a black 0: μ(0) = 0.40·s, 10 grey levels at σ 25; truncated there: 0.80·s). The way
 * back therefore inverts μ after the wrapped model's own inverse (Foi, "Clipped noisy images:
 * heteroskedastic modeling and practical denoising", Signal Processing 2009) and keeps the result
 * within [a, b]. More than {@link #REACH} σ from a bound μ(x) = x to double precision and values
 * pass unchanged; an image that reached neither bound is not wrapped at all ({@link #of}).
 * <p>
 * Only for a posterior mean: a sample is not a mean of the file's values.
 */
public final class Clipped implements NoiseModel {

	private static final long serialVersionUID = 1L;

	/** How many σ from a clip the correction reaches: beyond it μ(x) − x < φ(8)·σ ≈ 5e-15 σ. */
	public static final double REACH = 8;

	/** Points of the table of μ over each clip's reach (2·REACH σ: about 0.004 σ apart). */
	private static final int GRID = 4096;

	private final NoiseModel noise;
	private final double lo, hi;
	/** Per end (low, high): whether the file truncated its noise there rather than clipping it. */
	private final boolean truncLo, truncHi;
	/** Per region of the table (one per clip, or one for both when they overlap): x and μ(x). */
	private transient volatile double[][][] table;
	/** Values strictly between these two lie beyond every clip's reach and pass unchanged. */
	private transient volatile double[] free;

	private Clipped(final NoiseModel noise, final double lo, final double hi, final boolean truncLo,
		final boolean truncHi)
	{
		this.noise = noise;
		this.lo = lo;
		this.hi = hi;
		this.truncLo = truncLo;
		this.truncHi = truncHi;
	}

	/**
	 * The model of a file that clipped at {@code clip} ({@link CameraFit#clipValues}: the lower and
	 * upper clipped value, NaN at an end that did not clip), or {@code noise} itself when neither
	 * end clipped or the model has no noise there.
	 */
	public static NoiseModel of(final NoiseModel noise, final double[] clip) {
		return of(noise, clip, new boolean[2]);
	}

	/**
	 * As {@link #of(NoiseModel, double[])}, with {@code truncated[end]} true where the file
	 * truncated its noise at that end (no pile of values there) instead of clipping it.
	 */
	public static NoiseModel of(final NoiseModel noise, final double[] clip, final boolean[] truncated) {
		final Clipped c = new Clipped(noise, clip[0], clip[1], truncated[0], truncated[1]);
		return c.active(c.lo) || c.active(c.hi) ? c : noise;
	}

	/** How many times as many pixels at a bound as at the next value inwards make a pile (clipping, not truncation). */
	public static final int PILE = 3;

	/** What a plane's values say about its bounds (see {@link #bounds}). */
	public static final class Bounds {

		/** The lower and upper bound the values reach ({@link CameraFit#clipValues}), NaN where they do not. */
		public final double[] value;
		/** Per end: no pile of pixels at the bound, so the noise was truncated there, not clipped. */
		public final boolean[] truncated = new boolean[2];
		/** Per end: how many pixels sit at the bound. */
		public final long[] count = new long[2];

		private Bounds(final double[] value) {
			this.value = value;
		}
	}

	/**
	 * The bounds a plane's values reach and how its noise met them: clipped where the bound holds a
	 * pile of pixels (at least {@link #PILE} times as many as the next value inwards: the whole tail
	 * of the noise lands there), truncated where it does not (ImageJ's "Add Specified Noise" on 8
	 * bits draws again until the value is in range).
	 */
	public static Bounds bounds(final float[] plane) {
		final Bounds b = new Bounds(CameraFit.clipValues(plane));
		for (int end = 0; end < 2; end++) {
			if (Double.isNaN(b.value[end])) continue;
			final float c = (float) b.value[end];
			float next = end == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
			long atNext = 0;
			for (final float v : plane)
				if (v == c) b.count[end]++;
				else if (end == 0 ? v > c && v < next : v < c && v > next) {
					next = v;
					atNext = 1;
				}
				else if (v == next) atNext++;
			b.truncated[end] = b.count[end] < PILE * atNext;
		}
		return b;
	}

	/** Whether the file truncated its noise at the low (0) or high (1) end rather than clipping it. */
	public boolean truncated(final int end) {
		return end == 0 ? truncLo : truncHi;
	}

	/** The noise's standard deviation at the clean value x, in image units. */
	double sd(final double x) {
		final double v = noise.variance(x) * (noise.isStabilised() ? noise.workingSigma() * noise.workingSigma() : 1);
		return v > 0 ? Math.sqrt(v) : 0;
	}

	private boolean active(final double clip) {
		return Double.isFinite(clip) && sd(clip) > 0;
	}

	/** μ(x): the mean of the value the file holds at the clean value x. */
	public double noisyMean(final double x) {
		final double s = sd(x);
		final boolean l = Double.isFinite(lo), h = Double.isFinite(hi);
		if (s == 0) return Math.max(l ? lo : x, Math.min(h ? hi : x, x));
		final double za = l ? (lo - x) / s : Double.NEGATIVE_INFINITY, zb = h ? (hi - x) / s : Double.POSITIVE_INFINITY;
		// P(a < x + sξ < b), without cancellation in either tail
		final double inside = za >= 0 ? Normals.cdf(-za) - Normals.cdf(-zb) : Normals.cdf(zb) - Normals.cdf(za);
		double num = x * inside + s * (Normals.pdf(za) - Normals.pdf(zb)), den = inside;
		if (l && !truncLo) {
			final double p = Normals.cdf(za);
			num += lo * p;
			den += p;
		}
		if (h && !truncHi) {
			final double p = Normals.cdf(-zb);
			num += hi * p;
			den += p;
		}
		return den > 0 ? num / den : x <= lo ? lo : hi;
	}

	private double[][][] table() {
		double[][][] t = table;
		if (t != null) return t;
		final boolean l = active(lo), h = active(hi);
		final double lr = l ? REACH * sd(lo) : 0, hr = h ? REACH * sd(hi) : 0;
		final double[][] ranges = l && h && lo + lr >= hi - hr ? new double[][] { { lo - lr, hi + hr } } : l && h
			? new double[][] { { lo - lr, lo + lr }, { hi - hr, hi + hr } } : l ? new double[][] { { lo - lr, lo + lr } }
				: new double[][] { { hi - hr, hi + hr } };
		free = new double[] { l ? lo + lr : Double.NEGATIVE_INFINITY, h ? hi - hr : Double.POSITIVE_INFINITY };
		t = new double[ranges.length][][];
		for (int r = 0; r < ranges.length; r++) {
			final double[] x = new double[GRID + 1], mu = new double[GRID + 1];
			for (int k = 0; k <= GRID; k++) {
				x[k] = ranges[r][0] + (ranges[r][1] - ranges[r][0]) * k / GRID;
				// μ rises with x; the running maximum keeps the table monotone where rounding would not
				mu[k] = Math.max(noisyMean(x[k]), k == 0 ? Double.NEGATIVE_INFINITY : mu[k - 1]);
			}
			t[r] = new double[][] { x, mu };
		}
		table = t;
		return t;
	}

	/** The clean value x whose mean in the file μ(x) is m, within [a, b]. */
	public double clean(final double m) {
		if (Double.isNaN(m)) return m;
		final double[][][] t = table();
		if (m > free[0] && m < free[1]) return m;
		double x = m;
		for (final double[][] region : t) {
			final double[] xs = region[0], mu = region[1];
			// a region reaching below lo is a lower clip's; one reaching above hi an upper clip's (or both)
			final boolean below = xs[0] < lo, above = xs[xs.length - 1] > hi;
			if (m <= mu[0] && below) x = lo;
			else if (m >= mu[mu.length - 1] && above) x = hi;
			else if (m >= mu[0] && m <= mu[mu.length - 1]) x = invert(xs, mu, m);
			else continue; // beyond this clip's reach: μ(x) = x
			break;
		}
		if (Double.isFinite(lo)) x = Math.max(lo, x);
		if (Double.isFinite(hi)) x = Math.min(hi, x);
		return x;
	}

	private static double invert(final double[] xs, final double[] mu, final double m) {
		int k = Arrays.binarySearch(mu, m);
		if (k >= 0) return xs[k];
		k = -k - 1; // mu[k − 1] < m < mu[k]
		final double d = mu[k] - mu[k - 1];
		return d > 0 ? xs[k - 1] + (xs[k] - xs[k - 1]) * (m - mu[k - 1]) / d : xs[k];
	}

	@Override
	public float[] forward(final float[] z) {
		return noise.forward(z);
	}

	@Override
	public float[] cleanForward(final float[] x) {
		return noise.cleanForward(x);
	}

	@Override
	public float[] inverse(final float[] d) {
		final float[] f = noise.inverse(d);
		for (int i = 0; i < f.length; i++)
			f[i] = (float) clean(f[i]);
		return f;
	}

	@Override
	public double workingSigma() {
		return noise.workingSigma();
	}

	@Override
	public boolean isStabilised() {
		return noise.isStabilised();
	}

	@Override
	public double variance(final double z) {
		return noise.variance(z);
	}

	@Override
	public double varianceError() {
		return noise.varianceError();
	}

	@Override
	public double sigma() {
		return noise.sigma();
	}

	@Override
	public boolean estimated() {
		return noise.estimated();
	}

	@Override
	public NoiseModel withWorkingSigma(final double s) {
		return new Clipped(noise.withWorkingSigma(s), lo, hi, truncLo, truncHi);
	}

	@Override
	public String toString() {
		return noise.toString();
	}
}
