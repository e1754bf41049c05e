package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a real ImageJ with a (virtual) display: the messages a menu user should read land in ImageJ's
 * Log window, and Train in batch mode leaves one loss plot, not one per second. Runs the scenario in
 * a JVM under {@code xvfb-run} ({@code .ci/run} installs it; skipped where it is missing).
 */
class WindowTest {

	@TempDir
	Path tmp;

	@Test
	void messagesGoToTheLogWindowAndBatchTrainingLeavesOnePlot() throws Exception {
		assumeTrue(Files.isExecutable(Paths.get("/usr/bin/xvfb-run")), "xvfb-run is not installed (apt-get install xvfb)");
		final Path model = Paths.get(WindowTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI()).getParent();
		final List<String> cmd = Arrays.asList("/usr/bin/xvfb-run", "-a", Paths.get(System.getProperty("java.home"), "bin",
			"java").toString(), "-Djava.awt.headless=false", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
			"-Ddiffusion.models=" + tmp, "-Djava.util.prefs.userRoot=" + Paths.get("target", "prefs").toAbsolutePath(), "-cp",
			System.getProperty("java.class.path"), WindowScenario.class.getName(), model.toString());
		final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		p.getOutputStream().close();
		final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(5, TimeUnit.MINUTES), "scenario did not finish");
		assertEquals(0, p.exitValue(), out);
		assertEquals("true", line(out, "LOG_HAS_DENOISE: "), "Denoise's messages are not in the Log window\n" + out);
		assertTrue(Integer.parseInt(line(out, "LOSS_PLOTS: ")) <= 1, "more than one loss plot in batch mode\n" + out);
		assertTrue(Integer.parseInt(line(out, "IMAGES_ADDED: ")) <= 2, "images pile up in batch mode\n" + out);
	}

	private static String line(final String out, final String prefix) {
		for (final String l : out.split("\n"))
			if (l.startsWith(prefix)) return l.substring(prefix.length()).trim();
		throw new AssertionError("no '" + prefix + "' in the scenario's output:\n" + out);
	}
}
