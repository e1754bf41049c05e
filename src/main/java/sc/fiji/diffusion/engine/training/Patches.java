package sc.fiji.diffusion.engine.training;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/**
 * Training images (single-channel planes in model units) and the random patches drawn from
 * them: a plane chosen with probability ∝ its pixel count (within its allowed rows), a random
 * crop of patch × patch, then one of the 8 flips/rotations of the square. A plane may be
 * restricted to a band of rows, which is how a validation region is kept apart when there are
 * too few slices to hold some out.
 */
public final class Patches {

	/** One plane and the rows of it patches may come from. */
	static final class Plane {

		final float[] px, twin;
		final double sigma;
		/** Where the file clipped: the mean of the value it holds at a clean value (model units); null = none. */
		final DoubleUnaryOperator fileMean;
		final int w, h, row0, row1;

		Plane(final float[] px, final float[] twin, final double sigma, final DoubleUnaryOperator fileMean, final int w,
			final int h, final int row0, final int row1)
		{
			this.px = px;
			this.twin = twin;
			this.sigma = sigma;
			this.fileMean = fileMean;
			this.w = w;
			this.h = h;
			this.row0 = row0;
			this.row1 = row1;
		}

		long area() {
			return (long) w * (row1 - row0);
		}
	}

	private final List<Plane> planes = new ArrayList<>();
	private final int patch;
	private double[] cumulative;

	public Patches(final int patch) {
		if (patch < 1) throw new IllegalArgumentException("patch must be at least 1, was " + patch);
		this.patch = patch;
	}

	public int patch() {
		return patch;
	}

	/** Adds rows [row0, row1) of a w × h plane (model units, row-major). */
	public Patches add(final float[] px, final int w, final int h, final int row0, final int row1) {
		return add(px, null, 0, w, h, row0, row1);
	}

	/**
	 * Adds rows [row0, row1) of a noisy plane with its noise σ (model units) and a twin of the same
	 * size (e.g. its denoised version) whose patches are cut at the same places.
	 */
	public Patches add(final float[] px, final float[] twin, final double sigma, final int w, final int h, final int row0,
		final int row1)
	{
		return add(px, twin, sigma, null, w, h, row0, row1);
	}

	/**
	 * As {@link #add(float[], float[], double, int, int, int, int)}, for a noisy plane whose file
	 * clipped its values: {@code fileMean} gives the mean of the value the file holds at a clean
	 * value (both in model units), which a measure compares its estimates through (null = no clip).
	 */
	public Patches add(final float[] px, final float[] twin, final double sigma, final DoubleUnaryOperator fileMean,
		final int w, final int h, final int row0, final int row1)
	{
		if (twin != null && twin.length != px.length) throw new IllegalArgumentException("twin plane of another size");
		if (w < patch || row1 - row0 < patch) throw new IllegalArgumentException(String.format(
			"a training region of %dx%d is smaller than the patch size %d: choose a smaller patch (a multiple of the " +
				"model's size step) or larger images", w, row1 - row0, patch));
		planes.add(new Plane(px, twin, sigma, fileMean, w, h, row0, row1));
		cumulative = null;
		return this;
	}

	/** Whether every plane has a twin. */
	public boolean hasTwins() {
		for (final Plane p : planes)
			if (p.twin == null) return false;
		return !planes.isEmpty();
	}

	public int size() {
		return planes.size();
	}

	/** Total pixels patches may come from. */
	public long pixels() {
		long n = 0;
		for (final Plane p : planes)
			n += p.area();
		return n;
	}

	/**
	 * Fills {@code out} (batch · patch · patch floats, row-major per patch) with a random batch
	 * drawn by {@code r}.
	 */
	public void batch(final SplittableRandom r, final int batch, final float[] out) {
		batch(r, batch, out, null, null);
	}

	/**
	 * As {@link #batch(SplittableRandom, int, float[])}, also filling the twins' patches (when
	 * {@code twinOut} is not null; zeros for planes without a twin) and each patch's σ.
	 */
	public void batch(final SplittableRandom r, final int batch, final float[] out, final float[] twinOut,
		final float[] sigmaOut)
	{
		batch(r, batch, out, twinOut, sigmaOut, null);
	}

	/** As {@link #batch(SplittableRandom, int, float[], float[], float[])}, also giving each patch's file mean (null = none). */
	public void batch(final SplittableRandom r, final int batch, final float[] out, final float[] twinOut,
		final float[] sigmaOut, final DoubleUnaryOperator[] fileMeanOut)
	{
		if (planes.isEmpty()) throw new IllegalStateException("no training images");
		if (cumulative == null) {
			cumulative = new double[planes.size()];
			double s = 0;
			for (int i = 0; i < planes.size(); i++)
				cumulative[i] = s += planes.get(i).area();
		}
		final int pp = patch * patch;
		for (int b = 0; b < batch; b++) {
			final double u = r.nextDouble() * cumulative[cumulative.length - 1];
			int k = 0;
			while (k < cumulative.length - 1 && cumulative[k] <= u)
				k++;
			final Plane p = planes.get(k);
			if (sigmaOut != null) sigmaOut[b] = (float) p.sigma;
			if (fileMeanOut != null) fileMeanOut[b] = p.fileMean;
			final int y0 = p.row0 + r.nextInt(p.row1 - p.row0 - patch + 1), x0 = r.nextInt(p.w - patch + 1);
			final int d4 = r.nextInt(8);
			for (int y = 0; y < patch; y++)
				for (int x = 0; x < patch; x++) {
					// the 8 symmetries of the square: optional transpose, then optional flips of each axis
					int sy = (d4 & 4) != 0 ? x : y, sx = (d4 & 4) != 0 ? y : x;
					if ((d4 & 1) != 0) sy = patch - 1 - sy;
					if ((d4 & 2) != 0) sx = patch - 1 - sx;
					final int src = (y0 + sy) * p.w + x0 + sx;
					out[b * pp + y * patch + x] = p.px[src];
					if (twinOut != null) twinOut[b * pp + y * patch + x] = p.twin == null ? 0 : p.twin[src];
				}
		}
	}
}
