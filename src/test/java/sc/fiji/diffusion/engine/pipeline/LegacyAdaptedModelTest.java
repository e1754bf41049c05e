package sc.fiji.diffusion.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.noise.NoiseSettings;

/**
 * Models that Train data=noisy wrote with the ambient loss (until 2026-12-07) say so in
 * {@code config.diffusion.adapted}; Denoise still reads them the way they need (entering above
 * the noise, averaging draws), and says so.
 */
class LegacyAdaptedModelTest {

	@TempDir
	Path tmp;

	@Test
	void denoiseReadsAnAmbientAdaptedModelAsItNeeds() throws Exception {
		final Path tiny = Paths.get(LegacyAdaptedModelTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI())
			.getParent();
		final Path legacy = tmp.resolve("legacy");
		Files.createDirectories(legacy);
		Files.copy(tiny.resolve("weights.pt"), legacy.resolve("weights.pt"));
		final String rdf = new String(Files.readAllBytes(tiny.resolve("rdf.yaml")), StandardCharsets.UTF_8);
		Files.write(legacy.resolve("rdf.yaml"), rdf.replace("  diffusion:\n", "  diffusion:\n    adapted: {data: noisy, " +
			"factor: 1.25, draws: 3}\n").getBytes(StandardCharsets.UTF_8));
		final float[] y = sc.fiji.diffusion.testing.TestData.gaussian(sc.fiji.diffusion.testing.TestData.blobs(1, 64, 64, 2)
			.get(0), 20, 3);
		final DenoiseSettings s = DenoiseSettings.builder().noise(NoiseSettings.gaussian(20)).output("mean").seed(1).build();
		final List<String> log = new ArrayList<>();
		final float[] a, b;
		try (DiffusionModel m = DiffusionModel.load(legacy, Device.cpu()); DiffusionModel base = DiffusionModel.load(tiny,
			Device.cpu()))
		{
			assertTrue(m.descriptor().isAdapted());
			a = DenoisePipeline.run(ModelSource.of(m), Hyperstack.of(64, 64, 32, y.clone()), s, Monitor.logging(log::add))
				.image.plane(0);
			b = DenoisePipeline.run(ModelSource.of(base), Hyperstack.of(64, 64, 32, y.clone()), s, Monitor.NONE).image.plane(
				0);
		}
		assertTrue(log.stream().anyMatch(l -> l.contains("enters at 1.25 x the image's noise level") && l.contains(
			"averaging 3 draws")), String.join("\n", log));
		for (final float v : a)
			assertTrue(Float.isFinite(v));
		assertFalse(Arrays.equals(a, b), "the same weights read as adapted give another result");
	}
}
