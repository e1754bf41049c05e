package sc.fiji.diffusion.engine.tiling;

import java.util.Arrays;

import net.imglib2.Cursor;
import net.imglib2.Interval;
import net.imglib2.RandomAccessible;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;

import sc.fiji.diffusion.engine.image.Images;

/**
 * The working area of a task: an n-dimensional image (row-major, the last axis fastest) centred
 * on a canvas that is at least {@code minSize} and a multiple of {@code multiple} on every axis,
 * filled around by mirror reflection, and cropped back at the end.
 */
public final class Canvas {

	private final long[] size, canvas, offset;

	/**
	 * @param size the image's size per axis (… , y, x)
	 * @param minSize the smallest canvas per axis (e.g. a fixed-size model's tile)
	 * @param multiple the canvas size must be a multiple of this per axis (1: any)
	 */
	public Canvas(final long[] size, final int[] minSize, final int[] multiple) {
		this.size = size.clone();
		canvas = new long[size.length];
		offset = new long[size.length];
		for (int d = 0; d < size.length; d++) {
			if (size[d] < 1) throw new IllegalArgumentException("image must be at least 1 pixel on every axis, was " + Arrays
				.toString(size));
			final long q = Math.max(1, multiple[d]);
			canvas[d] = (Math.max(size[d], minSize[d]) + q - 1) / q * q;
			offset[d] = (canvas[d] - size[d]) / 2;
		}
	}

	/** A 2D canvas for a w × h plane. */
	public Canvas(final int width, final int height, final int[] minSize, final int[] multiple) {
		this(new long[] { height, width }, minSize, multiple);
	}

	public long[] size() {
		return canvas.clone();
	}

	/** Where the image starts on the canvas. */
	public long[] offset() {
		return offset.clone();
	}

	public boolean isIdentity() {
		return Arrays.equals(size, canvas);
	}

	/** Symmetric reflection of index i into [0, n). */
	public static long fold(final long i, final long n) {
		if (n == 1) return 0;
		final long k = Math.floorMod(i, 2 * n);
		return k < n ? k : 2 * n - 1 - k;
	}

	/** A canvas for an imglib2 image (axes x, y[, z …], i.e. the reverse of the canvas's order). */
	public static Canvas of(final Interval image, final int[] minSize, final int[] multiple) {
		final int n = image.numDimensions();
		final long[] size = new long[n];
		for (int d = 0; d < n; d++)
			size[n - 1 - d] = image.dimension(d);
		return new Canvas(size, minSize, multiple);
	}

	/** The image's size in imglib2 axis order (x first). */
	private long[] imgDims(final long[] s) {
		final long[] out = new long[s.length];
		for (int d = 0; d < s.length; d++)
			out[d] = s[s.length - 1 - d];
		return out;
	}

	/**
	 * The image on the canvas, as the flat array of a tensor (row-major, the canvas's last axis
	 * fastest): the image centred, mirrored at its edges with the edge pixel repeated
	 * ({@link Views#extendMirrorDouble}), the same as {@link #fold}.
	 */
	public float[] pad(final RandomAccessibleInterval<? extends RealType<?>> image) {
		final long[] dims = imgDims(size);
		for (int d = 0; d < dims.length; d++)
			if (image.dimension(d) != dims[d]) throw new IllegalArgumentException("image is " + Arrays.toString(
				net.imglib2.util.Intervals.dimensionsAsLongArray(image)) + ", canvas made for " + Arrays.toString(dims));
		final long[] off = imgDims(offset), cdims = imgDims(canvas);
		final long[] min = new long[dims.length], max = new long[dims.length];
		for (int d = 0; d < dims.length; d++) {
			min[d] = -off[d];
			max[d] = cdims[d] - off[d] - 1;
		}
		final RandomAccessibleInterval<? extends RealType<?>> zero = Views.zeroMin(image);
		// a canvas of the image's own size needs no mirrored border: its pixels as they are
		if (isIdentity()) return Images.floats(zero);
		return Images.floats(Views.interval(extend(zero), min, max));
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static RandomAccessible<? extends RealType<?>> extend(final RandomAccessibleInterval<? extends RealType<?>> r) {
		return Views.extendMirrorDouble((RandomAccessibleInterval) r);
	}

	/** {@link #pad(RandomAccessibleInterval)} of a flat array in the image's size (… , y, x). */
	public float[] pad(final float[] image) {
		if (isIdentity()) return image.clone();
		return pad(ArrayImgs.floats(image, imgDims(size)));
	}

	/** The image's part of a canvas array, as a new image (x, y[, z …]). */
	public Img<FloatType> cropImage(final float[] data) {
		final long[] cdims = imgDims(canvas), dims = imgDims(size), off = imgDims(offset);
		final Img<FloatType> src = ArrayImgs.floats(data, cdims);
		if (isIdentity()) return src;
		final long[] max = new long[dims.length];
		for (int d = 0; d < dims.length; d++)
			max[d] = off[d] + dims[d] - 1;
		final Img<FloatType> out = ArrayImgs.floats(dims);
		final Cursor<FloatType> from = Views.flatIterable(Views.interval(src, off, max)).cursor(), to = out.cursor();
		while (to.hasNext())
			to.next().set(from.next());
		return out;
	}

	/** {@link #cropImage} as a flat array (… , y, x). */
	public float[] crop(final float[] data) {
		if (isIdentity()) return data;
		return Images.array(cropImage(data));
	}
}
