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

/**
 * A scenario's {@code main} run in a JVM with a virtual display ({@code xvfb-run}, which
 * {@code .ci/run} installs), for tests of ImageJ's real windows, dialogs and recorder; the test is
 * skipped where xvfb-run is missing. The scenario prints {@code KEY: value} lines for the test.
 */
final class XvfbScenario {

	private XvfbScenario() {}

	/**
	 * The scenario's output, once it has exited with 0 within 5 minutes (else the test fails with
	 * that output).
	 *
	 * @param properties extra {@code -Dname=value} options of the JVM
	 */
	static String run(final Class<?> scenario, final List<String> properties, final String... args) throws Exception {
		assumeTrue(Files.isExecutable(Paths.get("/usr/bin/xvfb-run")), "xvfb-run is not installed (apt-get install xvfb)");
		final List<String> cmd = new ArrayList<>(Arrays.asList("/usr/bin/xvfb-run", "-a", Paths.get(System.getProperty(
			"java.home"), "bin", "java").toString(), "-Djava.awt.headless=false", "-Dai.djl.offline=true",
			"-Dai.djl.pytorch.num_threads=1", "-Djava.util.prefs.userRoot=" + Paths.get("target", "prefs").toAbsolutePath()));
		cmd.addAll(properties);
		cmd.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"), scenario.getName()));
		cmd.addAll(Arrays.asList(args));
		final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		p.getOutputStream().close();
		final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(5, TimeUnit.MINUTES), "scenario did not finish");
		assertEquals(0, p.exitValue(), out);
		return out;
	}

	/** The value of the scenario's line {@code prefix + value} (the test fails where there is none). */
	static String line(final String out, final String prefix) {
		for (final String l : out.split("\n"))
			if (l.startsWith(prefix)) return l.substring(prefix.length()).trim();
		throw new AssertionError("no '" + prefix + "' in the scenario's output:\n" + out);
	}
}
