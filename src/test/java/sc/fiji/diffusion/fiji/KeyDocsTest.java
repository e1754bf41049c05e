package sc.fiji.diffusion.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandService;

/** docs/keys.md is what the commands' declarations say, not a copy typed by hand. */
class KeyDocsTest {

	@Test
	void theKeyReferenceIsWrittenFromTheDeclarations() throws Exception {
		final Context context = new Context(CommandService.class);
		try {
			// the test class path carries one more noise model (NoiseModelsTest.Doubled), which users never see
			final String generated = DiffusionCommands.keyReference(context.service(CommandService.class)).replace(
				", `doubled`", "");
			// every key of every command is in it, with its default
			for (final String row : new String[] { "| `noise` | `auto` | `auto`, `gaussian`, `poisson`", "| `samples` | `8` |",
				"| `jumps` | `1` |", "| `strength` | `0.5` |", "| `count` | `4` |", "| `data` | `clean` | `clean`, `noisy` |" })
				assertTrue(generated.contains(row), row + " missing from\n" + generated);
			final String committed = new String(Files.readAllBytes(Paths.get("docs", "keys.md")), StandardCharsets.UTF_8);
			assertEquals(generated, committed, "docs/keys.md is stale: regenerate it with mvn -q compile && " +
				"/usr/bin/python3 tools/keys.py");
		}
		finally {
			context.dispose();
		}
	}
}
