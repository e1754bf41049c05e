package sc.fiji.diffusion.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the log says about the device. */
class DevicesTest {

	private static void gpu(final Path root, final String bus, final String model) throws Exception {
		final Path d = Files.createDirectories(root.resolve(bus));
		Files.write(d.resolve("information"), ("Model: \t\t " + model + "\nIRQ:   \t\t 35\nGPU UUID: \t GPU-1234\n" +
			"Bus Location: \t " + bus + "\n").getBytes("UTF-8"));
	}

	@Test
	void gpuNameComesFromTheDriverWhenUnambiguous(@TempDir final Path root) throws Exception {
		assertNull(Devices.gpuName(root.resolve("missing")));
		gpu(root, "0000:18:00.0", "NVIDIA H100 80GB HBM3");
		assertEquals("NVIDIA H100 80GB HBM3", Devices.gpuName(root));
		gpu(root, "0000:2a:00.0", "NVIDIA H100 80GB HBM3");
		assertEquals("NVIDIA H100 80GB HBM3", Devices.gpuName(root));
		gpu(root, "0000:3b:00.0", "NVIDIA A100-SXM4-40GB");
		assertNull(Devices.gpuName(root), "mixed models: CUDA's order is unknown, so no name");
	}

	@Test
	void cpuDescriptionNamesTheThreadCount() {
		final String d = Devices.describe(ai.djl.Device.cpu());
		assertTrue(d.matches("CPU \\(\\d+ threads\\)"), d);
		assertEquals("CPU (" + Devices.cpuThreads() + " threads)", d);
	}
}
