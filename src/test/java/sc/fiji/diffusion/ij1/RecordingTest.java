package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Macro recording: with ImageJ's recorder on, Sample records every input (not only the ones
 * given), and replaying the recorded options gives the same image; another seed does not.
 * ImageJ's dialogs need a display, so the scenario runs in a JVM under {@code xvfb-run}
 * (installed by {@code .ci/run}; skipped where it is missing).
 */
class RecordingTest {

	@Test
	void recordedOptionsNameEveryInputAndReplayToTheSameImage() throws Exception {
		assumeTrue(Files.isExecutable(Paths.get("/usr/bin/xvfb-run")), "xvfb-run is not installed (apt-get install xvfb)");
		final List<String> cmd = new ArrayList<>(Arrays.asList("/usr/bin/xvfb-run", "-a",
			Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Djava.awt.headless=false",
			"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
			"-Djava.util.prefs.userRoot=" + Paths.get("target", "prefs").toAbsolutePath(),
			"-cp", System.getProperty("java.class.path"), RecordingScenario.class.getName(),
			"count=2 steps=5 label=Bag seed=7", "7"));
		final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		p.getOutputStream().close();
		final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(5, TimeUnit.MINUTES), "scenario did not finish");
		assertEquals(0, p.exitValue(), out);
		final String recorded = line(out, "RECORDED: ");
		for (final String key : new String[] { "model=fashion-mnist", "count=2", "steps=5", "sampler=ddim", "seed=7",
			"label=Bag", "guidance=2.0", "device=auto" })
			assertTrue((" " + recorded).contains(" " + key), key + " missing from the recorded options: " + recorded);
		assertEquals("true", line(out, "REPLAY_SAME: "), "replaying the recorded line gave a different image\n" + out);
		assertEquals("false", line(out, "OTHER_SEED_SAME: "), "the seed did not matter\n" + out);
	}

	private static String line(final String out, final String prefix) {
		for (final String l : out.split("\n"))
			if (l.startsWith(prefix)) return l.substring(prefix.length()).trim();
		throw new AssertionError("no '" + prefix + "' in the scenario's output:\n" + out);
	}
}
