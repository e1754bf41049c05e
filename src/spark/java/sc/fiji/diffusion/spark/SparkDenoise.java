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
import java.util.stream.Stream;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.PoissonGaussian;
import sc.fiji.diffusion.engine.pipeline.DenoisePipeline;
import sc.fiji.diffusion.engine.pipeline.DenoiseSettings;
import sc.fiji.diffusion.engine.tasks.BlockDenoise;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.fiji.DenoiseCommand;
import sc.fiji.diffusion.fiji.DiffusionCommands;
import sc.fiji.diffusion.engine.values.ValueMap;
import sc.fiji.diffusion.models.Models;

/**
 * {@code spark --task denoise --in image.ome.zarr --out result.ome.zarr [--block 1024] [--master local[*]]
 * [--overwrite] [--resume] [--compression none|gzip] [--tile-batch 4] [Denoise's keys: --model --noise --sigma
 * --output --steps --seed --normalize ...]}: Denoise of one big OME-Zarr image, block by block, one Spark task
 * per block. Denoise's keys are read by the Denoise command itself ({@link #command}): the same names,
 * defaults and checks as the dialog, macros and batch.
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
		/** Per plane, the noisy image's weight in the second pass of a plane of a few photons; NaN: one pass. */
		double[] refine;
		/** Per refined plane, the σ after the mixed image's transform (read on the centre crop, as the noise fit is). */
		double[] refineSigma;
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
		// Denoise's own keys, read by the Denoise command (its declarations, defaults and checks)
		final DenoiseCommand command = command(o);
		final DenoiseSettings settings = command.settings();
		final Path modelDir = Models.resolve(command.model());
		final ModelDescriptor md = ModelDescriptor.read(modelDir);
		final int block = integer(o, "block", "1024");
		if (block < 16 || block % 16 != 0) throw new IllegalArgumentException("--block must be a multiple of 16 (at least " +
			"16), was " + block);
		if (settings.output().equals("std")) throw new IllegalArgumentException("spark runs output=mean or output=sample; " +
			"output=std probes whole planes (use batch)");
		if (settings.ensemble() != 1 || settings.adapt() != 0 || settings.stack().equals("volume")) throw new
			IllegalArgumentException("spark runs ensemble=1, adapt=0 and stack=slices (block by block, plane by plane); for " +
				"ensemble=8, adapt or stack=volume use batch");
		final Job job = new Job();
		job.in = in;
		job.block = block;
		job.output = settings.output();
		job.steps = settings.steps();
		job.seed = settings.seed();
		job.tileBatch = integer(o, "tile-batch", "4");
		job.device = command.device();
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
			final SparkProgress progress = new SparkProgress();
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
			final Monitor say = Monitor.logging(message -> System.out.println("spark " + message.substring(0, 1).toLowerCase(
				Locale.ROOT) + message.substring(1)));
			job.plan = DenoisePipeline.plan(md, centre, ew, bits, settings, (lo, hi) -> {
				final int pb = DenoisePipeline.PERCENTILE_BLOCK;
				final long stride = Normalization.stride(in.planes() * (in.height() / pb) * (in.width() / pb));
				final List<Block> boxes = SparkBlocks.imageBlocks(in, block);
				progress.start("normalize (percentiles)", boxes.size());
				final List<float[]> parts = sc.parallelize(boxes, boxes.size()).map(b -> SparkBlocks.sample(in, b, stride)).collect();
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
			// planes of a few photons get a second pass, as in the pipeline (DenoisePipeline.mean); their photons are read
			// on the same centre crop the noise was (the whole plane up to 2048²)
			final float[][] centreMeans = DenoisePipeline.blockMeans(centre, ew, DenoisePipeline.PERCENTILE_BLOCK);
			job.refine = new double[centre.length];
			boolean twoPasses = false;
			for (int p = 0; p < centre.length; p++) {
				final double photons = DenoisePipeline.photons(centreMeans[p], job.plan.noise[p]);
				job.refine[p] = job.output.equals("mean") ? DenoisePipeline.refinement(photons, job.plan.noise[p], settings) :
					Double.NaN;
				if (!Double.isNaN(job.refine[p])) {
					twoPasses = true;
					System.out.println(String.format(Locale.ROOT, "spark denoise: plane %d: %.3g photons at the 99.5th " +
						"percentile (up to %.0f): refined by a second pass on %.1f x the image + %.1f x the first result, as the " +
						"Fiji command does", p + 1, photons, DenoisePipeline.REFINE_PHOTONS, job.refine[p], 1 - job.refine[p]));
				}
			}
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
			final List<Block> outBlocks = SparkBlocks.imageBlocks(in, block);
			final DiffusionModel local = ExecutorModels.get(model.value(), job.device);
			final BlockDenoise geometry = new BlockDenoise(local, ValueMap.of(job.scale, job.offset, ""), (int) in.width(),
				(int) in.height(), job.sigma[0], job.output, job.steps, job.seed, job.tileBatch);
			if (job.output.equals("mean") && twoPasses) {
				// the first results of the refined planes go to a work array, read back (with a halo) by the second pass
				final Path work = outPath.resolve(".diffusion-work"), first = work.resolve("first");
				job.stateOut = Files.exists(first.resolve(".zarray")) ? ZarrArray.open(first) : ZarrArray.create(first,
					new long[] { in.planes(), in.height(), in.width() }, new int[] { 1, (int) Math.min(block, in.height()),
						(int) Math.min(block, in.width()) }, "none");
				job.tag = "first";
				progress.start("denoise (first pass)", outBlocks.size());
				sc.parallelize(outBlocks, outBlocks.size()).foreach(b -> SparkBlocks.meanBlock(job, model.value(), b));
				job.stateIn = ZarrArray.open(first);
				// the second pass's σ, read on the same centre crop as the noise (the whole plane up to 2048²)
				job.refineSigma = new double[centre.length];
				for (int p = 0; p < centre.length; p++) {
					if (Double.isNaN(job.refine[p])) continue;
					final float[] firstCentre = job.stateIn.read(new long[] { p, (in.height() - eh) / 2, (in.width() - ew) / 2 },
						new int[] { 1, eh, ew });
					final PoissonGaussian mixed = ((PoissonGaussian) job.plan.noise[p]).mixed(job.refine[p]);
					job.refineSigma[p] = DenoisePipeline.secondPassSigma(mixed.forward(DenoisePipeline.mix(centre[p],
						firstCentre, job.refine[p])), ew, eh);
				}
				job.tag = "second";
				final List<Block> refined = new ArrayList<>();
				for (final Block b : outBlocks)
					if (!Double.isNaN(job.refine[(int) b.plane])) refined.add(b);
				progress.start("denoise (second pass)", refined.size());
				sc.parallelize(refined, refined.size()).foreach(b -> SparkBlocks.refineBlock(job, model.value(), b));
				if (!Boolean.parseBoolean(o.getOrDefault("keep-work", "false"))) deleteTree(work);
			}
			else if (job.output.equals("mean")) {
				progress.start("denoise", outBlocks.size());
				sc.parallelize(outBlocks, outBlocks.size()).foreach(b -> SparkBlocks.meanBlock(job, model.value(), b));
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
					sc.parallelize(canvasBlocks, canvasBlocks.size()).foreach(b -> SparkBlocks.sampleMove(job, model.value(), b));
					Files.write(done, new byte[0]);
					if (m >= 1) deleteTree(work.resolve("state-" + m)); // the state before this move is no longer needed
				}
				job.stateIn = ZarrArray.open(work.resolve("state-" + geometry.moves()));
				progress.start("write result", outBlocks.size());
				sc.parallelize(outBlocks, outBlocks.size()).foreach(b -> SparkBlocks.finalBlock(job, model.value(), b));
				if (!Boolean.parseBoolean(o.getOrDefault("keep-work", "false"))) deleteTree(work);
			}
			ExecutorModels.cleanUp();
			System.out.println(String.format(Locale.ROOT, "spark denoise: done in %.1f s (%d output chunks; peak RSS of " +
				"this JVM %d MB)", (System.nanoTime() - t0) / 1e9, outBlocks.size(), peakRssMb()));
		}
	}

	/** The keys of the spark verb itself; every other key is one of Denoise's (Plugins › Diffusion › Denoise). */
	static final List<String> OWN_KEYS = java.util.Arrays.asList("task", "in", "out", "block", "master", "overwrite",
		"resume", "compression", "tile-batch", "log", "ui", "keep-work");

	/**
	 * The Denoise command with the given keys (all but {@link #OWN_KEYS}): its {@code @Parameter}
	 * declarations give the keys, their defaults and types; an unknown key or a value of the wrong
	 * type is refused by name, as batch refuses it. The result type is not a Spark key (the output
	 * is 32-bit float).
	 */
	static DenoiseCommand command(final Map<String, String> o) {
		final Map<String, String> keys = new java.util.LinkedHashMap<>(o);
		keys.keySet().removeAll(OWN_KEYS);
		if (keys.containsKey("type")) throw new IllegalArgumentException("--type: spark writes 32-bit float chunks; leave " +
			"--type out");
		final org.scijava.Context context = new org.scijava.Context(org.scijava.command.CommandService.class);
		try {
			final org.scijava.command.CommandService cs = context.service(org.scijava.command.CommandService.class);
			return (DenoiseCommand) DiffusionCommands.withValues(cs, DiffusionCommands.get(cs, "denoise"), keys)
				.getDelegateObject();
		}
		finally {
			context.dispose();
		}
	}

	static int integer(final Map<String, String> o, final String key, final String dflt) {
		final String v = o.getOrDefault(key, dflt).trim();
		try {
			return Integer.parseInt(v);
		}
		catch (final NumberFormatException e) {
			throw new IllegalArgumentException("--" + key + " " + v + ": give a whole number");
		}
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

}
