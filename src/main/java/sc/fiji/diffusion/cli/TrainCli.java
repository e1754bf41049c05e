package sc.fiji.diffusion.cli;

import ij.ImagePlus;
import ij.io.Opener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tasks.Train;
import sc.fiji.diffusion.engine.training.Trainer;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.fiji.ImagePlanes;
import sc.fiji.diffusion.models.Models;

/**
 * {@code train --in FOLDER --base grayscale --name my-cells [--steps 2000 --batch 16 --patch 64
 * --lr 0.0002 --seed 1 --validation 0.1 --resume false --overwrite false --normalize auto
 * --device auto --out MODELS_FOLDER]}: the Train command's keys, on every slice of every TIFF in
 * a folder. Writes into {@code --out}, else where Fiji's Train would.
 */
final class TrainCli {

	private TrainCli() {}

	static void run(final Map<String, String> o) throws IOException {
		if (!o.containsKey("in")) throw new IllegalArgumentException("--in FOLDER (of TIFFs to train on) is required");
		final Path in = Paths.get(o.get("in"));
		if (!Files.isDirectory(in)) throw new IllegalArgumentException("input folder not found: " + in);
		final List<Path> files;
		try (Stream<Path> s = Files.list(in)) {
			files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.tiff?$")).sorted()
				.collect(Collectors.toList());
		}
		final List<Train.Image> images = new ArrayList<>();
		int bits = 8;
		for (final Path f : files) {
			final ImagePlus imp = new Opener().openImage(f.toString());
			if (imp == null) throw new IllegalArgumentException(f + " is not an image ImageJ can read");
			ImagePlanes.checkSingleChannel(imp, "training image");
			bits = Math.max(bits, imp.getBitDepth());
			for (final float[] px : ImagePlanes.planes(imp))
				images.add(new Train.Image(px, imp.getWidth(), imp.getHeight()));
		}
		if (images.isEmpty()) throw new IllegalArgumentException("no TIFF images in " + in);
		final String base = o.getOrDefault("base", Models.DEFAULT_IMAGE);
		final boolean fresh = base.equalsIgnoreCase("none");
		final ModelDescriptor d = ModelDescriptor.read(Models.resolve(fresh ? Models.DEFAULT_IMAGE : base));
		final Train task = Train.from(d, fresh).name(o.get("name")).steps(Integer.parseInt(o.getOrDefault("steps", "2000")))
			.batch(Integer.parseInt(o.getOrDefault("batch", "16"))).patch(Integer.parseInt(o.getOrDefault("patch", "64"))).lr(
				Double.parseDouble(o.getOrDefault("lr", "0.0002"))).seed(Long.parseLong(o.getOrDefault("seed", "1"))).validation(
					Double.parseDouble(o.getOrDefault("validation", "0.1"))).resume(Boolean.parseBoolean(o.getOrDefault("resume",
						"false"))).overwrite(Boolean.parseBoolean(o.getOrDefault("overwrite", "false"))).device(o.getOrDefault(
							"device", "auto")).normalization(Normalization.parse(o.get("normalize"), Double.parseDouble(o
								.getOrDefault("low", "0.5")), Double.parseDouble(o.getOrDefault("high", "99.5"))), bits).data(
									files.size() + " TIFF file(s) from " + in.getFileName());
		if (o.containsKey("checkpoint-every")) task.checkpointEvery(Integer.parseInt(o.get("checkpoint-every")));
		if (o.containsKey("validation-every")) task.validationEvery(Integer.parseInt(o.get("validation-every")));
		final Path folder = o.containsKey("out") ? Files.createDirectories(Paths.get(o.get("out"))) : Models
			.trainingFolder();
		final int steps = task.settings().steps;
		final Trainer.Listener listener = new Trainer.Listener() {

			private int lastPct = -1;

			@Override
			public void step(final int k, final int n, final double loss, final double rate) {
				final int pct = 100 * k / n;
				if (pct / 5 != lastPct / 5 || k == n) System.out.println(String.format(Locale.ROOT,
					"train: step %d/%d, loss %.4f, %.2f steps/s, %.0f s left", k, n, loss, rate, (n - k) / Math.max(rate,
						1e-9)));
				lastPct = pct;
			}

			@Override
			public void validation(final int k, final double loss) {
				System.out.println(String.format(Locale.ROOT, "train: step %d: validation loss %.5f", k, loss));
			}
		};
		task.run(images, folder, Monitor.NONE, listener, System.out::println);
		System.out.println("use it with --model " + o.get("name") + " (" + steps + " steps)");
	}
}
