package sc.fiji.diffusion.fiji;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.Module;

/** Memory: a huge image gets a clear message, not an OutOfMemoryError; many runs stay flat. */
class ResourcesTest {

	private static Context context;
	private static CommandService cs;

	@BeforeAll
	static void start() {
		context = new Context(CommandService.class);
		cs = context.service(CommandService.class);
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	@Test
	void aTenThousandSquareImageGetsAClearMemoryMessage() throws Exception {
		// the surefire JVM has a 3 GB heap; 10000 x 10000 needs about 4 GB of working memory
		final ImagePlus huge = new ImagePlus("huge", new ByteProcessor(10000, 10000));
		final Map<String, Object> in = new HashMap<>();
		in.put("image", huge);
		in.put("sigma", 10);
		final Module m = Commands.run(cs, DenoiseCommand.class, in).get();
		assertTrue(((Cancelable) m).isCanceled(), "should be refused");
		final String why = ((Cancelable) m).getCancelReason();
		assertTrue(why.contains("memory") && why.contains("10000x10000"), why);
	}

	static long rssKb() throws IOException {
		for (final String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.UTF_8))
			if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
		return -1;
	}

	static long heapAfterGc() throws InterruptedException {
		final Runtime rt = Runtime.getRuntime();
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(50);
		}
		return rt.totalMemory() - rt.freeMemory();
	}

	@Test
	void twoHundredRunsKeepHeapAndRssFlat() throws Exception {
		final Random r = new Random(1);
		final float[] px = new float[48 * 48];
		for (int i = 0; i < px.length; i++)
			px[i] = (float) (100 + 25 * r.nextGaussian());
		final ImagePlus imp = new ImagePlus("n", new FloatProcessor(48, 48, px));
		final Map<String, Object> in = new HashMap<>();
		in.put("image", imp);
		in.put("sigma", 25);
		in.put("output", "sample");
		in.put("steps", 3);
		long rss20 = 0, heap20 = 0;
		for (int k = 1; k <= 200; k++) {
			final Module m = Commands.run(cs, DenoiseCommand.class, in).get();
			assertTrue(!((Cancelable) m).isCanceled(), ((Cancelable) m).getCancelReason());
			if (k == 20) {
				heap20 = heapAfterGc();
				rss20 = rssKb();
			}
		}
		final long heap200 = heapAfterGc(), rss200 = rssKb();
		assertTrue(heap200 - heap20 < 64L << 20, "heap grew from " + (heap20 >> 20) + " MB to " + (heap200 >> 20) + " MB");
		assertTrue(rss200 - rss20 < 150 * 1024, "RSS grew from " + rss20 / 1024 + " MB to " + rss200 / 1024 + " MB");
	}
}
