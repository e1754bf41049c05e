package sc.fiji.diffusion.fiji;

import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Roi;
import ij.process.ImageProcessor;

import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.values.ValueMap;
import sc.fiji.diffusion.engine.tasks.Inpaint;
import sc.fiji.diffusion.engine.model.DiffusionModel;

/**
 * Plugins › Diffusion › Inpaint: fills a region with content the model finds plausible next
 * to the rest (RePaint). The region is a mask image (non-zero = fill), named by its title, or,
 * when no mask is given, the image's selection. Pixels outside it come back unchanged. Macro:
 * {@code run("Inpaint", "model=fashion-mnist mask=[hole mask] steps=50 jumps=5 jump_length=5 seed=1");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Inpaint", headless = true)
public class InpaintCommand extends ImageCommand {

	@Parameter(persist = false, label = "Mask image", required = false,
		description = "Title of an open image, non-zero where to fill; empty = use the selection")
	private String mask = "";

	@Parameter(persist = false, label = "Steps", min = "1")
	private int steps = 50;

	@Parameter(persist = false, label = "Resampling jumps", description = "How often each stretch is resampled (1 = none)", min = "1")
	private int jumps = 5;

	@Parameter(persist = false, label = "Jump length", min = "1")
	private int jump_length = 5;

	@Parameter(persist = false, label = "Seed")
	private long seed = 1;

	private float[][] maskPlanes;

	@Override
	protected String taskName() {
		return "Inpaint";
	}

	@Override
	protected String suffix() {
		return "inpainted";
	}

	@Override
	protected void validate(final DiffusionModel m) {
		Inpaint.with(m).steps(steps).jumps(jumps).jumpLength(jump_length).validate();
		maskPlanes = masks();
	}

	/** One mask per slice: from the mask image (one slice or one per slice) or from the selection. */
	private float[][] masks() {
		final int w = image.getWidth(), h = image.getHeight(), n = image.getStackSize();
		ImagePlus mi = null;
		if (mask != null && !mask.trim().isEmpty()) {
			mi = WindowManager.getImage(mask.trim());
			if (mi == null) throw new IllegalArgumentException("No open image called '" + mask.trim() +
				"' to use as mask; give the title of a mask image (non-zero = fill) or leave mask empty to use the selection");
		}
		if (mi != null) {
			if (mi.getWidth() != w || mi.getHeight() != h) throw new IllegalArgumentException("mask '" + mi.getTitle() +
				"' is " + mi.getWidth() + "x" + mi.getHeight() + " but the image is " + w + "x" + h +
				"; the mask must be the same size");
			if (mi.getStackSize() != 1 && mi.getStackSize() != n) throw new IllegalArgumentException("mask '" +
				mi.getTitle() + "' has " + mi.getStackSize() + " slices; give one slice or one per image slice (" + n + ")");
			final float[][] mp = ImagePlanes.planes(mi);
			final float[][] out = new float[n][];
			for (int z = 0; z < n; z++)
				out[z] = mp[mp.length == 1 ? 0 : z];
			return out;
		}
		final Roi roi = image.getRoi();
		if (roi == null || !roi.isArea()) throw new IllegalArgumentException("Nothing to fill: draw an area selection " +
			"on the image or give a mask image (mask=title, non-zero = fill)");
		final float[] p = new float[w * h];
		final ImageProcessor rm = roi.getMask();
		final java.awt.Rectangle b = roi.getBounds();
		for (int y = Math.max(0, b.y); y < Math.min(h, b.y + b.height); y++)
			for (int x = Math.max(0, b.x); x < Math.min(w, b.x + b.width); x++)
				if (rm == null || rm.get(x - b.x, y - b.y) != 0) p[y * w + x] = 1;
		final float[][] out = new float[n][];
		for (int z = 0; z < n; z++)
			out[z] = p;
		return out;
	}

	@Override
	protected float[] process(final DiffusionModel m, final float[] plane, final int w, final int h, final int slice,
		final int batch, final ValueMap values, final Monitor monitor)
	{
		return Inpaint.with(m).values(values).steps(steps).jumps(jumps).jumpLength(jump_length).seed(seed + slice).tileBatch(batch).run(plane,
			maskPlanes[slice], w, h, monitor);
	}

	/** Outside the mask, the source's own values, bit for bit (not mapped there and back). */
	@Override
	protected float[] finish(final int slice, final float[] original, final float[] out) {
		for (int i = 0; i < out.length; i++)
			if (maskPlanes[slice][i] == 0) out[i] = original[i];
		return out;
	}
}
