package sc.fiji.diffusion.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import net.imglib2.img.Img;
import net.imglib2.type.numeric.real.FloatType;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;

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
		return commands.run(SampleCommand.class, true, inputs).get();
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
}
