package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sc.fiji.diffusion.ij1.XvfbScenario.line;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;

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
		final Path model = Paths.get(WindowTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI()).getParent();
		final String out = XvfbScenario.run(WindowScenario.class, Collections.singletonList("-Ddiffusion.models=" + tmp),
			model.toString());
		assertEquals("true", line(out, "LOG_HAS_DENOISE: "), "Denoise's messages are not in the Log window\n" + out);
		assertTrue(Integer.parseInt(line(out, "LOSS_PLOTS: ")) <= 1, "more than one loss plot in batch mode\n" + out);
		assertTrue(Integer.parseInt(line(out, "IMAGES_ADDED: ")) <= 2, "images pile up in batch mode\n" + out);
	}
}
