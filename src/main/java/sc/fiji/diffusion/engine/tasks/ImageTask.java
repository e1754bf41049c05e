package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tiling.Canvas;
import sc.fiji.diffusion.engine.tiling.TiledDenoiser;

/**
 * What the tasks on a user's image share: one-channel planes of any size in the data's units,
 * mapped into the model range, padded to at least one tile, processed as overlapping tiles
 * that the sampler sees as one image, cropped and mapped back.
 */
abstract class ImageTask<T extends ImageTask<T>> {

	protected final DiffusionModel model;
	protected long seed = 0;
	protected int overlap = -1;
	protected int tileBatch = 16;

	ImageTask(final DiffusionModel model) {
		this.model = model;
		if (model.descriptor().channels() != 1) throw new IllegalArgumentException("Model '" + model.descriptor().name() +
			"' has " + model.descriptor().channels() + " channels; the image tasks handle one-channel models");
	}

	@SuppressWarnings("unchecked")
	private T self() {
		return (T) this;
	}

	public T seed(final long s) { seed = s; return self(); }
	/** Overlap of neighbouring tiles in pixels (default: a quarter of the tile). */
	public T overlap(final int o) { overlap = o; return self(); }
	/** Tiles per network call. */
	public T tileBatch(final int b) { tileBatch = b; return self(); }

	protected int tile() {
		return Math.min(model.descriptor().height(), model.descriptor().width());
	}

	protected int effectiveOverlap() {
		return overlap >= 0 ? overlap : tile() / 4;
	}

	/** Data units → model range, padded onto the canvas, as [1, 1, H, W]. */
	protected NDArray toModel(final NDManager m, final Canvas c, final float[] plane) {
		final ModelDescriptor d = model.descriptor();
		final float[] padded = c.pad(plane);
		final float scale = (float) d.scale(), offset = (float) d.offset();
		for (int i = 0; i < padded.length; i++)
			padded[i] = padded[i] * scale + offset;
		return m.create(padded, new Shape(1, 1, c.canvasHeight, c.canvasWidth));
	}

	/** Model range → data units, cropped to the image. */
	protected float[] fromModel(final Canvas c, final NDArray x) {
		final ModelDescriptor d = model.descriptor();
		final float[] out = c.crop(x.toFloatArray());
		final double scale = d.scale(), offset = d.offset();
		for (int i = 0; i < out.length; i++)
			out[i] = (float) ((out[i] - offset) / scale);
		return out;
	}

	/** The whole-canvas denoiser: tiles when the canvas is larger than one tile. */
	protected Denoiser tiled(final Denoiser tileModel, final Canvas c, final Monitor monitor, final NDManager m) {
		if (c.canvasWidth == tile() && c.canvasHeight == tile()) return tileModel;
		return new TiledDenoiser(tileModel, c.canvasHeight, c.canvasWidth, tile(), effectiveOverlap(), tileBatch, monitor,
			m);
	}

	static void checkPlane(final float[] plane, final int w, final int h, final String what) {
		if (w < 1 || h < 1) throw new IllegalArgumentException(what + " must be at least 1x1, was " + w + "x" + h);
		if (plane.length != (long) w * h) throw new IllegalArgumentException(what + " has " + plane.length +
			" pixels, expected " + w + "x" + h);
		for (final float v : plane)
			if (!Float.isFinite(v)) throw new IllegalArgumentException(what +
				" contains NaN or infinite pixels; replace them first (e.g. Process › Math › Remove NaNs)");
	}
}
