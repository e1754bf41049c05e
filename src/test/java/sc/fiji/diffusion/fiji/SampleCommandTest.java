package sc.fiji.diffusion.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import net.imglib2.img.Img;
import net.imglib2.type.numeric.real.FloatType;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleService;
import sc.fiji.diffusion.engine.sampling.Samplers;

/** The Sample command through SciJava's CommandService, as Fiji runs it. */
class SampleCommandTest {

	private static Context context;
	private static CommandService commands;

	@BeforeAll
	static void start() {
		context = new Context(CommandService.class);
		commands = context.service(CommandService.class);
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	static Module run(final Map<String, Object> inputs) throws Exception {
		return Commands.run(commands, SampleCommand.class, inputs).get();
	}

	static Map<String, Object> inputs(final Object... kv) {
		final Map<String, Object> m = new HashMap<>();
		for (int i = 0; i < kv.length; i += 2)
			m.put((String) kv[i], kv[i + 1]);
		return m;
	}

	@Test
	void isRegisteredUnderPluginsDiffusionSample() {
		final CommandInfo info = commands.getCommand(SampleCommand.class);
		assertEquals("Plugins>Diffusion>Sample", info.getMenuPath().stream().map(e -> e.getName()).collect(
			java.util.stream.Collectors.joining(">")));
		for (final String key : new String[] { "model", "count", "steps", "sampler", "seed", "label", "guidance" })
			assertTrue(info.getInput(key) != null, "macro key " + key);
	}

	@Test
	void samplesANewFloatStackOfTheModelsSize() throws Exception {
		final Module m = run(inputs("model", "fashion-mnist", "count", "3", "steps", "5", "sampler", "ddim", "seed", "1",
			"label", "Bag", "guidance", "2"));
		assertFalse(((Cancelable) m).isCanceled(), ((Cancelable) m).getCancelReason());
		@SuppressWarnings("unchecked")
		final Img<FloatType> img = (Img<FloatType>) m.getOutput("samples");
		assertEquals(3, img.numDimensions());
		assertEquals(32, img.dimension(0));
		assertEquals(32, img.dimension(1));
		assertEquals(3, img.dimension(2));
		double max = 0;
		for (final FloatType t : img) {
			assertTrue(t.get() >= -1e-3 && t.get() <= 255 + 1e-3);
			max = Math.max(max, t.get());
		}
		assertTrue(max > 100, "a bag has bright pixels");
	}

	@Test
	void badInputCancelsWithAClearReasonAndNoOutput() throws Exception {
		final String[][] cases = { { "steps", "0", "steps must be between 1 and 1000" },
			{ "steps", "5000", "steps must be between 1 and 1000" }, { "sampler", "euler", "Unknown sampler 'euler'" },
			{ "label", "Hat", "Unknown label 'Hat'" }, { "model", "nope", "No model called 'nope'" },
			{ "count", "0", "count must be at least 1" } };
		for (final String[] c : cases) {
			final Map<String, Object> in = inputs("count", "1", "steps", "2", c[0], c[1]);
			final Module m = run(in);
			assertTrue(((Cancelable) m).isCanceled(), c[0] + "=" + c[1] + " should be refused");
			assertTrue(((Cancelable) m).getCancelReason().contains(c[2]), ((Cancelable) m).getCancelReason());
			assertNull(m.getOutput("samples"));
		}
	}

	@SuppressWarnings("unchecked")
	private static List<String> choices(final Module m, final String input) {
		return (List<String>) m.getInfo().getInput(input).getChoices();
	}

	/**
	 * The dialog offers what is installed: the bundled models and a model dropped into the models
	 * folder, the chosen model's class names, every sampler; changing the model updates the classes.
	 */
	@Test
	void dialogChoicesComeFromWhatIsInstalled(@TempDir final Path dir) throws Exception {
		final Path mine = Files.createDirectories(dir.resolve("my-model"));
		for (final String f : new String[] { "rdf.yaml", "weights.pt" })
			Files.copy(Paths.get("src/test/resources/models/gauss-epsilon", f), mine.resolve(f));
		final String before = System.getProperty("diffusion.models"), home = System.getProperty("user.home");
		System.setProperty("diffusion.models", dir.toString());
		// the per-user models folder is searched too: point it at an empty place so that models
		// this machine's user has trained do not enter the list
		System.setProperty("user.home", dir.resolve("home").toString());
		try {
			final Module m = context.service(ModuleService.class).createModule(commands.getCommand(SampleCommand.class));
			m.initialize();
			assertEquals(Arrays.asList("fashion-mnist", "grayscale", "my-model"), choices(m, "model"));
			assertEquals(new HashSet<>(Samplers.names()), new HashSet<>(choices(m, "sampler")));
			// the bundled model's own descriptor lists its classes; "" is "no class"
			final List<String> expected = new ArrayList<>();
			expected.add("");
			expected.addAll(Arrays.asList("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
				"Bag", "Ankle boot"));
			assertEquals(expected, choices(m, "label"));
			m.setInput("model", "my-model");
			m.getInfo().getInput("model").callback(m);
			assertEquals(Collections.singletonList(""), choices(m, "label"));

			// a macro may still give a model by path, which is not among the choices
			final Module run = run(inputs("model", mine.toString(), "count", 1, "steps", 2, "label", "", "guidance", 0));
			assertFalse(((Cancelable) run).isCanceled(), ((Cancelable) run).getCancelReason());
			assertEquals(1, ((Img<?>) run.getOutput("samples")).dimension(2));
		}
		finally {
			if (before == null) System.clearProperty("diffusion.models");
			else System.setProperty("diffusion.models", before);
			System.setProperty("user.home", home);
		}
	}
}
