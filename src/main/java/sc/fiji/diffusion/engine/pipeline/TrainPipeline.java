package sc.fiji.diffusion.engine.pipeline;

import ai.djl.Device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.Sure;
import sc.fiji.diffusion.engine.tasks.Train;
import sc.fiji.diffusion.engine.training.Trainer;

/**
 * Train, from images and settings to a new model folder, for every front end (the Train
 * command, the {@code train} verb, batch): finds the base model, protects the names of the
 * bundled models, takes every plane of every image (each channel on its own) as a training
 * image, runs the {@link Train} task and says where the model went.
 */
public final class TrainPipeline {

	private TrainPipeline() {}

	/**
	 * @param images the training images; every plane is one
	 * @param data a line about the data for the model card (e.g. the image's title)
	 * @return the new model's folder
	 */
	public static Path run(final List<Hyperstack> images, final String data,
		final TrainSettings s, final ModelFolders locator, final Monitor monitor, final Trainer.Listener listener)
		throws IOException
	{
		if (locator.isBundledName(s.name())) {
			if (!s.overwrite()) throw new IllegalArgumentException("'" + s.name() + "' is the name of a model bundled with " +
				"the plugin; a trained model of that name would replace it for every command that uses it (by default, too). " +
				"Choose another name, or set overwrite=true to shadow the bundled model on purpose");
			monitor.warn("Train: the new model '" + s.name() + "' will shadow the bundled model of that name wherever " +
				"models are looked up by name (overwrite=true); delete its folder to get the bundled one back");
		}
		final ModelDescriptor base = ModelDescriptor.read(s.fresh() ? locator.defaultImageModel() : locator
			.resolve(s.base()));
		final Train task = Train.from(base, s.fresh()).name(s.name()).steps(s.steps()).batch(s.batch()).patch(s.patch()).lr(s
			.lr()).seed(s.seed()).device(s.device()).validation(s.validation()).resume(s.resume()).overwrite(s.overwrite())
			.keepCheckpoint(s.keepCheckpoint()).checkpointEvery(s.checkpointEvery()).validationEvery(s.validationEvery())
			.data(data);
		if (images.isEmpty()) throw new IllegalArgumentException("no training images");
		int bits = 8;
		final List<Train.Image> planes = new ArrayList<>();
		for (final Hyperstack im : images) {
			bits = Math.max(bits, im.bitDepth());
			if (im.width() < s.patch() || im.height() < s.patch()) throw new IllegalArgumentException(String.format(
				Locale.ROOT, "image '%s' (%dx%d) is smaller than the patch size %d: choose a smaller patch or larger images", im
					.title(), im.width(), im.height(), s.patch()));
			for (int i = 0; i < im.planeCount(); i++)
				planes.add(new Train.Image(im.plane(i), im.width(), im.height()));
		}
		task.normalization(s.normalization(), bits);
		if (s.noisy()) task.noisy(s.noise()).judge(judge(base, s, bits, monitor));
		task.validate();
		return task.run(planes, locator.trainingFolder(), monitor, listener, monitor::log);
	}

	/**
	 * data=noisy: the adapted model is better than its base when Denoise ({@code output=mean},
	 * the training's noise keys) with it has the lower estimated error on the held-out noisy
	 * planes — Stein's unbiased risk estimate of each result, no clean image ({@link
	 * DenoisePipeline.Result#errorEstimate}); both on the same pixels with the same noise model,
	 * so the noise model's own error, which moves each estimate, largely cancels in the comparison.
	 */
	static Train.Judge judge(final ModelDescriptor base, final TrainSettings s, final int bits, final Monitor monitor) {
		return (candidate, heldOut) -> {
			final DenoiseSettings mean = DenoiseSettings.builder().noise(s.noise()).normalization(s.normalization()).output(
				"mean").seed(s.seed()).build();
			final double[] mse = new double[2];
			final Path[] dirs = { base.dir(), candidate };
			final Device device = Devices.resolve(s.device());
			for (int k = 0; k < 2; k++) {
				final List<Sure.Estimate> all = new ArrayList<>();
				try (DiffusionModel m = DiffusionModel.load(dirs[k], device)) {
					for (final Train.Image im : heldOut) {
						monitor.checkCanceled();
						final DenoisePipeline.Result r = DenoisePipeline.run(ModelSource.of(m), Hyperstack
							.of(im.w, im.h, bits, im.px), mean, Monitor.NONE);
						all.addAll(r.errors);
					}
				}
				final Sure.Estimate e = Sure.Estimate.mean(all);
				mse[k] = e.mse;
			}
			final boolean better = mse[1] < mse[0];
			return new Train.Verdict(better, String.format(Locale.ROOT, "on the %d held-out noisy plane(s), Denoise " +
				"output=mean's estimated RMS error (Stein's unbiased risk estimate, no clean image) is %s with the adapted " +
				"model against %s with '%s': %s", heldOut.size(), rmse(mse[1]), rmse(mse[0]), base.name(), better ?
					"better, kept" : "NOT better"));
		};
	}

	private static String rmse(final double mse) {
		return mse > 0 ? String.format(Locale.ROOT, "%.4g", Math.sqrt(mse)) : String.format(Locale.ROOT,
			"unmeasurable (MSE estimate %.3g)", mse);
	}
}
