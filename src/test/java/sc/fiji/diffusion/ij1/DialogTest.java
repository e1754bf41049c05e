package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sc.fiji.diffusion.ij1.XvfbScenario.line;

import java.util.Collections;

import org.junit.jupiter.api.Test;

/**
 * Denoise's real dialog (ImageJ's GenericDialog under {@code xvfb-run}; skipped where it is
 * missing): a text field's hint sits right of its field and inside the dialog, and what is typed
 * into that field reaches the command.
 */
class DialogTest {

	@Test
	void aTextFieldsHintIsBesideItAndItsValueReachesTheCommand() throws Exception {
		final String out = XvfbScenario.run(DialogScenario.class, Collections.emptyList());
		assertEquals("true", line(out, "OFFSET_FIELD: "), out);
		assertEquals("poisson/auto only; auto = estimate", line(out, "HINT: "), out);
		assertEquals("true", line(out, "HINT_INSIDE: "), "the hint is cut off at the dialog's edge\n" + out);
		assertEquals("true", line(out, "HINT_RIGHT_OF_FIELD: "), "the hint is not beside its field\n" + out);
		assertTrue(out.contains("offset = 90.0"), "the typed offset did not reach Denoise\n" + out);
		assertEquals("photons-denoised", line(out, "RESULT: "), out);
	}
}
