package sc.fiji.diffusion.fiji;

import ij.ImagePlus;

import java.util.Locale;

import org.scijava.ItemIO;
import org.scijava.plugin.Attr;
import org.scijava.plugin.Parameter;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.pipeline.ModelSource;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.models.Models;

/**
 * A command on the user's image: gathers the keys, hands a copy of the image to its task's
 * pipeline (which owns normalisation, noise models, seeds, tiling and fallbacks) and shows the
 * result: a NEW image with the source's layout and calibration, titled
 * "&lt;title&gt;-&lt;suffix&gt;", 32-bit or of the source's type. The source is only read.
 */
public abstract class ImageCommand extends DiffusionCommand {

	@Parameter(label = "Image", description = "The image to process (the active one)")
	protected ImagePlus image;

	@Parameter(persist = false, label = "Model", description = "Name of an installed model, or the path of a model folder",
		attrs = @Attr(name = "group", value = "Model"))
	protected String model = Models.DEFAULT_IMAGE;

	@Parameter(persist = false, label = "Device", required = false, choices = { "auto", "cpu", "gpu" },
		description = "auto: the GPU when there is one, else the CPU", attrs = @Attr(name = "group", value = "Model"))
	protected String device = "auto";

	@Parameter(persist = false, label = "Normalize", required = false, choices = { "auto", "none", "percentile" },
		description = "auto: 8-bit as it is, 16/32-bit by the 0.5-99.5 % percentiles; none: the values already are in " +
			"the model's data units; percentile: the low-high % percentiles onto the model's data range",
		attrs = @Attr(name = "group", value = "Values"))
	protected String normalize = "auto";

	@Parameter(persist = false, label = "Low percentile", required = false, description = "For normalize=percentile",
		attrs = { @Attr(name = "group", value = "Values"), @Attr(name = "hint", value = "% (normalize=percentile)") })
	protected double low = Normalization.DEFAULT_LOW;

	@Parameter(persist = false, label = "High percentile", required = false, description = "For normalize=percentile",
		attrs = { @Attr(name = "group", value = "Values"), @Attr(name = "hint", value = "% (normalize=percentile)") })
	protected double high = Normalization.DEFAULT_HIGH;

	@Parameter(persist = false, label = "Result type", required = false, choices = { ImagePlanes.FLOAT,
		ImagePlanes.SAME }, description = "32-bit: the values as computed; same as input: the input's 8/16-bit type, " +
			"rounded and clipped to its range", attrs = @Attr(name = "group", value = "Values"))
	protected String type = ImagePlanes.FLOAT;

	@Parameter(type = ItemIO.OUTPUT)
	protected ImagePlus result;

	/** Title of the result, for bridges that show it. */
	@Parameter(type = ItemIO.OUTPUT, required = false)
	protected String title;

	/** Runs the task's pipeline on a copy of the image. */
	protected abstract Hyperstack run(ModelSource models, Hyperstack in, Normalization normalization, Monitor monitor);

	protected abstract String suffix();

	/** Bytes of working memory per pixel: float copies on the Java side and arrays in PyTorch. */
	static final long BYTES_PER_PIXEL = 40;

	/** Refuses, before any copy, an image whose working memory would not fit in the Java heap. */
	static void checkMemory(final ImagePlus imp) {
		final long pixels = (long) imp.getWidth() * imp.getHeight();
		final long need = pixels * BYTES_PER_PIXEL + (long) imp.getStackSize() * pixels * 8;
		final Runtime rt = Runtime.getRuntime();
		final long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
		if (need > free) throw new IllegalArgumentException(String.format(Locale.ROOT,
			"Image '%s' (%dx%d, %d slice(s)) needs about %.1f GB of working memory but only %.1f GB is free. " +
				"Give ImageJ more memory (Edit › Options › Memory & Threads), or crop the image or process it in parts.",
			imp.getTitle(), imp.getWidth(), imp.getHeight(), imp.getStackSize(), need / 1e9, free / 1e9));
	}

	@Override
	protected void execute(final Monitor monitor) throws Exception {
		ImagePlanes.checkGrayscale(image, "image");
		final String t = type == null || type.trim().isEmpty() ? ImagePlanes.FLOAT : type.trim();
		if (!t.equalsIgnoreCase(ImagePlanes.FLOAT) && !t.equalsIgnoreCase(ImagePlanes.SAME) && !t.equalsIgnoreCase("same"))
			throw new IllegalArgumentException("Unknown type '" + type + "'; accepted: 32-bit, [same as input]");
		checkMemory(image);
		final Normalization normalization = Normalization.parse(normalize, low, high);
		final ModelSource source = source(model, device);
		final Hyperstack out = run(source, ImagePlanes.toHyperstack(image), normalization, monitor);
		result = ImagePlanes.result(image, out, suffix(), t, msg -> say(taskName() + ": " + msg));
		title = result.getTitle();
		annotate(result);
	}

	/** Adds what the task knows about its result to the result image (its properties); nothing by default. */
	protected void annotate(final ImagePlus shown) {}
}
