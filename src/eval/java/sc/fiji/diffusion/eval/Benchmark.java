package sc.fiji.diffusion.eval;

import ij.ImagePlus;
import ij.process.ShortProcessor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;

import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.Module;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.tasks.Generate;
import sc.fiji.diffusion.fiji.DenoiseCommand;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.model.TorchScriptNet;
import sc.fiji.diffusion.engine.sampling.Samplers;

/**
 * The performance benchmark (a command, not a test): times are medians of {@code repeats}
 * runs after a warm-up, ratios come from runs interleaved in one process.
 * <ol>
 * <li>Engine overhead: Sample (DDIM, guidance 2, the menu's defaults) against the same number
 * of bare TorchScript forwards on inputs of the same shape — the ratio is what the sampler,
 * guidance, noise and memory management cost on top of the network.</li>
 * <li>Throughput: images/s for Sample at batch 1 and 16.</li>
 * <li>Denoise through the Fiji command (as a user runs it: model load, 16-bit conversion,
 * tiling, result image) for square 16-bit images; peak Java heap (sampled every 5 ms) and
 * peak process RSS (VmHWM, reset before each size).</li>
 * <li>Memory over consecutive Denoise runs in one JVM: heap after GC and RSS.</li>
 * </ol>
 */
final class Benchmark {

	private Benchmark() {}

	public static void run(final Map<String, String> o) throws Exception {
		final int repeats = Integer.parseInt(o.getOrDefault("repeats", "9"));
		final int steps = Integer.parseInt(o.getOrDefault("steps", "50"));
		final double guidance = Double.parseDouble(o.getOrDefault("guidance", "2"));
		final int[] sizes = Arrays.stream(o.getOrDefault("sizes", "256,1024,2048").split(",")).mapToInt(s -> Integer
			.parseInt(s.trim())).toArray();
		final int runs = Integer.parseInt(o.getOrDefault("runs", "200"));
		final String device = o.getOrDefault("device", "auto");
		final Path out = o.containsKey("out") ? Paths.get(o.get("out")) : null;
		final List<String> report = new ArrayList<>();
		final Runtime rt = Runtime.getRuntime();
		final String machine = String.format(Locale.ROOT, "%s, %d cores; Java %s, max heap %.1f GB; DJL %s, PyTorch %s",
			cpuName(), rt.availableProcessors(), System.getProperty("java.version"), rt.maxMemory() / 1e9, Engine
				.getDjlVersion(), Devices.engine().getVersion());
		report.add("Machine: " + machine);

		try (DiffusionModel model = DiffusionModel.load(Models.resolve(o.get("model")), Devices.resolve(device));
			TorchScriptNet bare = TorchScriptNet.load(model.weightsFile(), model.device()))
		{
			final ModelDescriptor d = model.descriptor();
			report.add("Device: " + Devices.describe(model.device()) + "; model " + d.name());
			report.add("");
			report.add(String.format(Locale.ROOT, "Sample: DDIM %d steps, guidance %s (%d network calls on a batch of 2B), " +
				"median of %d", steps, guidance, steps, repeats));
			report.add("");
			report.add("| batch B | bare forwards (s) | Sample (s) | overhead ratio: median of paired runs (range) | images/s |");
			report.add("|---|---|---|---|---|");
			final String label = d.isConditional() ? d.classes().get(0) : "";
			final boolean doubled = d.isConditional() && guidance != 1;
			for (final int b : new int[] { 1, 16 }) {
				final Generate gen = Generate.with(model).count(b).batchSize(b).steps(steps).sampler(Samplers.defaultName()).seed(1).label(label)
					.guidance(guidance);
				final int netBatch = doubled ? 2 * b : b;
				final Runnable bareRun = () -> bareForwards(bare, model, netBatch, steps);
				final Runnable sampleRun = () -> gen.run(Monitor.NONE);
				bareRun.run();
				sampleRun.run();
				final double[] tb = new double[repeats], ts = new double[repeats], ratio = new double[repeats];
				for (int r = 0; r < repeats; r++) {
					// alternate the order so that drifts of a noisy machine hit both alike
					if (r % 2 == 0) {
						tb[r] = time(bareRun);
						ts[r] = time(sampleRun);
					}
					else {
						ts[r] = time(sampleRun);
						tb[r] = time(bareRun);
					}
					ratio[r] = ts[r] / tb[r];
				}
				final double mb = median(tb), ms = median(ts);
				report.add(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.3f (%.3f–%.3f) | %.1f |", b, mb, ms, median(ratio),
					min(ratio), max(ratio), b / ms));
				System.out.println(report.get(report.size() - 1));
			}
		}

		report.add("");
		report.add(String.format(Locale.ROOT, "Denoise (Fiji command, default model `%s`, output=mean, σ estimated from " +
			"the image), 16-bit square images; median of %d (2048²: of %d)", Models.DEFAULT_IMAGE, repeats, Math.min(repeats,
				3)));
		report.add("");
		report.add("| image | time (s) | Mpixel/s | peak Java heap (MB) | peak RSS (MB) |");
		report.add("|---|---|---|---|---|");
		final Context context = new Context(CommandService.class, sc.fiji.diffusion.fiji.DiffusionModelService.class);
		try {
			final CommandService cs = context.service(CommandService.class);
			denoise(cs, image(64, 1), device); // warm-up
			for (final int size : sizes) {
				final ImagePlus imp = image(size, 2);
				final int n = size >= 2048 ? Math.min(repeats, 3) : repeats;
				final double[] t = new double[n];
				resetPeakRss();
				final HeapWatch heap = new HeapWatch();
				for (int r = 0; r < n; r++) {
					final long t0 = System.nanoTime();
					denoise(cs, imp, device);
					t[r] = (System.nanoTime() - t0) / 1e9;
				}
				final long peakHeap = heap.stop();
				final double m = median(t);
				report.add(String.format(Locale.ROOT, "| %d² | %.2f | %.3f | %d | %d |", size, m, size * (double) size / m / 1e6,
					peakHeap >> 20, peakRssKb() >> 10));
				System.out.println(report.get(report.size() - 1));
			}

			breakdown(report, cs, o, device);

			report.add("");
			report.add("Memory over " + runs + " consecutive Denoise runs (128² 16-bit) in this JVM:");
			report.add("");
			report.add("| after run | Java heap after GC (MB) | RSS (MB) |");
			report.add("|---|---|---|");
			final ImagePlus small = image(128, 3);
			for (int r = 1; r <= runs; r++) {
				denoise(cs, small, device);
				if (r == 1 || r == runs / 10 || r == runs / 2 || r == runs) {
					System.gc();
					report.add(String.format(Locale.ROOT, "| %d | %d | %d |", r, (rt.totalMemory() - rt.freeMemory()) >> 20,
						rssKb() >> 10));
					System.out.println(report.get(report.size() - 1));
				}
			}
		}
		finally {
			context.dispose();
		}
		batchFiles(report, o, device);

		report.add("");
		report.add("Threads: PyTorch intra-op " + Devices.cpuThreads() + " (ai.djl.pytorch.num_threads=" + System.getProperty(
			"ai.djl.pytorch.num_threads", "unset") + "), " + rt.availableProcessors() + " available processors");
		final String text = String.join("\n", report) + "\n";
		System.out.println();
		System.out.print(text);
		if (out != null) {
			if (out.getParent() != null) Files.createDirectories(out.getParent());
			Files.write(out, text.getBytes(StandardCharsets.UTF_8));
			System.out.println("wrote " + out);
		}
	}

	/**
	 * Batch over many small files: the time per file after the first (which loads the model)
	 * against the bare network time for that file's one forward pass, in one process. The
	 * folder runs as {@code rounds} shards, each followed by bare forwards, and the ratio is
	 * the median of the per-round ratios: this machine's speed drifts over a minute, so the two
	 * times are compared round by round, not phase against phase.
	 */
	private static void batchFiles(final List<String> report, final Map<String, String> o, final String device)
		throws Exception
	{
		final int files = Integer.parseInt(o.getOrDefault("files", "100")), size = Integer.parseInt(o.getOrDefault(
			"file-size", "512")), rounds = Integer.parseInt(o.getOrDefault("rounds", "5"));
		final Path dir = Files.createTempDirectory("bench-batch-");
		final Path in = Files.createDirectories(dir.resolve("in")), out = dir.resolve("out");
		for (int k = 0; k < files; k++)
			new ij.io.FileSaver(image(size, 100 + k)).saveAsTiff(in.resolve(String.format("f%03d.tif", k)).toString());
		final DiffusionModel m = sc.fiji.diffusion.engine.model.ModelCache.shared().get(Models.resolve(Models.DEFAULT_IMAGE),
			Devices.resolve(device));
		final List<Double> after = new ArrayList<>(), bare = new ArrayList<>();
		final double[] ratio = new double[rounds];
		double first = 0;
		try (NetworkWork work = new NetworkWork(m, size)) {
			final Runnable bareFile = () -> {
				work.tiles.run();
				work.probe.run();
			};
			bareFile.run(); // warm-up
			for (int r = 0; r < rounds; r++) {
				final Map<String, String> keys = new HashMap<>();
				keys.put("task", "denoise");
				keys.put("in", in.toString());
				keys.put("out", out.toString());
				keys.put("device", device);
				keys.put("shard", r + "/" + rounds);
				final double[] t = sc.fiji.diffusion.cli.Batch.run(keys);
				if (r == 0) first = t[0];
				final double[] a = Arrays.copyOfRange(t, 1, t.length);
				final double[] b = new double[5];
				for (int i = 0; i < b.length; i++) {
					b[i] = time(bareFile);
				}
				ratio[r] = median(a) / median(b);
				for (final double v : a)
					after.add(v);
				for (final double v : b)
					bare.add(v);
			}
		}
		final double[] af = after.stream().mapToDouble(Double::doubleValue).toArray(), bf = bare.stream().mapToDouble(
			Double::doubleValue).toArray();
		report.add("");
		report.add(String.format(Locale.ROOT, "Batch over %d files (%d² 16-bit, Denoise output=mean, default model, one " +
			"process, as %d shards each followed by 5 runs of the file's network calls alone): first file %.2f s (model load included)", files, size,
			rounds, first));
		report.add("");
		report.add("| per file after the first of its shard, median (range) (s) | the network calls of one file alone " +
			"(its tiles and the error estimate's probe), median (s) | ratio: median of the per-shard ratios (range) |");
		report.add("|---|---|---|");
		report.add(String.format(Locale.ROOT, "| %.3f (%.3f–%.3f) | %.3f | **%.2f** (%.2f–%.2f) |", median(af), min(af), max(
			af), median(bf), median(ratio), min(ratio), max(ratio)));
		System.out.println(report.get(report.size() - 1));
	}

	/**
	 * Where a large Denoise spends its time: the command (as a user runs it) against the bare
	 * network calls it makes, in the same rounds: the tiles of the image with the network the
	 * model runs (its inference copy where the CPU has one), and the error estimate's probe
	 * blocks with the float32 network (unprobed and probed when the result came from a reduced
	 * precision, else probed only). The rest is Java: noise fit and transforms, normalisation,
	 * blending, the estimate's sums, conversions. GFLOP/s divide the tiles' FLOPs, counted by
	 * {@code tools/flops.py}, by their time.
	 */
	private static void breakdown(final List<String> report, final CommandService cs, final Map<String, String> o,
		final String device) throws Exception
	{
		final int size = Integer.parseInt(o.getOrDefault("breakdown-size", "2048"));
		final int rounds = Integer.parseInt(o.getOrDefault("breakdown-rounds", "3"));
		// tools/flops.py: 43.4 GFLOP per 704² tile of grayscale, 87.6 kFLOP per pixel; --one-step (16-32-64): 22.2
		final double kflopFull = Double.parseDouble(o.getOrDefault("kflop-per-pixel", "87.6"));
		final double kflopOneStep = Double.parseDouble(o.getOrDefault("kflop-per-pixel-one-step", "22.2"));
		final DiffusionModel m = sc.fiji.diffusion.engine.model.ModelCache.shared().get(Models.resolve(Models.DEFAULT_IMAGE),
			Devices.resolve(device));
		final ModelDescriptor d = m.descriptor();
		final ImagePlus imp = image(size, 7);
		final double[] cmd = new double[rounds], tiles = new double[rounds], probe = new double[rounds];
		final NetworkWork work = new NetworkWork(m, size);
		final List<String> steps;
		try {
			denoise(cs, imp, device); // warm-up at this size
			work.tiles.run();
			work.probe.run();
			for (int r = 0; r < rounds; r++) {
				final long t0 = System.nanoTime();
				denoise(cs, imp, device);
				cmd[r] = (System.nanoTime() - t0) / 1e9;
				tiles[r] = time(work.tiles);
				probe[r] = time(work.probe);
			}
			steps = javaSteps(m, imp, work, rounds);
		}
		finally {
			work.close();
		}
		final sc.fiji.diffusion.engine.tiling.TileGrid grid = work.grid;
		final List<int[]> blocks = work.blocks;
		final boolean reduced = work.reduced;
		final double c = median(cmd), a = median(tiles), b = median(probe);
		final String[] copies = networkCopies(d, m.device(), rounds);
		final double kflop = work.oneStep ? kflopOneStep : kflopFull;
		final double gflop = kflop * 1e3 * grid.tile()[0] * grid.tile()[1] * grid.count() / 1e9;
		report.add("");
		report.add(String.format(Locale.ROOT, "Where a %d² Denoise (output=mean, the command as above) spends its time, " +
			"median of %d rounds; network %s (%s%s)", size, rounds, work.tilesInFloat32 ? "float32" : m.precision(),
			work.oneStep ? "the one-step network, " : "", work.tileFile.getFileName()));
		report.add("");
		report.add("| part | time (s) | share |");
		report.add("|---|---|---|");
		report.add(String.format(Locale.ROOT, "| whole command | %.2f | 100 %% |", c));
		final double peak = peakGflops(!work.tilesInFloat32 && !m.precision().equals("float32"));
		report.add(String.format(Locale.ROOT, "| network on the %d tiles of %d×%d (%.0f GFLOP: %.0f GFLOP/s%s) | %.2f | %.0f %% |",
			grid.count(), grid.tile()[0], grid.tile()[1], gflop, gflop / a, Double.isNaN(peak) ? "" : String.format(Locale.ROOT,
				", %.0f %% of this CPU's %s peak of %.0f", 100 * gflop / a / peak, !work.tilesInFloat32 && !m.precision().equals(
					"float32") ? "bfloat16" : "float32", peak), a, 100 * a / c));
		report.add(String.format(Locale.ROOT, "| error estimate's probe: %d blocks of %d×%d, %s | %.2f | %.0f %% |", blocks
			.size(), blocks.get(0)[2], blocks.get(0)[3], reduced ? "float32, unprobed and probed" : "probed", b, 100 * b / c));
		report.add(String.format(Locale.ROOT, "| the rest (Java: noise fit and transforms, normalisation, blending, the " +
			"estimate's sums, conversions) | %.2f | %.0f %% |", c - a - b, 100 * (c - a - b) / c));
		for (int i = report.size() - 6; i < report.size(); i++)
			System.out.println(report.get(i));
		report.addAll(steps);
		report.add("");
		report.add("The network alone, one tile per call, by tile side and copy (median of " + rounds + "; seconds per " +
			"megapixel of tile, lower is faster):");
		report.add("");
		report.add("| tile | float32 `weights.pt` (s/Mpx) | inference copy (s/Mpx) | float32 / copy |");
		report.add("|---|---|---|---|");
		for (final String row : copies) {
			report.add(row);
			System.out.println(row);
		}
	}

	/**
	 * This CPU's peak GFLOP/s as {@code tools/flops.py} reckons it: cores × clock × FLOPs per cycle
	 * per core (two FMA pipes: 32 in float32 with AVX-512, else 16), twice that for bfloat16 dot
	 * products where the CPU has AVX-512 BF16; NaN where /proc/cpuinfo cannot say.
	 */
	static double peakGflops(final boolean bfloat16) {
		try {
			double mhz = Double.NaN;
			String flags = null;
			for (final String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
				if (line.startsWith("cpu MHz") && Double.isNaN(mhz)) mhz = Double.parseDouble(line.split(":")[1].trim());
				else if (line.startsWith("flags") && flags == null) flags = " " + line.split(":")[1] + " ";
			}
			if (Double.isNaN(mhz) || flags == null) return Double.NaN;
			final double fp32 = Runtime.getRuntime().availableProcessors() * mhz * 1e6 * (flags.contains(" avx512f ") ? 32 :
				16) / 1e9;
			return bfloat16 && flags.contains(" avx512_bf16 ") ? 2 * fp32 : fp32;
		}
		catch (final IOException | RuntimeException e) {
			return Double.NaN;
		}
	}

	/**
	 * The Java steps of a Denoise of one plane, each timed alone on the breakdown's image (median
	 * of {@code rounds}, after one warm-up): what "the rest" above is made of. The Anscombe pair
	 * runs on the camera model the fit gives (the command itself takes it only where the noise
	 * grows with the signal; this image's noise is constant, the speed report's is photon noise).
	 * Tiling and blending: the one-step network's task on the whole plane (padding, tiles, blend,
	 * conversions) minus the same tiles' bare network calls. The model load: the descriptor, its
	 * checks, and the networks output=mean runs, in this JVM (the PyTorch engine already started).
	 */
	private static List<String> javaSteps(final DiffusionModel m, final ImagePlus imp, final NetworkWork work,
		final int rounds) throws IOException
	{
		final List<String> report = new ArrayList<>();
		final int w = imp.getWidth(), h = imp.getHeight();
		final float[] px = (float[]) imp.getProcessor().convertToFloatProcessor().getPixels();
		final float[][] planes = { px };
		final sc.fiji.diffusion.engine.noise.CameraFit fit = sc.fiji.diffusion.engine.noise.CameraFit.of(planes, w,
			Double.NaN);
		final double mu = Double.isFinite(fit.offset()) ? fit.offset() : 0;
		final sc.fiji.diffusion.engine.noise.PoissonGaussian pg = sc.fiji.diffusion.engine.noise.PoissonGaussian.of(Math
			.max(fit.a(), 1e-3), mu, Math.sqrt(Math.max(0, fit.b() + Math.max(fit.a(), 1e-3) * mu)));
		final float[] transformed = pg.forward(px);
		final Path dir = Files.createTempDirectory("diffusion-bench-io-");
		final Path in16 = dir.resolve("in.tif"), out32 = dir.resolve("out.tif");
		new ij.io.FileSaver(imp).saveAsTiff(in16.toString());
		final ImagePlus result = new ImagePlus("result", new ij.process.FloatProcessor(w, h, px.clone()));
		final DiffusionModel one = m.oneStep(Double.NaN) != null ? m.oneStep(Double.NaN) : m;
		final sc.fiji.diffusion.engine.values.ValueMap values = sc.fiji.diffusion.engine.values.ValueMap.data(m
			.descriptor());
		final String[] names = { "TIFF read (16-bit)", "camera fit (CameraFit, noise=auto)",
			"clip-value scan (one pass pair; the command runs four)", "Anscombe transform (photon noise)",
			"its exact unbiased inverse", "noise estimate after the transform (Haar median)",
			"normalisation's percentiles (4×4 block means)", "tiling, blending and conversions (the one-step network's " +
				"task on the plane minus its bare tiles)", "TIFF write (32-bit result)",
			"model load: descriptor, checks, the one-step network and its float32 copy (engine started)" };
		final Runnable[] steps = { () -> new ij.io.Opener().openImage(in16.toString()),
			() -> sc.fiji.diffusion.engine.noise.CameraFit.of(planes, w, Double.NaN),
			() -> sc.fiji.diffusion.engine.noise.CameraFit.clipValues(px), () -> pg.forward(px),
			() -> pg.inverse(transformed), () -> sc.fiji.diffusion.engine.noise.NoiseSettings.estimateSigma(transformed, w,
				h, null, new double[] { Double.NaN, Double.NaN }), () -> {
					final float[][] blocks = sc.fiji.diffusion.engine.pipeline.DenoisePipeline.blockMeans(planes, w,
						sc.fiji.diffusion.engine.pipeline.DenoisePipeline.PERCENTILE_BLOCK);
					sc.fiji.diffusion.engine.values.Normalization.percentiles(blocks, 0.5, 99.5);
				}, () -> sc.fiji.diffusion.engine.tasks.Denoise.with(one).values(values).sigma(20).output("mean").run(
					sc.fiji.diffusion.engine.image.Images.plane(px, w, h), Monitor.NONE), () -> new ij.io.FileSaver(result)
						.saveAsTiff(out32.toString()), () -> {
							try (DiffusionModel fresh = DiffusionModel.load(m.descriptor().dir(), m.device())) {
								final DiffusionModel o = fresh.oneStep(Double.NaN) != null ? fresh.oneStep(Double.NaN) : fresh;
								o.loaded();
								o.float32().loaded();
							}
						} };
		final double[][] t = new double[steps.length][rounds];
		final double[] bare = new double[rounds];
		for (final Runnable r : steps)
			r.run();
		for (int r = 0; r < rounds; r++) {
			for (int k = 0; k < steps.length; k++)
				t[k][r] = time(steps[k]);
			bare[r] = time(work.tiles);
		}
		final int tiling = 7;
		for (int r = 0; r < rounds; r++)
			t[tiling][r] -= bare[r];
		report.add("");
		report.add(String.format(Locale.ROOT, "The Java steps of a %d×%d Denoise, each timed alone (median of %d, after a " +
			"warm-up; camera fit a = %.3g; the Anscombe pair is what photon data such as the speed report's take, this " +
			"image's noise being constant); JVM start and SciJava context: results/speed-bm3d.md", w, h, rounds, fit.a()));
		report.add("");
		report.add("| step | time (s) |");
		report.add("|---|---|");
		for (int k = 0; k < steps.length; k++) {
			report.add(String.format(Locale.ROOT, "| %s | %.3f |", names[k], median(t[k])));
			System.out.println(report.get(report.size() - 1));
		}
		try (java.util.stream.Stream<Path> f = Files.list(dir)) {
			for (final Path p : (Iterable<Path>) f::iterator)
				Files.delete(p);
		}
		Files.delete(dir);
		return report;
	}

	/**
	 * The network calls an output=mean Denoise of one size² plane makes, without the rest of the
	 * command: its tiles (in the model's precision, or float32 where the plane is denoised in
	 * float32, {@link sc.fiji.diffusion.engine.pipeline.DenoisePipeline#resultInFloat32}), then the
	 * error estimate's probe crops (float32; unprobed and probed when the result came from a
	 * reduced precision, else probed only).
	 */
	static final class NetworkWork implements AutoCloseable {

		final sc.fiji.diffusion.engine.tiling.TileGrid grid;
		final List<int[]> blocks;
		final boolean tilesInFloat32, reduced, oneStep;
		/** The file the tiles' network was loaded from. */
		final java.nio.file.Path tileFile;
		final Runnable tiles, probe;
		private final TorchScriptNet net, exact;
		private final NDManager nd;

		NetworkWork(final DiffusionModel m, final int size) {
			final ModelDescriptor d = m.descriptor();
			grid = sc.fiji.diffusion.engine.tiling.TileGrid.fitted(new long[] { size, size }, d.tile(), d.overlap(), d
				.sizeMultiple());
			blocks = sc.fiji.diffusion.engine.noise.Sure.blocks(size, size,
				sc.fiji.diffusion.engine.pipeline.DenoisePipeline.ESTIMATE_BUDGET);
			tilesInFloat32 = sc.fiji.diffusion.engine.pipeline.DenoisePipeline.resultInFloat32(size, size);
			reduced = !m.precision().equals("float32") && !tilesInFloat32;
			// the network Denoise's one call runs at the level timed here (t = 100): the one-step network where the
			// model has one for it, in the same precision; the probe's float32 copy of that same network
			final DiffusionModel run = m.oneStep(m.schedule().sigma(100));
			oneStep = run.isOneStep();
			net = TorchScriptNet.load(run.weightsFile(), m.device());
			exact = TorchScriptNet.load(run.float32().weightsFile(), m.device());
			nd = m.manager().newSubManager();
			final int[] t = grid.tile();
			final NDArray tile = nd.randomNormal(new Shape(1, 1, t[0], t[1]));
			final NDArray tt = nd.create(new float[] { 100 }), y = nd.create(new long[] { 0 });
			final NDArray[] crops = new NDArray[blocks.size()];
			for (int k = 0; k < crops.length; k++)
				crops[k] = nd.randomNormal(new Shape(1, 1, blocks.get(k)[3], blocks.get(k)[2]));
			final TorchScriptNet tileNet = tilesInFloat32 ? exact : net;
			tileFile = tilesInFloat32 ? run.float32().weightsFile() : run.weightsFile();
			tiles = () -> {
				for (int k = 0; k < grid.count(); k++)
					try (NDManager step = nd.newSubManager()) {
						final NDArray x = tile.duplicate();
						x.attach(step);
						tileNet.forward(new NDList(x, tt, y)).singletonOrThrow().toFloatArray();
					}
			};
			probe = () -> {
				for (final NDArray c : crops)
					for (int pass = 0; pass < (reduced ? 2 : 1); pass++)
						try (NDManager step = nd.newSubManager()) {
							final NDArray x = c.duplicate();
							x.attach(step);
							exact.forward(new NDList(x, tt, y)).singletonOrThrow().toFloatArray();
						}
			};
		}

		@Override
		public void close() {
			nd.close();
			net.close();
			exact.close();
		}
	}

	/** Per tile side: s/Mpx of the float32 weights and of the inference copy (when the model has one), paired per round. */
	private static String[] networkCopies(final ModelDescriptor d, final ai.djl.Device device, final int rounds) {
		final int[] sides = { 512, 704, 1024 };
		final String[] rows = new String[sides.length];
		final Path copy = d.verifiedInferenceWeights();
		try (TorchScriptNet f32 = TorchScriptNet.load(d.verifiedWeights(), device);
			TorchScriptNet inf = copy == null ? null : TorchScriptNet.load(copy, device);
			NDManager nd = NDManager.newBaseManager(device, "PyTorch"))
		{
			for (int k = 0; k < sides.length; k++) {
				final int n = sides[k];
				final NDArray x = nd.randomNormal(new Shape(1, 1, n, n));
				final NDArray tt = nd.create(new float[] { 100 }), y = nd.create(new long[] { 0 });
				final Runnable a = () -> f32.forward(new NDList(x, tt, y)).singletonOrThrow().toFloatArray();
				final Runnable b = inf == null ? null : () -> inf.forward(new NDList(x, tt, y)).singletonOrThrow().toFloatArray();
				a.run();
				if (b != null) b.run();
				final double[] ta = new double[rounds], tb = new double[rounds], ratio = new double[rounds];
				for (int r = 0; r < rounds; r++) {
					ta[r] = time(a);
					tb[r] = b == null ? Double.NaN : time(b);
					ratio[r] = ta[r] / tb[r];
				}
				final double mpx = n * (double) n / 1e6;
				rows[k] = String.format(Locale.ROOT, "| %d² | %.3f | %s | %s |", n, median(ta) / mpx, b == null ? "none" : String
					.format(Locale.ROOT, "%.3f", median(tb) / mpx), b == null ? "" : String.format(Locale.ROOT, "%.2f", median(
						ratio)));
			}
		}
		return rows;
	}

	/** {@code count} forwards of the network alone on a fixed batch, each in its own sub-manager. */
	private static void bareForwards(final TorchScriptNet net, final DiffusionModel model, final int batch,
		final int count)
	{
		final ModelDescriptor d = model.descriptor();
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray x = m.randomNormal(new Shape(batch, d.channels(), d.height(), d.width()));
			final float[] ts = new float[batch];
			Arrays.fill(ts, 500);
			final NDArray t = m.create(ts);
			final NDArray y = m.create(new long[batch]);
			for (int i = 0; i < count; i++)
				try (NDManager step = m.newSubManager()) {
					final NDArray xs = x.duplicate();
					xs.attach(step);
					final NDArray eps = net.forward(new NDList(xs, t, y)).singletonOrThrow();
					// Sample copies its result out once at the end; so does this (and on a GPU it waits for the work)
					if (i == count - 1) eps.toFloatArray();
				}
		}
	}

	private static void denoise(final CommandService cs, final ImagePlus imp, final String device)
		throws InterruptedException, ExecutionException
	{
		final Map<String, Object> inputs = new HashMap<>();
		inputs.put("image", imp);
		inputs.put("device", device);
		final Module m = sc.fiji.diffusion.fiji.Commands.run(cs, DenoiseCommand.class, inputs).get();
		if (m.getOutput("result") == null) throw new IllegalStateException("Denoise failed on " + imp.getTitle() + ": " +
			((org.scijava.Cancelable) m).getCancelReason());
	}

	/** A 16-bit test image: smooth blobs (like cells) on a background, with Gaussian noise. */
	static ImagePlus image(final int size, final long seed) {
		final Random rnd = new Random(seed);
		final short[] px = new short[size * size];
		final int blobs = Math.max(4, size * size / 2000);
		final double[][] c = new double[blobs][];
		for (int k = 0; k < blobs; k++)
			c[k] = new double[] { rnd.nextDouble() * size, rnd.nextDouble() * size, 3 + rnd.nextDouble() * 8, 2000 + 8000 * rnd
				.nextDouble() };
		final float[] acc = new float[size * size];
		for (final double[] b : c) {
			final int r = (int) Math.ceil(3 * b[2]);
			for (int y = Math.max(0, (int) b[1] - r); y < Math.min(size, (int) b[1] + r); y++)
				for (int x = Math.max(0, (int) b[0] - r); x < Math.min(size, (int) b[0] + r); x++) {
					final double dx = x - b[0], dy = y - b[1];
					acc[y * size + x] += (float) (b[3] * Math.exp(-(dx * dx + dy * dy) / (2 * b[2] * b[2])));
				}
		}
		for (int i = 0; i < px.length; i++)
			px[i] = (short) Math.max(0, Math.min(65535, Math.round(1000 + acc[i] + 300 * rnd.nextGaussian())));
		return new ImagePlus("bench-" + size, new ShortProcessor(size, size, px, null));
	}

	private static double time(final Runnable r) {
		final long t0 = System.nanoTime();
		r.run();
		return (System.nanoTime() - t0) / 1e9;
	}

	private static double min(final double[] v) {
		return Arrays.stream(v).min().orElse(Double.NaN);
	}

	private static double max(final double[] v) {
		return Arrays.stream(v).max().orElse(Double.NaN);
	}

	static double median(final double[] v) {
		final double[] s = v.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
	}

	/** Polls the used Java heap every 5 ms until stopped; returns the maximum seen. */
	private static final class HeapWatch {

		private volatile boolean running = true;
		private volatile long peak;
		private final Thread thread;

		HeapWatch() {
			final Runtime rt = Runtime.getRuntime();
			thread = new Thread(() -> {
				while (running) {
					peak = Math.max(peak, rt.totalMemory() - rt.freeMemory());
					try {
						Thread.sleep(5);
					}
					catch (final InterruptedException e) {
						return;
					}
				}
			}, "heap-watch");
			thread.setDaemon(true);
			thread.start();
		}

		long stop() throws InterruptedException {
			running = false;
			thread.join();
			return peak;
		}
	}

	private static long status(final String key) {
		try {
			for (final String line : Files.readAllLines(Paths.get("/proc/self/status")))
				if (line.startsWith(key)) return Long.parseLong(line.replaceAll("\\D", ""));
		}
		catch (final IOException e) {
			// not Linux: reported as 0
		}
		return 0;
	}

	static long rssKb() {
		return status("VmRSS:");
	}

	static long peakRssKb() {
		return status("VmHWM:");
	}

	/** Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) of the process. */
	private static void resetPeakRss() {
		try {
			Files.write(Paths.get("/proc/self/clear_refs"), "5".getBytes(StandardCharsets.US_ASCII));
		}
		catch (final IOException e) {
			// not permitted or not Linux: the peak is then the process's lifetime peak
		}
	}

	private static String cpuName() {
		try {
			for (final String line : Files.readAllLines(Paths.get("/proc/cpuinfo")))
				if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
		}
		catch (final IOException e) {
			// fall through
		}
		return System.getProperty("os.arch");
	}
}
