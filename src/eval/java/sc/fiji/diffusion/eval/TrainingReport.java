package sc.fiji.diffusion.eval;

import sc.fiji.diffusion.engine.image.Images;

import ai.djl.Device;

import ij.ImagePlus;
import ij.gui.Plot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelCache;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tasks.Denoise;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.pipeline.ModelFolders;
import sc.fiji.diffusion.engine.pipeline.TrainPipeline;
import sc.fiji.diffusion.engine.pipeline.TrainSettings;
import sc.fiji.diffusion.engine.training.Patches;
import sc.fiji.diffusion.engine.training.Trainer;
import sc.fiji.diffusion.models.Models;

/**
 * Does fine-tuning help, and how fast is the Java training loop? (a report command; prints
 * Markdown, writes a CSV and a PNG plot under results/):
 * <ol>
 * <li>The {@code grayscale} prior is fine-tuned with the Train task on a domain it never saw —
 * Fashion-MNIST training images, tiled 8 × 8 into 224² mosaics — and after 0, 250, 500, 1000,
 * 2000 … steps it denoises held-out mosaics of Fashion-MNIST test images (σ = 25, 8-bit).
 * PSNR of base vs fine-tuned vs the dedicated {@code fashion-mnist} model (run on each 28×28
 * image, its own format).</li>
 * <li>Training speed: steps/s of the Java loop and of the Python loop (tools/train_speed.py,
 * Debian torch) on the same network file, batch, patch and thread count, alternated, as a ratio.</li>
 * </ol>
 */
public final class TrainingReport {

	private TrainingReport() {}

	private static final int CELL = 28, GRID = 8, SIDE = CELL * GRID;

	/** Options: mosaics, test-mosaics, milestones, batch, patch, lr, seed, sigma, speed-steps, threads, python, parts. */
	public static void main(final Map<String, String> o) throws Exception {
		final int nTrain = Integer.parseInt(o.getOrDefault("mosaics", "120"));
		final int nTest = Integer.parseInt(o.getOrDefault("test-mosaics", "6"));
		final int[] milestones = Arrays.stream(o.getOrDefault("milestones", "250,500,1000,2000").split(",")).mapToInt(s -> Integer
			.parseInt(s.trim())).toArray();
		final int batch = Integer.parseInt(o.getOrDefault("batch", "16")), patch = Integer.parseInt(o.getOrDefault("patch",
			"64"));
		final double lr = Double.parseDouble(o.getOrDefault("lr", "0.0002")), sigma = Double.parseDouble(o.getOrDefault(
			"sigma", "25"));
		final long seed = Long.parseLong(o.getOrDefault("seed", "1"));
		final List<String> parts = Arrays.asList(o.getOrDefault("parts", "finetune,speed").split(","));
		final List<String> md = new ArrayList<>();
		if (parts.contains("finetune")) finetune(md, o, nTrain, nTest, milestones, batch, patch, lr, sigma, seed);
		if (parts.contains("speed")) speed(md, o, batch, patch);
		if (o.containsKey("out")) {
			final Path out = Paths.get(o.get("out"));
			if (out.getParent() != null) Files.createDirectories(out.getParent());
			Files.write(out, (String.join("\n", md) + "\n").getBytes(StandardCharsets.UTF_8));
			System.out.println("wrote " + out);
		}
	}

	private static void say(final List<String> md, final String line) {
		md.add(line);
		System.out.println(line);
	}

	/** 8 × 8 images of the split per mosaic, from image {@code first} on. */
	private static float[] mosaic(final FashionMnist data, final int first) {
		final float[] m = new float[SIDE * SIDE];
		for (int k = 0; k < GRID * GRID; k++) {
			final float[] img = data.images[first + k]; // 32×32, 2 px of padding
			final int oy = (k / GRID) * CELL, ox = (k % GRID) * CELL;
			for (int y = 0; y < CELL; y++)
				for (int x = 0; x < CELL; x++)
					m[(oy + y) * SIDE + ox + x] = img[(y + 2) * 32 + x + 2];
		}
		return m;
	}

	private static void finetune(final List<String> md, final Map<String, String> o, final int nTrain, final int nTest,
		final int[] milestones, final int batch, final int patch, final double lr, final double sigma, final long seed)
		throws Exception
	{
		final FashionMnist train = FashionMnist.load("train", nTrain * GRID * GRID);
		final FashionMnist test = FashionMnist.load("t10k", nTest * GRID * GRID);
		final List<Hyperstack> images = new ArrayList<>();
		for (int k = 0; k < nTrain; k++)
			images.add(Hyperstack.of(SIDE, SIDE, 32, mosaic(train, k * GRID * GRID)));
		final float[][] clean = new float[nTest][], noisy = new float[nTest][];
		final Random r = new Random(seed);
		for (int k = 0; k < nTest; k++) {
			clean[k] = mosaic(test, k * GRID * GRID);
			noisy[k] = Filters.noisy8bit(clean[k], sigma, r);
		}
		final Path folder = Files.createTempDirectory("finetune-");
		final String name = "fashion-finetuned";
		final List<double[]> curve = new ArrayList<>();
		try (ModelCache cache = new ModelCache(System.out::println)) {
			final DiffusionModel base = cache.get(Models.resolve("grayscale"), Device.cpu());
			final double basePsnr = psnr(base, clean, noisy, sigma);
			curve.add(new double[] { 0, basePsnr, 0 });
			// the dedicated model, on each 28×28 image as it was trained
			final DiffusionModel fm = cache.get(Models.resolve("fashion-mnist"), Device.cpu());
			double ded = 0;
			for (int k = 0; k < nTest; k++) {
				final float[] out = new float[SIDE * SIDE];
				for (int c = 0; c < GRID * GRID; c++) {
					final int oy = (c / GRID) * CELL, ox = (c % GRID) * CELL;
					final float[] cell = new float[CELL * CELL];
					for (int y = 0; y < CELL; y++)
						System.arraycopy(noisy[k], (oy + y) * SIDE + ox, cell, y * CELL, CELL);
					final float[] d = Images.array(Denoise.with(fm).sigma(sigma).run(Images.plane(cell, CELL, CELL), Monitor.NONE).image);
					for (int y = 0; y < CELL; y++)
						System.arraycopy(d, y * CELL, out, (oy + y) * SIDE + ox, CELL);
				}
				ded += ImageMetrics.psnr(clean[k], out, null) / nTest;
			}
			final ModelDescriptor d = ModelDescriptor.read(Models.resolve("grayscale"));
			long t0 = System.nanoTime();
			for (final int steps : milestones) {
				final Path model = TrainPipeline.run(images, "Fashion-MNIST training images in 224x224 mosaics", TrainSettings
					.builder().base(d.dir().toString()).name(name).steps(steps).batch(batch).patch(patch).lr(lr).seed(seed)
					.validation(0.1).checkpointEvery(250).keepCheckpoint(true).resume(curve.size() > 1).overwrite(true).device(o
						.getOrDefault("device", "cpu")).build(), ModelFolders.of(folder, d.dir()), Monitor.NONE,
					new Trainer.Listener() {});
				final double minutes = (System.nanoTime() - t0) / 6e10;
				final double p = psnr(cache.get(model, Device.cpu()), clean, noisy, sigma);
				curve.add(new double[] { steps, p, minutes });
				System.out.println(String.format(Locale.ROOT, "fine-tuned %d steps: %.2f dB (%.1f min)", steps, p, minutes));
			}
			say(md, "");
			say(md, String.format(Locale.ROOT, "#### Fine-tuning `grayscale` on Fashion-MNIST (%d training mosaics of 8×8 " +
				"images; %d held-out test mosaics, σ = %.0f, 8-bit; Denoise output=mean; batch %d, patch %d, lr %s, seed %d)",
				nTrain, nTest, sigma, batch, patch, lr, seed));
			say(md, "");
			say(md, "| fine-tuning steps | PSNR (dB) | gain over the base | training time (min, cumulative) |");
			say(md, "|---|---|---|---|");
			for (final double[] c : curve)
				say(md, String.format(Locale.ROOT, "| %d%s | %.2f | %+.2f | %.1f |", (int) c[0], c[0] == 0 ? " (the base " +
					"`grayscale`)" : "", c[1], c[1] - basePsnr, c[2]));
			say(md, String.format(Locale.ROOT, "| dedicated `fashion-mnist` (each 28×28 image) | %.2f | %+.2f | |", ded, ded -
				basePsnr));
			final StringBuilder csv = new StringBuilder("steps,psnr,minutes\n");
			for (final double[] c : curve)
				csv.append(String.format(Locale.ROOT, "%d,%.4f,%.2f%n", (int) c[0], c[1], c[2]));
			final Path csvPath = Paths.get(o.getOrDefault("csv", "results/finetune-fashion.csv"));
			if (csvPath.getParent() != null) Files.createDirectories(csvPath.getParent());
			Files.write(csvPath, csv.toString().getBytes(StandardCharsets.UTF_8));
			final Plot plot = new Plot("Fine-tuning grayscale on Fashion-MNIST", "fine-tuning steps", "PSNR (dB), sigma " +
				(int) sigma);
			final double[] x = curve.stream().mapToDouble(c -> c[0]).toArray(), y = curve.stream().mapToDouble(c -> c[1])
				.toArray();
			plot.setColor(java.awt.Color.BLUE);
			plot.addPoints(x, y, Plot.CONNECTED_CIRCLES);
			final double[] ends = { 0, x[x.length - 1] };
			plot.setColor(java.awt.Color.RED);
			plot.addPoints(ends, new double[] { ded, ded }, Plot.LINE);
			plot.setColor(java.awt.Color.GRAY);
			plot.addPoints(ends, new double[] { basePsnr, basePsnr }, Plot.LINE);
			plot.addLegend("fine-tuned grayscale\tdedicated fashion-mnist\tbase grayscale");
			// limits over all three series, so that the reference lines are inside the frame
			double lo = Math.min(ded, basePsnr), hi = Math.max(ded, basePsnr);
			for (final double v : y) {
				lo = Math.min(lo, v);
				hi = Math.max(hi, v);
			}
			final double pad = 0.1 * (hi - lo) + 0.05;
			plot.setLimits(0, x[x.length - 1], lo - pad, hi + pad);
			final ImagePlus png = plot.getImagePlus();
			final Path pngPath = Paths.get(o.getOrDefault("picture", "results/finetune-fashion.png"));
			new ij.io.FileSaver(png).saveAsPng(pngPath.toString());
			say(md, "");
			say(md, "Plot: " + pngPath + "; numbers: " + csvPath);
		}
	}

	private static double psnr(final DiffusionModel m, final float[][] clean, final float[][] noisy, final double sigma) {
		double s = 0;
		for (int k = 0; k < clean.length; k++)
			s += ImageMetrics.psnr(clean[k], Images.array(Denoise.with(m).sigma(sigma).run(Images.plane(noisy[k], SIDE, SIDE), Monitor.NONE).image), null) /
				clean.length;
		return s;
	}

	/** Java steps/s vs Python steps/s on the same network, batch, patch and threads, alternated, medians. */
	private static void speed(final List<String> md, final Map<String, String> o, final int batch, final int patch)
		throws IOException, InterruptedException
	{
		final int steps = Integer.parseInt(o.getOrDefault("speed-steps", "20")), rounds = Integer.parseInt(o.getOrDefault(
			"rounds", "3"));
		final String python = o.getOrDefault("python", "/usr/bin/python3");
		final int threads = sc.fiji.diffusion.engine.Devices.cpuThreads();
		final ModelDescriptor d = ModelDescriptor.read(Models.resolve("grayscale"));
		final Path weights = d.verifiedWeights();
		final double[] java = new double[rounds], py = new double[rounds];
		final Random r = new Random(1);
		final float[] img = new float[256 * 256];
		for (int i = 0; i < img.length; i++)
			img[i] = (float) (r.nextDouble() * 2 - 1);
		for (int k = 0; k < rounds; k++) {
			final Patches p = new Patches(patch).add(img, 256, 256, 0, 256);
			final Trainer.Settings s = new Trainer.Settings();
			s.steps = steps + 5;
			s.batch = batch;
			s.patch = patch;
			try (Trainer t = new Trainer(weights, Device.cpu(), d.schedule(), s, p, null, null)) {
				final long[] start = { 0 };
				t.run(Monitor.NONE, new Trainer.Listener() {

					@Override
					public void step(final int i, final int n, final double loss, final double rate) {
						if (i == 5) start[0] = System.nanoTime();
					}
				}, null);
				java[k] = steps / ((System.nanoTime() - start[0]) / 1e9);
			}
			final Process proc = new ProcessBuilder(python, "tools/train_speed.py", "--weights", weights.toString(), "--batch",
				String.valueOf(batch), "--patch", String.valueOf(patch), "--threads", String.valueOf(threads), "--steps", String
					.valueOf(steps)).redirectErrorStream(true).start();
			final String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (proc.waitFor() != 0 || !out.contains("steps_per_second")) throw new IllegalStateException(
				"python speed run failed: " + out);
			py[k] = Double.parseDouble(out.replaceAll("(?s).*steps_per_second ([0-9.]+).*", "$1"));
			System.out.println(String.format(Locale.ROOT, "round %d: Java %.3f steps/s, Python %.3f steps/s", k + 1, java[k],
				py[k]));
		}
		final double[] ratio = new double[rounds];
		for (int k = 0; k < rounds; k++)
			ratio[k] = java[k] / py[k];
		say(md, "");
		say(md, String.format(Locale.ROOT, "#### Training speed, `grayscale` network (%d parameters), batch %d, patch %d, %d " +
			"threads, CPU; %d timed steps after 5 warm-up steps, %d alternated rounds", 1974180, batch, patch, threads, steps,
			rounds));
		say(md, "");
		say(md, "| | Java (DJL 0.32, PyTorch 2.5.1) | Python (Debian torch 1.13) | ratio Java / Python |");
		say(md, "|---|---|---|---|");
		say(md, String.format(Locale.ROOT, "| steps/s, median (range) | %.3f (%.3f–%.3f) | %.3f (%.3f–%.3f) | **%.2f** " +
			"(%.2f–%.2f) |", median(java), min(java), max(java), median(py), min(py), max(py), median(ratio), min(ratio), max(
				ratio)));
	}

	private static double median(final double[] v) {
		final double[] s = v.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}

	private static double min(final double[] v) {
		return Arrays.stream(v).min().orElse(Double.NaN);
	}

	private static double max(final double[] v) {
		return Arrays.stream(v).max().orElse(Double.NaN);
	}
}
