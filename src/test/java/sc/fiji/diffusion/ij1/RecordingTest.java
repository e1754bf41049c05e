package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sc.fiji.diffusion.ij1.XvfbScenario.line;

import java.util.Collections;

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
		final String out = XvfbScenario.run(RecordingScenario.class, Collections.emptyList(), "count=2 steps=5 label=Bag seed=7",
			"7");
		final String recorded = line(out, "RECORDED: ");
		for (final String key : new String[] { "model=fashion-mnist", "count=2", "steps=5", "sampler=ddim", "seed=7",
			"label=Bag", "guidance=2.0", "device=auto" })
			assertTrue((" " + recorded).contains(" " + key), key + " missing from the recorded options: " + recorded);
		assertEquals("true", line(out, "REPLAY_SAME: "), "replaying the recorded line gave a different image\n" + out);
		assertEquals("false", line(out, "OTHER_SEED_SAME: "), "the seed did not matter\n" + out);
	}
}
