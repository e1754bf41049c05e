package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.model.DiffusionModel;

/**
 * Where a pipeline gets its model: loaded once on the chosen device by whoever owns the models
 * (the SciJava model service in Fiji, a model cache on the command line), and the same model
 * on the CPU when the GPU runs out of memory.
 */
public interface ModelSource {

	/** The model on the chosen device (not to be closed by the pipeline). */
	DiffusionModel model();

	/** The same model on the CPU. */
	DiffusionModel onCpu(DiffusionModel model);

	/** A source that only ever has this model (no other device to fall back to). */
	static ModelSource of(final DiffusionModel model) {
		return new ModelSource() {

			@Override
			public DiffusionModel model() {
				return model;
			}

			@Override
			public DiffusionModel onCpu(final DiffusionModel m) {
				return m;
			}
		};
	}
}
