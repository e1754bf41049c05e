package sc.fiji.diffusion.fiji;

import ij.ImagePlus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.scijava.Context;
import org.scijava.MenuEntry;
import org.scijava.MenuPath;
import org.scijava.command.Command;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;
import org.scijava.service.Service;

/**
 * The Plugins › Diffusion commands, read from the context's command index: the ImageJ 1.x entry,
 * the command line and batch mode find a command by its menu label (case-insensitive), so a new
 * {@code @Plugin(type = Command.class, menuPath = "Plugins>Diffusion>…")} is reachable from all of
 * them without a list to edit (ImageJ 1.x also needs its line in plugins.config for the menu).
 */
public final class DiffusionCommands {

	private DiffusionCommands() {}

	/** Every Plugins › Diffusion command, by lower-case menu label, in menu order. */
	public static Map<String, CommandInfo> all(final CommandService commands) {
		final List<CommandInfo> infos = new ArrayList<>();
		for (final CommandInfo info : commands.getCommandsOfType(Command.class)) {
			final MenuPath p = info.getMenuPath();
			if (p == null || p.size() != 3) continue;
			if (!p.get(0).getName().equals("Plugins") || !p.get(1).getName().equals("Diffusion")) continue;
			infos.add(info);
		}
		infos.sort((a, b) -> Double.compare(weight(a), weight(b)));
		final Map<String, CommandInfo> out = new LinkedHashMap<>();
		for (final CommandInfo info : infos)
			out.put(label(info).toLowerCase(Locale.ROOT), info);
		return out;
	}

	private static double weight(final CommandInfo info) {
		final double w = info.getMenuPath().getLeaf().getWeight();
		return Double.isNaN(w) ? Double.MAX_VALUE : w;
	}

	/** The menu label, e.g. "Denoise". */
	public static String label(final CommandInfo info) {
		final MenuEntry leaf = info.getMenuPath().getLeaf();
		return leaf.getName();
	}

	/** The command called {@code name} (its menu label, any case); an error listing the others. */
	public static CommandInfo get(final CommandService commands, final String name) {
		final Map<String, CommandInfo> all = all(commands);
		final CommandInfo info = all.get(name == null ? "" : name.trim().toLowerCase(Locale.ROOT));
		if (info == null) throw new IllegalArgumentException("Unknown Diffusion command '" + name + "'; available: " + String
			.join(", ", all.keySet()));
		return info;
	}

	/** Whether the command works on a given image (an {@code image} input) and makes a {@code result} image. */
	public static boolean isImageCommand(final CommandInfo info) {
		final ModuleItem<?> in = info.getInput("image");
		final ModuleItem<?> out = info.getOutput("result");
		return in != null && ImagePlus.class.isAssignableFrom(in.getType()) && out != null && ImagePlus.class
			.isAssignableFrom(out.getType());
	}

	/**
	 * Refuses, before anything runs, an input given as text that its parameter's type cannot take
	 * (e.g. {@code sigma=abc}): SciJava would otherwise keep the default silently.
	 */
	public static void checkValues(final CommandInfo info, final Map<String, Object> inputs) {
		for (final Map.Entry<String, Object> e : inputs.entrySet()) {
			final ModuleItem<?> item = info.getInput(e.getKey());
			if (item == null) throw new IllegalArgumentException("Unknown key '" + e.getKey() + "' for " + label(info) +
				"; its keys: " + String.join(", ", keys(info)));
			if (!(e.getValue() instanceof String)) continue;
			final String v = ((String) e.getValue()).trim();
			final Class<?> t = item.getType();
			try {
				if (t == int.class || t == Integer.class) Integer.parseInt(v);
				else if (t == long.class || t == Long.class) Long.parseLong(v);
				else if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
					if (Double.isNaN(Double.parseDouble(v))) throw new NumberFormatException();
				}
				else if ((t == boolean.class || t == Boolean.class) && !v.equalsIgnoreCase("true") && !v.equalsIgnoreCase(
					"false")) throw new NumberFormatException();
			}
			catch (final NumberFormatException x) {
				throw new IllegalArgumentException(e.getKey() + "=" + v + ": " + (t == boolean.class || t == Boolean.class ?
					"give true or false" : t == int.class || t == long.class || t == Integer.class || t == Long.class ?
						"give a whole number" : "give a number") + " (" + e.getKey() + ": " + item.getDescription() + ")");
			}
		}
	}

	/**
	 * A new instance of the command with the given values (text, as a macro or command line gives
	 * them; checked as by {@link #checkValues}) and every other input at the default its
	 * {@code @Parameter} field declares: for front ends that build the command's settings without
	 * running it (the command line's train), so that the keys and defaults are the command's own.
	 */
	public static Module withValues(final CommandService commands, final CommandInfo info, final Map<String, String> values) {
		final Map<String, Object> given = new LinkedHashMap<>(values);
		checkValues(info, given);
		final Module m = commands.getContext().service(ModuleService.class).createModule(info);
		for (final Map.Entry<String, String> e : values.entrySet())
			m.setInput(e.getKey(), parse(info.getInput(e.getKey()), e.getValue().trim()));
		return m;
	}

	private static Object parse(final ModuleItem<?> item, final String v) {
		final Class<?> t = item.getType();
		if (t == int.class || t == Integer.class) return Integer.parseInt(v);
		if (t == long.class || t == Long.class) return Long.parseLong(v);
		if (t == double.class || t == Double.class) return Double.parseDouble(v);
		if (t == float.class || t == Float.class) return Float.parseFloat(v);
		if (t == boolean.class || t == Boolean.class) return Boolean.parseBoolean(v);
		if (t == String.class) return v;
		throw new IllegalArgumentException(item.getName() + " cannot be given as text (it is a " + t.getSimpleName() + ")");
	}

	/** The macro keys of a command (its inputs that are not services or images). */
	public static List<String> keys(final CommandInfo info) {
		final List<String> out = new ArrayList<>();
		for (final ModuleItem<?> item : info.inputs())
			if (!Service.class.isAssignableFrom(item.getType()) && !Context.class
				.isAssignableFrom(item.getType())) out.add(item.getName());
		return out;
	}

	/** The image commands (what batch mode can run over a folder), by lower-case label. */
	public static List<String> imageCommands(final CommandService commands) {
		final List<String> out = new ArrayList<>();
		for (final Map.Entry<String, CommandInfo> e : all(commands).entrySet())
			if (isImageCommand(e.getValue())) out.add(e.getKey());
		return out;
	}

	/**
	 * The key reference of every Plugins › Diffusion command, in Markdown, read from the commands'
	 * {@code @Parameter} declarations alone (key, default, accepted values, what it does): what
	 * {@code docs/keys.md} holds (tools/keys.py writes it with the command line's {@code keys} verb; a test
	 * checks the committed file against it). Choices filled in at run time come from their
	 * registries (samplers, noise models); models are whatever is installed.
	 */
	public static String keyReference(final CommandService commands) {
		final StringBuilder b = new StringBuilder("# Keys of every command\n\nWritten by `mvn -q compile && /usr/bin/python3 " +
			"tools/keys.py` (the command line's `keys` verb) from the commands' own declarations (the `@Parameter` fields: the " +
			"dialog, macros, the recorder, batch, the command line and Spark all read the same ones). A macro gives " +
			"`key=value`, the command line `--key value`.\n");
		for (final Map.Entry<String, CommandInfo> e : all(commands).entrySet()) {
			final CommandInfo info = e.getValue();
			final List<String> keys = keys(info);
			keys.remove("image");
			if (keys.isEmpty()) continue;
			b.append("\n## ").append(label(info)).append("\n\n| key | default | accepted | what it does |\n|---|---|---|---|\n");
			final org.scijava.module.Module m = commands.getContext().service(ModuleService.class).createModule(info);
			for (final String k : keys) {
				final ModuleItem<?> item = info.getInput(k);
				if (!org.scijava.ItemVisibility.NORMAL.equals(item.getVisibility()) && !org.scijava.ItemVisibility.INVISIBLE
					.equals(item.getVisibility())) continue;
				final Object v = m.getInput(k);
				final List<?> choices = k.equals("sampler") ? sc.fiji.diffusion.engine.sampling.Samplers.names() : k.equals(
					"noise") ? sc.fiji.diffusion.engine.noise.NoiseModels.choices() : item.getChoices();
				final String accepted = choices != null && !choices.isEmpty() ? join(choices) : k.equals("model") ?
					"an installed model's name, or a model folder" : typeName(item.getType()) + range(item);
				b.append("| `").append(k).append("` | ").append(v == null || v.toString().isEmpty() ? "(none)" : "`" + v + "`")
					.append(" | ").append(accepted).append(" | ").append(cell(item.getDescription() == null ? item.getLabel() : item
						.getDescription())).append(org.scijava.ItemVisibility.INVISIBLE.equals(item.getVisibility()) ?
							" (not in the dialog)" : "").append(" |\n");
			}
		}
		return b.toString();
	}

	private static String join(final List<?> choices) {
		final StringBuilder b = new StringBuilder();
		for (final Object c : choices)
			b.append(b.length() == 0 ? "" : ", ").append('`').append(c).append('`');
		return b.toString();
	}

	private static String typeName(final Class<?> t) {
		if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "a whole number";
		if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "a number";
		if (t == boolean.class || t == Boolean.class) return "`true`, `false`";
		return "text";
	}

	private static String range(final ModuleItem<?> item) {
		final Object min = item.getMinimumValue(), max = item.getMaximumValue();
		return min == null && max == null ? "" : " (" + (min == null ? "" : "≥ " + min) + (min != null && max != null ? ", " :
			"") + (max == null ? "" : "≤ " + max) + ")";
	}

	private static String cell(final String s) {
		return s == null ? "" : s.replace("|", "/").replace("\n", " ");
	}
}
