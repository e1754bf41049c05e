package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.OutOfMemory;
import sc.fiji.diffusion.engine.model.DiffusionModel;

/**
 * The out-of-memory policy of a run: work is tried with a batch of {@value #BATCH} images or
 * tiles per network call, halved on out-of-memory down to 1, and then, on a GPU, moved to the
 * CPU for the rest of the run, saying so in the log. Results never depend on the batch size.
 */
public final class Fallback {

	/** Network batch (images or tiles per call) to start with. */
	public static final int BATCH = 16;

	/** Work on a model with a given batch size. */
	@FunctionalInterface
	public interface Work<T> {

		T run(DiffusionModel model, int batch);
	}

	private final ModelSource source;
	private final Monitor monitor;
	private final String task;
	private DiffusionModel cpu;

	public Fallback(final ModelSource source, final Monitor monitor, final String task) {
		this.source = source;
		this.monitor = monitor;
		this.task = task;
	}

	/** The model work runs on now (the CPU copy after a GPU ran out of memory). */
	public DiffusionModel model() {
		return cpu != null ? cpu : source.model();
	}

	public <T> T run(final Work<T> work) {
		final DiffusionModel current = model();
		try {
			return OutOfMemory.retry(BATCH, b -> work.run(current, b), msg -> monitor.warn(task + ": " + msg));
		}
		catch (final RuntimeException e) {
			if (!OutOfMemory.is(e) || !current.device().isGpu()) throw e;
			monitor.warn(task + ": " + Devices.describe(current.device()) + " is out of memory even for one image at a " +
				"time; continuing on the CPU (slower)");
			cpu = source.onCpu(current);
			return OutOfMemory.retry(BATCH, b -> work.run(cpu, b), msg -> monitor.warn(task + ": " + msg));
		}
	}
}
