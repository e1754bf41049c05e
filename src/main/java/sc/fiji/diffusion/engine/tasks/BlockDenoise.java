package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.sampling.DdrmSampler;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.tiling.Canvas;
import sc.fiji.diffusion.engine.tiling.TileGrid;
import sc.fiji.diffusion.engine.tiling.TiledDenoiser;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * {@link Denoise} of one plane, computed block by block with the same numbers as on the whole
 * plane: the canvas, the tile grid and the noise are those of the whole plane (noise indexed by
 * the pixel's position on the whole canvas), so a block needs only its region — the block plus a
 * halo of one tile — to compute its part exactly. For {@code output=mean} (one network call)
 * that is one pass over the blocks; for {@code output=sample} every reverse step is one pass: a
 * block reads the previous state in its region and writes the new state of its core, so the
 * blocks of a step can run anywhere (a cluster) and the result does not depend on the block layout.
 * <p>
 * Coordinates are canvas coordinates (… , y, x). The caller reads image values for a region
 * with {@link #readRegion}, which mirrors at the plane's edges as the canvas does.
 */
public final class BlockDenoise {

	private final DiffusionModel model;
	private final Denoise task;
	private final ValueMap values;
	private final Canvas canvas;
	private final TileGrid grid;
	private final double sigmaImage, sigmaModel;
	private final int tStar;
	private final int[] walk;
	private final long seed;
	private final int tileBatch;
	private final long[] imageSize;

	/**
	 * @param width, height the whole plane's size
	 * @param sigma noise σ in image units (> 0: a block cannot estimate it for the whole plane)
	 */
	public BlockDenoise(final DiffusionModel model, final ValueMap values, final int width, final int height,
		final double sigma, final String output, final int steps, final long seed, final int tileBatch)
	{
		if (!(sigma > 0)) throw new IllegalArgumentException("block-wise Denoise needs sigma > 0 (estimate it on the " +
			"whole image first)");
		this.model = model;
		this.values = values;
		this.seed = seed;
		this.tileBatch = tileBatch;
		this.imageSize = new long[] { height, width };
		task = Denoise.with(model).sigma(sigma).steps(steps).output(output).values(values).tileBatch(tileBatch);
		task.validate();
		canvas = task.canvas(new net.imglib2.FinalInterval(width, height));
		grid = task.grid(canvas);
		sigmaImage = sigma;
		sigmaModel = values.sigmaToModel(sigma);
		tStar = model.schedule().timestepForSigma(sigmaModel);
		walk = task.walk(task.sampler(null, sigmaModel), tStar);
	}

	public long[] canvasSize() {
		return canvas.size();
	}

	/** The widest tile: a block's region is its core grown by this on every side. */
	public int halo() {
		int h = 0;
		for (final int t : grid.tile())
			h = Math.max(h, t);
		return h;
	}

	public TileGrid grid() {
		return grid;
	}

	/** Moves of the reverse walk (1 for output=mean). */
	public int moves() {
		return walk.length - 1;
	}

	public double sigma() {
		return sigmaImage;
	}

	/** The region of a core: the core grown by the halo, within the canvas. Returns {min, size}. */
	public long[][] region(final long[] coreMin, final long[] coreSize) {
		final long[] size = canvas.size(), min = new long[2], ext = new long[2];
		for (int d = 0; d < 2; d++) {
			min[d] = Math.max(0, coreMin[d] - halo());
			final long max = Math.min(size[d], coreMin[d] + coreSize[d] + halo());
			ext[d] = max - min[d];
		}
		return new long[][] { min, ext };
	}

	/** Reads canvas box [min, min+size) of the plane through {@code source} (image units), mirrored at the edges. */
	public float[] readRegion(final PlaneSource source, final long[] min, final long[] size) {
		final long[] off = canvas.offset();
		final float[] out = new float[Math.toIntExact(size[0] * size[1])];
		// rows and columns of the image the box touches, read as one rectangle
		long iy0 = Long.MAX_VALUE, iy1 = -1, ix0 = Long.MAX_VALUE, ix1 = -1;
		for (long y = min[0]; y < min[0] + size[0]; y++) {
			final long sy = Canvas.fold(y - off[0], imageSize[0]);
			iy0 = Math.min(iy0, sy);
			iy1 = Math.max(iy1, sy);
		}
		for (long x = min[1]; x < min[1] + size[1]; x++) {
			final long sx = Canvas.fold(x - off[1], imageSize[1]);
			ix0 = Math.min(ix0, sx);
			ix1 = Math.max(ix1, sx);
		}
		final int rh = (int) (iy1 - iy0 + 1), rw = (int) (ix1 - ix0 + 1);
		final float[] rect = source.read(iy0, ix0, rh, rw);
		for (int y = 0; y < size[0]; y++) {
			final long sy = Canvas.fold(min[0] + y - off[0], imageSize[0]) - iy0;
			for (int x = 0; x < size[1]; x++) {
				final long sx = Canvas.fold(min[1] + x - off[1], imageSize[1]) - ix0;
				out[(int) (y * size[1] + x)] = rect[(int) (sy * rw + sx)];
			}
		}
		return out;
	}

	/** Image pixels, read as a rectangle (image coordinates). */
	@FunctionalInterface
	public interface PlaneSource {

		float[] read(long y, long x, int height, int width);
	}

	/**
	 * The observation in model units for a region: y = v·scale + offset (as the whole-plane task
	 * maps it).
	 */
	public float[] toModel(final float[] imageUnits) {
		return values.toModel(imageUnits);
	}

	/** The start of the walk on a core: x = √ᾱ_t* · y (model units). */
	public float[] start(final float[] yCore) {
		final float a = (float) Math.sqrt(model.schedule().alphaBar(tStar));
		final float[] x = new float[yCore.length];
		for (int i = 0; i < x.length; i++)
			x[i] = yCore[i] * a;
		return x;
	}

	/**
	 * Move {@code move} of the walk on one block: ε from the tiles over the region's state, then
	 * the DDRM update of the core, with the noise of the whole canvas at the core's pixels.
	 *
	 * @param stateRegion the state at the move's start over the region (model units)
	 * @param yCore the observation over the core (model units)
	 * @return the state after the move over the core (model units; after the last move, x̂_0)
	 */
	public float[] move(final int move, final float[] stateRegion, final long[] regionMin, final long[] regionSize,
		final float[] yCore, final long[] coreMin, final long[] coreSize, final Monitor monitor)
	{
		final int from = walk[move], to = walk[move + 1];
		try (NDManager m = model.manager().newSubManager()) {
			final Shape rs = new Shape(1, 1, regionSize[0], regionSize[1]), cs = new Shape(1, 1, coreSize[0], coreSize[1]);
			final NDArray x = m.create(stateRegion, rs);
			// as Denoise: one call (output=mean) runs the model's one-step network where it has one for this level
			final DiffusionModel net = walk.length == 2 && !model.descriptor().isAdapted() ? model.oneStep(model.schedule()
				.sigma(from)) : model;
			final Denoiser tiles = new TiledDenoiser(GuidedDenoiser.uniform(net, -1, 0), grid, regionMin, regionSize, coreMin,
				coreSize, tileBatch, monitor, m);
			final NDArray eps = tiles.eps(x, from);
			final String idx = String.format(":, :, %d:%d, %d:%d", coreMin[0] - regionMin[0], coreMin[0] - regionMin[0] +
				coreSize[0], coreMin[1] - regionMin[1], coreMin[1] - regionMin[1] + coreSize[1]);
			final NDArray xCore = x.get(idx), epsCore = eps.get(idx);
			final NDArray y = m.create(yCore, cs);
			final DdrmSampler s = task.sampler(y, sigmaModel);
			final long[] canvasSize = canvas.size();
			final GaussianNoise noise = new GaussianNoise(seed);
			final NDArray next = s.step((z, t) -> epsCore, from, to, xCore, () -> {
				// draw 0 of this move, at the core's pixels' indices on the whole canvas
				final float[] zc = new float[Math.toIntExact(coreSize[0] * coreSize[1])];
				final long stream = ReverseProcess.stream(move, 0);
				for (int yy = 0; yy < coreSize[0]; yy++) {
					final float[] row = noise.floats(stream, (coreMin[0] + yy) * canvasSize[1] + coreMin[1], (int) coreSize[1]);
					System.arraycopy(row, 0, zc, (int) (yy * coreSize[1]), row.length);
				}
				return m.create(zc, cs);
			});
			return next.toFloatArray();
		}
	}

	/** Model units → image units, for the state after the last move; crops nothing (canvas coordinates). */
	public float[] toImage(final float[] modelUnits) {
		return values.fromModelInPlace(modelUnits.clone());
	}

	/** The canvas's offset of the image (the image's pixel (0, 0) is at this canvas position). */
	public long[] imageOffset() {
		return canvas.offset();
	}
}
