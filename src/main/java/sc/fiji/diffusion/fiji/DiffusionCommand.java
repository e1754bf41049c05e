package sc.fiji.diffusion.fiji;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;

import org.scijava.app.StatusService;
import org.scijava.command.DynamicCommand;
import org.scijava.log.LogService;
import org.scijava.module.MethodCallException;
import org.scijava.module.ModuleItem;
import org.scijava.module.MutableModuleItem;
import org.scijava.plugin.Parameter;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.ModelCache;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.NoiseModels;
import sc.fiji.diffusion.engine.pipeline.ModelSource;
import sc.fiji.diffusion.engine.sampling.Samplers;
import sc.fiji.diffusion.models.ModelLocator;

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
			final List<String> names = new ArrayList<>(locator().available());
			final String current = modelItem.getValue(this);
			if (current != null && !current.isEmpty() && !names.contains(current)) names.add(current);
			modelItem.setChoices(names);
			modelItem.setCallback("modelChanged");
		}
		final MutableModuleItem<String> samplerItem = stringInput("sampler");
		if (samplerItem != null) samplerItem.setChoices(Samplers.names());
		// the noise models found on the class path, like the samplers (auto first: the default)
		final MutableModuleItem<String> noiseItem = stringInput("noise");
		if (noiseItem != null) noiseItem.setChoices(NoiseModels.choices());
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
			classes.addAll(ModelDescriptor.read(locator().resolve(modelItem.getValue(this))).classes());
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
		window = progressWindow() ? ProgressWindow.open("Diffusion: " + taskName()) : null;
		try {
			execute(monitor());
		}
		catch (final CancellationException e) {
			if (!isCanceled()) cancel("Cancelled");
			if (status != null) status.showStatus(taskName() + ": cancelled");
		}
		catch (final IllegalArgumentException | ModelException e) {
			cancel(e.getMessage());
			UserLog.warn(log, taskName() + ": " + e.getMessage());
		}
		catch (final Exception e) {
			cancel(taskName() + " failed: " + e);
			log.error(taskName() + " failed", e);
		}
		finally {
			thread.setContextClassLoader(before);
			if (status != null) status.clearStatus();
			if (window != null) window.close();
			window = null;
		}
	}

	/** The loaded models of this context; absent in a bare context, then a per-JVM cache serves. */
	@Parameter(required = false)
	protected DiffusionModelService models;

	/** Where models are found: the model service's locator, else this JVM's settings. */
	protected ModelLocator locator() {
		return models != null ? models.locator() : ModelLocator.fromEnvironment();
	}

	/** The model (name or folder) on the chosen device as a pipeline's source, with the CPU fallback. */
	protected ModelSource source(final String model, final String device) {
		if (models != null) return models.source(model, device);
		return ModelSource.lazy(() -> ModelCache.shared().get(locator().resolve(model), Devices.resolve(device)),
			() -> ModelDescriptor.read(locator().resolve(model)), ModelCache.shared()::onCpu);
	}

	/** A line for the user's log (ImageJ's Log window in Fiji and ImageJ; stdout headless). */
	protected void say(final String message) {
		UserLog.info(log, message);
	}

	/** Whether this command shows a progress window with a Cancel button (long work). */
	protected boolean progressWindow() {
		return true;
	}

	private ProgressWindow window;

	/**
	 * The command's monitor: one bar for the whole command (its parts report fractions of it, see
	 * {@link Monitor#range}), never moving back, with the time left, in the progress window and
	 * the status bar; headless, a Log line at every further 10 % (once the run has taken 5 s).
	 */
	private Monitor monitor() {
		final long start = System.nanoTime();
		final boolean headless = java.awt.GraphicsEnvironment.isHeadless() || ij.macro.Interpreter.isBatchMode();
		return new Monitor() {

			private double shown;
			private int logged;

			@Override
			public void progress(final String what, final int done, final int total) {
				final double f = Math.max(shown, total > 0 ? Math.min(1, done / (double) total) : 1);
				shown = f;
				final String label = taskName() + ": " + Monitor.label(what, done, total);
				final String left = Monitor.timeLeft(f, (System.nanoTime() - start) / 1e9);
				final String text = String.format(Locale.ROOT, "%s (%.0f %%%s)", label, 100 * f, left.isEmpty() ? ""
					: ", " + left);
				if (status != null) status.showStatus((int) Math.round(1000 * f), 1000, text);
				if (window != null) window.progress(label, (int) Math.round(WHOLE * f), WHOLE);
				if (headless && (int) (10 * f) > logged && f < 1 && System.nanoTime() - start > 5_000_000_000L) {
					logged = (int) (10 * f);
					UserLog.info(log, text);
				}
			}

			@Override
			public boolean isCanceled() {
				return DiffusionCommand.this.isCanceled() || Thread.currentThread().isInterrupted() || (window != null && window
					.isCanceled());
			}

			@Override
			public void log(final String message) {
				UserLog.info(log, message);
			}

			@Override
			public void warn(final String message) {
				UserLog.warn(log, message);
			}
		};
	}
}
