package sc.fiji.diffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;

import sc.fiji.diffusion.engine.pipeline.TrainSettings;
import sc.fiji.diffusion.fiji.DiffusionCommands;

/**
 * The dialog (a command's {@code @Parameter}s), the command line and batch accept the same keys
 * with the same defaults, for every Plugins › Diffusion command: each front end takes them from
 * the command, so a key or default declared once reaches all of them.
 */
class FrontEndKeysTest {

	private static Context context;
	private static CommandService commands;

	@BeforeAll
	static void start() {
		context = new Context(CommandService.class, ModuleService.class);
		commands = context.service(CommandService.class);
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	/** A fresh instance of the command: what its dialog starts from. */
	private static Module declared(final String command) {
		return context.service(ModuleService.class).createModule(DiffusionCommands.get(commands, command));
	}

	/** The keys a user types (not the image the command works on, nor services). */
	private static List<String> typed(final CommandInfo info) {
		final List<String> out = new ArrayList<>();
		for (final String k : DiffusionCommands.keys(info)) {
			final Class<?> t = info.getInput(k).getType();
			if (t.isPrimitive() || t == String.class || Number.class.isAssignableFrom(t) || t == Boolean.class) out.add(k);
		}
		return out;
	}

	/** A value of the item's type other than its default, as text. */
	private static String other(final ModuleItem<?> item, final Object dflt) {
		final Class<?> t = item.getType();
		if (t == int.class || t == Integer.class) return String.valueOf(((Number) dflt).intValue() + 3);
		if (t == long.class || t == Long.class) return String.valueOf(((Number) dflt).longValue() + 3);
		if (t == double.class || t == Double.class) return String.valueOf(((Number) dflt).doubleValue() + 0.25);
		if (t == boolean.class || t == Boolean.class) return String.valueOf(!((Boolean) dflt));
		if (item.getChoices() != null && item.getChoices().size() > 1) for (final Object c : item.getChoices())
			if (!c.equals(dflt)) return String.valueOf(c);
		return "x" + dflt;
	}

	@Test
	void everyCommandKeyPassesBatchAndUnknownKeysAreRefusedByName() {
		final List<String> checked = new ArrayList<>();
		for (final Map.Entry<String, CommandInfo> e : DiffusionCommands.all(commands).entrySet()) {
			final CommandInfo info = e.getValue();
			final Module dflt = declared(e.getKey());
			for (final String k : typed(info)) {
				final Map<String, Object> one = new HashMap<>();
				one.put(k, other(info.getInput(k), dflt.getInput(k)));
				DiffusionCommands.checkValues(info, one); // batch checks its keys with this, before any work
				checked.add(e.getKey() + "." + k);
			}
			final Map<String, Object> bad = new HashMap<>();
			bad.put("noise_levle", "3");
			final IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> DiffusionCommands
				.checkValues(info, bad));
			assertTrue(x.getMessage().contains("noise_levle") && x.getMessage().contains("its keys"), x.getMessage());
		}
		assertTrue(checked.contains("denoise.noise") && checked.contains("inpaint.steps") && checked.contains(
			"train.steps"), checked.toString());
	}

	@Test
	void commandLineTrainTakesTrainsKeysAndDefaults() throws Exception {
		final CommandInfo info = DiffusionCommands.get(commands, "train");
		final TreeSet<String> expected = new TreeSet<>(DiffusionCommands.keys(info));
		expected.remove("image");
		expected.addAll(TrainCli.OWN_KEYS);
		assertEquals(expected, new TreeSet<>(TrainCli.keys()));

		// nothing given: the command's declared defaults
		final Module dflt = declared("train");
		final Map<String, String> o = new LinkedHashMap<>();
		o.put("name", "m");
		final TrainSettings s = TrainCli.settings(o).build();
		assertEquals(dflt.getInput("steps"), s.steps());
		assertEquals(dflt.getInput("batch"), s.batch());
		assertEquals(dflt.getInput("patch"), s.patch());
		assertEquals((Double) dflt.getInput("lr"), s.lr(), 0);
		assertEquals(dflt.getInput("seed"), s.seed());
		assertEquals((Double) dflt.getInput("validation"), s.validation(), 0);
		assertEquals(dflt.getInput("base"), s.base());
		assertEquals(dflt.getInput("data"), s.data());

		// each typed key reaches the settings: a value other than the default changes them
		for (final String k : new String[] { "steps", "batch", "patch", "lr", "seed", "validation" }) {
			final Map<String, String> one = new LinkedHashMap<>(o);
			one.put(k, other(info.getInput(k), dflt.getInput(k)));
			final TrainSettings t = TrainCli.settings(one).build();
			final double v = k.equals("steps") ? t.steps() : k.equals("batch") ? t.batch() : k.equals("patch") ? t.patch() : k
				.equals("lr") ? t.lr() : k.equals("seed") ? t.seed() : t.validation();
			assertEquals(Double.parseDouble(one.get(k)), v, 1e-12, k);
		}
		final Map<String, String> bad = new LinkedHashMap<>(o);
		bad.put("stepz", "5");
		assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainCli.settings(bad)).getMessage().contains(
			"stepz"));
		final Map<String, String> typo = new LinkedHashMap<>(o);
		typo.put("steps", "many");
		assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainCli.settings(typo)).getMessage().contains(
			"whole number"));
	}

	@Test
	void commandLineSampleTakesSamplesKeysAndDefaults() {
		final CommandInfo info = DiffusionCommands.get(commands, "sample");
		final Module dflt = declared("sample");
		final Module none = Main.sampleInputs(new HashMap<>());
		for (final String k : typed(info)) {
			assertEquals(dflt.getInput(k), none.getInput(k), k);
			final Map<String, String> one = new HashMap<>();
			one.put(k, other(info.getInput(k), dflt.getInput(k)));
			final Object v = Main.sampleInputs(one).getInput(k);
			assertEquals(one.get(k), String.valueOf(v), k);
		}
		final Map<String, String> bad = new HashMap<>();
		bad.put("cout", "3");
		assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.sampleInputs(bad)).getMessage().contains(
			"cout"));
	}
}
