package sc.fiji.diffusion.fiji;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.process.ImageProcessor;

import org.scijava.command.Command;
import org.scijava.plugin.Attr;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.pipeline.InpaintPipeline;
import sc.fiji.diffusion.engine.pipeline.InpaintSettings;
import sc.fiji.diffusion.engine.pipeline.ModelSource;
import sc.fiji.diffusion.engine.values.Normalization;

/**
 * Plugins › Diffusion › Inpaint: fills a region with content the model finds plausible next
 * to the rest (RePaint from patches of the surroundings copied into the hole, see {@link sc.fiji.diffusion.engine.tasks.Inpaint}):
 * edges that enter the hole run on through it, with the surroundings' texture, and where the
 * image is noisy the fill carries the same noise. The region is a mask image (non-zero =
 * fill; one plane for all, or one per plane) or, when no mask is given (or the mask is the
 * image itself), the image's area selection. Pixels outside it come back unchanged. Macro:
 * {@code run("Inpaint", "mask=[hole mask] steps=100 jumps=1 jump_length=5 seed=1");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Inpaint", headless = true)
public class InpaintCommand extends ImageCommand {

	@Parameter(persist = false, label = "Mask image", required = false, description = "An open image, non-zero where " +
		"to fill; none = use the image's selection", attrs = @Attr(name = "group", value = "Region"))
	private ImagePlus mask;

	@Parameter(persist = false, label = "Margin", required = false, description = "Pixels of image kept around the " +
		"hole as context (only that crop is processed); -1 = automatic (at least 64 and half the hole's size)", attrs = {
			@Attr(name = "group", value = "Region"), @Attr(name = "hint", value = "px of context; -1 = automatic") })
	private int margin = -1;

	@Parameter(persist = false, label = "Steps", min = "1", description = "Reverse steps (100 by default); fewer are " +
		"faster and may cost fine detail, never the fill's tone or texture", attrs = @Attr(name = "group", value = "Sampling"))
	private int steps = 100;

	@Parameter(persist = false, label = "Resampling jumps", description = "How often each stretch is " +
		"resampled (1 = none; RePaint's harmonisation, more network calls)",
		min = "1", attrs = @Attr(name = "group", value = "Sampling"))
	private int jumps = 1;

	@Parameter(persist = false, label = "Jump length", description = "Steps walked back up before each resampling " +
		"(with jumps > 1)", min = "1", attrs = @Attr(name = "group", value = "Sampling"))
	private int jump_length = 5;

	@Parameter(persist = false, label = "Seed", description = "Same seed, same fill", attrs = @Attr(name = "group",
		value = "Sampling"))
	private long seed = 1;

	@Override
	protected String taskName() {
		return "Inpaint";
	}

	@Override
	protected String suffix() {
		return "inpainted";
	}

	@Override
	protected Hyperstack run(final ModelSource models, final Hyperstack in, final Normalization normalization,
		final Monitor monitor)
	{
		final InpaintSettings s = InpaintSettings.builder().steps(steps).jumps(jumps).jumpLength(jump_length).context(margin)
			.seed(seed).normalization(normalization).build();
		return InpaintPipeline.run(models, in, maskStack(), s, monitor);
	}

	/** The mask image's planes, or the selection as a one-plane mask. */
	private Hyperstack maskStack() {
		final int w = image.getWidth(), h = image.getHeight();
		if (mask != null && mask != image) {
			if (mask.getWidth() != w || mask.getHeight() != h) throw new IllegalArgumentException("mask '" + mask.getTitle() +
				"' is " + mask.getWidth() + "x" + mask.getHeight() + " but the image is " + w + "x" + h +
				"; the mask must be the same size");
			if (mask.getStackSize() != 1 && mask.getStackSize() != image.getStackSize()) throw new IllegalArgumentException(
				"mask '" + mask.getTitle() + "' has " + mask.getStackSize() + " slices; give one slice or one per image slice (" +
					image.getStackSize() + ")");
			final float[][] mp = ImagePlanes.planes(mask);
			return Hyperstack.of(w, h, 32, mp);
		}
		final Roi roi = image.getRoi();
		if (roi == null || !roi.isArea()) throw new IllegalArgumentException("Nothing to fill: draw an area selection " +
			"on the image or give a mask image (mask=[title], non-zero = fill)");
		final float[] p = new float[w * h];
		final ImageProcessor rm = roi.getMask();
		final java.awt.Rectangle b = roi.getBounds();
		for (int y = Math.max(0, b.y); y < Math.min(h, b.y + b.height); y++)
			for (int x = Math.max(0, b.x); x < Math.min(w, b.x + b.width); x++)
				if (rm == null || rm.get(x - b.x, y - b.y) != 0) p[y * w + x] = 1;
		return Hyperstack.of(w, h, 32, p);
	}
}
