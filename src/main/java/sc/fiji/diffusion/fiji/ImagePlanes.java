package sc.fiji.diffusion.fiji;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

import java.util.Arrays;

/**
 * Moves pixels between an ImagePlus and the engine's float planes without touching the
 * source, and maps any bit depth into the model's data range:
 * <ul>
 * <li>8-bit: as is (0–255 is the data range of the bundled model);</li>
 * <li>16- and 32-bit: the 0.5th–99.5th percentile of all slices is mapped linearly onto the
 * model's data range, and back at the end, so results come out in the image's own units.</li>
 * </ul>
 */
public final class ImagePlanes {

	/** The linear map image value v ↦ data value v · scale + offset, and its inverse. */
	public static final class Mapping {

		public final double scale, offset;

		Mapping(final double scale, final double offset) {
			this.scale = scale;
			this.offset = offset;
		}

		public float[] toData(final float[] p) {
			final float[] out = new float[p.length];
			for (int i = 0; i < p.length; i++)
				out[i] = (float) (p[i] * scale + offset);
			return out;
		}

		public float[] fromData(final float[] p) {
			final float[] out = new float[p.length];
			for (int i = 0; i < p.length; i++)
				out[i] = (float) ((p[i] - offset) / scale);
			return out;
		}
	}

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

	/** The map from the image's units into the data range [dataMin, dataMax] of the model. */
	public static Mapping mapping(final ImagePlus imp, final float[][] planes, final double dataMin, final double dataMax) {
		if (imp.getBitDepth() == 8) return new Mapping((dataMax - dataMin) / 255.0, dataMin);
		final int n = Arrays.stream(planes).mapToInt(p -> p.length).sum();
		final int stride = Math.max(1, n / 1_000_000); // a million samples is plenty for percentiles
		final float[] sample = new float[(n + stride - 1) / stride];
		int k = 0, i = 0;
		for (final float[] p : planes)
			for (final float v : p) {
				if (i++ % stride == 0 && k < sample.length) sample[k++] = v;
			}
		final float[] s = Arrays.copyOf(sample, k);
		Arrays.sort(s);
		final double lo = s[(int) Math.floor(0.005 * (s.length - 1))], hi = s[(int) Math.ceil(0.995 * (s.length - 1))];
		if (!(hi > lo)) return new Mapping(1, dataMin - lo); // flat image: shift only
		final double scale = (dataMax - dataMin) / (hi - lo);
		return new Mapping(scale, dataMin - lo * scale);
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
