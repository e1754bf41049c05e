package sc.fiji.diffusion.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.process.FloatProcessor;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleService;

/** Cancel stops a run within a step and leaves no image; two runs at once do not disturb each other. */
class CancelAndConcurrencyTest {

	private static Context context;

	@BeforeAll
	static void start() {
		context = new Context(CommandService.class, ModuleService.class);
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	@Test
	void cancelStopsQuicklyAndLeavesNoOutput() throws Exception {
		final ModuleService ms = context.service(ModuleService.class);
		final Module module = ms.createModule(context.service(CommandService.class).getCommand(SampleCommand.class));
		final Map<String, Object> in = new HashMap<>();
		in.put("count", 2);
		in.put("steps", 1000);
		in.put("sampler", "ddpm");
		final Future<Module> f = ms.run(module, true, in);
		Thread.sleep(1500);
		final long t0 = System.nanoTime();
		((Cancelable) module).cancel("stopped by the test");
		f.get(30, TimeUnit.SECONDS);
		final double seconds = (System.nanoTime() - t0) / 1e9;
		assertTrue(((Cancelable) module).isCanceled());
		assertNull(module.getOutput("samples"), "a cancelled run makes no image");
		assertTrue(seconds < 5, "stopped " + seconds + " s after the cancel");
	}

	@Test
	void twoRunsAtOnceGiveWhatEachGivesAlone() throws Exception {
		final CommandService cs = context.service(CommandService.class);
		final Random r = new Random(5);
		final ImagePlus[] images = new ImagePlus[2];
		for (int k = 0; k < 2; k++) {
			final float[] px = new float[48 * 48];
			for (int i = 0; i < px.length; i++)
				px[i] = (float) (80 + 60 * ((i / 48 / 12 + i % 48 / 12) % 2) + 25 * r.nextGaussian());
			images[k] = new ImagePlus("img" + k, new FloatProcessor(48, 48, px));
		}
		final float[][] alone = new float[2][];
		for (int k = 0; k < 2; k++)
			alone[k] = pixels(Commands.run(cs, DenoiseCommand.class, map(images[k])).get());
		final Future<?>[] both = new Future<?>[2];
		for (int k = 0; k < 2; k++)
			both[k] = Commands.run(cs, DenoiseCommand.class, map(images[k]));
		for (int k = 0; k < 2; k++)
			assertArrayEquals(alone[k], pixels((Module) both[k].get()), "run " + k);
	}

	private static Map<String, Object> map(final ImagePlus imp) {
		final Map<String, Object> m = new HashMap<>();
		m.put("image", imp);
		m.put("sigma", 25);
		m.put("output", "sample");
		m.put("steps", 5);
		m.put("seed", 3);
		return m;
	}

	private static float[] pixels(final Module m) {
		assertTrue(!((Cancelable) m).isCanceled(), ((Cancelable) m).getCancelReason());
		return (float[]) ((ImagePlus) m.getOutput("result")).getProcessor().getPixels();
	}
}
