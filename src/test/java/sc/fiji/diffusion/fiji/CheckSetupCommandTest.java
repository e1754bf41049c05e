package sc.fiji.diffusion.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandService;

/** Plugins › Diffusion › Check Setup on this (Linux x86-64, CPU) machine, and its platform rules. */
class CheckSetupCommandTest {

	@Test
	void reportsWhatThePluginSeesAndFindsNothingWrongHere() throws Exception {
		final PrintStream before = System.out;
		final ByteArrayOutputStream buf = new ByteArrayOutputStream();
		final Context context = new Context(CommandService.class, DiffusionModelService.class);
		final org.scijava.module.Module m;
		try {
			System.setOut(new PrintStream(buf, true, "UTF-8"));
			m = Commands.run(context.service(CommandService.class), CheckSetupCommand.class, new java.util.HashMap<>()).get();
		}
		finally {
			System.setOut(before);
			context.dispose();
		}
		final String out = buf.toString("UTF-8");
		assertFalse(((org.scijava.Cancelable) m).isCanceled(), ((org.scijava.Cancelable) m).getCancelReason());
		for (final String line : new String[] { "Diffusion: Check Setup", "platform: Linux", "(linux-x86_64; Fiji folder " +
			"jars/linux64)", "max heap", "pytorch-native-cpu-2.5.1-linux-x86_64.jar (PyTorch 2.5.1", "DJL 0.32.0, PyTorch 2.5.1",
			"devices: CPU only", "a GPU build here: mvn package -Pgpu", "threads: PyTorch intra-op", "model 'grayscale'", "model 'fashion-mnist'", "Denoise of a " +
				"512x512 image", "largest image Denoise takes with this heap", "Diffusion: setup OK" })
			assertTrue(out.contains(line), line + " missing from\n" + out);
		assertEquals(0, (int) (Integer) m.getOutput("problems"), out);
		assertFalse(out.contains("NOT this platform's"), out);
	}

	@Test
	void platformFoldersAreFijisLaunchers() {
		assertEquals("linux64", SetupCheck.fijiPlatform("linux", "x86_64"));
		assertEquals("win64", SetupCheck.fijiPlatform("win", "x86_64"));
		assertEquals("macos-arm64", SetupCheck.fijiPlatform("osx", "aarch64"));
		// no PyTorch CPU natives of this DJL version on Maven Central for these
		assertNull(SetupCheck.fijiPlatform("osx", "x86_64"));
		assertNull(SetupCheck.fijiPlatform("linux", "aarch64"));
		assertTrue(SetupCheck.whyNoGpu("osx", Arrays.asList("x.jar (PyTorch 2.5.1, cpu, osx-aarch64)")).contains(
			"CPU-only"));
	}
}
