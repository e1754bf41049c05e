package sc.fiji.diffusion.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.NoiseSchedule;

/** Broken model folders get messages that name the file and the field. */
class DescriptorTest {

	@TempDir
	Path tmp;

	private Path copyOfBundled() throws IOException {
		final Path src = Models.resolve("fashion-mnist");
		final Path dir = tmp.resolve("model");
		Files.createDirectories(dir);
		for (final String f : new String[] { "rdf.yaml", "weights.pt" })
			Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
		return dir;
	}

	private Path withDescriptor(final String from, final String to) throws IOException {
		final Path dir = copyOfBundled();
		final Path rdf = dir.resolve("rdf.yaml");
		final String text = new String(Files.readAllBytes(rdf), StandardCharsets.UTF_8);
		assertTrue(text.contains(from), "test setup: descriptor should contain " + from);
		Files.write(rdf, text.replace(from, to).getBytes(StandardCharsets.UTF_8));
		return dir;
	}

	private static void assertFails(final Path dir, final String... parts) {
		final ModelException e = assertThrows(ModelException.class, () -> DiffusionModel.load(dir, Device.cpu()).close());
		for (final String p : parts)
			assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should mention " + p);
	}

	@Test
	void aCopyLoads() throws IOException {
		try (DiffusionModel m = DiffusionModel.load(copyOfBundled(), Device.cpu())) {
			assertEquals("fashion-mnist", m.descriptor().name());
		}
	}

	@Test
	void missingFolderDescriptorOrWeights() throws IOException {
		assertFails(tmp.resolve("nothing-here"), "not found", "nothing-here");
		final Path empty = Files.createDirectories(tmp.resolve("empty"));
		assertFails(empty, "rdf.yaml", "not found");
		final Path dir = copyOfBundled();
		Files.delete(dir.resolve("weights.pt"));
		assertFails(dir, "weights.torchscript.source", "weights.pt");
	}

	@Test
	void weightsThatDoNotMatchTheirSha256AreRefused() throws IOException {
		final Path dir = copyOfBundled();
		final byte[] w = Files.readAllBytes(dir.resolve("weights.pt"));
		w[w.length / 2] ^= 1;
		Files.write(dir.resolve("weights.pt"), w);
		assertFails(dir, "sha256", "weights.pt");
	}

	@Test
	void unreadableOrInvalidDescriptors() throws IOException {
		final Path dir = copyOfBundled();
		Files.write(dir.resolve("rdf.yaml"), "name: [unclosed\n  : :".getBytes(StandardCharsets.UTF_8));
		assertFails(dir, "rdf.yaml", "Cannot read");
		assertFails(withDescriptor("kind: linear", "kind: sigmoid"), "config.diffusion.schedule.kind", "sigmoid", "cosine");
		assertFails(withDescriptor("prediction: epsilon", "prediction: score"), "config.diffusion.prediction", "score",
			"epsilon, x0, v");
		assertFails(withDescriptor("timesteps: 1000", "timesteps: many"), "timesteps", "number");
		assertFails(withDescriptor("image: {height: 32", "picture: {height: 32"), "image", "missing");
	}

	@Test
	void cosineScheduleAndOtherPredictionsAreAccepted() throws IOException {
		final ModelDescriptor d = ModelDescriptor.read(withDescriptor("{kind: linear, timesteps: 1000, beta_start: 0.0001, " +
			"beta_end: 0.02}", "{kind: cosine, timesteps: 500}"));
		assertEquals(NoiseSchedule.Kind.COSINE, d.schedule().kind());
		assertEquals(500, d.schedule().T());
		assertEquals(Prediction.V, ModelDescriptor.read(withDescriptor("prediction: epsilon", "prediction: v")).prediction());
		assertEquals(Prediction.X0, ModelDescriptor.read(withDescriptor("prediction: epsilon", "prediction: x0"))
			.prediction());
	}
}
