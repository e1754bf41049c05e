package sc.fiji.diffusion.engine.image;

import net.imglib2.Cursor;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.img.basictypeaccess.array.FloatArray;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;

/** Conversions between imglib2 images and the flat float arrays the network's tensors are made of. */
public final class Images {

	private Images() {}

	/** A 2-D image over {@code px} (width·height floats, row-major), not a copy. */
	public static ArrayImg<FloatType, FloatArray> plane(final float[] px, final int width, final int height) {
		if (px.length != (long) width * height) throw new IllegalArgumentException("plane has " + px.length + " pixels, " +
			"expected " + width + "x" + height);
		return ArrayImgs.floats(px, width, height);
	}

	/** The pixels of an image in flat iteration order (x fastest), copied into a new array. */
	public static float[] floats(final RandomAccessibleInterval<? extends RealType<?>> rai) {
		final long n = Views.iterable(rai).size();
		if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("image too large for one array: " + n + " pixels");
		final float[] out = new float[(int) n];
		final Cursor<? extends RealType<?>> c = Views.flatIterable(rai).cursor();
		for (int i = 0; i < out.length; i++)
			out[i] = c.next().getRealFloat();
		return out;
	}

	/** The backing array of a float ArrayImg, or a copy of any other image. */
	public static float[] array(final RandomAccessibleInterval<? extends RealType<?>> rai) {
		if (rai instanceof ArrayImg && ((ArrayImg<?, ?>) rai).update(null) instanceof FloatArray && Views.isZeroMin(rai))
			return ((FloatArray) ((ArrayImg<?, ?>) rai).update(null)).getCurrentStorageArray();
		return floats(rai);
	}

	/**
	 * Stacks equally sized single-channel images (each w·h floats, row-major) into one
	 * {@code w × h × n} float image; the arrays are copied, not wrapped.
	 */
	public static Img<FloatType> stack(final float[][] images, final int w, final int h) {
		final int plane = w * h;
		final float[] all = new float[images.length * plane];
		for (int k = 0; k < images.length; k++) {
			if (images[k].length != plane) throw new IllegalArgumentException("image " + k + " has " + images[k].length +
				" values, expected " + w + " x " + h);
			System.arraycopy(images[k], 0, all, k * plane, plane);
		}
		return ArrayImgs.floats(all, w, h, images.length);
	}
}
