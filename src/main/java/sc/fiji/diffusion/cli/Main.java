package sc.fiji.diffusion.cli;

import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.FloatProcessor;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

import javax.imageio.ImageIO;

import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleService;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.pipeline.ModelSource;
import sc.fiji.diffusion.engine.pipeline.SamplePipeline;
import sc.fiji.diffusion.engine.pipeline.SampleSettings;
import sc.fiji.diffusion.engine.pipeline.Seeds;
import sc.fiji.diffusion.engine.sampling.Samplers;
import sc.fiji.diffusion.fiji.DiffusionCommands;
import sc.fiji.diffusion.fiji.SetupCheck;
import sc.fiji.diffusion.models.ModelLocator;
import sc.fiji.diffusion.models.Models;

/**
 * Command line: {@code sample} writes a grid of samples as PNG + TIFF; {@code quality}
 * measures guided-sample accuracy and pixel statistics against the test set.
 * <pre>
 *   sample  [--model fashion-mnist] [--label all|NAME|""] [--count 4] [--steps 50] [--sampler NAME]
 *           [--seed 1] [--guidance 2] [--device auto] [--out out/samples]
 *   quality [--model fashion-mnist] [--per-class 100] [--steps 50] [--sampler NAME] [--guidance 2] [--seed 1]
 * </pre>
 */
public final class Main {

	private Main() {}

	public static void main(final String[] args) throws Exception {
		if (args.length == 0 || args[0].startsWith("-h")) {
			usage();
			return;
		}
		final Map<String, String> o = options(args);
		try {
			switch (args[0]) {
				case "sample":
					sample(o);
					break;
				case "batch":
					if (Batch.execute(o).failed > 0) System.exit(1);
					break;
				case "train":
					TrainCli.run(o);
					break;
				case "keys":
					System.out.print(keyReference());
					break;
				case "check-setup":
					SetupCheck.run(ModelLocator.fromEnvironment(), System.out::println);
					break;
				default:
					if (!report(args[0], o)) {
						usage();
						System.exit(2);
					}
			}
		}
		catch (final IllegalArgumentException | ModelException e) {
			System.err.println("error: " + e.getMessage());
			System.exit(2);
		}
		System.exit(0); // DJL keeps non-daemon threads around
	}

	private static void usage() {
		System.out.println("usage: sample [--model fashion-mnist] [--label all|NAME|\"\"] [--count 4] [--steps 50]\n" +
			"              [--sampler " + String.join("|", Samplers.names()) + "] [--seed 1] [--guidance 2]\n" +
			"              [--device auto|cpu|gpu] [--out out/samples]\n" +
			"  (reports, built with the tests: mvn -q test-compile exec:java -Ddiffusion.args=\"VERB ...\")\n" +
			"       quality [--model fashion-mnist] [--per-class 100] [--steps 50] [--sampler " + Samplers.defaultName() + "] [--guidance 2] [--seed 1]\n" +
			"       batch --task " + String.join("|", imageCommands()) + " --in DIR --out DIR [--mask-dir DIR] [--shard i/n] [--KEY VALUE ...]\n" +
			"       spark --task denoise --in IMAGE.ome.zarr --out RESULT.ome.zarr [--block 1024] [--master local[*]] [--overwrite]\n" +
			"             [--resume] [--compression none|gzip] [--KEY VALUE ... as batch]   (build with -Pspark)\n" +
			"       spark-benchmark [--size 8192] [--blocks 1024,2048,4096] [--out results/spark-benchmark.md]   (build with -Pspark)\n" +
			"       keys          (every command's keys, defaults and accepted values, as docs/keys.md)\n" +
			"       check-setup   (platform, natives, devices, models, a timed test Denoise; as Plugins > Diffusion > Check Setup)\n" +
			"       train --in DIR --name NAME [--base grayscale|none|MODEL] [--steps 2000] [--batch 16] [--patch 64] [--lr 0.0002]\n" +
			"             [--seed 1] [--validation 0.1] [--resume false] [--overwrite false] [--normalize auto] [--device auto] [--out MODELS_DIR]\n" +
			"       train-report [--mosaics 120] [--test-mosaics 6] [--milestones 250,500,1000,2000] [--batch 16] [--patch 64] [--parts finetune,speed] [--out results/training.md]\n" +
			"       real-quality [--sigmas 15,25,50] [--peaks 5,10,30,100] [--steps 20] [--parts denoise,poisson,inpaint,edit] [--out results/real-quality.md]\n" +
			"       tasks-quality [--images 200] [--inpaint-images 100] [--edit-images 100] [--validation 100] [--steps 20] [--seed 1]\n" +
			"       sampler-table [--samples 500] [--calls 10,20,50,100,1000] [--samplers all] [--guidance 1] [--out results/sampler-table.csv]\n" +
			"       nll [--images 1000] [--strata 100] [--conditional false] [--seed 1]\n" +
			"       benchmark [--repeats 9] [--steps 50] [--guidance 2] [--sizes 256,1024,2048] [--runs 200] [--out FILE]\n" +
			"samplers:\n  " + String.join("\n  ", Samplers.descriptions()));
	}

	/**
	 * The verbs that live outside the plugin ({@link Verb}): the evaluation and benchmark reports
	 * (src/eval/java, compiled with the tests) and the Spark verbs (the -Pspark build). False when
	 * no provider on the class path runs {@code verb}; a message saying which build does when it
	 * is one of theirs.
	 */
	private static boolean report(final String verb, final Map<String, String> o) throws Exception {
		for (final Verb v : ServiceLoader.load(Verb.class, Main.class.getClassLoader()))
			if (v.names().contains(verb)) {
				v.run(verb, o);
				return true;
			}
		if (REPORTS.contains(verb)) throw new IllegalArgumentException("'" + verb + "' is a report, built with the tests: " +
			"mvn -q test-compile exec:java -Ddiffusion.args=\"" + verb + " ...\"");
		if (SPARK.contains(verb)) throw new IllegalArgumentException("the " + verb + " verb needs the Spark build: mvn -q " +
			"-Pspark compile exec:java -Ddiffusion.args=\"" + verb + " ...\"");
		return false;
	}

	private static final List<String> SPARK = Arrays.asList("spark", "spark-benchmark");

	private static final List<String> REPORTS = Arrays.asList("quality", "train-report", "real-quality",
		"tasks-quality", "benchmark", "nll", "sampler-table", "volume-report");

	/** docs/keys.md: every command's keys from its declarations. */
	private static String keyReference() {
		final org.scijava.Context context = new org.scijava.Context(org.scijava.command.CommandService.class);
		try {
			return sc.fiji.diffusion.fiji.DiffusionCommands.keyReference(context.service(
				org.scijava.command.CommandService.class));
		}
		finally {
			context.dispose();
		}
	}

	/** The image commands batch can run, from the command index. */
	private static List<String> imageCommands() {
		final Context context = new Context(CommandService.class);
		try {
			return DiffusionCommands.imageCommands(context.service(
				CommandService.class));
		}
		finally {
			context.dispose();
		}
	}

	static Map<String, String> options(final String[] args) {
		final Map<String, String> o = new LinkedHashMap<>();
		for (int i = 1; i < args.length; i++) {
			if (!args[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
			final String key = args[i].substring(2);
			final int eq = key.indexOf('=');
			if (eq >= 0) o.put(key.substring(0, eq), key.substring(eq + 1));
			else if (i + 1 < args.length) o.put(key, args[++i]);
			else throw new IllegalArgumentException("option --" + key + " needs a value");
		}
		return o;
	}

	/** The keys only the command line's sample has: where to write the grid. (It also takes {@code --label all}: a row per class.) */
	static final List<String> SAMPLE_OWN_KEYS = Arrays.asList("out");

	/** Sample's inputs from command-line options: the Sample command's keys and defaults, read from the command. */
	static org.scijava.module.Module sampleInputs(final Map<String, String> o) {
		final Map<String, String> keys = new LinkedHashMap<>(o);
		keys.keySet().removeAll(SAMPLE_OWN_KEYS);
		if ("all".equalsIgnoreCase(keys.get("label"))) keys.remove("label");
		final Context context = new Context(CommandService.class,
			ModuleService.class);
		try {
			final CommandService cs = context.service(CommandService.class);
			return DiffusionCommands.withValues(cs, DiffusionCommands.get(cs,
				"sample"), keys);
		}
		finally {
			context.dispose();
		}
	}

	private static void sample(final Map<String, String> o) throws IOException {
		final org.scijava.module.Module in = sampleInputs(o);
		final int count = (Integer) in.getInput("count");
		final int steps = (Integer) in.getInput("steps");
		final String sampler = (String) in.getInput("sampler");
		final long seed = (Long) in.getInput("seed");
		final double guidance = (Double) in.getInput("guidance");
		final Path out = Paths.get(o.getOrDefault("out", "out/samples"));
		final long t0 = System.nanoTime();
		try (DiffusionModel model = DiffusionModel.load(Models.resolve((String) in.getInput("model")), Devices.resolve(
			(String) in.getInput("device"))))
		{
			final ModelDescriptor d = model.descriptor();
			System.out.println("model: " + d.name() + " (" + d.dir() + ")");
			System.out.println("device: " + Devices.describe(model.device()));
			final String label = "all".equalsIgnoreCase(o.get("label")) ? "all" : (String) in.getInput("label");
			final List<String> labels = new ArrayList<>();
			if (label.equalsIgnoreCase("all")) labels.addAll(d.classes());
			else labels.add(label);
			final List<float[]> images = new ArrayList<>();
			final long s0 = System.nanoTime();
			final ModelSource source = ModelSource.of(model);
			for (int r = 0; r < labels.size(); r++) {
				final String l = labels.get(r);
				// one row per class, each the Sample pipeline with the row's seed
				final Hyperstack row = SamplePipeline.run(source, SampleSettings.builder().count(count).steps(steps).sampler(
					sampler).seed(Seeds.plane(seed, r)).label(l).guidance(guidance).build(), progress("row " + (r + 1) + "/" + labels.size() + (l.isEmpty() ? "" : " (" + l + ")")));
				for (int i = 0; i < row.planeCount(); i++)
					images.add(row.plane(i));
			}
			if (System.console() != null) System.out.println();
			final double sampling = (System.nanoTime() - s0) / 1e9;
			if (out.getParent() != null) Files.createDirectories(out.getParent());
			writeTiff(images, d.width(), d.height(), out + ".tif");
			writePng(images, d.width(), d.height(), count, 255 / (d.dataMax() - d.dataMin()), d.dataMin(), out + ".png");
			System.out.println(String.format(Locale.ROOT,
				"%d images (%s, %d steps, guidance %s, rows: %s) in %.1f s sampling, %.1f s total", images.size(), sampler,
				steps, guidance, labels.size() == 1 && labels.get(0).isEmpty() ? "unconditional" : String.join(", ", labels),
				sampling, (System.nanoTime() - t0) / 1e9));
			System.out.println("wrote " + out + ".png and " + out + ".tif");
		}
	}

	static Monitor progress(final String what) {
		return Monitor.console(what);
	}

	static void writeTiff(final List<float[]> images, final int w, final int h, final String file) throws IOException {
		final ImageStack stack = new ImageStack(w, h);
		for (final float[] img : images)
			stack.addSlice(new FloatProcessor(w, h, img.clone()));
		final ImagePlus imp = new ImagePlus(new File(file).getName(), stack);
		final boolean ok = stack.getSize() > 1 ? new FileSaver(imp).saveAsTiffStack(file) : new FileSaver(imp).saveAsTiff(file);
		if (!ok) throw new IOException("could not write " + file);
	}

	/** A grid of {@code cols} columns, one pixel of gap, grey values clipped to 0–255. */
	static void writePng(final List<float[]> images, final int w, final int h, final int cols, final double scale,
		final double min, final String file) throws IOException
	{
		final int rows = (images.size() + cols - 1) / cols;
		final BufferedImage grid = new BufferedImage(cols * (w + 1) + 1, rows * (h + 1) + 1, BufferedImage.TYPE_BYTE_GRAY);
		for (int k = 0; k < images.size(); k++) {
			final int ox = 1 + (k % cols) * (w + 1), oy = 1 + (k / cols) * (h + 1);
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					final int v = (int) Math.round(Math.max(0, Math.min(255, (images.get(k)[y * w + x] - min) * scale)));
					grid.getRaster().setSample(ox + x, oy + y, 0, v);
				}
		}
		if (!ImageIO.write(grid, "png", new File(file))) throw new IOException("could not write " + file);
	}
}
