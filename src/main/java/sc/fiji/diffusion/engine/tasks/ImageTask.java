package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

import net.imglib2.Cursor;
import net.imglib2.Interval;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.Parallel;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tiling.Canvas;
import sc.fiji.diffusion.engine.tiling.TileGrid;
import sc.fiji.diffusion.engine.tiling.TiledDenoiser;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * What the tasks on a user's image share: one-channel imglib2 images (2-D planes, or 3-D
 * volumes where a task says so) of any size in the image's own units, mapped into the model's
 * units by one {@link ValueMap}, padded onto a canvas the network accepts (mirrored with
 * {@code Views.extendMirrorDouble}), processed as overlapping tiles that the sampler sees as one
 * image, cropped and mapped back into a new image.
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

	/**
	 * The canvas for an image (x, y[, z]): at least the network's minimum size, in sizes it
	 * accepts; a volume's extra axis follows the rule of the network's x axis.
	 */
	public Canvas canvas(final Interval image) {
		final ModelDescriptor d = model.descriptor();
		final int n = image.numDimensions();
		final int[] min = d.minSize(), mult = d.sizeMultiple();
		if (n == min.length) return Canvas.of(image, min, mult);
		final int[] mn = new int[n], mu = new int[n];
		for (int k = 0; k < n; k++) {
			mn[k] = min[Math.max(0, k - (n - min.length))];
			mu[k] = mult[Math.max(0, k - (n - mult.length))];
		}
		return Canvas.of(image, mn, mu);
	}

	/** Image units → model units, padded onto the canvas, as [1, 1, … canvas]. */
	protected NDArray toModel(final NDManager m, final Canvas c, final RandomAccessibleInterval<? extends RealType<?>> image) {
		final long[] size = c.size();
		final long[] shape = new long[size.length + 2];
		shape[0] = shape[1] = 1;
		System.arraycopy(size, 0, shape, 2, size.length);
		final float[] px = c.pad(image);
		final float s = (float) values().scale(), o = (float) values().offset();
		Parallel.chunks(px.length, (from, to) -> {
			for (int i = from; i < to; i++)
				px[i] = px[i] * s + o;
		});
		return m.create(px, new Shape(shape));
	}

	/** Model units → image units, cropped to the image: a new image. */
	protected Img<FloatType> fromModel(final Canvas c, final NDArray x) {
		final Img<FloatType> out = c.cropImage(x.toFloatArray());
		final double s = values().scale(), o = values().offset();
		// on the backing array: the cursor's per-pixel calls cost more than the arithmetic
		final float[] px = Images.array(out);
		Parallel.chunks(px.length, (from, to) -> {
			for (int i = from; i < to; i++)
				px[i] = (float) ((px[i] - o) / s);
		});
		return out;
	}

	/**
	 * The tiles over a canvas: a fixed-size model's own size at fixed strides; a fully
	 * convolutional model's tiles as large as its descriptor allows, spread evenly.
	 */
	public TileGrid grid(final Canvas c) {
		return grid(c.size());
	}

	/** The tiles over a 2-D array of this size (… , y, x) that the network accepts. */
	TileGrid grid(final long[] size) {
		final ModelDescriptor d = model.descriptor();
		final int[] o = d.overlap();
		if (overlap >= 0) Arrays.fill(o, overlap);
		if (!d.isResizable()) return new TileGrid(size, d.tile(), o);
		return TileGrid.fitted(size, d.tile(), o, d.sizeMultiple());
	}

	/** The whole-canvas denoiser: tiles when the canvas is larger than one tile. */
	protected Denoiser tiled(final Denoiser tileModel, final Canvas c, final Monitor monitor, final NDManager m) {
		final TileGrid g = grid(c);
		if (g.count() == 1) return tileModel;
		return new TiledDenoiser(tileModel, g, tileBatch, monitor, m);
	}

	/** Refuses a plane of the wrong dimensionality or with NaN/infinite pixels. */
	static void checkImage(final RandomAccessibleInterval<? extends RealType<?>> image, final int dims, final String what) {
		if (image.numDimensions() != dims) throw new IllegalArgumentException(what + " must have " + dims + " axes, has " +
			image.numDimensions());
		final float[] backing = Images.backing(image);
		if (backing != null) {
			// a float array image (every plane Denoise hands over): its array, without a cursor
			for (final float v : backing)
				if (!Float.isFinite(v)) throw notFinite(what);
			return;
		}
		final Cursor<? extends RealType<?>> c = Views.iterable(image).cursor();
		while (c.hasNext())
			if (!Double.isFinite(c.next().getRealDouble())) throw notFinite(what);
	}

	private static IllegalArgumentException notFinite(final String what) {
		return new IllegalArgumentException(what + " contains NaN or infinite pixels; replace them first (e.g. Process › " +
			"Math › Remove NaNs)");
	}
}
