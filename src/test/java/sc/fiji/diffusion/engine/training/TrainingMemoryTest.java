package sc.fiji.diffusion.engine.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.ModelDescriptor;

/** Thousands of training steps: the Java heap and the process's resident memory stay flat. */
class TrainingMemoryTest {

	private static long rssKb() throws Exception {
		for (final String line : Files.readAllLines(Paths.get("/proc/self/status")))
			if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
		return 0;
	}

	@Test
	void memoryIsFlatOverThousandsOfSteps() throws Exception {
		final ModelDescriptor d = TrainTest.tiny();
		final Patches train = new Patches(32);
		for (final float[] px : sc.fiji.diffusion.testing.TestData.blobs(2, 64, 64, 4))
			train.add(px, 64, 64, 0, 64);
		final Trainer.Settings s = new Trainer.Settings();
		s.steps = 2000;
		s.batch = 2;
		s.patch = 32;
		s.lr = 1e-4;
		final List<long[]> samples = new ArrayList<>(); // step, heap MB after GC, RSS MB
		final Runtime rt = Runtime.getRuntime();
		try (Trainer t = new Trainer(d.verifiedWeights(), Device.cpu(), d.schedule(), s, train, null, null)) {
			t.run(Monitor.NONE, new Trainer.Listener() {

				@Override
				public void step(final int k, final int n, final double loss, final double rate) {
					if (k % 400 == 0) {
						System.gc();
						try {
							samples.add(new long[] { k, (rt.totalMemory() - rt.freeMemory()) >> 20, rssKb() >> 10 });
						}
						catch (final Exception e) {
							throw new IllegalStateException(e);
						}
					}
				}
			}, null);
		}
		final StringBuilder sb = new StringBuilder();
		for (final long[] r : samples)
			sb.append(String.format("step %d: heap %d MB, RSS %d MB%n", r[0], r[1], r[2]));
		System.out.print(sb);
		// from step 800 (allocators settled) to 2000: no growth beyond noise
		final long[] first = samples.get(1), last = samples.get(samples.size() - 1);
		assertTrue(last[1] - first[1] <= 16, "heap grows:\n" + sb);
		assertTrue(last[2] - first[2] <= 40, "RSS grows:\n" + sb);
	}
}
