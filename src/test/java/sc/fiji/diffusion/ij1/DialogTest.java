package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Denoise's real dialog (ImageJ's GenericDialog under {@code xvfb-run}; skipped where it is
 * missing): a text field's hint sits right of its field and inside the dialog, and what is typed
 * into that field reaches the command.
 */
class DialogTest {

	@Test
	void aTextFieldsHintIsBesideItAndItsValueReachesTheCommand() throws Exception {
		assumeTrue(Files.isExecutable(Paths.get("/usr/bin/xvfb-run")), "xvfb-run is not installed (apt-get install xvfb)");
		final List<String> cmd = Arrays.asList("/usr/bin/xvfb-run", "-a", Paths.get(System.getProperty("java.home"), "bin",
			"java").toString(), "-Djava.awt.headless=false", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
			"-Djava.util.prefs.userRoot=" + Paths.get("target", "prefs").toAbsolutePath(), "-cp", System.getProperty(
				"java.class.path"), DialogScenario.class.getName());
		final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		p.getOutputStream().close();
		final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(5, TimeUnit.MINUTES), "scenario did not finish");
		assertEquals(0, p.exitValue(), out);
		assertEquals("true", line(out, "OFFSET_FIELD: "), out);
		assertEquals("poisson/auto only; auto = estimate", line(out, "HINT: "), out);
		assertEquals("true", line(out, "HINT_INSIDE: "), "the hint is cut off at the dialog's edge\n" + out);
		assertEquals("true", line(out, "HINT_RIGHT_OF_FIELD: "), "the hint is not beside its field\n" + out);
		assertTrue(out.contains("offset = 90.0"), "the typed offset did not reach " +
			"Denoise\n" + out);
		assertEquals("photons-denoised", line(out, "RESULT: "), out);
	}

	private static String line(final String out, final String prefix) {
		for (final String l : out.split("\n"))
			if (l.startsWith(prefix)) return l.substring(prefix.length()).trim();
		throw new AssertionError("no '" + prefix + "' in the scenario's output:\n" + out);
	}
}
