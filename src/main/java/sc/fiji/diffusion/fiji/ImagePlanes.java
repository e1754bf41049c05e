package sc.fiji.diffusion.fiji;

import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;

import java.util.Locale;
import java.util.function.Consumer;

import sc.fiji.diffusion.engine.image.Hyperstack;

/**
 * Moves pixels between an ImagePlus and the pipelines' {@link Hyperstack} without touching the
 * source: a copy of every plane in the image's own units with the hyperstack's channels, slices
 * and frames and the voxel size; back, a new image with the source's layout, calibration and
 * slice labels, 32-bit or of the source's type.
 */
public final class ImagePlanes {

	/** Result types: 32-bit floats (as computed), or the input's type with values rounded and clipped. */
	public static final String FLOAT = "32-bit", SAME = "same as input";

	private ImagePlanes() {}

	/** Refuses images a one-channel model cannot take (colour), with what to do instead. */
	public static void checkGrayscale(final ImagePlus imp, final String what) {
		if (imp == null) throw new IllegalArgumentException("No " + what + ": open an image first");
		if (imp.getType() == ImagePlus.COLOR_RGB || imp.getType() == ImagePlus.COLOR_256) throw new IllegalArgumentException(
			what + " '" + imp.getTitle() + "' is RGB; the model works on one channel: convert it (Image › Type › 8-bit) " +
				"or split the channels (Image › Color › Split Channels) and run on each");
	}

	/** A copy of the image as a hyperstack (X, Y, C, Z, T) in its own units. */
	public static Hyperstack toHyperstack(final ImagePlus imp) {
		checkGrayscale(imp, "image");
		final ImageStack stack = imp.getStack();
		final float[][] planes = new float[stack.getSize()][];
		for (int i = 0; i < planes.length; i++) {
			final ImageProcessor ip = stack.getProcessor(i + 1);
			final float[] p = new float[ip.getPixelCount()];
			for (int k = 0; k < p.length; k++)
				p[k] = ip.getf(k);
			planes[i] = p;
		}
		int c = imp.getNChannels(), z = imp.getNSlices(), t = imp.getNFrames();
		if (c * z * t != planes.length) {
			// a plain stack whose dimensions were never set: its slices are z
			c = 1;
			z = planes.length;
			t = 1;
		}
		final Calibration cal = imp.getCalibration();
		return Hyperstack.wrap(planes, imp.getWidth(), imp.getHeight(), c, z, t, new double[] { cal.pixelWidth,
			cal.pixelHeight, cal.pixelDepth }, cal.getUnit(), imp.getBitDepth() == 24 ? 8 : imp.getBitDepth(), imp
				.getShortTitle());
	}

	/** Copies of every slice as floats in the image's own units. */
	public static float[][] planes(final ImagePlus imp) {
		final ImageStack stack = imp.getStack();
		final float[][] out = new float[stack.getSize()][];
		for (int z = 0; z < out.length; z++) {
			final ImageProcessor ip = stack.getProcessor(z + 1);
			final float[] p = new float[ip.getPixelCount()];
			for (int i = 0; i < p.length; i++)
				p[i] = ip.getf(i);
			out[z] = p;
		}
		return out;
	}

	/**
	 * A new image from a pipeline's result with the source's layout (channels, slices, frames),
	 * calibration and slice labels, titled "&lt;source&gt;-&lt;suffix&gt;".
	 *
	 * @param type {@link #FLOAT} or {@link #SAME}: the source's 8/16-bit type, values rounded and
	 *          clipped to its range (said in the log when any were)
	 */
	public static ImagePlus result(final ImagePlus src, final Hyperstack r, final String suffix, final String type,
		final Consumer<String> say)
	{
		final int w = r.width(), h = r.height();
		final boolean same = SAME.equalsIgnoreCase(type == null ? "" : type.trim()) || "same".equalsIgnoreCase(type == null ?
			"" : type.trim());
		final int bits = same ? src.getBitDepth() : 32;
		final ImageStack stack = new ImageStack(w, h);
		final ImageStack in = src.getStack();
		long low = 0, high = 0;
		final double max = bits == 8 ? 255 : 65535;
		for (int i = 0; i < r.planeCount(); i++) {
			final float[] p = r.plane(i);
			final ImageProcessor ip;
			if (bits == 32) ip = new FloatProcessor(w, h, p.clone());
			else {
				ip = bits == 8 ? new ByteProcessor(w, h) : new ShortProcessor(w, h);
				for (int k = 0; k < p.length; k++) {
					final double v = Math.rint(p[k]);
					if (v < 0) low++;
					if (v > max) high++;
					ip.setf(k, (float) Math.max(0, Math.min(max, v)));
				}
			}
			stack.addSlice(i < in.getSize() ? in.getSliceLabel(i + 1) : null, ip);
		}
		if (bits != 32) say.accept(String.format(Locale.ROOT, "result as %d-bit like the input (type=[same as input]): " +
			"values rounded%s", bits, low + high > 0 ? String.format(Locale.ROOT, ", %d below 0 and %d above %.0f clipped",
				low, high, max) : ", none outside 0-" + (long) max));
		final ImagePlus out = new ImagePlus(src.getShortTitle() + "-" + suffix, stack);
		out.setCalibration(src.getCalibration().copy());
		out.setDimensions(r.channels(), r.slices(), r.frames());
		if (r.channels() > 1 || (r.slices() > 1 && r.frames() > 1)) out.setOpenAsHyperStack(true);
		if (bits == 32) out.resetDisplayRange();
		return out;
	}
}
