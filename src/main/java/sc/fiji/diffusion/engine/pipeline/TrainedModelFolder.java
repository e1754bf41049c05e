package sc.fiji.diffusion.engine.pipeline;

import ai.djl.engine.Engine;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.training.Trainer;

/**
 * Writes a trained model's folder: weights, a descriptor (the base's, with what was trained and
 * how), a model card. The folder is written under a hidden name and renamed into place, so a
 * failure never leaves a half-written model that the commands would offer; with data=noisy the
 * {@link Judge} decides first whether the adapted model may take its place at all.
 */
final class TrainedModelFolder {

	private TrainedModelFolder() {}

	/** Whether a trained model (written to a folder not yet in place) is better than its base. */
	interface Judge {

		/**
		 * @param candidate the trained model's folder
		 * @param heldOut the validation planes in image units
		 */
		Verdict judge(Path candidate, List<Hyperstack> heldOut) throws IOException;
	}

	/** A judge's answer and why, in words for the Log. */
	static final class Verdict {

		final boolean better;
		final String why;

		Verdict(final boolean better, final String why) {
			this.better = better;
			this.why = why;
		}
	}

	/**
	 * @param trained the trained network's weights to write (e.g. the best of a run), or null for
	 *          the trainer's as they are now
	 * @param target where the model goes (an existing model there is replaced)
	 * @param ckpt the training's checkpoint folder (a model judged not better is set aside in it)
	 * @return {@code target}
	 */
	static Path write(final Trainer trainer, final Path trained, final ModelDescriptor base,
		final TrainSettings s, final String data, final TrainingData d, final Judge judge, final Path folder,
		final Path target, final Path ckpt, final Monitor monitor) throws IOException
	{
		final String name = s.name();
		final Path tmp = Files.createTempDirectory(folder, "." + name + ".partial-");
		try {
			final Path weights = tmp.resolve("weights.pt");
			if (trained != null) Files.copy(trained, weights);
			else try (OutputStream out = Files.newOutputStream(weights)) {
				trainer.export(out);
			}
			final Map<String, Object> yaml = base.copyOfYaml();
			yaml.put("name", name);
			final String from = s.fresh() ? "from fresh weights of the architecture of '" + base.name() + "'" :
				"by fine-tuning '" + base.name() + "'";
			yaml.put("description", "Diffusion prior trained in Fiji (Plugins > Diffusion > Train) " + from + " on " + (data
				.isEmpty() ? "the user's images" : data) + ".");
			final Map<String, Object> training = new LinkedHashMap<>();
			training.put("base", s.fresh() ? "none (fresh weights of " + base.name() + "'s architecture)" : base.name());
			training.put("data", (data.isEmpty() ? "" : data + "; ") + d.count + " image(s); " + d.split);
			training.put("normalize", s.normalization().toString() + ": " + d.values);
			training.putAll(trainer.settings().asMap());
			training.putAll(trainer.objective().describe());
			if (trainer.validationObjective() != trainer.objective()) training.put("validation_loss", trainer
				.validationObjective().describe().get("loss"));
			if (d.adapted != null) {
				final Map<String, Object> adapted = new LinkedHashMap<>(d.adapted);
				adapted.put("network", "the base's own network, every weight");
				adapted.put("weights_kept", trained != null ? "the weights with the lowest held-out estimate" :
					"the last step's");
				training.put("adapted", adapted);
			}
			training.put("steps_done", trainer.step());
			training.put("wall_time_minutes", Math.round(trainer.seconds() / 6) / 10.0);
			training.put("device", Devices.describe(trainer.device()));
			training.put("loss_history", rows(trainer.lossHistory()));
			if (!trainer.validationHistory().isEmpty()) training.put("validation_loss_history", rows(trainer
				.validationHistory()));
			training.put("tool", "Diffusion for Fiji Train (Java, DJL PyTorch engine)");
			yaml.put("training", training);
			@SuppressWarnings("unchecked")
			final Map<String, Object> w = (Map<String, Object>) yaml.get("weights");
			@SuppressWarnings("unchecked")
			final Map<String, Object> ts = (Map<String, Object>) w.get("torchscript");
			ts.put("source", "weights.pt");
			ts.put("sha256", ModelDescriptor.sha256(weights));
			// the base's bfloat16 copy of its own network: stale, that network trained
			w.remove("torchscript_inference");
			// written by the PyTorch inside DJL, not by the base model's exporter
			ts.put("pytorch_version", Engine.getEngine("PyTorch").getVersion());
			// the base's one-step network was distilled from its own weights: not these
			w.remove("torchscript_one_step");
			yaml.put("documentation", "README.md");
			Files.write(tmp.resolve("README.md"), card(name, from, training).getBytes(StandardCharsets.UTF_8));
			final DumperOptions opt = new DumperOptions();
			opt.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
			opt.setWidth(120);
			final String text = "# Diffusion for Fiji model descriptor, written by Train\n" + new Yaml(opt).dump(yaml);
			Files.write(tmp.resolve(ModelDescriptor.FILE_NAME), text.getBytes(StandardCharsets.UTF_8));
			final ModelDescriptor back = ModelDescriptor.read(tmp);
			back.verifiedWeights(); // it reads back, and the sha256s hold
			readableByAll(tmp);
			if (d.adapted != null) {
				if (judge == null || d.heldOut.isEmpty()) monitor.log("Train: data=noisy: the adapted model is NOT compared " +
					"with '" + base.name() + "' (" + (judge == null ? "no judge" : "no held-out data: " + d.split) + "); compare " +
					"them on your images before relying on it");
				else {
					final Verdict v = judge.judge(tmp, d.heldOut);
					monitor.log("Train: data=noisy: " + v.why);
					if (!v.better) {
						// kept where the checkpoint is, for a user who wants it anyway; never in place of a model
						final Path kept = ckpt.resolve("not-better-" + name);
						deleteTree(kept);
						Files.createDirectories(ckpt);
						Files.move(tmp, kept);
						throw new TrainPipeline.NotBetter("adapting '" + base.name() + "' on these noisy images did not " +
							"make it better (" + v.why + "): no model '" + name + "' was written; keep using '" + base.name() +
							"'. The adapted model is in " + kept + " (and the checkpoint beside it) if you want it anyway");
					}
				}
			}
			if (Files.exists(target)) {
				final Path old = Files.createTempDirectory(folder, "." + name + ".old-");
				Files.move(target, old.resolve(name));
				Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
				deleteTree(old);
			}
			else Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
			return target;
		}
		catch (final IOException e) {
			deleteTree(tmp);
			throw new IOException("could not write model '" + name + "' to " + folder + ": " + e.getMessage(), e);
		}
		catch (final RuntimeException e) {
			deleteTree(tmp);
			throw e;
		}
	}

	/**
	 * A temporary folder is created private (rwx------); a model folder in a shared Fiji.app must
	 * be readable by every user of it, as any installed file is: rwxr-xr-x / rw-r--r--.
	 */
	static void readableByAll(final Path dir) throws IOException {
		if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) return;
		try (Stream<Path> s = Files.walk(dir)) {
			for (final Path p : (Iterable<Path>) s::iterator)
				Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" :
					"rw-r--r--"));
		}
	}

	/** The model card: what it is, what it was trained on and how, how to use it. */
	private static String card(final String name, final String from, final Map<String, Object> training) {
		final StringBuilder b = new StringBuilder();
		b.append("# ").append(name).append("\n\n");
		b.append("A diffusion prior trained in Fiji (Plugins › Diffusion › Train) ").append(from.replace('\'', '`')).append(
			".\n\n| | |\n|---|---|\n");
		for (final Map.Entry<String, Object> e : training.entrySet()) {
			if (e.getKey().endsWith("history")) continue;
			b.append("| ").append(e.getKey()).append(" | ").append(String.valueOf(e.getValue()).replace("|", "/")).append(
				" |\n");
		}
		b.append("\nUse it by name: `run(\"Denoise\", \"model=").append(name).append("\");` (also Inpaint, Edit, Sample).")
			.append(" The loss history is in `rdf.yaml` (`training:`).\n");
		return b.toString();
	}

	private static List<List<Double>> rows(final List<double[]> h) {
		final List<List<Double>> out = new ArrayList<>();
		for (final double[] r : h)
			out.add(Arrays.asList(r[0], Math.round(r[1] * 1e5) / 1e5));
		return out;
	}

	static void deleteTree(final Path p) throws IOException {
		if (!Files.exists(p)) return;
		try (Stream<Path> s = Files.walk(p)) {
			for (final Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator)
				Files.deleteIfExists(q);
		}
	}
}
