package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.junit.jupiter.api.Test;

/** Every command's Help button opens a page that exists in docs/ and is about that command. */
class HelpPagesTest {

	@Test
	void eachCommandsHelpIsAPageOfTheDocs() throws Exception {
		for (final String command : new String[] { "Denoise", "Inpaint", "Edit", "Sample", "Train", "Check Setup" }) {
			final String url = CommandBridge.help(command);
			assertTrue(url.startsWith(CommandBridge.DOCS), url);
			final Path page = Paths.get("docs", url.substring(CommandBridge.DOCS.length()));
			assertTrue(Files.isRegularFile(page), command + ": " + page + " is missing");
			final String text = new String(Files.readAllBytes(page), java.nio.charset.StandardCharsets.UTF_8);
			assertTrue(text.contains(command), command + " is not mentioned on its help page " + page);
		}
	}
}
