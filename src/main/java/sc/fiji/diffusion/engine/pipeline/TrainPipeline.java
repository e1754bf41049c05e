package sc.fiji.diffusion.engine.pipeline;

import ai.djl.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.CameraFit;
import sc.fiji.diffusion.engine.noise.Sure;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Trainer;

/**
 * Train, from images and settings to a new model folder, for every front end (the Train
 * command, the {@code train} verb, batch): finds the base model, protects the names of the
 * bundled models, checks what the base accepts, takes every plane of every image (each channel
 * on its own) as a training image, prepares them ({@link TrainingData}: noise models,
 * normalisation, the validation split), runs the {@link Trainer} with checkpoints, and writes
 * the model folder atomically ({@link TrainedModelFolder}), found by name at once.
 * <p>
 * Starts from a base model's weights (fine-tuning) or from fresh weights of the base's
 * architecture ({@code base=none}). The training state is checkpointed in a hidden folder beside
 * the model ({@link #checkpoint}), from which {@code resume} continues (also after a cancel).
 * <p>
 * data=noisy adapts the base to noisy images alone: it fine-tunes every weight of the base's
 * network with the simple loss on the base's own posterior means of the noisy training images
 * ({@link TrainingData}: one expectation–maximisation step, the prior learning the kind of image
 * from its best estimates of them), and measures the held-out noisy patches by the split-pixel
 * estimate of Denoise's one-call posterior mean ({@code Objective.Split}) — no clean image
 * anywhere. The step with the lowest held-out estimate is kept ({@link BestWeights}); the model is
 * written only where that step beat the base and the {@link #judge} agrees.
 */
public final class TrainPipeline {

	private TrainPipeline() {}

	/** data=noisy: the adapted model was not better than its base, so none was written. */
	public static final class NotBetter extends IllegalArgumentException {

		private static final long serialVersionUID = 1L;

		NotBetter(final String message) {
			super(message);
		}
	}

	/**
	 * data=noisy: pixels of the held-out patches of the estimate that picks the weights kept (64
	 * patches of 64²; fewer of larger patches, so one evaluation's memory stays the same).
	 */
	static final int NOISY_VALIDATION_PIXELS = 64 * 64 * 64;

	/** The hidden checkpoint folder of a model being trained into {@code folder}. */
	public static Path checkpoint(final Path folder, final String name) {
		return folder.resolve("." + name + ".training");
	}

	/**
	 * @param images the training images; every plane is one
	 * @param data a line about the data for the model card (e.g. the image's title)
	 * @param monitor progress, cancel, and the Log: settings, splits, where things go
	 * @return the new model's folder
	 */
	public static Path run(final List<Hyperstack> images, final String data, final TrainSettings s,
		final ModelFolders locator, final Monitor monitor, final Trainer.Listener listener) throws IOException
	{
		final String name = s.name();
		if (s.noisy() && s.fresh()) throw new IllegalArgumentException("data=noisy adapts a trained prior to noisy " +
			"images: choose a base model (e.g. base=grayscale); base=none trains fresh weights on clean images only");
		if (locator.isBundledName(name)) {
			if (!s.overwrite()) throw new IllegalArgumentException("'" + name + "' is the name of a model bundled with " +
				"the plugin; a trained model of that name would replace it for every command that uses it (by default, too). " +
				"Choose another name, or set overwrite=true to shadow the bundled model on purpose");
			monitor.warn("Train: the new model '" + name + "' will shadow the bundled model of that name wherever " +
				"models are looked up by name (overwrite=true); delete its folder to get the bundled one back");
		}
		final ModelDescriptor base = ModelDescriptor.read(s.fresh() ? locator.defaultImageModel() : locator.resolve(s
			.base()));
		checkBaseAccepts(base, s.patch());
		final List<Hyperstack> planes = planes(images, s.patch());
		int bits = 8;
		for (final Hyperstack im : images)
			bits = Math.max(bits, im.bitDepth());

		final Path folder = locator.trainingFolder();
		final Path target = folder.resolve(name), ckpt = checkpoint(folder, name);
		if (Files.exists(target) && !s.overwrite() && !s.resume()) throw new IllegalArgumentException("a model called '" +
			name + "' already exists in " + folder + ": choose another name, or set overwrite=true to replace it");
		if (s.resume() && !Files.isRegularFile(ckpt.resolve("checkpoint.properties"))) throw new IllegalArgumentException(
			"nothing to resume: no checkpoint of '" + name + "' in " + folder + " (train without resume first)");
		if (!Files.isWritable(folder)) throw new IllegalArgumentException("cannot write to the models folder " + folder);

		final TrainingData d = TrainingData.prepare(base, planes, s, bits, monitor);
		final Trainer.Settings ts = new Trainer.Settings();
		ts.steps = s.steps();
		ts.batch = s.batch();
		ts.patch = s.patch();
		ts.lr = s.lr();
		ts.seed = s.seed();
		ts.checkpointEvery = s.checkpointEvery();
		ts.validationEvery = s.validationEvery();
		ts.label = base.isConditional() ? base.nullClass() : 0; // a conditional base learns the unconditional model
		if (s.noisy()) {
			// the EMA as data=clean (what is exported, and what the held-out estimate measures): without it the same run
			// scored 0.2 dB lower at peak 5 (docs/train.md)
			ts.validationPatches = Math.max(4, NOISY_VALIDATION_PIXELS / (s.patch() * s.patch()));
		}
		// the base's own network trains (data=noisy as data=clean, on the posterior means); its one-step network, distilled
		// from the base's weights, is not the new model's (TrainedModelFolder drops it)
		final Path network = s.resume() ? ckpt.resolve("network.pt") : base.verifiedWeights();
		final Device dev = Devices.resolve(s.device());
		try (Trainer trainer = new Trainer(network, dev, base.schedule(), ts, d.train, d.val.size() > 0 ? d.val : null, s
			.fresh() && !s.resume() ? base.zeroInit() : null, d.objective).validateWith(d.validationObjective))
		{
			if (s.resume()) {
				trainer.restore(ckpt);
				monitor.log("Train: resuming '" + name + "' at step " + trainer.step() + " of " + ts.steps);
			}
			monitor.log(String.format(Locale.ROOT, "Train: %s '%s'%s (%d parameters) on %s: %s", s.fresh() ?
				"fresh weights of" : "fine-tuning", base.name(), s.noisy() ? " on its own posterior means of the noisy " +
					"images (simple loss), the weights kept by the held-out noisy data's " + (d.validationObjective instanceof
						Objective.Split ? "split-pixel estimate" : "Stein's unbiased risk estimate") + " of Denoise's one-call " +
					"posterior mean" : "", trainer.parameterCount(), Devices.describe(dev), ts
						.asMap()));
			monitor.log("Train: checkpoints in " + ckpt + "; the model will be " + target);
			final BestWeights best = s.noisy() && d.val.size() > 0 ? BestWeights.start(trainer, ckpt, s.resume()) : null;
			// the base's held-out estimate: where the curve starts (and what a step must beat)
			if (best != null && trainer.step() == 0) listener.validation(0, best.baseLoss());
			trainer.run(monitor, best == null ? listener : best.watching(listener), ckpt);
			TrainedModelFolder.Judge judge = null;
			Path weights = null;
			if (s.noisy()) {
				judge = judge(base, s, monitor);
				if (best != null) {
					d.adapted.put("held_out_estimate", best.describe());
					// no step better on the held-out patches: the last weights are set aside, nothing replaces the base
					// (the verdict's line says why; logging it here too would say it twice)
					if (best.step() == 0) judge = (candidate, heldOut) -> new TrainedModelFolder.Verdict(false, best
						.describe());
					else {
						monitor.log("Train: data=noisy: " + best.describe());
						weights = best.file();
					}
				}
			}
			final Path written = TrainedModelFolder.write(trainer, weights, base, s, data == null ? "" : data
				.trim(), d, judge, folder, target, ckpt, monitor);
			monitor.log(String.format(Locale.ROOT, "Train: wrote model '%s' to %s (%d steps, %.1f min)", name, written,
				trainer.step(), trainer.seconds() / 60));
			if (s.keepCheckpoint()) monitor.log("Train: the checkpoint stays in " + ckpt + " (keep_checkpoint=true): " +
				"resume=true with more steps continues from it");
			else {
				TrainedModelFolder.deleteTree(ckpt);
				monitor.log("Train: removed the checkpoint " + ckpt + " (keep_checkpoint=true keeps it for a later resume)");
			}
			return written;
		}
	}

	/** The patch is a size the base's network accepts, and the base has one channel. */
	static void checkBaseAccepts(final ModelDescriptor base, final int p) {
		final int[] min = base.minSize(), step = base.sizeStep();
		for (int d = 0; d < min.length; d++) {
			final boolean ok = step[d] == 0 ? p == min[d] : p >= min[d] && (p - min[d]) % step[d] == 0;
			if (!ok) throw new IllegalArgumentException("patch " + p + " is not a size model '" + base.name() + "' accepts: " +
				(step[d] == 0 ? "it takes exactly " + min[d] : "at least " + min[d] + " in steps of " + step[d] + " (e.g. " +
					(min[d] + step[d] * Math.max(0, (64 - min[d]) / step[d])) + ")"));
		}
		if (base.channels() != 1) throw new IllegalArgumentException("Train handles one-channel models; '" + base.name() +
			"' has " + base.channels());
	}

	/** Every plane of every image as a one-plane image (sharing its pixels), each checked. */
	static List<Hyperstack> planes(final List<Hyperstack> images, final int patch) {
		final List<Hyperstack> planes = new ArrayList<>();
		for (final Hyperstack im : images) {
			if (im.width() < patch || im.height() < patch) throw new IllegalArgumentException(String.format(Locale.ROOT,
				"image '%s' (%dx%d) is smaller than the patch size %d: choose a smaller patch or larger images", im.title(), im
					.width(), im.height(), patch));
			im.checkFinite("Train", null);
			for (int i = 0; i < im.planeCount(); i++)
				planes.add(Hyperstack.of(im.width(), im.height(), im.bitDepth(), im.plane(i)));
		}
		if (planes.isEmpty()) throw new IllegalArgumentException("no training images: the stack is empty");
		return planes;
	}

	/**
	 * data=noisy: the adapted model is better than its base when the {@link SplitCheck} on the
	 * held-out noisy planes finds its squared error lower by two standard errors: each model runs
	 * Denoise ({@code output=mean}, the training's noise keys) on one diagonal of every 2×2 cell,
	 * compared with the other diagonal — no clean image, and no noise distribution that a few
	 * photons per pixel could make wrong. Denoise's own estimated error of each result (Stein's
	 * unbiased risk estimate, {@link DenoisePipeline.Result#errorEstimate}) is measured too and
	 * said, but does not decide: it assumes Gaussian noise, and on photon-limited data it was
	 * wrong in both directions (it kept a model 0.7 dB worse, and refused posterior-means models
	 * 0.2–0.36 dB better, on the report's fields and on a validation domain; docs/train.md).
	 */
	static TrainedModelFolder.Judge judge(final ModelDescriptor base, final TrainSettings s, final Monitor monitor) {
		return (candidate, heldOut) -> {
			final DenoiseSettings mean = DenoiseSettings.builder().noise(s.noise()).normalization(s.normalization()).output(
				"mean").seed(s.seed()).build();
			final Device device = Devices.resolve(s.device());
			final List<List<Sure.Estimate>> all = Arrays.asList(new ArrayList<>(), new ArrayList<>());
			double sum = 0, var = 0;
			long pixels = 0;
			try (DiffusionModel b = DiffusionModel.load(base.dir(), device); DiffusionModel a = DiffusionModel.load(candidate,
				device))
			{
				final DiffusionModel[] models = { b, a };
				for (final Hyperstack im : heldOut) {
					for (int k = 0; k < 2; k++) {
						monitor.checkCanceled();
						final DenoisePipeline.Result r = DenoisePipeline.run(ModelSource.of(models[k]), im, mean, Monitor.NONE);
						all.get(k).addAll(r.errors);
						if (k == 1) continue;
						// the split check per plane, in image units: each model runs the whole of Denoise on the sub-images
						for (int p = 0; p < im.planeCount(); p++) {
							monitor.checkCanceled();
							final float[] raw = im.plane(p);
							final SplitCheck.Result c = SplitCheck.compare(raw, raw, im.width(), im.height(), 0, CameraFit
								.clipValues(raw), r.noise.get(p), denoiser(a, im, mean), denoiser(b, im, mean));
							if (c.pixels < 2) continue;
							// pooled over the planes: their means weighted by pixels, their variances added
							sum += c.mean * c.pixels;
							var += c.error * c.error * c.pixels * (double) c.pixels;
							pixels += c.pixels;
						}
					}
				}
			}
			final double[] mse = { Sure.Estimate.mean(all.get(0)).mse, Sure.Estimate.mean(all.get(1)).mse };
			final double split = pixels > 0 ? sum / pixels : Double.NaN, splitError = pixels > 0 ? Math.sqrt(var) / pixels :
				Double.NaN;
			final boolean better = split + 2 * splitError < 0;
			return new TrainedModelFolder.Verdict(better, String.format(Locale.ROOT, "on the %d held-out noisy plane(s), " +
				"Denoise output=mean's estimated RMS error (Stein's unbiased risk estimate, no clean image; it assumes " +
				"Gaussian noise and is said, not used, here) is %s with the adapted model against %s with '%s'; the " +
				"split-pixel check (each model denoises one diagonal of every 2x2 cell, compared with the other diagonal) " +
				"finds the adapted model's squared error %s by %.3g +- %.2g: %s", heldOut.size(), rmse(mse[1]), rmse(mse[0]),
				base.name(), split <= 0 ? "lower" : "higher", Math.abs(split), splitError, better ? "better, kept" :
					"NOT better (the split-pixel check does not find it lower by two standard errors)"));
		};
	}

	/** Denoise with model m, as a {@link SplitCheck.Denoiser} of sub-images of {@code like} (image units in and out). */
	private static SplitCheck.Denoiser denoiser(final DiffusionModel m, final Hyperstack like, final DenoiseSettings s) {
		// compared, not reported: no error estimate of the sub-images
		return (g, w, h) -> DenoisePipeline.run(ModelSource.of(m), Hyperstack.of(w, h, like.bitDepth(), g), s, Monitor.NONE,
			false).image.plane(0);
	}

	private static String rmse(final double mse) {
		return mse > 0 ? String.format(Locale.ROOT, "%.4g", Math.sqrt(mse)) : String.format(Locale.ROOT,
			"unmeasurable (MSE estimate %.3g)", mse);
	}
}
