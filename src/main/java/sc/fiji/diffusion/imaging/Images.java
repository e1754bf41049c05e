package sc.fiji.diffusion.imaging;

import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.img.basictypeaccess.array.FloatArray;
import net.imglib2.type.numeric.real.FloatType;

/** Conversions between the engine's flat float arrays and imglib2 images. */
public final class Images {

	private Images() {}

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
		final ArrayImg<FloatType, FloatArray> img = ArrayImgs.floats(all, w, h, images.length);
		return img;
	}
}
