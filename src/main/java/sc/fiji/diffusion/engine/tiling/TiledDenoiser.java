package sc.fiji.diffusion.engine.tiling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.Monitor;

/**
 * Runs a denoiser on an image of any size ≥ the tile size by the overlapping tiles of a
 * {@link TileGrid}: x [1, C, d_1 … d_n] is cut into tiles, the network predicts ε for batches
 * of tiles, and the predictions are blended (see {@link TileGrid}). The sampler then works on
 * the whole image as one sample, so every pixel follows one noise path and tiles cannot
 * disagree (no seams).
 * <p>
 * The array may also be a region of a larger image (a block plus its halo, for distributed
 * runs): {@code regionMin} says where it sits in the grid's global coordinates. Then only the
 * tiles that overlap the block's core and lie wholly inside the region are run, and the
 * prediction is exact on the core (elsewhere it is defined but partial).
 */
public final class TiledDenoiser implements Denoiser {

	/**
	 * Pixels per network call beyond which batching more tiles stops paying and starts costing:
	 * on this project's CPU a 2048² Denoise with the 704² tiles of {@code grayscale} takes 4.4–5 s
	 * at one tile per call and 8.2–9.3 s at nine (activations of several large tiles no longer
	 * fit in cache). Small tiles (the 32² of {@code fashion-mnist}) still go up to the batch.
	 */
	public static final long MAX_PIXELS_PER_CALL = 1L << 18;

	private final Denoiser tileModel;
	private final TileGrid grid;
	private final int batch;
	private final long[] regionMin, regionSize;
	private final int[] tiles;
	private final List<NDIndex> where = new ArrayList<>();
	private final NDArray weight, weightSum;
	private final Monitor monitor;

	/** Tiles over a whole image of the grid's size. */
	public TiledDenoiser(final Denoiser tileModel, final TileGrid grid, final int batch, final Monitor monitor,
		final NDManager manager)
	{
		this(tileModel, grid, new long[grid.dimensions()], grid.size(), new long[grid.dimensions()], grid.size(), batch,
			monitor, manager);
	}

	/**
	 * Tiles over a region of the image.
	 *
	 * @param regionMin global origin of the arrays this denoiser will see
	 * @param regionSize their spatial size
	 * @param coreMin global origin of the part whose prediction must be exact
	 * @param coreSize its size; every tile overlapping it must lie inside the region
	 * @param batch tiles per network call at most (fewer for large tiles, see {@link #tilesPerCall})
	 * @param monitor told after each batch of tiles and checked for cancel
	 * @param manager holds the blending weights for the whole run (created once, not per step)
	 */
	public TiledDenoiser(final Denoiser tileModel, final TileGrid grid, final long[] regionMin, final long[] regionSize,
		final long[] coreMin, final long[] coreSize, final int batch, final Monitor monitor, final NDManager manager)
	{
		this.tileModel = tileModel;
		this.grid = grid;
		this.batch = tilesPerCall(grid, batch);
		this.regionMin = regionMin.clone();
		this.regionSize = regionSize.clone();
		this.monitor = monitor;
		final int n = grid.dimensions();
		final long[] coreMax = new long[n];
		for (int d = 0; d < n; d++)
			coreMax[d] = coreMin[d] + coreSize[d];
		tiles = grid.intersecting(coreMin, coreMax);
		final int[] t = grid.tile();
		for (final int k : tiles) {
			final long[] o = grid.origin(k);
			final StringBuilder spec = new StringBuilder(":, :");
			final Object[] args = new Object[2 * n];
			for (int d = 0; d < n; d++) {
				final long lo = o[d] - regionMin[d];
				if (lo < 0 || lo + t[d] > regionSize[d]) throw new IllegalArgumentException("tile at " + Arrays
					.toString(o) + " does not fit in the region; the halo must be at least one tile");
				spec.append(", {}:{}");
				args[2 * d] = lo;
				args[2 * d + 1] = lo + t[d];
			}
			where.add(new NDIndex(spec.toString(), args));
		}
		final long[] wShape = new long[n + 2], sShape = new long[n + 2];
		wShape[0] = wShape[1] = sShape[0] = sShape[1] = 1;
		for (int d = 0; d < n; d++) {
			wShape[d + 2] = t[d];
			sShape[d + 2] = regionSize[d];
		}
		weight = manager.create(grid.weights(), new Shape(wShape));
		final float[] sum = grid.weightSum(tiles, regionMin, regionSize);
		for (int i = 0; i < sum.length; i++)
			if (sum[i] == 0) sum[i] = 1; // pixels outside every tile (off the core): avoid 0/0
		weightSum = manager.create(sum, new Shape(sShape));
	}

	public TileGrid grid() {
		return grid;
	}

	@Override
	public NDArray eps(final NDArray x, final double t) {
		final Shape s = x.getShape();
		final int n = grid.dimensions();
		boolean ok = s.dimension() == n + 2 && s.get(0) == 1;
		for (int d = 0; ok && d < n; d++)
			ok = s.get(d + 2) == regionSize[d];
		if (!ok) throw new IllegalArgumentException("expected [1, C, " + Arrays.toString(regionSize) + "], got " +
			s);
		final boolean whole = tiles.length == 1 && Arrays.equals(grid.tile(), toInt(regionSize));
		if (whole) return tileModel.eps(x, t);
		final NDManager m = x.getManager();
		final NDArray acc = m.zeros(s);
		final long[] tileShape = new long[n + 2];
		tileShape[0] = 1;
		tileShape[1] = s.get(1);
		for (int d = 0; d < n; d++)
			tileShape[d + 2] = grid.tile()[d];
		final Shape one = new Shape(tileShape);
		for (int k0 = 0; k0 < tiles.length; k0 += batch) {
			final int k1 = Math.min(tiles.length, k0 + batch);
			try (NDManager sub = m.newSubManager()) {
				final NDList in = new NDList();
				for (int k = k0; k < k1; k++) {
					final NDArray tk = x.get(where.get(k));
					tk.attach(sub);
					in.add(tk);
				}
				final NDArray eps = tileModel.eps(in.size() == 1 ? in.get(0) : NDArrays.concat(in, 0), t).mul(weight);
				for (int k = k0; k < k1; k++) {
					final NDIndex idx = where.get(k);
					final NDArray cur = acc.get(idx);
					cur.attach(sub);
					acc.set(idx, cur.add(eps.get(k - k0).reshape(one)));
				}
			}
			monitor.checkCanceled();
			if (tiles.length > batch) monitor.progress("tile", k1, tiles.length);
		}
		return acc.divi(weightSum);
	}

	private static int[] toInt(final long[] a) {
		final int[] r = new int[a.length];
		for (int i = 0; i < a.length; i++)
			r[i] = (int) a[i];
		return r;
	}

	/** Tiles per network call: at most {@code batch}, and no more than {@link #MAX_PIXELS_PER_CALL} pixels (at least one tile). */
	public static int tilesPerCall(final TileGrid grid, final int batch) {
		long px = 1;
		for (final int t : grid.tile())
			px *= t;
		return (int) Math.max(1, Math.min(Math.max(1, batch), MAX_PIXELS_PER_CALL / px));
	}
}
