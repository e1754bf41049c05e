package sc.fiji.diffusion.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.pipeline.DenoisePipeline;
import sc.fiji.diffusion.engine.pipeline.DenoiseSettings;
import sc.fiji.diffusion.engine.tasks.BlockDenoise;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.engine.values.ValueMap;
import sc.fiji.diffusion.models.Models;

/**
 * {@code spark --task denoise --in image.ome.zarr --out result.ome.zarr [--block 1024] [--master local[*]]
 * [the batch keys: --model --sigma --output --steps --seed --normalize --low --high] [--overwrite]
 * [--resume] [--compression none|gzip] [--tile-batch 4]}: Denoise of one big OME-Zarr image,
 * block by block, one Spark task per block.
 * <ul>
 * <li>The value map (normalize) is computed on the whole image first: the same every-n-th-pixel
 * sample the single-machine command sorts, gathered from the blocks.</li>
 * <li>output=mean is one pass: a task reads its block plus one tile of halo, runs the tiles of
 * the whole image's grid that touch the block, and writes the block's output chunk.
 * output=sample is one pass per reverse step over a scratch state (in the output's
 * .diffusion-work folder), then one pass that writes the output.</li>
 * <li>Chunks are written under a temporary name and renamed; {@code --resume} skips chunks (and
 * steps) already complete. Spark recomputes a failed task; a re-run task writes the same values.</li>
 * </ul>
 */
public final class SparkDenoise {

	private SparkDenoise() {}

	/** What every task needs; small, sent with each task. */
	static final class Job implements Serializable {

		private static final long serialVersionUID = 1L;
		OmeZarr in;
		ZarrArray out, stateIn, stateOut;
		int block, steps, tileBatch;
		long seed;
		/** The pipeline's plan: each plane's noise model (image ↔ working units) and the value map. */
		DenoisePipeline.Plan plan;
		double[] sigma; // per plane, working units
		String output, device;
		double scale, offset;
		int move = -1;
		String tag = "";
	}

	/** One block: plane and box in the coordinates the pass uses (image or canvas). */
	static final class Block implements Serializable {

		private static final long serialVersionUID = 1L;
		final long plane, y, x;
		final int h, w, index;

		Block(final long plane, final long y, final long x, final int h, final int w, final int index) {
			this.plane = plane;
			this.y = y;
			this.x = x;
			this.h = h;
			this.w = w;
			this.index = index;
		}
	}

	public static void main(final Map<String, String> o) throws Exception {
		final String task = o.getOrDefault("task", "denoise");
		if (!task.equalsIgnoreCase("denoise")) throw new IllegalArgumentException("spark runs --task denoise; inpaint and " +
			"edit are not available block-wise (use batch for them)");
		if (!o.containsKey("in") || !o.containsKey("out")) throw new IllegalArgumentException(
			"--in IMAGE.ome.zarr and --out RESULT.ome.zarr are required");
		final Path inPath = Paths.get(o.get("in")), outPath = Paths.get(o.get("out"));
		// every check before Spark starts
		final OmeZarr in = OmeZarr.open(inPath);
		final boolean overwrite = Boolean.parseBoolean(o.getOrDefault("overwrite", "false")), resume = Boolean.parseBoolean(o
			.getOrDefault("resume", "false"));
		if (Files.exists(outPath) && !overwrite && !resume) throw new IllegalArgumentException("the output " + outPath +
			" exists: give --overwrite true to replace it, or --resume true to complete an interrupted run");
		final Path modelDir = Models.resolve(o.getOrDefault("model", Models.DEFAULT_IMAGE));
		final ModelDescriptor md = ModelDescriptor.read(modelDir);
		final int block = Integer.parseInt(o.getOrDefault("block", "1024"));
		if (block < 16) throw new IllegalArgumentException("--block must be at least 16, was " + block);
		final Normalization norm = Normalization.parse(o.get("normalize"), number(o, "low", "0.5"), number(o, "high",
			"99.5"));
		final DenoiseSettings settings = DenoiseSettings.builder().noise(NoiseSettings.parse(o.get("noise"), number(o,
			"sigma", "0"), number(o, "gain", "0"), NoiseSettings.parseOffset(o.get("offset")))).normalization(norm).output(o
				.getOrDefault("output", "mean")).steps(integer(o, "steps", "20")).seed((long) number(o, "seed", "1")).build();
		if (settings.output().equals("std")) throw new IllegalArgumentException("spark runs output=mean or output=sample; " +
			"output=std needs many samples per plane (use batch)");
		final Job job = new Job();
		job.in = in;
		job.block = block;
		job.output = settings.output();
		job.steps = settings.steps();
		job.seed = settings.seed();
		job.tileBatch = integer(o, "tile-batch", "4");
		job.device = o.getOrDefault("device", "auto");
		md.schedule().checkSteps(job.steps);
		// the output's folder must take files before any pixel is read
		final Path parent = outPath.toAbsolutePath().getParent();
		if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent) || (Files.exists(outPath) && !Files
			.isWritable(outPath))) throw new IllegalArgumentException("cannot write the output " + outPath + ": " + (parent ==
				null || !Files.isDirectory(parent) ? "its folder does not exist" : "no write permission"));
		if (overwrite && Files.exists(outPath) && !resume) deleteTree(outPath);

		final SparkConf conf = new SparkConf().setAppName("Diffusion for Fiji: denoise " + inPath.getFileName());
		if (o.containsKey("master")) conf.setMaster(o.get("master"));
		else if (!conf.contains("spark.master")) conf.setMaster("local[*,4]"); // local mode: 4 attempts per task
		conf.set("spark.ui.showConsoleProgress", "false");
		if (o.containsKey("ui")) conf.set("spark.ui.enabled", o.get("ui"));
		final int parallel = parallelism(conf.get("spark.master"));
		// PyTorch threads per task: the cores shared out among the tasks that run at once (local mode)
		if (System.getProperty("ai.djl.pytorch.num_threads") == null) System.setProperty("ai.djl.pytorch.num_threads",
			String.valueOf(Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, parallel))));
		final long t0 = System.nanoTime();
		try (JavaSparkContext sc = new JavaSparkContext(conf)) {
			sc.setLogLevel(o.getOrDefault("log", "WARN"));
			final Progress progress = new Progress();
			sc.sc().addSparkListener(progress);
			final Broadcast<ExecutorModels.Files0> model = sc.broadcast(ExecutorModels.pack(modelDir));
			System.out.println(String.format(Locale.ROOT, "spark denoise: %s (%s, %s) -> %s; model '%s' (%.1f MB, broadcast " +
				"once); blocks of %d px; master %s", inPath, in.axes(), in.level0().dtype(), outPath, md.name(), model.value()
					.bytes() / 1e6, block, conf.get("spark.master")));

			// 1. the pipeline's plan: noise model from the central 2048² of each plane, one value map for
			// the whole image from the same every-n-th-pixel sample the single-machine run takes
			final long pixels = in.planes() * in.height() * in.width();
			final int bits = in.level0().bitDepth();
			final int eh = (int) Math.min(2048, in.height()), ew = (int) Math.min(2048, in.width());
			final float[][] centre = new float[(int) in.planes()][];
			for (int p = 0; p < centre.length; p++)
				centre[p] = in.read(p, (in.height() - eh) / 2, (in.width() - ew) / 2, eh, ew);
			final Monitor say = new Monitor() {

				@Override
				public void progress(final String what, final int done, final int total) {}

				@Override
				public boolean isCanceled() {
					return false;
				}

				@Override
				public void log(final String message) {
					System.out.println("spark " + message.substring(0, 1).toLowerCase(Locale.ROOT) + message.substring(1));
				}
			};
			job.plan = DenoisePipeline.plan(md, centre, ew, bits, settings, (lo, hi) -> {
				final long stride = Normalization.stride(pixels);
				final List<Block> boxes = imageBlocks(in, block);
				progress.start("normalize (percentiles)", boxes.size());
				final List<float[]> parts = sc.parallelize(boxes, boxes.size()).map(b -> sample(in, b, stride)).collect();
				final int n = parts.stream().mapToInt(p -> p.length).sum();
				final float[] all = new float[n];
				int k = 0;
				for (final float[] p : parts) {
					System.arraycopy(p, 0, all, k, p.length);
					k += p.length;
				}
				return Normalization.percentiles(new float[][] { all }, lo, hi);
			}, say, "");
			final ValueMap values = job.plan.values();
			job.scale = values.scale();
			job.offset = values.offset();
			job.sigma = new double[(int) in.planes()];
			for (int p = 0; p < job.sigma.length; p++)
				job.sigma[p] = job.plan.noise[p].workingSigma();
			if (job.output.equals("sample") && job.sigma.length > 1) {
				// every plane walks the same steps: one σ for the stack (the median of the planes')
				final double[] sorted = job.sigma.clone();
				java.util.Arrays.sort(sorted);
				java.util.Arrays.fill(job.sigma, sorted[sorted.length / 2]);
			}

			// 3. the passes
			job.out = Files.exists(outPath.resolve("0").resolve(".zarray")) ? ZarrArray.open(outPath.resolve("0")) : in
				.createOutput(outPath, block, o.getOrDefault("compression", "none"), inPath.getFileName() + " denoised");
			final List<Block> outBlocks = imageBlocks(in, block);
			final DiffusionModel local = ExecutorModels.get(model.value(), job.device);
			final BlockDenoise geometry = new BlockDenoise(local, ValueMap.of(job.scale, job.offset, ""), (int) in.width(),
				(int) in.height(), job.sigma[0], job.output, job.steps, job.seed, job.tileBatch);
			if (job.output.equals("mean")) {
				progress.start("denoise", outBlocks.size());
				sc.parallelize(outBlocks, outBlocks.size()).foreach(b -> meanBlock(job, model.value(), b));
			}
			else {
				final Path work = outPath.resolve(".diffusion-work");
				final long[] cs = geometry.canvasSize();
				final List<Block> canvasBlocks = new ArrayList<>();
				for (long p = 0; p < in.planes(); p++)
					for (long y = 0; y < cs[0]; y += block)
						for (long x = 0; x < cs[1]; x += block)
							canvasBlocks.add(new Block(p, y, x, (int) Math.min(block, cs[0] - y), (int) Math.min(block, cs[1] - x),
								canvasBlocks.size()));
				final long[] stateShape = { in.planes(), cs[0], cs[1] };
				final int[] stateChunks = { 1, (int) Math.min(block, cs[0]), (int) Math.min(block, cs[1]) };
				for (int m = 0; m < geometry.moves(); m++) {
					final Path done = work.resolve("move-" + m + ".done");
					if (Files.exists(done)) {
						System.out.println("spark denoise: move " + (m + 1) + " already complete (resume)");
						continue;
					}
					job.move = m;
					job.stateIn = m == 0 ? null : ZarrArray.open(work.resolve("state-" + m));
					final Path outState = work.resolve("state-" + (m + 1));
					job.stateOut = Files.exists(outState.resolve(".zarray")) ? ZarrArray.open(outState) : ZarrArray.create(outState,
						stateShape, stateChunks, "none");
					progress.start("denoise move " + (m + 1) + "/" + geometry.moves(), canvasBlocks.size());
					sc.parallelize(canvasBlocks, canvasBlocks.size()).foreach(b -> sampleMove(job, model.value(), b));
					Files.write(done, new byte[0]);
					if (m >= 1) deleteTree(work.resolve("state-" + m)); // the state before this move is no longer needed
				}
				job.stateIn = ZarrArray.open(work.resolve("state-" + geometry.moves()));
				progress.start("write result", outBlocks.size());
				sc.parallelize(outBlocks, outBlocks.size()).foreach(b -> finalBlock(job, model.value(), b));
				if (!Boolean.parseBoolean(o.getOrDefault("keep-work", "false"))) deleteTree(work);
			}
			ExecutorModels.cleanUp();
			System.out.println(String.format(Locale.ROOT, "spark denoise: done in %.1f s (%d output chunks; peak RSS of " +
				"this JVM %d MB)", (System.nanoTime() - t0) / 1e9, outBlocks.size(), peakRssMb()));
		}
	}

	/** Spatial output chunks of every plane (image coordinates). */
	static List<Block> imageBlocks(final OmeZarr in, final int block) {
		final List<Block> out = new ArrayList<>();
		for (long p = 0; p < in.planes(); p++)
			for (long y = 0; y < in.height(); y += block)
				for (long x = 0; x < in.width(); x += block)
					out.add(new Block(p, y, x, (int) Math.min(block, in.height() - y), (int) Math.min(block, in.width() - x), out
						.size()));
		return out;
	}

	/** The values at global indices g ≡ 0 (mod stride), g running over the planes in order, as the single-machine sample. */
	static float[] sample(final OmeZarr in, final Block b, final long stride) throws IOException {
		final float[] px = in.read(b.plane, b.y, b.x, b.h, b.w);
		final List<Float> out = new ArrayList<>();
		final long planeSize = in.height() * in.width();
		for (int j = 0; j < b.h; j++) {
			final long g0 = b.plane * planeSize + (b.y + j) * in.width() + b.x;
			long first = (stride - g0 % stride) % stride;
			for (long i = first; i < b.w; i += stride)
				out.add(px[(int) (j * b.w + i)]);
		}
		final float[] a = new float[out.size()];
		for (int i = 0; i < a.length; i++)
			a[i] = out.get(i);
		return a;
	}

	private static BlockDenoise geometry(final Job job, final DiffusionModel m, final long plane) {
		return new BlockDenoise(m, ValueMap.of(job.scale, job.offset, ""), (int) job.in.width(), (int) job.in.height(),
			job.sigma[(int) plane], job.output, job.steps, job.seed + plane, job.tileBatch);
	}

	/** Called before each block's work (tests inject failures here; null in real runs). */
	interface BlockHook {

		void before(String pass, int block) throws IOException;
	}

	static volatile BlockHook hook;

	private static void beforeBlock(final Job job, final Block b) throws IOException {
		final BlockHook h = hook;
		if (h != null) h.before(job.tag + job.move, b.index);
	}

	private static long[] chunkIndex(final OmeZarr in, final Block b, final int block) {
		final String ax = in.axes();
		final long[] idx = new long[ax.length()];
		final int z = ax.indexOf('z');
		if (z >= 0) idx[z] = b.plane;
		idx[idx.length - 2] = b.y / block;
		idx[idx.length - 1] = b.x / block;
		return idx;
	}

	/** A block's output, padded to a full chunk (Zarr stores edge chunks full size). */
	private static float[] fullChunk(final float[] core, final Block b, final ZarrArray out) {
		final int[] c = out.chunks();
		final int ch = c[c.length - 2], cw = c[c.length - 1];
		if (b.h == ch && b.w == cw) return core;
		final float[] full = new float[ch * cw];
		for (int j = 0; j < b.h; j++)
			System.arraycopy(core, j * b.w, full, j * cw, b.w);
		return full;
	}

	static void meanBlock(final Job job, final ExecutorModels.Files0 files, final Block b) throws IOException {
		final long[] ci = chunkIndex(job.in, b, job.block);
		if (job.out.hasChunk(ci)) return; // complete from an earlier (interrupted) run
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
		job.out.writeChunk(ci, fullChunk(job.plan.noise[(int) b.plane].inverse(bd.toImage(x0)), b, job.out));
	}

	static void sampleMove(final Job job, final ExecutorModels.Files0 files, final Block b) throws IOException {
		final long[] ci = { b.plane, b.y / job.block, b.x / job.block };
		if (job.stateOut.hasChunk(ci)) return;
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
		final float[] next = bd.move(job.move, state, reg[0], reg[1], yCore, cMin, cSize, Monitor.NONE);
		final int[] c = job.stateOut.chunks();
		final float[] full = new float[c[1] * c[2]];
		for (int j = 0; j < b.h; j++)
			System.arraycopy(next, j * b.w, full, j * c[2], b.w);
		job.stateOut.writeChunk(ci, full);
	}

	static void finalBlock(final Job job, final ExecutorModels.Files0 files, final Block b) throws IOException {
		final long[] ci = chunkIndex(job.in, b, job.block);
		if (job.out.hasChunk(ci)) return;
		final DiffusionModel m = ExecutorModels.get(files, job.device);
		final BlockDenoise bd = geometry(job, m, b.plane);
		final long[] off = bd.imageOffset();
		final float[] x0 = job.stateIn.read(new long[] { b.plane, b.y + off[0], b.x + off[1] }, new int[] { 1, b.h, b.w });
		job.out.writeChunk(ci, fullChunk(job.plan.noise[(int) b.plane].inverse(bd.toImage(x0)), b, job.out));
	}

	private static float[] read(final OmeZarr in, final long plane, final long y, final long x, final int h, final int w) {
		try {
			return in.read(plane, y, x, h, w);
		}
		catch (final IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	static double number(final Map<String, String> o, final String key, final String dflt) {
		final String v = o.getOrDefault(key, dflt);
		try {
			return Double.parseDouble(v.trim());
		}
		catch (final NumberFormatException e) {
			throw new IllegalArgumentException("--" + key + " must be a number, was '" + v + "'");
		}
	}

	static int integer(final Map<String, String> o, final String key, final String dflt) {
		final String v = o.getOrDefault(key, dflt);
		try {
			return Integer.parseInt(v.trim());
		}
		catch (final NumberFormatException e) {
			throw new IllegalArgumentException("--" + key + " must be a whole number, was '" + v + "'");
		}
	}

	static float[] crop(final float[] a, final long width, final long y0, final long x0, final int h, final int w) {
		final float[] out = new float[h * w];
		for (int j = 0; j < h; j++)
			System.arraycopy(a, (int) ((y0 + j) * width + x0), out, j * w, w);
		return out;
	}

	/** Tasks that run at once for a master URL: local[N], local[N,F], local[*] (the cores); else 1 per executor. */
	static int parallelism(final String master) {
		final java.util.regex.Matcher mt = java.util.regex.Pattern.compile("local\\[(\\*|\\d+)(,\\d+)?\\]").matcher(master);
		if (mt.matches()) return mt.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(mt
			.group(1));
		return master.equals("local") ? 1 : 1;
	}

	static void deleteTree(final Path p) throws IOException {
		if (!Files.exists(p)) return;
		try (Stream<Path> s = Files.walk(p)) {
			for (final Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator)
				Files.deleteIfExists(q);
		}
	}

	static long peakRssMb() {
		try {
			for (final String line : Files.readAllLines(Paths.get("/proc/self/status")))
				if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
		}
		catch (final IOException e) {
			// not Linux
		}
		return -1;
	}

	/** Logs a line per 5 % of a pass's tasks with blocks/s and the time left (on the driver). */
	static final class Progress extends SparkListener {

		private volatile String what = "";
		private volatile int total;
		private final AtomicInteger done = new AtomicInteger();
		private volatile long start;
		private volatile int lastStep = -1;

		void start(final String what, final int total) {
			this.what = what;
			this.total = total;
			done.set(0);
			lastStep = -1;
			start = System.nanoTime();
		}

		@Override
		public void onTaskEnd(final SparkListenerTaskEnd e) {
			if (e.taskInfo() == null || !e.taskInfo().successful()) return;
			final int d = done.incrementAndGet();
			final int step = total == 0 ? 20 : 20 * d / total;
			if (step == lastStep) return;
			lastStep = step;
			final double s = (System.nanoTime() - start) / 1e9, rate = d / Math.max(s, 1e-9);
			System.out.println(String.format(Locale.ROOT, "spark %s: %d/%d blocks (%d%%), %.2f blocks/s, %.0f s left", what, d,
				total, 100 * d / Math.max(1, total), rate, (total - d) / Math.max(rate, 1e-9)));
		}
	}
}
