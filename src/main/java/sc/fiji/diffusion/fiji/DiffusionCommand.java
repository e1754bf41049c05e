package sc.fiji.diffusion.fiji;

import java.util.ArrayList;
import java.util.List;

import org.scijava.command.DynamicCommand;
import org.scijava.module.MethodCallException;
import org.scijava.module.ModuleItem;
import org.scijava.module.MutableModuleItem;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.app.StatusService;

import java.util.concurrent.CancellationException;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.OutOfMemory;
import sc.fiji.diffusion.engine.model.ModelCache;
import sc.fiji.diffusion.engine.sampling.Samplers;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;

/**
 * What every Diffusion command shares: loading the model on the right device, saying so,
 * turning progress into status-bar updates, honouring cancel, and turning bad input into a
 * clear cancel reason instead of a stack trace. Subclasses only gather parameters, call an
 * engine task and set their output.
 */
public abstract class DiffusionCommand extends DynamicCommand {

	@Parameter
	protected LogService log;

	@Parameter(required = false)
	protected StatusService status;

	/**
	 * Fills the dialog's choices from what is installed: every model {@link Models#available()}
	 * finds (the default first) for an input called {@code model}, and the class names of the
	 * chosen model (plus "" for none) for an input called {@code label}. A macro may still name
	 * a model folder by its path: the choices shape the dialog, the command checks the value.
	 */
	@Override
	public void initialize() throws MethodCallException {
		super.initialize();
		final MutableModuleItem<String> modelItem = stringInput("model");
		if (modelItem != null) {
			final List<String> names = new ArrayList<>(Models.available());
			final String current = modelItem.getValue(this);
			if (current != null && !current.isEmpty() && !names.contains(current)) names.add(current);
			modelItem.setChoices(names);
			modelItem.setCallback("modelChanged");
		}
		final MutableModuleItem<String> samplerItem = stringInput("sampler");
		if (samplerItem != null) samplerItem.setChoices(Samplers.names());
		modelChanged();
	}

	/** Callback when the dialog's model changes: offers that model's class names. */
	protected void modelChanged() {
		final MutableModuleItem<String> labelItem = stringInput("label");
		final MutableModuleItem<String> modelItem = stringInput("model");
		if (labelItem == null || modelItem == null) return;
		final List<String> classes = new ArrayList<>();
		classes.add("");
		try {
			classes.addAll(ModelDescriptor.read(Models.resolve(modelItem.getValue(this))).classes());
		}
		catch (final RuntimeException e) {
			// an unreadable model offers no classes; running it will say what is wrong
		}
		final String current = labelItem.getValue(this);
		if (current != null && !classes.contains(current)) classes.add(current);
		labelItem.setChoices(classes);
	}

	private MutableModuleItem<String> stringInput(final String name) {
		final ModuleItem<?> item = getInfo().getInput(name);
		return item != null && item.getType() == String.class ? getInfo().getMutableInput(name, String.class) : null;
	}

	/** The work itself; throw {@link IllegalArgumentException} or {@link ModelException} for bad input. */
	protected abstract void execute(Monitor monitor) throws Exception;

	/** A short name for status messages ("Sample", "Denoise", ...). */
	protected abstract String taskName();

	@Override
	public final void run() {
		// DJL finds its engine and natives through the context class loader: in ImageJ 1.x the
		// plugin's jars live in the plugins class loader, which a worker thread does not have.
		final Thread thread = Thread.currentThread();
		final ClassLoader before = thread.getContextClassLoader();
		thread.setContextClassLoader(getClass().getClassLoader());
		try {
			execute(monitor());
		}
		catch (final CancellationException e) {
			if (!isCanceled()) cancel("Cancelled");
			if (status != null) status.showStatus(taskName() + ": cancelled");
		}
		catch (final IllegalArgumentException | ModelException e) {
			cancel(e.getMessage());
			log.error(taskName() + ": " + e.getMessage());
		}
		catch (final Exception e) {
			cancel(taskName() + " failed: " + e);
			log.error(taskName() + " failed", e);
		}
		finally {
			thread.setContextClassLoader(before);
			if (status != null) status.clearStatus();
		}
	}

	/** Network batch (images or tiles per call) to start with; halved on out-of-memory. */
	static final int BATCH = 16;

	/** The loaded models of this context; absent in a bare context, then a per-JVM cache serves. */
	@Parameter(required = false)
	protected DiffusionModelService models;

	/** The model moved to the CPU after the GPU ran out of memory, if that happened in this run. */
	private DiffusionModel cpuFallback;

	/** Work on a model with a given batch size. */
	@FunctionalInterface
	protected interface Work<T> {

		T run(DiffusionModel model, int batch);
	}

	/**
	 * Runs {@code work} on {@code m}; when the network runs out of memory it is retried with
	 * half the batch down to 1 and then, on a GPU, on the CPU, saying so in the log. Results do
	 * not depend on the batch size.
	 */
	protected <T> T withFallback(final DiffusionModel m, final Work<T> work) {
		final DiffusionModel current = cpuFallback != null ? cpuFallback : m;
		try {
			return OutOfMemory.retry(BATCH, b -> work.run(current, b), msg -> log.warn(taskName() + ": " + msg));
		}
		catch (final RuntimeException e) {
			if (!OutOfMemory.is(e) || !current.device().isGpu()) throw e;
			log.warn(taskName() + ": " + Devices.describe(current.device()) + " is out of memory even for one " +
				"image at a time; continuing on the CPU (slower)");
			cpuFallback = models != null ? models.onCpu(current) : ModelCache.shared().onCpu(current);
			return OutOfMemory.retry(BATCH, b -> work.run(cpuFallback, b), msg -> log.warn(taskName() + ": " + msg));
		}
	}

	/**
	 * The model called {@code model} (name or folder) on the chosen device, from the context's
	 * model service: loaded and checked once, shared by later runs. Not to be closed by the caller.
	 */
	protected DiffusionModel loadModel(final String model, final String device) {
		cpuFallback = null;
		final DiffusionModel m = models != null ? models.get(model, device) : ModelCache.shared().get(Models.resolve(model),
			Devices.resolve(device));
		log.debug(taskName() + ": model '" + m.descriptor().name() + "' on " + Devices.describe(m.device()));
		return m;
	}

	private Monitor monitor() {
		return new Monitor() {

			@Override
			public void progress(final String what, final int done, final int total) {
				if (status != null) status.showStatus(done, total, taskName() + ": " + what + " " + done + "/" + total);
			}

			@Override
			public boolean isCanceled() {
				return DiffusionCommand.this.isCanceled() || Thread.currentThread().isInterrupted();
			}
		};
	}
}
