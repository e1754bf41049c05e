package sc.fiji.diffusion.fiji;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;


/**
 * Moves pixels between an ImagePlus and the engine's float planes without touching the
 * source: copies of the slices in the image's own units, and a new 32-bit result image. How
 * values map into a model is the engine's {@link sc.fiji.diffusion.engine.values.Normalization}.
 */
public final class ImagePlanes {

	private ImagePlanes() {}

	/** Refuses images a one-channel model cannot take, with what to do instead. */
	public static void checkSingleChannel(final ImagePlus imp, final String what) {
		if (imp == null) throw new IllegalArgumentException("No " + what + ": open an image first");
		if (imp.getType() == ImagePlus.COLOR_RGB || imp.getType() == ImagePlus.COLOR_256) throw new IllegalArgumentException(
			what + " '" + imp.getTitle() + "' is RGB; the model works on one channel: convert it (Image › Type › 8-bit) " +
				"or split the channels (Image › Color › Split Channels) and run on each");
		if (imp.getNChannels() > 1) throw new IllegalArgumentException(what + " '" + imp.getTitle() + "' has " +
			imp.getNChannels() + " channels; the model works on one: split them (Image › Color › Split Channels) " +
			"and run on each");
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

	/** A new 32-bit image from planes, titled "<source>-<suffix>", with the source's calibration. */
	public static ImagePlus result(final ImagePlus src, final float[][] planes, final String suffix) {
		final ImageStack stack = new ImageStack(src.getWidth(), src.getHeight());
		final ImageStack in = src.getStack();
		for (int z = 0; z < planes.length; z++)
			stack.addSlice(in.getSliceLabel(z + 1), new FloatProcessor(src.getWidth(), src.getHeight(), planes[z]));
		final ImagePlus out = new ImagePlus(src.getShortTitle() + "-" + suffix, stack);
		out.setCalibration(src.getCalibration().copy());
		out.setDimensions(1, src.getNSlices(), src.getNFrames());
		out.resetDisplayRange();
		return out;
	}
}
