package sc.fiji.diffusion.engine.pipeline;

import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;

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

	/**
	 * The model's descriptor, which a source may read before (or without) loading the networks:
	 * a pipeline plans with it while they load ({@link #prefetch}).
	 */
	default ModelDescriptor descriptor() {
		return model().descriptor();
	}

	/**
	 * Starts loading the model in the background, then runs {@code more} on it there (e.g. loading
	 * the copies the pipeline will use), so that the load overlaps the pipeline's own preparation;
	 * a later {@link #model()} gets the same model, waiting for the load if it is still running.
	 * Failures are left to that call, which reports them. Where the model is already loaded, and
	 * by default, {@code more} runs at once on the caller's thread.
	 */
	default void prefetch(final Consumer<DiffusionModel> more) {
		more.accept(model());
	}

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

	/**
	 * A source that loads its model on first use ({@code load}, once; a thread-safe cache behind
	 * it), reads its descriptor without loading it ({@code descriptor}), and can start the load
	 * in the background ({@link #prefetch}).
	 */
	static ModelSource lazy(final Supplier<DiffusionModel> load, final Supplier<ModelDescriptor> descriptor,
		final UnaryOperator<DiffusionModel> onCpu)
	{
		return new ModelSource() {

			/** Held while loading; the descriptor does not wait for it. */
			private final Object loading = new Object();
			private volatile DiffusionModel model;

			@Override
			public DiffusionModel model() {
				synchronized (loading) {
					if (model == null) model = load.get();
					return model;
				}
			}

			@Override
			public ModelDescriptor descriptor() {
				final DiffusionModel m = model;
				return m != null ? m.descriptor() : descriptor.get();
			}

			@Override
			public DiffusionModel onCpu(final DiffusionModel m) {
				return onCpu.apply(m);
			}

			@Override
			public void prefetch(final Consumer<DiffusionModel> more) {
				final DiffusionModel m = model;
				if (m != null) {
					more.accept(m);
					return;
				}
				final Thread t = new Thread(() -> {
					try {
						more.accept(model());
					}
					catch (final RuntimeException | Error e) {
						// model() on the pipeline's thread loads again and reports it
					}
				}, "diffusion-model-prefetch");
				t.setDaemon(true);
				t.start();
			}
		};
	}
}
