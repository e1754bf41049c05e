package sc.fiji.diffusion.ij1;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.process.FloatProcessor;

import java.lang.reflect.Field;
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
import org.scijava.ItemVisibility;
import org.scijava.app.StatusService;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.log.LogService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;
import org.scijava.plugin.Attr;
import org.scijava.plugin.Parameter;
import org.scijava.service.Service;

import sc.fiji.diffusion.fiji.DiffusionCommands;
import sc.fiji.diffusion.fiji.DiffusionModelService;

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
				context = new Context(CommandService.class, LogService.class,
					StatusService.class, DiffusionModelService.class);
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
			// image inputs: the image named by the macro key; the main one ("image") else the active image,
			// other (optional) ones only when named
			final String name = options == null ? null : Macro.getValue(options, item.getName(), null);
			if (name == null && !item.getName().equals("image")) {
				if (options == null && item.isRequired()) inputs.put(item.getName(), WindowManager.getCurrentImage());
				else if (options == null) {
					final ImagePlus chosen = askImage(item, title);
					if (chosen != null) inputs.put(item.getName(), chosen);
				}
				continue;
			}
			final ImagePlus imp = name != null ? WindowManager.getImage(name) : WindowManager.getCurrentImage();
			if (imp == null) {
				final String why = name != null ? "No open image called '" + name + "' (" + item.getName() + "=[" + name +
					"])" : "No image is open: open one first";
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
		// a command with nothing to ask (Check Setup) runs at once, from the menu and from a macro alike
		boolean anything = false;
		for (final ModuleItem<?> item : info.inputs())
			anything |= !isService(item) && !inputs.containsKey(item.getName());
		try {
			if (anything && !ask(prepared, info, title, inputs, options == null)) return null;
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
		try {
			DiffusionCommands.checkValues(info, inputs);
		}
		catch (final IllegalArgumentException e) {
			if (options != null) abortMacro(title + ": " + e.getMessage());
			else IJ.error(title, e.getMessage());
			return null;
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
	 * key is the command's key), grouped under headings ({@code group} attribute), with a short
	 * hint after numeric fields ({@code hint} attribute, e.g. "0 = estimate") and a Help button
	 * that opens the README's section of the command. When shown, choices are drop-downs and
	 * booleans checkboxes; from a macro every value is read as text and passed on for the command
	 * to check (e.g. a model given by its path).
	 */
	private static boolean ask(final Module module, final CommandInfo info, final String title,
		final Map<String, Object> inputs, final boolean shown)
	{
		final GenericDialog gd = new GenericDialog(title);
		final List<ModuleItem<?>> items = new ArrayList<>();
		String group = null;
		for (final ModuleItem<?> item : module.getInfo().inputs()) {
			if (isService(item) || inputs.containsKey(item.getName())) continue;
			// an invisible key (experimental) is not in the dialog; a macro may still give it
			if (shown && item.getVisibility() == ItemVisibility.INVISIBLE) continue;
			items.add(item);
			final String g = attr(info, item, "group");
			if (shown && g != null && !g.equals(group)) {
				gd.addMessage(g, new java.awt.Font("SansSerif", java.awt.Font.BOLD, 12));
				group = g;
			}
			final Object current = module.getInput(item.getName());
			final String dflt = current == null ? "" : String.valueOf(current);
			final List<?> choices = item.getChoices();
			final String hint = attr(info, item, "hint");
			if (shown && choices != null && !choices.isEmpty()) {
				final String[] c = choices.stream().map(String::valueOf).toArray(String[]::new);
				gd.addChoice(item.getName(), c, Arrays.asList(c).contains(dflt) ? dflt : c[0]);
			}
			else if (shown && isBoolean(item)) gd.addCheckbox(item.getName(), Boolean.parseBoolean(dflt));
			else if (shown && isNumber(item)) gd.addNumericField(item.getName(), Double.parseDouble(dflt), decimals(dflt), 10,
				hint == null ? "" : hint);
			else {
				gd.addStringField(item.getName(), dflt, hint != null ? 10 : 20);
				if (shown && hint != null) withHint(gd, hint);
			}
		}
		if (shown) gd.addHelp(help(title));
		gd.showDialog();
		if (gd.wasCanceled()) return false;
		for (final ModuleItem<?> item : items) {
			final List<?> choices = item.getChoices();
			if (shown && choices != null && !choices.isEmpty()) inputs.put(item.getName(), gd.getNextChoice());
			else if (shown && isBoolean(item)) inputs.put(item.getName(), String.valueOf(gd.getNextBoolean()));
			else if (shown && isNumber(item)) {
				final double v = gd.getNextNumber();
				if (Double.isNaN(v)) {
					IJ.error(title, item.getName() + ": not a number");
					return false;
				}
				inputs.put(item.getName(), isWhole(item) ? String.valueOf(Math.round(v)) : String.valueOf(v));
			}
			else inputs.put(item.getName(), gd.getNextString());
		}
		return true;
	}

	/**
	 * Puts a hint right of the string field just added, as GenericDialog does with a numeric field's
	 * units: the field and a label in one panel in the field's place (the dialog still reads the
	 * field). A message added to the same row instead lands in a column of its own, right of the
	 * widest numeric field's units, and was cut off at the dialog's edge.
	 */
	private static void withHint(final GenericDialog gd, final String hint) {
		final java.awt.Component field = (java.awt.Component) gd.getStringFields().lastElement();
		final java.awt.Container parent = field.getParent();
		// a layout this does not know: the field without its hint rather than a misplaced one
		if (parent == null || !(parent.getLayout() instanceof java.awt.GridBagLayout)) return;
		final java.awt.GridBagConstraints at = ((java.awt.GridBagLayout) parent.getLayout()).getConstraints(field);
		final java.awt.Panel panel = new java.awt.Panel(new java.awt.FlowLayout(java.awt.FlowLayout.LEFT, 0, 0));
		parent.remove(field);
		panel.add(field);
		panel.add(new java.awt.Label(" " + hint));
		parent.add(panel, at);
	}

	/**
	 * An attribute of an input ({@code @Parameter(attrs = @Attr(name = ..., value = ...))}): from the
	 * item, or, where a dynamic command's mutable copy of the item lost it, from the field itself.
	 */
	static String attr(final CommandInfo info, final ModuleItem<?> item, final String key) {
		final String v = item.get(key);
		if (v != null) return v;
		try {
			for (Class<?> c = info.loadClass(); c != null; c = c.getSuperclass()) {
				for (final Field f : c.getDeclaredFields()) {
					if (!f.getName().equals(item.getName())) continue;
					final Parameter p = f.getAnnotation(Parameter.class);
					if (p == null) return null;
					for (final Attr a : p.attrs())
						if (a.name().equals(key)) return a.value();
					return null;
				}
			}
		}
		catch (final Exception e) {
			// no class to read: no attribute
		}
		return null;
	}

	/** The project's documentation pages (docs/ of the repository). */
	static final String DOCS = "https://github.com/fiji/diffusion-fiji/blob/main/docs/";

	/** Where a command's Help button goes: its page of the documentation. */
	static String help(final String command) {
		switch (command) {
			case "Denoise": return DOCS + "denoise.md";
			case "Inpaint": return DOCS + "inpaint.md";
			case "Edit":
			case "Sample": return DOCS + "edit-sample.md";
			case "Train": return DOCS + "train.md";
			case "Check Setup": return DOCS + "install.md";
			default: return DOCS + "usage.md";
		}
	}

	private static boolean isNumber(final ModuleItem<?> item) {
		final Class<?> t = item.getType();
		return t == double.class || t == Double.class || t == float.class || t == Float.class || isWhole(item);
	}

	private static boolean isWhole(final ModuleItem<?> item) {
		final Class<?> t = item.getType();
		return t == int.class || t == Integer.class || t == long.class || t == Long.class;
	}

	/** Decimals that show a default value fully (0 for whole numbers, at most 6). */
	private static int decimals(final String v) {
		final java.math.BigDecimal d = new java.math.BigDecimal(v).stripTrailingZeros();
		return Math.max(0, Math.min(6, d.scale()));
	}

	private static boolean isBoolean(final ModuleItem<?> item) {
		return item.getType() == boolean.class || item.getType() == Boolean.class;
	}

	/** An optional image input from a dialog listing the open images (and "none"). */
	private static ImagePlus askImage(final ModuleItem<?> item, final String title) {
		final int[] ids = WindowManager.getIDList();
		if (ids == null || ids.length < 2) return null;
		final String[] names = new String[ids.length + 1];
		names[0] = "none";
		for (int i = 0; i < ids.length; i++)
			names[i + 1] = WindowManager.getImage(ids[i]).getTitle();
		final GenericDialog gd = new GenericDialog(title);
		gd.addChoice(item.getName(), names, names[0]);
		gd.addMessage(item.getDescription() == null ? "" : item.getDescription());
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		final int k = gd.getNextChoiceIndex();
		return k == 0 ? null : WindowManager.getImage(ids[k - 1]);
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
