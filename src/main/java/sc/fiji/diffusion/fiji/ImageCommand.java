package sc.fiji.diffusion.fiji;

import ij.ImagePlus;

import org.scijava.ItemIO;
import org.scijava.plugin.Parameter;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.engine.values.ValueMap;
import sc.fiji.diffusion.engine.model.DiffusionModel;

/**
 * A command on the user's image: checks it, chooses one value map for all slices from the
 * {@code normalize} key (see {@link Normalization}) and says which in the log, runs the task
 * slice by slice and returns a NEW 32-bit image in the source's units, title
 * "&lt;title&gt;-&lt;suffix&gt;" and calibration. The source is only read.
 */
public abstract class ImageCommand extends DiffusionCommand {

	@Parameter(label = "Image", description = "The image to process (the active one)")
	protected ImagePlus image;

	@Parameter(persist = false, label = "Model", description = "Name of an installed model, or the path of a model folder")
	protected String model = Models.DEFAULT_IMAGE;

	@Parameter(persist = false, label = "Device", required = false, description = "auto, cpu or gpu")
	protected String device = "auto";

	@Parameter(persist = false, label = "Normalize", required = false, choices = { "auto", "none", "percentile" },
		description = "auto: 8-bit as it is, 16/32-bit by the 0.5-99.5 % percentiles; none: the values already are in " +
			"the model's data units; percentile: the low-high % percentiles onto the model's data range")
	protected String normalize = "auto";

	@Parameter(persist = false, label = "Low percentile", required = false, description = "For normalize=percentile")
	protected double low = Normalization.DEFAULT_LOW;

	@Parameter(persist = false, label = "High percentile", required = false, description = "For normalize=percentile")
	protected double high = Normalization.DEFAULT_HIGH;

	@Parameter(type = ItemIO.OUTPUT)
	protected ImagePlus result;

	/** Title of the result, for bridges that show it. */
	@Parameter(type = ItemIO.OUTPUT, required = false)
	protected String title;

	/** Validates the parameters against the loaded model before any work. */
	protected abstract void validate(DiffusionModel m);

	/**
	 * Processes one slice (in working units, see {@link #toWorkingUnits}) and returns it in the
	 * same units; {@code values} maps those units into the model's.
	 *
	 * @param batch tiles per network call
	 */
	protected abstract float[] process(DiffusionModel m, float[] plane, int w, int h, int slice, int batch,
		ValueMap values, Monitor monitor);

	protected abstract String suffix();

	/** Bytes of working memory per pixel: float copies on the Java side and arrays in PyTorch. */
	static final long BYTES_PER_PIXEL = 40;

	/** Refuses, before any copy, an image whose working memory would not fit in the Java heap. */
	static void checkMemory(final ImagePlus imp) {
		final long pixels = (long) imp.getWidth() * imp.getHeight();
		final long need = pixels * BYTES_PER_PIXEL + (long) imp.getStackSize() * pixels * 8;
		final Runtime rt = Runtime.getRuntime();
		final long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
		if (need > free) throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
			"Image '%s' (%dx%d, %d slice(s)) needs about %.1f GB of working memory but only %.1f GB is free. " +
				"Give ImageJ more memory (Edit › Options › Memory & Threads), or crop the image or process it in parts.",
			imp.getTitle(), imp.getWidth(), imp.getHeight(), imp.getStackSize(), need / 1e9, free / 1e9));
	}

	@Override
	protected void execute(final Monitor monitor) throws Exception {
		ImagePlanes.checkSingleChannel(image, "image");
		checkMemory(image);
		final Normalization normalization = Normalization.parse(normalize, low, high);
		final DiffusionModel m = loadModel(model, device);
		validate(m);
		final float[][] planes = ImagePlanes.planes(image);
		final float[][] work = toWorkingUnits(m, planes);
		final ValueMap values = normalization.map(m.descriptor(), workingBitDepth(), work);
		log.info(taskName() + ": normalize=" + normalization + ": " + values);
		final float[][] out = new float[planes.length][];
		final long t0 = System.nanoTime();
		for (int z = 0; z < planes.length; z++) {
			final int slice = z;
			final Monitor perSlice = new Monitor() {

				@Override
				public void progress(final String what, final int done, final int total) {
					monitor.progress(what + (planes.length > 1 ? " slice " + (slice + 1) + "/" + planes.length : ""), done,
						total);
				}

				@Override
				public boolean isCanceled() {
					return monitor.isCanceled();
				}
			};
			final float[] plane = work[z];
			final float[] done = withFallback(m, (model, batch) -> process(model, plane, image.getWidth(), image.getHeight(),
				slice, batch, values, perSlice));
			out[z] = finish(z, planes[z], fromWorkingUnits(z, done));
		}
		result = ImagePlanes.result(image, out, suffix());
		title = result.getTitle();
		log.info(String.format("%s: %s (%dx%dx%d) in %.1f s", taskName(), title, image.getWidth(), image.getHeight(),
			planes.length, (System.nanoTime() - t0) / 1e9));
	}

	/**
	 * The slices in the units the task works in; by default the image's own. A command that
	 * transforms the values first (e.g. a variance-stabilising transform) overrides this and
	 * {@link #fromWorkingUnits}. The normalisation is computed on what this returns.
	 */
	protected float[][] toWorkingUnits(final DiffusionModel m, final float[][] planes) {
		return planes;
	}

	/** The bit depth the normalisation sees: the image's, or 32 once the values are transformed. */
	protected int workingBitDepth() {
		return image.getBitDepth();
	}

	/** A processed slice back from working units into the image's units. */
	protected float[] fromWorkingUnits(final int slice, final float[] p) {
		return p;
	}

	/** Last touch on a slice's result (in image units) given its original. */
	protected float[] finish(final int slice, final float[] original, final float[] out) {
		return out;
	}

}
