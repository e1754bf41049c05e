package sc.fiji.diffusion.engine.tasks;

import ai.djl.Device;
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
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.NoiseModel;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Patches;
import sc.fiji.diffusion.engine.training.Trainer;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * Trains a diffusion prior on a user's images and writes it as a new model folder, next to the
 * others, found by name at once. Starts from a base model's weights (fine-tuning) or from fresh
 * weights of the base's architecture ({@code fresh}); the images are mapped into the model's
 * units by the same {@link Normalization} the image commands use. A validation set is held out:
 * whole images when there are at least 5, else the bottom rows of every image.
 * <p>
 * The model folder appears atomically (written under a hidden name, then renamed), so a failure
 * or cancel never leaves a half-written model that the commands would offer. The training state
 * is checkpointed in a hidden folder beside it ({@code .<name>.training}), from which
 * {@code resume} continues (also after a cancel).
 */
public final class Train {

	/** A training image: one plane in the image's units. */
	public static final class Image {

		public final float[] px;
		public final int w, h;

		public Image(final float[] px, final int w, final int h) {
			if (px.length != (long) w * h) throw new IllegalArgumentException("image has " + px.length + " pixels, expected " +
				w + "x" + h);
			this.px = px;
			this.w = w;
			this.h = h;
		}
	}

	private final ModelDescriptor base;
	private final boolean fresh;
	private final Trainer.Settings settings = new Trainer.Settings();
	private String name = "";
	private double validation = 0.1;
	private boolean resume, overwrite;
	private String device = "auto";
	private Normalization normalization = Normalization.auto();
	private int bitDepth = 32;
	private String dataDescription = "";
	private boolean keepCheckpoint;
	private NoiseSettings noisy;
	/** Levels σ_t ≥ this × the data's σ are learned from noisy data (see {@link Objective.Ambient}). */
	public static final double AMBIENT_FACTOR = 1.25;
	/** Fraction of patches trained below that level, on the base model's posterior means. */
	public static final double AMBIENT_LOW_FRACTION = 0.3;
	/** Draws of extra noise Denoise averages with an adapted model (output=mean). */
	public static final int ADAPTED_DRAWS = 4;
	private Map<String, Object> adapted;
	private Judge judge;

	private Train(final ModelDescriptor base, final boolean fresh) {
		this.base = base;
		this.fresh = fresh;
	}

	/**
	 * @param base the model to fine-tune, or whose architecture to train from scratch
	 * @param fresh true: fresh weights of the base's architecture (base=none)
	 */
	public static Train from(final ModelDescriptor base, final boolean fresh) {
		return new Train(base, fresh);
	}

	public Train name(final String n) { name = n == null ? "" : n.trim(); return this; }
	public Train steps(final int n) { settings.steps = n; return this; }
	public Train batch(final int b) { settings.batch = b; return this; }
	public Train patch(final int p) { settings.patch = p; return this; }
	public Train lr(final double l) { settings.lr = l; return this; }
	public Train seed(final long s) { settings.seed = s; return this; }
	public Train warmup(final int w) { settings.warmup = w; return this; }
	public Train checkpointEvery(final int n) { settings.checkpointEvery = n; return this; }
	public Train validationEvery(final int n) { settings.validationEvery = n; return this; }
	/** Fraction of the data held out for the validation loss (0 = none). */
	public Train validation(final double f) { validation = f; return this; }
	public Train resume(final boolean r) { resume = r; return this; }
	public Train overwrite(final boolean o) { overwrite = o; return this; }
	public Train device(final String d) { device = d; return this; }
	/** How the images' values go onto the model's data range, and their bit depth (8, 16 or 32). */
	public Train normalization(final Normalization n, final int bits) { normalization = n; bitDepth = bits; return this; }
	/** Keep the checkpoint folder after a successful run (default: removed, it is as large as the model several times). */
	public Train keepCheckpoint(final boolean k) { keepCheckpoint = k; return this; }
	/** The images are noisy (data=noisy) with this noise: adapt the prior without clean data. */
	public Train noisy(final NoiseSettings n) { noisy = n; return this; }
	/** A line about the data for the model card (e.g. the image's title). */
	public Train data(final String description) { dataDescription = description == null ? "" : description; return this; }
	/** data=noisy: what decides whether the adapted model is better than its base before it is put in place. */
	public Train judge(final Judge j) { judge = j; return this; }

	/**
	 * Compares a model adapted on noisy data with its base on noisy data it was not trained on,
	 * without clean images (the caller's estimate of each one's error).
	 */
	@FunctionalInterface
	public interface Judge {

		/**
		 * @param candidate the adapted model's folder, written but not yet in place
		 * @param heldOut the held-out noisy planes (image units)
		 * @return the verdict
		 */
		Verdict judge(Path candidate, List<Image> heldOut) throws IOException;
	}

	/** A judge's verdict: whether the adapted model is better, and the line that says why. */
	public static final class Verdict {

		public final boolean better;
		public final String why;

		public Verdict(final boolean better, final String why) {
			this.better = better;
			this.why = why;
		}
	}

	/**
	 * Thrown when a model adapted on noisy data is not better than its base on held-out noisy data:
	 * it is not put in place (a user would take it for an improvement); it stays in the checkpoint
	 * folder, said in the message. An IllegalArgumentException so that every front end shows its
	 * message as it shows a refused input's (a dialog, the Log, "error: ..." on the command line).
	 */
	public static final class NotBetter extends IllegalArgumentException {

		private static final long serialVersionUID = 1L;

		public NotBetter(final String message) {
			super(message);
		}
	}

	public Trainer.Settings settings() {
		return settings;
	}

	/** The checks that need no images: name, sizes, numbers. */
	public void validate() {
		if (name.isEmpty()) throw new IllegalArgumentException("give the new model a name (name=my-cells)");
		if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) throw new IllegalArgumentException("model name '" + name +
			"' may only hold letters, digits, '.', '_' and '-' (it becomes a folder name)");
		if (!(validation >= 0 && validation < 1)) throw new IllegalArgumentException("validation must be a fraction in " +
			"[0, 1), was " + validation);
		final int[] min = base.minSize(), step = base.sizeStep();
		final int p = settings.patch;
		for (int d = 0; d < min.length; d++) {
			final boolean ok = step[d] == 0 ? p == min[d] : p >= min[d] && (p - min[d]) % step[d] == 0;
			if (!ok) throw new IllegalArgumentException("patch " + p + " is not a size model '" + base.name() + "' accepts: " +
				(step[d] == 0 ? "it takes exactly " + min[d] : "at least " + min[d] + " in steps of " + step[d] + " (e.g. " +
					(min[d] + step[d] * Math.max(0, (64 - min[d]) / step[d])) + ")"));
		}
		if (base.channels() != 1) throw new IllegalArgumentException("Train handles one-channel models; '" + base.name() +
			"' has " + base.channels());
		if (settings.checkpointEvery < 1 || settings.validationEvery < 1) throw new IllegalArgumentException(
			"checkpoint and validation intervals must be at least 1");
	}

	/** Where the model will be written. */
	public static Path target(final Path folder, final String name) {
		return folder.resolve(name);
	}

	/** The hidden checkpoint folder of a model being trained. */
	public static Path checkpoint(final Path folder, final String name) {
		return folder.resolve("." + name + ".training");
	}

	/**
	 * Trains on {@code images} and writes the model into {@code folder}.
	 *
	 * @param say receives what a user should read in the log (settings, splits, where things go)
	 * @return the new model's folder
	 */
	public Path run(final List<Image> images, final Path folder, final Monitor monitor, final Trainer.Listener listener,
		final Consumer<String> say) throws IOException
	{
		validate();
		if (images.isEmpty()) throw new IllegalArgumentException("no training images: the stack is empty");
		for (final Image im : images)
			for (final float v : im.px)
				if (!Float.isFinite(v)) throw new IllegalArgumentException("the training images contain NaN or infinite " +
					"pixels; replace them first (e.g. Process › Math › Remove NaNs)");
		final Path target = target(folder, name), ckpt = checkpoint(folder, name);
		if (Files.exists(target) && !overwrite && !resume) throw new IllegalArgumentException("a model called '" + name +
			"' already exists in " + folder + ": choose another name, or set overwrite=true to replace it");
		if (resume && !Files.isRegularFile(ckpt.resolve("checkpoint.properties"))) throw new IllegalArgumentException(
			"nothing to resume: no checkpoint of '" + name + "' in " + folder + " (train without resume first)");
		if (!Files.isWritable(folder)) throw new IllegalArgumentException("cannot write to the models folder " + folder);

		// data=noisy: each image's noise model (Gaussian σ, or a camera through the Anscombe transform)
		final int n = images.size();
		final float[][] planes = new float[n][];
		final NoiseModel[] noise = new NoiseModel[n];
		boolean stabilised = false;
		for (int i = 0; i < n; i++) {
			final Image im = images.get(i);
			if (noisy == null) planes[i] = im.px;
			else {
				final int k = i;
				noise[i] = noisy.model(new float[][] { im.px }, im.w, msg -> say.accept("Train: data=noisy: image " + (k + 1) +
					": " + msg)).get(0);
				planes[i] = noise[i].forward(im.px);
				stabilised |= noise[i].isStabilised();
			}
		}
		// one value map for all images, as the image commands make it
		final ValueMap values = normalization.map(base, stabilised ? 32 : bitDepth, planes);
		say.accept("Train: normalize=" + normalization + ": " + values);
		final float[][] model = new float[n][], twins = new float[n][];
		final double[] sigmaModel = new double[n];
		for (int i = 0; i < n; i++)
			model[i] = values.toModel(planes[i]);
		if (noisy != null) {
			for (int i = 0; i < n; i++) {
				sigmaModel[i] = noise[i].workingSigma() * values.scale();
				// below a third of a grey level on 0-255 there is nothing to adapt to: a clean image
				if (sigmaModel[i] < 0.005) throw new IllegalArgumentException(String.format(Locale.ROOT, "data=noisy, but " +
					"image %d has no measurable noise (%s, %.3g of the model's range); train with data=clean", i + 1, noise[i],
					sigmaModel[i]));
				say.accept(String.format(Locale.ROOT, "Train: data=noisy: image %d: %s, sigma %.4g in model units", i + 1,
					noise[i], sigmaModel[i]));
			}
			// the base model's posterior means: what the levels below the data's noise are held to
			final long t0 = System.nanoTime();
			try (DiffusionModel b = DiffusionModel.load(base
				.dir(), Devices.resolve(device)))
			{
				for (int i = 0; i < n; i++) {
					monitor.checkCanceled();
					final Image im = images.get(i);
					twins[i] = Denoise.with(b).values(ValueMap.of(1, 0, "model units")).sigma(sigmaModel[i]).run(
						Images.plane(model[i], im.w, im.h), Monitor.NONE).pixels();
				}
			}
			say.accept(String.format(Locale.ROOT, "Train: data=noisy: the base model's posterior means of the %d image(s) " +
				"in %.1f s (the levels below %.2f x the data's noise are held to them)", n, (System.nanoTime() - t0) / 1e9,
				AMBIENT_FACTOR));
		}

		// the validation split: whole images when there are enough, else the bottom rows of each
		final Patches train = new Patches(settings.patch), val = new Patches(settings.patch);
		// the same held-out data as raw noisy planes, for the judge
		final List<Image> heldOut = new ArrayList<>();
		String split;
		if (validation > 0 && n >= 5) {
			final int held = Math.max(1, (int) Math.round(validation * n));
			final List<Integer> order = new ArrayList<>();
			for (int i = 0; i < n; i++)
				order.add(i);
			Collections.shuffle(order, new Random(settings.seed));
			for (int i = 0; i < n; i++) {
				final int j = order.get(i);
				final Image im = images.get(j);
				(i < held ? val : train).add(model[j], twins[j], sigmaModel[j], im.w, im.h, 0, im.h);
				if (i < held) heldOut.add(im);
			}
			split = held + " of " + n + " images held out for validation";
		}
		else {
			boolean regions = validation > 0;
			for (final Image im : images)
				regions &= Math.round(im.h * validation) >= settings.patch && im.h - Math.round(im.h * validation) >= settings
					.patch;
			for (int j = 0; j < n; j++) {
				final Image im = images.get(j);
				final int cut = regions ? im.h - (int) Math.round(im.h * validation) : im.h;
				train.add(model[j], twins[j], sigmaModel[j], im.w, im.h, 0, cut);
				if (regions) {
					val.add(model[j], twins[j], sigmaModel[j], im.w, im.h, cut, im.h);
					heldOut.add(new Image(Arrays.copyOfRange(im.px, cut * im.w, im.h * im.w), im.w, im.h - cut));
				}
			}
			split = validation == 0 ? "no validation (validation=0)" : regions ? String.format(Locale.ROOT,
				"the bottom %.0f %% of the rows of each image held out for validation", 100 * validation) :
				"no validation: the images are too small to hold out rows of a patch's height (" + settings.patch + ")";
		}
		say.accept(String.format(Locale.ROOT, "Train: %d image(s), %.2f Mpx to draw %dx%d patches from; %s", n, train
			.pixels() / 1e6, settings.patch, settings.patch, split));
		final Objective objective = noisy == null ?
			new Objective.Clean() : new Objective.Ambient(
				AMBIENT_FACTOR, AMBIENT_LOW_FRACTION);
		adapted = null;
		if (noisy != null) {
			final double[] sorted = sigmaModel.clone();
			Arrays.sort(sorted);
			adapted = new LinkedHashMap<>();
			adapted.put("data", "noisy");
			adapted.put("noise", noisy.toString() + (n > 0 ? ": " + noise[0] : ""));
			adapted.put("sigma_model", Math.round(sorted[n / 2] * 1e6) / 1e6);
			adapted.put("sigma_model_min", Math.round(sorted[0] * 1e6) / 1e6);
			adapted.put("factor", AMBIENT_FACTOR);
			adapted.put("draws", ADAPTED_DRAWS);
		}

		final Path network = resume ? ckpt.resolve("network.pt") : base.verifiedWeights();
		settings.label = base.isConditional() ? base.nullClass() : 0; // a conditional base learns the unconditional model
		final Device dev = Devices.resolve(device);
		try (Trainer trainer = new Trainer(network, dev, base.schedule(), settings, train, val.size() > 0 ? val : null,
			fresh && !resume ? base.zeroInit() : null, objective))
		{
			if (resume) {
				trainer.restore(ckpt);
				say.accept("Train: resuming '" + name + "' at step " + trainer.step() + " of " + settings.steps);
			}
			say.accept(String.format(Locale.ROOT, "Train: %s '%s' (%d parameters) on %s: %s", fresh ? "fresh weights of" :
				"fine-tuning", base.name(), trainer.parameterCount(), Devices.describe(dev), settings
					.asMap()));
			say.accept("Train: checkpoints in " + ckpt + "; the model will be " + target);
			trainer.run(monitor, listener, ckpt);
			final Path written = write(trainer, folder, target, values, split, n, heldOut, say, ckpt);
			say.accept(String.format(Locale.ROOT, "Train: wrote model '%s' to %s (%d steps, %.1f min)", name, written, trainer
				.step(), trainer.seconds() / 60));
			if (keepCheckpoint) say.accept("Train: the checkpoint stays in " + ckpt + " (keep_checkpoint=true): resume=true " +
				"with more steps continues from it");
			else {
				deleteTree(ckpt);
				say.accept("Train: removed the checkpoint " + ckpt + " (keep_checkpoint=true keeps it for a later resume)");
			}
			return written;
		}
	}

	/** Writes the model folder under a hidden name and renames it into place (replacing an old one when asked). */
	private Path write(final Trainer trainer, final Path folder, final Path target, final ValueMap values,
		final String split, final int images, final List<Image> heldOut, final Consumer<String> say, final Path ckpt)
		throws IOException
	{
		final Path tmp = Files.createTempDirectory(folder, "." + name + ".partial-");
		try {
			final Path weights = tmp.resolve("weights.pt");
			try (OutputStream out = Files.newOutputStream(weights)) {
				trainer.export(out);
			}
			final Map<String, Object> yaml = base.copyOfYaml();
			yaml.put("name", name);
			yaml.put("description", "Diffusion prior trained in Fiji (Plugins > Diffusion > Train) " + (fresh ?
				"from fresh weights of the architecture of '" + base.name() + "'" : "by fine-tuning '" + base.name() + "'") +
				" on " + (dataDescription.isEmpty() ? "the user's images" : dataDescription) + ".");
			final Map<String, Object> training = new LinkedHashMap<>();
			training.put("base", fresh ? "none (fresh weights of " + base.name() + "'s architecture)" : base.name());
			training.put("data", (dataDescription.isEmpty() ? "" : dataDescription + "; ") + images + " image(s); " + split);
			training.put("normalize", normalization.toString() + ": " + values);
			training.putAll(trainer.settings().asMap());
			training.putAll(trainer.objective().describe());
			if (adapted != null) {
				training.put("adapted", adapted);
				// what Denoise reads to use the matching estimator (config.diffusion.adapted)
				@SuppressWarnings("unchecked")
				final Map<String, Object> diffusion = (Map<String, Object>) ((Map<String, Object>) yaml.get("config")).get(
					"diffusion");
				diffusion.put("adapted", adapted);
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
			final Map<String, Object> ts = (Map<String, Object>) ((Map<String, Object>) yaml.get("weights")).get(
				"torchscript");
			ts.put("source", "weights.pt");
			ts.put("sha256", ModelDescriptor.sha256(weights));
			// the weights were written by the PyTorch inside DJL, not by the base model's exporter
			ts.put("pytorch_version", Engine.getEngine("PyTorch").getVersion());
			// the base's inference copy holds the base's weights, and its one-step network was distilled from them: not these
			((Map<?, ?>) yaml.get("weights")).remove("torchscript_inference");
			((Map<?, ?>) yaml.get("weights")).remove("torchscript_one_step");
			yaml.put("documentation", "README.md");
			Files.write(tmp.resolve("README.md"), card(training, values, split).getBytes(StandardCharsets.UTF_8));
			final DumperOptions opt = new DumperOptions();
			opt.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
			opt.setWidth(120);
			final String text = "# Diffusion for Fiji model descriptor, written by Train\n" + new Yaml(opt).dump(yaml);
			Files.write(tmp.resolve(ModelDescriptor.FILE_NAME), text.getBytes(StandardCharsets.UTF_8));
			ModelDescriptor.read(tmp).verifiedWeights(); // it reads back, and the sha256 holds
			readableByAll(tmp);
			if (adapted != null) {
				if (judge == null || heldOut.isEmpty()) say.accept("Train: data=noisy: the adapted model is NOT compared with '" +
					base.name() + "' (" + (judge == null ? "no judge" : "no held-out data: " + split) + "); compare them on your " +
					"images before relying on it");
				else {
					final Verdict v = judge.judge(tmp, heldOut);
					say.accept("Train: data=noisy: " + v.why);
					if (!v.better) {
						// kept where the checkpoint is, for a user who wants it anyway; never in place of a model
						final Path kept = ckpt.resolve("not-better-" + name);
						deleteTree(kept);
						Files.createDirectories(ckpt);
						Files.move(tmp, kept);
						throw new NotBetter("Train: adapting '" + base.name() + "' on these noisy images did not make it better " +
							"(" + v.why + "): no model '" + name + "' was written; keep using '" + base.name() + "'. The adapted " +
							"model is in " + kept + " (and the checkpoint beside it) if you want it anyway");
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
				Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ?
					"rwxr-xr-x" : "rw-r--r--"));
		}
	}

	/** The model card of a trained model: what it is, what it was trained on and how, how to use it. */
	private String card(final Map<String, Object> training, final ValueMap values, final String split) {
		final StringBuilder b = new StringBuilder();
		b.append("# ").append(name).append("\n\n");
		b.append("A diffusion prior trained in Fiji (Plugins › Diffusion › Train) ").append(fresh ?
			"from fresh weights of the architecture of `" + base.name() + "`" : "by fine-tuning `" + base.name() + "`")
			.append(".\n\n| | |\n|---|---|\n");
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
