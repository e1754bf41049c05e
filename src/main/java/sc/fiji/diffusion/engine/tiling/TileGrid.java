package sc.fiji.diffusion.engine.tiling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Overlapping tiles over an n-dimensional image, in the image's global coordinates: along each
 * axis the tiles start at 0, stride, 2·stride, … with the last one flush with the far edge
 * (stride = tile − overlap). A prediction for the whole image blends the tiles' predictions with
 * weights that ramp linearly across each overlap (product over axes):
 * <pre>
 *   ε(p) = Σ_k w_k(p) ε_k(p) / Σ_k w_k(p),   w_k(p) = Π_d r(p_d − o_{k,d}),
 *   r(i) = min(1, (i + ½)/overlap, (tile − i − ½)/overlap)
 * </pre>
 * Because the grid is a function of the global image size alone, any part of the image (a
 * block of a distributed run) can compute exactly the same tiles as a run on the whole image.
 * Axes are ordered as in the arrays (… , y, x), the last varying fastest.
 */
public final class TileGrid {

	private final long[] size;
	private final int[] tile, overlap;
	private final long[][] origins;

	/** A grid with fixed tile sizes (≤ the image size on every axis). */
	public TileGrid(final long[] size, final int[] tile, final int[] overlap) {
		if (size.length != tile.length || size.length != overlap.length) throw new IllegalArgumentException(
			"size, tile and overlap need one entry per axis");
		this.size = size.clone();
		this.tile = tile.clone();
		this.overlap = overlap.clone();
		origins = new long[size.length][];
		for (int d = 0; d < size.length; d++) {
			if (size[d] < tile[d]) throw new IllegalArgumentException("axis " + d + ": image size " + size[d] +
				" is smaller than the tile (" + tile[d] + "); pad it first");
			if (overlap[d] < 0 || overlap[d] >= tile[d]) throw new IllegalArgumentException("overlap must be in [0, " +
				(tile[d] - 1) + "], was " + overlap[d]);
			origins[d] = positions(size[d], tile[d], tile[d] - overlap[d]);
		}
	}

	/**
	 * A grid whose tiles are as large as needed but at most about {@code maxTile}: per axis the
	 * fewest tiles n that cover the image with the given overlap, each of the same size, rounded
	 * up to a multiple of {@code multiple} (and never beyond the image). Spreads the work evenly
	 * instead of leaving a thin last tile.
	 */
	public static TileGrid fitted(final long[] size, final int[] maxTile, final int[] overlap, final int[] multiple) {
		final int[] t = new int[size.length], ov = overlap.clone();
		for (int d = 0; d < size.length; d++) {
			final int q = Math.max(1, multiple[d]);
			if (size[d] <= maxTile[d]) {
				// one tile spans the axis: an overlap wider than the image means nothing there
				t[d] = (int) size[d];
				ov[d] = Math.min(overlap[d], t[d] - 1);
				continue;
			}
			final long n = ceilDiv(size[d] - overlap[d], maxTile[d] - overlap[d]);
			final long even = ceilDiv(size[d] + (n - 1) * overlap[d], n);
			t[d] = (int) Math.min(size[d] / q * q, ceilDiv(even, q) * q);
		}
		return new TileGrid(size, t, ov);
	}

	private static long ceilDiv(final long a, final long b) {
		return (a + b - 1) / b;
	}

	/** Tile origins 0, stride, 2·stride, … with the last one flush with the edge. */
	public static long[] positions(final long size, final int tile, final int stride) {
		final List<Long> p = new ArrayList<>();
		for (long v = 0; v + tile < size; v += stride)
			p.add(v);
		p.add(size - tile);
		return p.stream().mapToLong(Long::longValue).distinct().toArray();
	}

	public int dimensions() {
		return size.length;
	}

	public long[] size() {
		return size.clone();
	}

	public int[] tile() {
		return tile.clone();
	}

	public int[] overlap() {
		return overlap.clone();
	}

	public int count() {
		int n = 1;
		for (final long[] o : origins)
			n *= o.length;
		return n;
	}

	/** Origin of tile k (row-major over the axes, the last fastest). */
	public long[] origin(final int k) {
		final long[] o = new long[size.length];
		int r = k;
		for (int d = size.length - 1; d >= 0; d--) {
			o[d] = origins[d][r % origins[d].length];
			r /= origins[d].length;
		}
		return o;
	}

	/** Indices of the tiles that overlap the box [min, max) (global coordinates). */
	public int[] intersecting(final long[] min, final long[] max) {
		final List<Integer> out = new ArrayList<>();
		for (int k = 0; k < count(); k++) {
			final long[] o = origin(k);
			boolean hit = true;
			for (int d = 0; d < size.length && hit; d++)
				hit = o[d] < max[d] && o[d] + tile[d] > min[d];
			if (hit) out.add(k);
		}
		return out.stream().mapToInt(Integer::intValue).toArray();
	}

	/** The blending weight at offset i of a tile along axis d. */
	public float ramp(final int d, final int i) {
		if (overlap[d] == 0) return 1;
		return Math.min(1f, Math.min((i + 0.5f) / overlap[d], (tile[d] - i - 0.5f) / overlap[d]));
	}

	/** The weights of one tile, flattened row-major. */
	public float[] weights() {
		final int n = (int) Arrays.stream(tile).asLongStream().reduce(1, (a, b) -> a * b);
		final float[] w = new float[n];
		final int[] idx = new int[tile.length];
		for (int i = 0; i < n; i++) {
			float v = 1;
			for (int d = 0; d < tile.length; d++)
				v *= ramp(d, idx[d]);
			w[i] = v;
			for (int d = tile.length - 1; d >= 0; d--) {
				if (++idx[d] < tile[d]) break;
				idx[d] = 0;
			}
		}
		return w;
	}

	/**
	 * Σ_k w_k over the box [min, min + extent) from the given tiles, flattened row-major: the
	 * normaliser of the blend. Pixels no listed tile covers get 0.
	 */
	public float[] weightSum(final int[] tiles, final long[] min, final long[] extent) {
		long n = 1;
		for (final long e : extent)
			n *= e;
		final float[] sum = new float[Math.toIntExact(n)];
		final int dims = size.length, last = dims - 1;
		final float[][] ramps = new float[dims][];
		for (int d = 0; d < dims; d++) {
			ramps[d] = new float[tile[d]];
			for (int i = 0; i < tile[d]; i++)
				ramps[d][i] = ramp(d, i);
		}
		for (final int k : tiles) {
			// the tile's part inside the box, per axis: tile offsets [lo, hi)
			final long[] o = origin(k);
			final int[] lo = new int[dims], hi = new int[dims];
			boolean empty = false;
			for (int d = 0; d < dims; d++) {
				lo[d] = (int) Math.max(0, min[d] - o[d]);
				hi[d] = (int) Math.min(tile[d], min[d] + extent[d] - o[d]);
				empty |= lo[d] >= hi[d];
			}
			if (empty) continue;
			// the weight is a product of per-axis ramps (as weights() multiplies them, in the same order): the outer
			// axes' product once per row, the last axis in the inner loop
			final int[] idx = lo.clone();
			while (true) {
				float v = 1;
				long row = 0;
				for (int d = 0; d < last; d++) {
					v *= ramps[d][idx[d]];
					row = row * extent[d] + (o[d] + idx[d] - min[d]);
				}
				final int base = (int) (row * extent[last] + o[last] - min[last]);
				final float[] r = ramps[last];
				for (int i = lo[last]; i < hi[last]; i++)
					sum[base + i] += v * r[i];
				int d = last - 1;
				for (; d >= 0; d--) {
					if (++idx[d] < hi[d]) break;
					idx[d] = lo[d];
				}
				if (d < 0) break;
			}
		}
		return sum;
	}

	@Override
	public String toString() {
		return count() + " tile(s) of " + Arrays.toString(tile) + " px, overlap " + Arrays.toString(overlap) + " over " +
			Arrays.toString(size);
	}
}
