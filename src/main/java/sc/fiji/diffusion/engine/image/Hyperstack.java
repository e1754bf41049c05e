package sc.fiji.diffusion.engine.image;

import java.util.Arrays;
import java.util.Locale;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.basictypeaccess.array.FloatArray;
import net.imglib2.img.planar.PlanarImg;
import net.imglib2.img.planar.PlanarImgs;
import net.imglib2.type.numeric.real.FloatType;

/**
 * An image as the pipelines take and give it: float pixels on the axes X, Y, C, Z, T (an
 * imglib2 {@link PlanarImg}, one plane per (c, z, t), sizes 1 where an axis is absent), with
 * the voxel size of X, Y and Z, the bit depth of the source (which decides how values are
 * normalised and what "same as input" means for the result) and a title. Planes are counted
 * in ImageJ's order: c fastest, then z, then t.
 */
public final class Hyperstack {

	/** Axis indices of the backing image. */
	public static final int X = 0, Y = 1, C = 2, Z = 3, T = 4;

	private final PlanarImg<FloatType, FloatArray> img;
	private final double[] voxel;
	private final String unit;
	private final int bitDepth;
	private final String title;

	private Hyperstack(final PlanarImg<FloatType, FloatArray> img, final double[] voxel, final String unit,
		final int bitDepth, final String title)
	{
		if (bitDepth != 8 && bitDepth != 16 && bitDepth != 32) throw new IllegalArgumentException("bit depth must be 8, 16 " +
			"or 32, was " + bitDepth);
		this.img = img;
		this.voxel = voxel.clone();
		this.unit = unit == null ? "pixel" : unit;
		this.bitDepth = bitDepth;
		this.title = title == null ? "" : title;
	}

	/**
	 * Wraps planes (each width·height floats, row-major; ImageJ order c, z, t) without copying.
	 *
	 * @param voxel sizes of a pixel along X, Y, Z (in {@code unit})
	 */
	public static Hyperstack wrap(final float[][] planes, final int width, final int height, final int channels,
		final int slices, final int frames, final double[] voxel, final String unit, final int bitDepth, final String title)
	{
		if (width < 1 || height < 1 || channels < 1 || slices < 1 || frames < 1) throw new IllegalArgumentException(
			"image dimensions must be at least 1, were " + width + "x" + height + "x" + channels + "x" + slices + "x" + frames);
		if (planes.length != channels * slices * frames) throw new IllegalArgumentException(planes.length + " planes for " +
			channels + " channel(s) x " + slices + " slice(s) x " + frames + " frame(s)");
		final PlanarImg<FloatType, FloatArray> img = PlanarImgs.floats(width, height, channels, slices, frames);
		for (int i = 0; i < planes.length; i++) {
			if (planes[i].length != (long) width * height) throw new IllegalArgumentException("plane " + i + " has " +
				planes[i].length + " pixels, expected " + width + "x" + height);
			img.setPlane(i, new FloatArray(planes[i]));
		}
		return new Hyperstack(img, voxel.length == 3 ? voxel : new double[] { 1, 1, 1 }, unit, bitDepth, title);
	}

	/** One plane (or a z-stack of {@code planes.length} slices) with unit voxels. */
	public static Hyperstack of(final int width, final int height, final int bitDepth, final float[]... planes) {
		return wrap(planes, width, height, 1, planes.length, 1, new double[] { 1, 1, 1 }, "pixel", bitDepth, "");
	}

	/** An image of the same axes, voxel size and title, with new planes of the given bit depth. */
	public Hyperstack withPlanes(final float[][] planes, final int depth, final String newTitle) {
		return wrap(planes, width(), height(), channels(), slices(), frames(), voxel, unit, depth, newTitle);
	}

	public RandomAccessibleInterval<FloatType> view() {
		return img;
	}

	public int width() {
		return (int) img.dimension(X);
	}

	public int height() {
		return (int) img.dimension(Y);
	}

	public int channels() {
		return (int) img.dimension(C);
	}

	public int slices() {
		return (int) img.dimension(Z);
	}

	public int frames() {
		return (int) img.dimension(T);
	}

	public int planeCount() {
		return channels() * slices() * frames();
	}

	/** The ImageJ stack index (0-based) of plane (c, z, t). */
	public int index(final int c, final int z, final int t) {
		return c + channels() * (z + slices() * t);
	}

	/** The pixels of plane (c, z, t): the backing array itself, not a copy — read only. */
	public float[] plane(final int c, final int z, final int t) {
		return img.getPlane(index(c, z, t)).getCurrentStorageArray();
	}

	/** The pixels of plane {@code i} in ImageJ order (read only). */
	public float[] plane(final int i) {
		return img.getPlane(i).getCurrentStorageArray();
	}

	/** Every plane of channel c (all z and t), in order. */
	public float[][] channel(final int c) {
		final float[][] out = new float[slices() * frames()][];
		for (int t = 0; t < frames(); t++)
			for (int z = 0; z < slices(); z++)
				out[z + slices() * t] = plane(c, z, t);
		return out;
	}

	/** Voxel size along X, Y, Z. */
	public double[] voxel() {
		return voxel.clone();
	}

	public String unit() {
		return unit;
	}

	public int bitDepth() {
		return bitDepth;
	}

	/**
	 * Refuses an image with NaN or infinite pixels, saying how many and where the first is.
	 *
	 * @param skip non-zero where a pixel may be anything (e.g. a hole about to be filled), one
	 *          plane for all or one per plane; null = every pixel counts
	 */
	public void checkFinite(final String task, final Hyperstack skip) {
		long bad = 0;
		int first = -1, firstPlane = -1;
		for (int p = 0; p < planeCount(); p++) {
			final float[] px = plane(p);
			final float[] m = skip == null ? null : skip.plane(skip.planeCount() == 1 ? 0 : p);
			for (int i = 0; i < px.length; i++)
				if (!Float.isFinite(px[i]) && (m == null || m[i] == 0)) {
					if (bad++ == 0) {
						first = i;
						firstPlane = p;
					}
				}
		}
		if (bad == 0) return;
		final int c = firstPlane % channels(), z = firstPlane / channels() % slices(), t = firstPlane / channels() / slices();
		throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: the image has %d NaN or infinite " +
			"pixel%s (the first at x=%d, y=%d%s%s%s)%s; replace them first (Process › Math › Remove NaNs…)%s", task, bad,
			bad == 1 ? "" : "s", first % width(), first / width(), channels() > 1 ? ", channel " + (c + 1) : "", slices() > 1 ?
				", slice " + (z + 1) : "", frames() > 1 ? ", frame " + (t + 1) : "", "", skip == null ? "" :
					" or include them in the mask to fill them"));
	}

	public String title() {
		return title;
	}

	/** "512x512, 3 channels, 20 slices, 16-bit" */
	public String describe() {
		final StringBuilder s = new StringBuilder(width() + "x" + height());
		if (channels() > 1) s.append(", ").append(channels()).append(" channels");
		if (slices() > 1) s.append(", ").append(slices()).append(" slices");
		if (frames() > 1) s.append(", ").append(frames()).append(" frames");
		return s.append(", ").append(bitDepth).append("-bit").toString();
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "%s '%s' (voxel %s %s)", describe(), title, Arrays.toString(voxel), unit);
	}
}
