package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tiling.Canvas;
import sc.fiji.diffusion.engine.tiling.TileGrid;
import sc.fiji.diffusion.engine.tiling.TiledDenoiser;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * What the tasks on a user's image share: one-channel planes of any size in the image's own
 * units, mapped into the model's units by one {@link ValueMap}, padded onto a canvas the network
 * accepts, processed as overlapping tiles that the sampler sees as one image, cropped and mapped
 * back.
 */
abstract class ImageTask<T extends ImageTask<T>> {

	protected final DiffusionModel model;
	protected long seed = 0;
	protected int overlap = -1;
	protected int tileBatch = 16;
	private ValueMap values;

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
	/** Overlap of neighbouring tiles in pixels (default: the model's, a quarter of a fixed-size model's tile). */
	public T overlap(final int o) { overlap = o; return self(); }
	/** Tiles per network call. */
	public T tileBatch(final int b) { tileBatch = b; return self(); }
	/** How the image's values map into the model's (default: they are in the model's data units). */
	public T values(final ValueMap v) { values = v; return self(); }

	protected ValueMap values() {
		return values != null ? values : ValueMap.data(model.descriptor());
	}

	/** The canvas for a w × h plane: at least the network's minimum size, in sizes it accepts. */
	public Canvas canvas(final int w, final int h) {
		final ModelDescriptor d = model.descriptor();
		return new Canvas(w, h, d.minSize(), d.sizeMultiple());
	}

	/** Image units → model units, padded onto the canvas, as [1, 1, … canvas]. */
	protected NDArray toModel(final NDManager m, final Canvas c, final float[] plane) {
		final long[] size = c.size();
		final long[] shape = new long[size.length + 2];
		shape[0] = shape[1] = 1;
		System.arraycopy(size, 0, shape, 2, size.length);
		return m.create(c.pad(values().toModel(plane)), new Shape(shape));
	}

	/** Model units → image units, cropped to the image. */
	protected float[] fromModel(final Canvas c, final NDArray x) {
		return values().fromModelInPlace(c.crop(x.toFloatArray()).clone());
	}

	/**
	 * The tiles over a canvas: a fixed-size model's own size at fixed strides; a fully
	 * convolutional model's tiles as large as its descriptor allows, spread evenly.
	 */
	public TileGrid grid(final Canvas c) {
		final ModelDescriptor d = model.descriptor();
		final int[] o = d.overlap();
		if (overlap >= 0) java.util.Arrays.fill(o, overlap);
		if (!d.isResizable()) return new TileGrid(c.size(), d.tile(), o);
		return TileGrid.fitted(c.size(), d.tile(), o, d.sizeMultiple());
	}

	/** The whole-canvas denoiser: tiles when the canvas is larger than one tile. */
	protected Denoiser tiled(final Denoiser tileModel, final Canvas c, final Monitor monitor, final NDManager m) {
		final TileGrid g = grid(c);
		if (g.count() == 1) return tileModel;
		return new TiledDenoiser(tileModel, g, tileBatch, monitor, m);
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
