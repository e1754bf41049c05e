package sc.fiji.diffusion.cli;

import ij.ImagePlus;

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
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleService;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.pipeline.TrainPipeline;
import sc.fiji.diffusion.engine.pipeline.TrainSettings;
import sc.fiji.diffusion.engine.training.Trainer;
import sc.fiji.diffusion.fiji.DiffusionCommands;
import sc.fiji.diffusion.fiji.ImagePlanes;
import sc.fiji.diffusion.fiji.TrainCommand;
import sc.fiji.diffusion.models.ModelLocator;

/**
 * {@code train --in FOLDER --name my-cells [--KEY VALUE ...] [--out MODELS_FOLDER]}: Train's own
 * keys and defaults (those of {@link TrainCommand}'s parameters, read from the command, not
 * repeated here), on every slice of every TIFF in a folder; {@code --in}, {@code --out},
 * {@code --checkpoint-every} and {@code --validation-every} are this front end's own. Writes into
 * {@code --out}, else where Fiji's Train would.
 */
final class TrainCli {

	/** The keys only the command line has (a folder instead of an open image, and training cadences). */
	static final List<String> OWN_KEYS = Arrays.asList("in", "out", "checkpoint-every", "validation-every");

	private TrainCli() {}

	/** Train's settings from command-line options: the command's keys through the command itself, then this front end's. */
	static TrainSettings.Builder settings(final Map<String, String> o) {
		final Map<String, String> keys = new LinkedHashMap<>(o);
		keys.keySet().removeAll(OWN_KEYS);
		if (keys.containsKey("image")) throw new IllegalArgumentException("train takes --in FOLDER (of TIFFs), not --image");
		final Context context = new Context(CommandService.class, ModuleService.class);
		try {
			final CommandService cs = context.service(CommandService.class);
			final TrainSettings.Builder b = ((TrainCommand) DiffusionCommands.withValues(cs, DiffusionCommands.get(cs,
				"train"), keys)).settings();
			if (o.containsKey("checkpoint-every")) b.checkpointEvery(Batch.integer(o, "checkpoint-every", "250"));
			if (o.containsKey("validation-every")) b.validationEvery(Batch.integer(o, "validation-every", "100"));
			return b;
		}
		finally {
			context.dispose();
		}
	}

	/** Every key the command line's train accepts: the command's (but its image) and {@link #OWN_KEYS}. */
	static List<String> keys() {
		final Context context = new Context(CommandService.class);
		try {
			final CommandService cs = context.service(CommandService.class);
			final List<String> out = new ArrayList<>(DiffusionCommands.keys(DiffusionCommands.get(cs, "train")));
			out.remove("image");
			out.addAll(OWN_KEYS);
			return out;
		}
		finally {
			context.dispose();
		}
	}

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
		final TrainSettings.Builder b = settings(o);
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
