package sc.fiji.diffusion.engine.values;

import java.util.Arrays;
import java.util.Locale;

import sc.fiji.diffusion.engine.model.ModelDescriptor;

/**
 * How an image's values are put onto the model's data range (the {@code normalize} key):
 * <ul>
 * <li>{@code auto}: 8-bit images as they are (0–255 onto the data range); 16- and 32-bit images
 * by their 0.5–99.5 % percentiles;</li>
 * <li>{@code none}: the values already are in the model's data units;</li>
 * <li>{@code percentile}: the {@code low}–{@code high} % percentiles of all slices onto the
 * data range.</li>
 * </ul>
 * Percentiles are taken over every slice together, so a stack keeps its relative intensities.
 */
public final class Normalization {

	public enum Kind {
		AUTO, NONE, PERCENTILE
	}

	public static final double DEFAULT_LOW = 0.5, DEFAULT_HIGH = 99.5;

	private final Kind kind;
	private final double low, high;

	private Normalization(final Kind kind, final double low, final double high) {
		this.kind = kind;
		this.low = low;
		this.high = high;
	}

	public static Normalization auto() {
		return new Normalization(Kind.AUTO, DEFAULT_LOW, DEFAULT_HIGH);
	}

	/**
	 * Reads the {@code normalize}, {@code low} and {@code high} keys; a clear error for values
	 * outside what is accepted.
	 */
	public static Normalization parse(final String normalize, final double low, final double high) {
		final String n = normalize == null || normalize.trim().isEmpty() ? "auto" : normalize.trim().toLowerCase(Locale.ROOT);
		final Kind k;
		switch (n) {
			case "auto": k = Kind.AUTO; break;
			case "none": k = Kind.NONE; break;
			case "percentile": k = Kind.PERCENTILE; break;
			default:
				throw new IllegalArgumentException("Unknown normalize '" + normalize + "'; accepted: auto, none, percentile");
		}
		if (k == Kind.PERCENTILE && !(low >= 0 && high <= 100 && low < high)) throw new IllegalArgumentException(
			"percentile normalisation needs 0 <= low < high <= 100, got low = " + low + ", high = " + high);
		return new Normalization(k, low, high);
	}

	public Kind kind() {
		return kind;
	}

	/**
	 * The value map for an image of {@code bitDepth} (8, 16 or 32) whose slices are
	 * {@code planes} (in the image's units).
	 */
	public ValueMap map(final ModelDescriptor d, final int bitDepth, final float[][] planes) {
		return map(d, bitDepth, (lo, hi) -> percentiles(planes, lo, hi));
	}

	/** Percentiles (low %, high %) of the whole image, however they are computed (e.g. block-wise on a cluster). */
	@FunctionalInterface
	public interface Percentiles {

		double[] of(double low, double high);
	}

	/** As {@link #map(ModelDescriptor, int, float[][])}, with the percentiles given by {@code p} when needed. */
	public ValueMap map(final ModelDescriptor d, final int bitDepth, final Percentiles p) {
		switch (kind) {
			case NONE:
				return ValueMap.data(d);
			case AUTO:
				if (bitDepth == 8) return ValueMap.range(d, 0, 255, "8-bit image as it is");
				return percentiles(d, p, DEFAULT_LOW, DEFAULT_HIGH, "auto (" + bitDepth + "-bit): percentiles");
			default:
				return percentiles(d, p, low, high, "percentile");
		}
	}

	public double low() {
		return kind == Kind.PERCENTILE ? low : DEFAULT_LOW;
	}

	public double high() {
		return kind == Kind.PERCENTILE ? high : DEFAULT_HIGH;
	}

	/** The sampling stride of {@link #percentiles}: every stride-th value of all planes (in order) is used. */
	public static long stride(final long pixels) {
		return Math.max(1, pixels / 1_000_000);
	}

	private static ValueMap percentiles(final ModelDescriptor d, final Percentiles p, final double low,
		final double high, final String what)
	{
		final double[] v = p.of(low, high);
		return ValueMap.range(d, v[0], v[1], String.format(Locale.ROOT, "%s %s–%s %%", what, low, high));
	}

	/**
	 * The {@code low} and {@code high} percentiles of all values (on a regular subsample of at
	 * most a million values, plenty for percentiles), lower and upper rank rounded outward.
	 */
	public static double[] percentiles(final float[][] planes, final double low, final double high) {
		final long n = Arrays.stream(planes).mapToLong(p -> p.length).sum();
		final long stride = stride(n);
		final float[] sample = new float[(int) ((n + stride - 1) / stride)];
		int k = 0;
		long i = 0;
		for (final float[] p : planes)
			for (final float v : p) {
				if (i++ % stride == 0 && k < sample.length) sample[k++] = v;
			}
		final float[] s = Arrays.copyOf(sample, k);
		final int lowRank = (int) Math.floor(low / 100 * (s.length - 1)), highRank = (int) Math.ceil(high / 100 * (s.length -
			1));
		final double hi = OrderStatistics.select(s, highRank);
		return new double[] { OrderStatistics.select(s, lowRank), hi };
	}

	@Override
	public String toString() {
		return kind == Kind.PERCENTILE ? String.format(Locale.ROOT, "percentile %s–%s %%", low, high) : kind.name()
			.toLowerCase(Locale.ROOT);
	}
}
