package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.function.Function;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.tiling.TileGrid;
import sc.fiji.diffusion.engine.tiling.TiledDenoiser;

/**
 * ε̂ of a volume [1, 1, Z, Y, X] from a 2-D prior: the weighted mean of the prior's predictions
 * on the volume's xy slices (one per z), xz slices (one per y) and yz slices (one per x):
 * <pre>
 *   ε̂(x_t) = Σ_o w_o · ε̂_o(x_t) / Σ_o w_o,   o ∈ {xy, xz, yz}
 * </pre>
 * Each orientation's ε̂_o is a score estimate of the volume under the assumption that its
 * slices in that orientation are images the prior knows; the mean of the scores is the score
 * of a mixture of experts, which keeps the single-step (Tweedie) estimate and every DDRM step
 * well scaled (a plain sum, the product of experts of TPDM, would overshoot in one step). The
 * weights say how far each orientation's pixels are from the square pixels the prior was
 * trained on (see {@code DenoisePipeline}): an anisotropic stack gets xz/yz weights near 0 and
 * is denoised slice by slice, only through the xy prior.
 */
final class VolumeDenoiser implements Denoiser {

	private final Denoiser net;
	private final long z, y, x;
	private final double[] w;
	private final double wSum;
	private final TileGrid[] grids = new TileGrid[3];
	/** Per orientation: the tiles of one slice when a slice is larger than a tile (weights made once per run). */
	private final TiledDenoiser[] tiled = new TiledDenoiser[3];
	private final int tileBatch;
	private final Monitor monitor;

	VolumeDenoiser(final DiffusionModel model, final long[] canvas, final double[] weights,
		final Function<long[], TileGrid> grid, final int tileBatch, final Monitor monitor, final NDManager manager)
	{
		if (canvas.length != 3) throw new IllegalArgumentException("a volume canvas has 3 axes (z, y, x)");
		if (weights.length != 3) throw new IllegalArgumentException("three orientation weights (xy, xz, yz)");
		double s = 0;
		for (final double v : weights) {
			if (!(v >= 0)) throw new IllegalArgumentException("orientation weights must be >= 0");
			s += v;
		}
		if (!(s > 0)) throw new IllegalArgumentException("at least one orientation needs a positive weight");
		this.net = GuidedDenoiser.uniform(model, -1, 0);
		this.z = canvas[0];
		this.y = canvas[1];
		this.x = canvas[2];
		this.w = weights.clone();
		this.wSum = s;
		grids[0] = grid.apply(new long[] { y, x });
		grids[1] = grid.apply(new long[] { z, x });
		grids[2] = grid.apply(new long[] { z, y });
		for (int o = 0; o < 3; o++)
			if (grids[o].count() > 1) tiled[o] = new TiledDenoiser(net, grids[o], tileBatch, Monitor.NONE, manager);
		this.tileBatch = tileBatch;
		this.monitor = monitor;
	}

	/** xy: slices along z;  xz: along y (the volume transposed to [Y, Z, X]);  yz: along x ([X, Z, Y]). */
	private static final int[][] TO = { { 0, 1, 2 }, { 1, 0, 2 }, { 2, 0, 1 } }, BACK = { { 0, 1, 2 }, { 1, 0, 2 }, { 1,
		2, 0 } };

	@Override
	public NDArray eps(final NDArray xt, final double t) {
		final NDArray v = xt.reshape(z, y, x);
		NDArray acc = null;
		for (int o = 0; o < 3; o++) {
			if (w[o] == 0) continue;
			final NDArray slices = o == 0 ? v : v.transpose(TO[o]);
			final NDArray e = slices(slices, t, grids[o], o).transpose(BACK[o]).mul((float) (w[o] / wSum));
			acc = acc == null ? e : acc.add(e);
		}
		return acc.reshape(xt.getShape());
	}

	/** ε̂ of every slice of [N, H, W], as [N, H, W]: batches of whole slices when one tile covers a slice. */
	private NDArray slices(final NDArray s, final double t, final TileGrid grid, final int o) {
		final long n = s.getShape().get(0), h = s.getShape().get(1), wd = s.getShape().get(2);
		final NDList out = new NDList();
		final TiledDenoiser tiles = tiled[o];
		final boolean oneTile = tiles == null;
		final int per = oneTile ? (int) Math.max(1, Math.min(Math.max(1, tileBatch), TiledDenoiser.MAX_PIXELS_PER_CALL /
			(h * wd))) : 1;
		for (long i = 0; i < n; i += per) {
			final long j = Math.min(n, i + per);
			final NDArray batch = s.get(i + ":" + j).reshape(new Shape(j - i, 1, h, wd));
			final NDArray e = oneTile ? net.eps(batch, t) : tiles.eps(batch, t);
			out.add(e.reshape(j - i, h, wd));
			monitor.checkCanceled();
		}
		monitor.progress("orientation", o + 1, 3);
		return out.size() == 1 ? out.get(0) : NDArrays.concat(out, 0);
	}
}
