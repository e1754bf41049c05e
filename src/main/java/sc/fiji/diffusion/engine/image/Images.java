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
		// a float array image: its array, copied at once instead of through a cursor
		final float[] backing = backing(rai);
		if (backing != null) return backing.clone();
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
		final float[] backing = backing(rai);
		return backing != null ? backing : floats(rai);
	}

	/** The backing array of a zero-min float ArrayImg (its pixels, x fastest), else null. */
	public static float[] backing(final RandomAccessibleInterval<?> rai) {
		if (rai instanceof ArrayImg && ((ArrayImg<?, ?>) rai).update(null) instanceof FloatArray && Views.isZeroMin(rai))
			return ((FloatArray) ((ArrayImg<?, ?>) rai).update(null)).getCurrentStorageArray();
		return null;
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

	/**
	 * A Gaussian blur of a w × h plane (σ in pixels, kernel to 3σ), each output the weighted mean
	 * of the pixels its kernel covers inside the plane (no padding: the edge is not darkened).
	 */
	public static double[] blur(final double[] a, final int w, final int h, final double sigma) {
		if (a.length != w * h) throw new IllegalArgumentException("plane size " + a.length + " is not " + w + " x " + h);
		final int r = (int) Math.ceil(3 * sigma);
		final double[] k = new double[2 * r + 1];
		for (int i = -r; i <= r; i++)
			k[i + r] = Math.exp(-0.5 * i * i / (sigma * sigma));
		final double[] rows = new double[a.length], out = new double[a.length];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double s = 0, n = 0;
				for (int i = Math.max(-r, -x); i <= Math.min(r, w - 1 - x); i++) {
					s += k[i + r] * a[y * w + x + i];
					n += k[i + r];
				}
				rows[y * w + x] = s / n;
			}
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double s = 0, n = 0;
				for (int i = Math.max(-r, -y); i <= Math.min(r, h - 1 - y); i++) {
					s += k[i + r] * rows[(y + i) * w + x];
					n += k[i + r];
				}
				out[y * w + x] = s / n;
			}
		return out;
	}
}
