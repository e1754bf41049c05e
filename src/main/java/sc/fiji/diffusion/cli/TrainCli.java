package sc.fiji.diffusion.cli;

import ij.ImagePlus;

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
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.pipeline.TrainPipeline;
import sc.fiji.diffusion.engine.pipeline.TrainSettings;
import sc.fiji.diffusion.engine.training.Trainer;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.fiji.ImagePlanes;
import sc.fiji.diffusion.models.ModelLocator;

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
		final List<Hyperstack> images = new ArrayList<>();
		for (final Path f : files) {
			final ImagePlus imp = Batch.open(f);
			images.add(ImagePlanes.toHyperstack(imp));
		}
		if (images.isEmpty()) throw new IllegalArgumentException("no TIFF images in " + in);
		final TrainSettings.Builder b = TrainSettings.builder().base(o.get("base")).name(o.get("name")).steps(Batch.integer(o,
			"steps", "2000")).batch(Batch.integer(o, "batch", "16")).patch(Batch.integer(o, "patch", "64")).lr(Batch.number(o,
				"lr", "0.0002")).seed(Batch.integer(o, "seed", "1")).validation(Batch.number(o, "validation", "0.1")).resume(Batch
					.bool(o, "resume")).overwrite(Batch.bool(o, "overwrite")).keepCheckpoint(Batch.bool(o, "keep_checkpoint"))
			.device(o.get("device")).normalization(Normalization.parse(o.get("normalize"), Batch.number(o, "low", "0.5"), Batch
				.number(o, "high", "99.5"))).data(o.get("data")).noise(NoiseSettings.parse(o.get("noise"), Batch.number(o,
					"sigma", "0"), Batch.number(o, "gain", "0"), NoiseSettings.parseOffset(o.get("offset"))));
		if (o.containsKey("checkpoint-every")) b.checkpointEvery(Batch.integer(o, "checkpoint-every", "250"));
		if (o.containsKey("validation-every")) b.validationEvery(Batch.integer(o, "validation-every", "100"));
		final TrainSettings settings = b.build();
		final ModelLocator locator = o.containsKey("out") ? ModelLocator.of(ModelLocator.fromEnvironment().searchPath(), Paths
			.get(o.get("out"))) : ModelLocator.fromEnvironment();
		final int steps = settings.steps();
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
		TrainPipeline.run(images, files.size() + " TIFF file(s) from " + in.getFileName(), settings, locator, Monitor.logging(
			System.out::println), listener);
		System.out.println("use it with --model " + o.get("name") + " (" + steps + " steps)");
	}
}
