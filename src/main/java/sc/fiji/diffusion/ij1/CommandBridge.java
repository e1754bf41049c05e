package sc.fiji.diffusion.ij1;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.process.FloatProcessor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import net.imglib2.Cursor;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;
import net.imglib2.view.Views;

import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.Command;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;
import org.scijava.service.Service;

/**
 * Runs a Diffusion SciJava command from plain ImageJ 1.x: the macro options (or a dialog, when
 * there are none) become the command's inputs by field name, the command runs exactly as it
 * does in Fiji, and its image outputs are shown as ImagePlus windows. One implementation,
 * two routes.
 */
public final class CommandBridge {

	private static Context context;

	private CommandBridge() {}

	/** One SciJava context per JVM, created on first use with the plugin's own class loader. */
	static synchronized Context context() {
		if (context == null) {
			final Thread t = Thread.currentThread();
			final ClassLoader before = t.getContextClassLoader();
			t.setContextClassLoader(CommandBridge.class.getClassLoader());
			try {
				context = new Context(CommandService.class, org.scijava.log.LogService.class,
					org.scijava.app.StatusService.class, sc.fiji.diffusion.fiji.DiffusionModelService.class);
			}
			finally {
				t.setContextClassLoader(before);
			}
		}
		return context;
	}

	/**
	 * Runs {@code command} with inputs from the macro options; shows its image outputs.
	 *
	 * @return the module after the run, or null when it was cancelled or failed (already reported)
	 */
	public static Module run(final CommandInfo info, final String title) {
		final CommandService cs = context().service(CommandService.class);
		final Map<String, Object> inputs = new LinkedHashMap<>();
		final String options = Macro.getOptions();
		for (final ModuleItem<?> item : info.inputs()) {
			if (!ImagePlus.class.isAssignableFrom(item.getType())) continue;
			// image inputs: the image named by the macro key, else the active image
			final String name = options == null ? null : Macro.getValue(options, item.getName(), null);
			final ImagePlus imp = name != null ? WindowManager.getImage(name) : WindowManager.getCurrentImage();
			if (imp == null) {
				final String why = name != null ? "No open image called '" + name + "'" : "No image is open: open one first";
				if (options != null) abortMacro(title + ": " + why);
				else IJ.error(title, why);
				return null;
			}
			inputs.put(item.getName(), imp);
		}
		// an initialised module knows the real defaults and the dialog's choices (installed models, classes)
		final Module prepared;
		try {
			prepared = context().service(ModuleService.class).createModule(info);
			prepared.initialize();
		}
		catch (final Exception e) {
			IJ.error(title, "Failed: " + e);
			return null;
		}
		// Every input goes through a GenericDialog: without macro options it is shown; with them it
		// only reads them (defaults for missing keys). Either way ImageJ's recorder sees every value,
		// so a recorded line names all inputs, the seed included, and replays to the same result.
		try {
			if (!ask(prepared, title, inputs, options == null)) return null;
		}
		catch (final java.awt.HeadlessException e) {
			// plain ImageJ without a display (no ij1-patcher): no dialog possible, read the options directly
			if (options == null) throw e;
			for (final ModuleItem<?> item : info.inputs()) {
				if (isService(item) || inputs.containsKey(item.getName())) continue;
				final String v = Macro.getValue(options, item.getName(), null);
				if (v != null) inputs.put(item.getName(), v);
			}
		}
		final Module module;
		try {
			module = context().service(ModuleService.class).run(info, true, inputs).get();
		}
		catch (final InterruptedException e) {
			Thread.currentThread().interrupt();
			return null;
		}
		catch (final ExecutionException e) {
			IJ.error(title, "Failed: " + e.getCause());
			return null;
		}
		if (module instanceof Cancelable && ((Cancelable) module).isCanceled()) {
			final String why = ((Cancelable) module).getCancelReason();
			if (options != null) abortMacro(title + ": " + why);
			else if (why != null && !why.equals("Cancelled")) IJ.error(title, why);
			return null;
		}
		for (final ModuleItem<?> item : info.outputs()) {
			final Object value = module.getOutput(item.getName());
			if (value instanceof ImagePlus) ((ImagePlus) value).show();
			else if (value instanceof RandomAccessibleInterval) {
				@SuppressWarnings("unchecked")
				final RandomAccessibleInterval<? extends RealType<?>> rai =
					(RandomAccessibleInterval<? extends RealType<?>>) value;
				final Object t = module.getOutputs().get("title");
				toImagePlus(rai, t instanceof String ? (String) t : title).show();
			}
		}
		return module;
	}

	/**
	 * From a macro: say why in the log (a modal dialog would hang a batch run under a display)
	 * and stop the calling macro the way ImageJ's own commands do.
	 */
	private static void abortMacro(final String message) {
		IJ.log(message);
		ij.macro.Interpreter.abort();
		throw new RuntimeException(Macro.MACRO_CANCELED);
	}

	private static boolean isService(final ModuleItem<?> item) {
		return Service.class.isAssignableFrom(item.getType()) || Context.class.isAssignableFrom(item.getType()) ||
			ImagePlus.class.isAssignableFrom(item.getType());
	}

	/**
	 * A dialog with one field per input, labelled with the input's name (so the recorded macro
	 * key is the command's key). Choices become drop-downs only when shown: from a macro any
	 * value is passed on for the command to check (e.g. a model given by its path).
	 */
	private static boolean ask(final Module module, final String title, final Map<String, Object> inputs,
		final boolean shown)
	{
		final GenericDialog gd = new GenericDialog(title);
		final List<ModuleItem<?>> items = new ArrayList<>();
		for (final ModuleItem<?> item : module.getInfo().inputs()) {
			if (isService(item) || inputs.containsKey(item.getName())) continue;
			items.add(item);
			final Object current = module.getInput(item.getName());
			final String dflt = current == null ? "" : String.valueOf(current);
			final List<?> choices = item.getChoices();
			if (shown && choices != null && !choices.isEmpty()) {
				final String[] c = choices.stream().map(String::valueOf).toArray(String[]::new);
				gd.addChoice(item.getName(), c, Arrays.asList(c).contains(dflt) ? dflt : c[0]);
			}
			else gd.addStringField(item.getName(), dflt, 20);
		}
		gd.showDialog();
		if (gd.wasCanceled()) return false;
		for (final ModuleItem<?> item : items) {
			final List<?> choices = item.getChoices();
			inputs.put(item.getName(), shown && choices != null && !choices.isEmpty() ? gd.getNextChoice() : gd.getNextString());
		}
		return true;
	}

	/** Copies an X × Y [× Z] real image into a 32-bit ImagePlus (one slice per Z). */
	public static ImagePlus toImagePlus(final RandomAccessibleInterval<? extends RealType<?>> rai, final String title) {
		final int w = (int) rai.dimension(0), h = (int) rai.dimension(1);
		final int n = rai.numDimensions() > 2 ? (int) rai.dimension(2) : 1;
		final ImageStack stack = new ImageStack(w, h);
		for (int z = 0; z < n; z++) {
			final RandomAccessibleInterval<? extends RealType<?>> plane = rai.numDimensions() > 2 ? Views.hyperSlice(rai, 2,
				rai.min(2) + z) : rai;
			final float[] px = new float[w * h];
			final Cursor<? extends RealType<?>> c = Views.flatIterable(plane).cursor();
			for (int i = 0; i < px.length; i++)
				px[i] = c.next().getRealFloat();
			stack.addSlice(new FloatProcessor(w, h, px));
		}
		final ImagePlus imp = new ImagePlus(title, stack);
		imp.resetDisplayRange();
		return imp;
	}
}
