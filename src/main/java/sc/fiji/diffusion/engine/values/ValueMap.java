package sc.fiji.diffusion.engine.values;

import java.util.Locale;

import sc.fiji.diffusion.engine.model.ModelDescriptor;

/**
 * The one map between an image's own units and the model's units: the affine
 * m = v · scale + offset (and back), composed once from how the image is normalised onto the
 * model's data range and the descriptor's data → model map. Noise standard deviations map
 * with the scale alone. Tasks take images in image units and convert here, once, at entry and
 * at exit.
 */
public final class ValueMap {

	private final double scale, offset;
	private final String description;

	private ValueMap(final double scale, final double offset, final String description) {
		if (!(scale > 0) || !Double.isFinite(scale) || !Double.isFinite(offset)) throw new IllegalArgumentException(
			"a value map needs a finite positive scale, got " + scale + ", " + offset);
		this.scale = scale;
		this.offset = offset;
		this.description = description;
	}

	/** Image units are the model's data units (e.g. 0–255 grey levels for the bundled models). */
	public static ValueMap data(final ModelDescriptor d) {
		return new ValueMap(d.scale(), d.offset(), String.format(Locale.ROOT, "values as they are (the model's data range " +
			"%s–%s)", fmt(d.dataMin()), fmt(d.dataMax())));
	}

	/**
	 * Image values [lo, hi] go onto the model's data range, linearly: lo ↦ dataMin, hi ↦
	 * dataMax (values beyond follow the same line).
	 */
	public static ValueMap range(final ModelDescriptor d, final double lo, final double hi, final String why) {
		if (!(hi > lo)) return new ValueMap(d.scale(), d.offset() + (d.dataMin() - lo) * d.scale(), why +
			" (flat image: shifted only)");
		final double toData = (d.dataMax() - d.dataMin()) / (hi - lo);
		// image → data: v·toData + (dataMin − lo·toData); data → model: ·d.scale + d.offset
		return new ValueMap(toData * d.scale(), (d.dataMin() - lo * toData) * d.scale() + d.offset(), String.format(
			Locale.ROOT, "%s: %s–%s mapped onto the model's data range %s–%s", why, fmt(lo), fmt(hi), fmt(d.dataMin()),
			fmt(d.dataMax())));
	}

	/** A map given directly: model value = image value · scale + offset. */
	public static ValueMap of(final double scale, final double offset, final String description) {
		return new ValueMap(scale, offset, description);
	}

	private static String fmt(final double v) {
		return String.format(Locale.ROOT, "%.6g", v);
	}

	public double scale() {
		return scale;
	}

	public double offset() {
		return offset;
	}

	/** Image units → model units, into a new array. */
	public float[] toModel(final float[] v) {
		final float[] out = new float[v.length];
		final float s = (float) scale, o = (float) offset;
		for (int i = 0; i < v.length; i++)
			out[i] = v[i] * s + o;
		return out;
	}

	/** Model units → image units, in place. */
	public float[] fromModelInPlace(final float[] m) {
		for (int i = 0; i < m.length; i++)
			m[i] = (float) ((m[i] - offset) / scale);
		return m;
	}

	/** A noise standard deviation (or any length) in image units → model units. */
	public double sigmaToModel(final double sigma) {
		return sigma * scale;
	}

	/** What was done, for the log. */
	@Override
	public String toString() {
		return description;
	}
}
