package sc.fiji.diffusion.engine.tiling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;
import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.Monitor;

/**
 * Runs a denoiser on an image of any size ≥ the tile size by overlapping tiles: the image
 * [1, C, H, W] is cut into tiles of {@code tile × tile} at a stride of {@code tile − overlap}
 * (the last row/column aligned to the edge), the network predicts ε for batches of tiles, and
 * the predictions are blended with weights that ramp linearly across each overlap:
 * ε(p) = Σ_k w_k(p) ε_k(p) / Σ_k w_k(p). The sampler then works on the whole image as one
 * sample, so every pixel follows one noise path and tiles cannot disagree (no seams).
 */
public final class TiledDenoiser implements Denoiser {

	private final Denoiser tileModel;
	private final int tile, batch;
	private final int[] ys, xs;
	private final NDArray weight;
	private final NDArray weightSum;
	private final int height, width;
	private final Monitor monitor;

	/**
	 * @param tileModel predicts ε for a batch of tiles [N, C, tile, tile]
	 * @param height image height (≥ tile)
	 * @param width image width (≥ tile)
	 * @param batch tiles per network call
	 * @param monitor told after each batch of tiles and checked for cancel, so a large image
	 *          shows progress within a step and stops quickly
	 * @param manager holds the blending weights for the whole run (created once, not per step)
	 */
	public TiledDenoiser(final Denoiser tileModel, final int height, final int width, final int tile, final int overlap,
		final int batch, final Monitor monitor, final NDManager manager)
	{
		if (height < tile || width < tile) throw new IllegalArgumentException("image " + width + "x" + height +
			" is smaller than a tile (" + tile + "); pad it first");
		if (overlap < 0 || overlap >= tile) throw new IllegalArgumentException("overlap must be in [0, " + (tile - 1) +
			"], was " + overlap);
		this.tileModel = tileModel;
		this.tile = tile;
		this.batch = Math.max(1, batch);
		this.height = height;
		this.width = width;
		this.monitor = monitor;
		this.ys = positions(height, tile, tile - overlap);
		this.xs = positions(width, tile, tile - overlap);
		final float[] w = new float[tile * tile];
		for (int y = 0; y < tile; y++)
			for (int x = 0; x < tile; x++)
				w[y * tile + x] = ramp(y, tile, overlap) * ramp(x, tile, overlap);
		final float[] sum = new float[height * width];
		for (final int y0 : ys)
			for (final int x0 : xs)
				for (int y = 0; y < tile; y++)
					for (int x = 0; x < tile; x++)
						sum[(y0 + y) * width + x0 + x] += w[y * tile + x];
		weight = manager.create(w, new Shape(1, 1, tile, tile));
		weightSum = manager.create(sum, new Shape(1, 1, height, width));
	}

	/** Tile origins 0, stride, 2·stride, … with the last one flush with the edge. */
	static int[] positions(final int size, final int tile, final int stride) {
		final List<Integer> p = new ArrayList<>();
		for (int v = 0; v + tile < size; v += stride)
			p.add(v);
		p.add(size - tile);
		return p.stream().mapToInt(Integer::intValue).distinct().toArray();
	}

	private static float ramp(final int i, final int tile, final int overlap) {
		if (overlap == 0) return 1;
		return Math.min(1f, Math.min((i + 0.5f) / overlap, (tile - i - 0.5f) / overlap));
	}

	public int tileCount() {
		return ys.length * xs.length;
	}

	@Override
	public NDArray eps(final NDArray x, final double t) {
		final Shape s = x.getShape();
		if (s.get(0) != 1 || s.get(2) != height || s.get(3) != width) throw new IllegalArgumentException(
			"expected [1, C, " + height + ", " + width + "], got " + s);
		if (ys.length == 1 && xs.length == 1) return tileModel.eps(x, t);
		final NDManager m = x.getManager();
		final int c = (int) s.get(1);
		final NDArray acc = m.zeros(s);
		final int n = tileCount();
		final List<NDIndex> where = new ArrayList<>();
		for (final int y0 : ys)
			for (final int x0 : xs)
				where.add(new NDIndex(":, :, {}:{}, {}:{}", y0, y0 + tile, x0, x0 + tile));
		for (int k0 = 0; k0 < n; k0 += batch) {
			final int k1 = Math.min(n, k0 + batch);
			try (NDManager sub = m.newSubManager()) {
				final NDList tiles = new NDList();
				for (int k = k0; k < k1; k++) {
					final NDArray tk = x.get(where.get(k));
					tk.attach(sub);
					tiles.add(tk);
				}
				final NDArray in = NDArrays.concat(tiles, 0);
				final NDArray eps = tileModel.eps(in, t).mul(weight);
				for (int k = k0; k < k1; k++) {
					final NDIndex idx = where.get(k);
					final NDArray cur = acc.get(idx);
					cur.attach(sub);
					acc.set(idx, cur.add(eps.get(k - k0).reshape(1, c, tile, tile)));
				}
			}
			monitor.checkCanceled();
			if (n > batch) monitor.progress("tile", k1, n);
		}
		return acc.divi(weightSum);
	}
}
