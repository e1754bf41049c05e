package sc.fiji.diffusion.engine.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tasks.Train;
import sc.fiji.diffusion.engine.training.Trainer;
import sc.fiji.diffusion.models.ModelLocator;
import sc.fiji.diffusion.models.Models;

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
	public static Path run(final List<sc.fiji.diffusion.engine.image.Hyperstack> images, final String data,
		final TrainSettings s, final ModelLocator locator, final Monitor monitor, final Trainer.Listener listener)
		throws IOException
	{
		if (ModelLocator.isBundled(s.name())) {
			if (!s.overwrite()) throw new IllegalArgumentException("'" + s.name() + "' is the name of a model bundled with " +
				"the plugin; a trained model of that name would replace it for every command that uses it (by default, too). " +
				"Choose another name, or set overwrite=true to shadow the bundled model on purpose");
			monitor.warn("Train: the new model '" + s.name() + "' will shadow the bundled model of that name wherever " +
				"models are looked up by name (overwrite=true); delete its folder to get the bundled one back");
		}
		final ModelDescriptor base = ModelDescriptor.read(s.fresh() ? ModelLocator.bundled(Models.DEFAULT_IMAGE) : locator
			.resolve(s.base()));
		final Train task = Train.from(base, s.fresh()).name(s.name()).steps(s.steps()).batch(s.batch()).patch(s.patch()).lr(s
			.lr()).seed(s.seed()).device(s.device()).validation(s.validation()).resume(s.resume()).overwrite(s.overwrite())
			.keepCheckpoint(s.keepCheckpoint()).checkpointEvery(s.checkpointEvery()).validationEvery(s.validationEvery())
			.data(data);
		if (images.isEmpty()) throw new IllegalArgumentException("no training images");
		int bits = 8;
		final List<Train.Image> planes = new ArrayList<>();
		for (final sc.fiji.diffusion.engine.image.Hyperstack im : images) {
			bits = Math.max(bits, im.bitDepth());
			if (im.width() < s.patch() || im.height() < s.patch()) throw new IllegalArgumentException(String.format(
				Locale.ROOT, "image '%s' (%dx%d) is smaller than the patch size %d: choose a smaller patch or larger images", im
					.title(), im.width(), im.height(), s.patch()));
			for (int i = 0; i < im.planeCount(); i++)
				planes.add(new Train.Image(im.plane(i), im.width(), im.height()));
		}
		task.normalization(s.normalization(), bits);
		if (s.noisy()) task.noisy(s.noise());
		task.validate();
		return task.run(planes, locator.trainingFolder(), monitor, listener, monitor::log);
	}
}
