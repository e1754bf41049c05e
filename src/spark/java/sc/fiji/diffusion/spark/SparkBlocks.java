package sc.fiji.diffusion.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.noise.PoissonGaussian;
import sc.fiji.diffusion.engine.pipeline.DenoisePipeline;
import sc.fiji.diffusion.engine.pipeline.Seeds;
import sc.fiji.diffusion.engine.tasks.BlockDenoise;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * The work of one Spark task on one block: read its region (the block and a halo of one tile),
 * take it through the pipeline's plan (noise transform, value map), run the tiles of the whole
 * image's grid that touch it ({@link BlockDenoise}) and write its chunk. Everything here runs on
 * the executors.
 */
final class SparkBlocks {

	private SparkBlocks() {}

	/** Spatial output chunks of every plane (image coordinates). */
	static List<SparkDenoise.Block> imageBlocks(final OmeZarr in, final int block) {
		final List<SparkDenoise.Block> out = new ArrayList<>();
		for (long p = 0; p < in.planes(); p++)
			for (long y = 0; y < in.height(); y += block)
				for (long x = 0; x < in.width(); x += block)
					out.add(new SparkDenoise.Block(p, y, x, (int) Math.min(block, in.height() - y), (int) Math.min(block, in.width() - x), out
						.size()));
		return out;
	}

	/** The values at global indices g ≡ 0 (mod stride), g running over the planes in order, as the single-machine sample. */
	/**
	 * The block's share of the normalisation's sample, exactly as the single-machine pipeline takes
	 * it: the means of the k×k blocks aligned to the plane's origin (k = {@link DenoisePipeline#PERCENTILE_BLOCK};
	 * a block's box starts at a multiple of k), at global indices g ≡ 0 (mod stride), g running over the
	 * planes' block-mean arrays in order.
	 */
	static float[] sample(final OmeZarr in, final SparkDenoise.Block b, final long stride) throws IOException {
		final int k = DenoisePipeline.PERCENTILE_BLOCK;
		final long bw = in.width() / k, bh = in.height() / k;
		final float[] px = in.read(b.plane, b.y, b.x, b.h, b.w);
		final List<Float> out = new ArrayList<>();
		if (bw < 1 || bh < 1) throw new IllegalArgumentException("image smaller than " + k + " pixels on a side");
		final long y0 = b.y / k, y1 = Math.min(bh, (b.y + b.h) / k), x0 = b.x / k, x1 = Math.min(bw, (b.x + b.w) / k);
		for (long by = y0; by < y1; by++)
			for (long bx = x0; bx < x1; bx++) {
				final long g = b.plane * bw * bh + by * bw + bx;
				if (g % stride != 0) continue;
				double sum = 0;
				for (int y = 0; y < k; y++)
					for (int x = 0; x < k; x++)
						sum += px[(int) ((by * k + y - b.y) * b.w + bx * k + x - b.x)];
				out.add((float) (sum / (k * k)));
			}
		final float[] a = new float[out.size()];
		for (int i = 0; i < a.length; i++)
			a[i] = out.get(i);
		return a;
	}

	static BlockDenoise geometry(final SparkDenoise.Job job, final DiffusionModel m, final long plane) {
		return new BlockDenoise(m, ValueMap.of(job.scale, job.offset, ""), (int) job.in.width(), (int) job.in.height(),
			job.sigma[(int) plane], job.output, job.steps, Seeds.plane(job.seed, (int) plane), job.tileBatch);
	}

	/** Called before each block's work (tests inject failures here; null in real runs). */
	interface BlockHook {

		void before(String pass, int block) throws IOException;
	}

	static volatile BlockHook hook;

	static void beforeBlock(final SparkDenoise.Job job, final SparkDenoise.Block b) throws IOException {
		final BlockHook h = hook;
		if (h != null) h.before(job.tag + job.move, b.index);
	}

	static long[] chunkIndex(final OmeZarr in, final SparkDenoise.Block b, final int block) {
		final String ax = in.axes();
		final long[] idx = new long[ax.length()];
		final int z = ax.indexOf('z');
		if (z >= 0) idx[z] = b.plane;
		idx[idx.length - 2] = b.y / block;
		idx[idx.length - 1] = b.x / block;
		return idx;
	}

	/** A block's output, padded to a full chunk (Zarr stores edge chunks full size). */
	static float[] fullChunk(final float[] core, final SparkDenoise.Block b, final ZarrArray out) {
		final int[] c = out.chunks();
		final int ch = c[c.length - 2], cw = c[c.length - 1];
		if (b.h == ch && b.w == cw) return core;
		final float[] full = new float[ch * cw];
		for (int j = 0; j < b.h; j++)
			System.arraycopy(core, j * b.w, full, j * cw, b.w);
		return full;
	}

	static void meanBlock(final SparkDenoise.Job job, final ExecutorModels.Files0 files, final SparkDenoise.Block b) throws IOException {
		final long[] ci = chunkIndex(job.in, b, job.block);
		if (job.out.hasChunk(ci)) return; // complete from an earlier (interrupted) run
		// a plane of a few photons: this is its first pass, into the work array
		final boolean refined = job.refine != null && !Double.isNaN(job.refine[(int) b.plane]);
		if (refined && job.stateOut.hasChunk(workChunk(job.stateOut, b))) return;
		beforeBlock(job, b);
		final DiffusionModel m = ExecutorModels.get(files, job.device);
		final BlockDenoise bd = geometry(job, m, b.plane);
		final long[] off = bd.imageOffset();
		final long[] cMin = { b.y + off[0], b.x + off[1] }, cSize = { b.h, b.w };
		final long[][] reg = bd.region(cMin, cSize);
		final float[] yRegion = bd.toModel(job.plan.noise[(int) b.plane].forward(bd.readRegion((y, x, h, w) -> read(job.in,
			b.plane, y, x, h, w), reg[0], reg[1])));
		final float[] yCore = crop(yRegion, reg[1][1], cMin[0] - reg[0][0], cMin[1] - reg[0][1], b.h, b.w);
		final float[] x0 = bd.move(0, bd.start(yRegion), reg[0], reg[1], yCore, cMin, cSize, Monitor.NONE);
		final float[] result = job.plan.noise[(int) b.plane].inverse(bd.toImage(x0));
		if (refined) writeWork(job.stateOut, b, result);
		else job.out.writeChunk(ci, fullChunk(result, b, job.out));
	}

	/** A block's core into its chunk of a work array (plane, y, x; the block's coordinates), padded to the chunk. */
	private static void writeWork(final ZarrArray a, final SparkDenoise.Block b, final float[] core) throws IOException {
		final int[] c = a.chunks();
		final float[] full = new float[c[1] * c[2]];
		for (int j = 0; j < b.h; j++)
			System.arraycopy(core, j * b.w, full, j * c[2], b.w);
		a.writeChunk(workChunk(a, b), full);
	}

	/** The chunk of a work array (plane, y, x; the block's coordinates) that holds a block's core. */
	private static long[] workChunk(final ZarrArray a, final SparkDenoise.Block b) {
		final int[] c = a.chunks();
		return new long[] { b.plane, b.y / c[1], b.x / c[2] };
	}

	/**
	 * The second pass of a plane of a few photons (DenoisePipeline.mean): the block's region of
	 * λ·image + (1 − λ)·first result, transformed for the mixed camera, denoised at its σ with the
	 * value map scaled by λ, and back.
	 */
	static void refineBlock(final SparkDenoise.Job job, final ExecutorModels.Files0 files, final SparkDenoise.Block b) throws IOException {
		final long[] ci = chunkIndex(job.in, b, job.block);
		if (job.out.hasChunk(ci)) return;
		beforeBlock(job, b);
		final DiffusionModel m = ExecutorModels.get(files, job.device);
		final int p = (int) b.plane;
		final double lambda = job.refine[p];
		final PoissonGaussian mixed = ((PoissonGaussian) job.plan.noise[p]).mixed(lambda).withWorkingSigma(job.refineSigma[
			p]);
		final BlockDenoise bd = new BlockDenoise(m, ValueMap.of(job.scale * lambda, job.offset, ""), (int) job.in.width(),
			(int) job.in.height(), mixed.workingSigma(), job.output, job.steps, Seeds.plane(job.seed, p), job.tileBatch);
		final long[] off = bd.imageOffset();
		final long[] cMin = { b.y + off[0], b.x + off[1] }, cSize = { b.h, b.w };
		final long[][] reg = bd.region(cMin, cSize);
		final float[] raw = bd.readRegion((y, x, h, w) -> read(job.in, b.plane, y, x, h, w), reg[0], reg[1]);
		final float[] first = bd.readRegion((y, x, h, w) -> {
			try {
				return job.stateIn.read(new long[] { b.plane, y, x }, new int[] { 1, h, w });
			}
			catch (final IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		}, reg[0], reg[1]);
		final float[] yRegion = bd.toModel(mixed.forward(DenoisePipeline.mix(raw, first, lambda)));
		final float[] yCore = crop(yRegion, reg[1][1], cMin[0] - reg[0][0], cMin[1] - reg[0][1], b.h, b.w);
		final float[] x0 = bd.move(0, bd.start(yRegion), reg[0], reg[1], yCore, cMin, cSize, Monitor.NONE);
		job.out.writeChunk(ci, fullChunk(mixed.inverse(bd.toImage(x0)), b, job.out));
	}

	static void sampleMove(final SparkDenoise.Job job, final ExecutorModels.Files0 files, final SparkDenoise.Block b) throws IOException {
		if (job.stateOut.hasChunk(workChunk(job.stateOut, b))) return;
		beforeBlock(job, b);
		final DiffusionModel m = ExecutorModels.get(files, job.device);
		final BlockDenoise bd = geometry(job, m, b.plane);
		final long[] cMin = { b.y, b.x }, cSize = { b.h, b.w };
		final long[][] reg = bd.region(cMin, cSize);
		final float[] yRegion = bd.toModel(job.plan.noise[(int) b.plane].forward(bd.readRegion((y, x, h, w) -> read(job.in,
			b.plane, y, x, h, w), reg[0], reg[1])));
		final float[] state = job.move == 0 ? bd.start(yRegion) : job.stateIn.read(new long[] { b.plane, reg[0][0],
			reg[0][1] }, new int[] { 1, (int) reg[1][0], (int) reg[1][1] });
		final float[] yCore = crop(yRegion, reg[1][1], cMin[0] - reg[0][0], cMin[1] - reg[0][1], b.h, b.w);
		writeWork(job.stateOut, b, bd.move(job.move, state, reg[0], reg[1], yCore, cMin, cSize, Monitor.NONE));
	}

	static void finalBlock(final SparkDenoise.Job job, final ExecutorModels.Files0 files, final SparkDenoise.Block b) throws IOException {
		final long[] ci = chunkIndex(job.in, b, job.block);
		if (job.out.hasChunk(ci)) return;
		final DiffusionModel m = ExecutorModels.get(files, job.device);
		final BlockDenoise bd = geometry(job, m, b.plane);
		final long[] off = bd.imageOffset();
		final float[] x0 = job.stateIn.read(new long[] { b.plane, b.y + off[0], b.x + off[1] }, new int[] { 1, b.h, b.w });
		job.out.writeChunk(ci, fullChunk(job.plan.noise[(int) b.plane].inverse(bd.toImage(x0)), b, job.out));
	}

	static float[] read(final OmeZarr in, final long plane, final long y, final long x, final int h, final int w) {
		try {
			return in.read(plane, y, x, h, w);
		}
		catch (final IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	static float[] crop(final float[] a, final long width, final long y0, final long x0, final int h, final int w) {
		final float[] out = new float[h * w];
		for (int j = 0; j < h; j++)
			System.arraycopy(a, (int) ((y0 + j) * width + x0), out, j * w, w);
		return out;
	}
}
