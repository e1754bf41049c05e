package sc.fiji.diffusion.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.models.Models;

/** Models are loaded and checked once per (folder, device), and again when their files change. */
class ModelCacheTest {

	@TempDir
	Path tmp;

	@Test
	void loadsOnceAndReloadsWhenTheFolderChanges() throws Exception {
		final Path src = Models.resolve("fashion-mnist");
		final Path dir = Files.createDirectories(tmp.resolve("m"));
		for (final String f : new String[] { "rdf.yaml", "weights.pt" })
			Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
		final List<String> log = new ArrayList<>();
		try (ModelCache cache = new ModelCache(log::add)) {
			final DiffusionModel a = cache.get(dir, Device.cpu());
			final DiffusionModel b = cache.get(dir.resolve("..").resolve("m"), Device.cpu()); // same folder, other spelling
			assertSame(a, b);
			assertEquals(1, log.size(), "one load, said once: " + log);
			assertTrue(log.get(0).contains("fashion-mnist") && log.get(0).contains("sha256 verified"), log.get(0));
			// the weights are replaced by something else: the next request notices (size/time) and checks again
			final Path w = dir.resolve("weights.pt");
			Files.write(w, "not weights".getBytes(StandardCharsets.UTF_8));
			Files.setLastModifiedTime(w, FileTime.fromMillis(System.currentTimeMillis() + 5000));
			assertThrows(ModelException.class, () -> cache.get(dir, Device.cpu()), "sha256 mismatch is caught on reload");
			Files.copy(src.resolve("weights.pt"), w, StandardCopyOption.REPLACE_EXISTING);
			Files.setLastModifiedTime(w, FileTime.fromMillis(System.currentTimeMillis() + 10000));
			final DiffusionModel c = cache.get(dir, Device.cpu());
			assertNotSame(a, c);
			assertEquals(1, cache.size());
			assertTrue(log.get(log.size() - 1).contains("changed on disk"), log.toString());
		}
	}

	@Test
	void aClosedCacheRefuses() {
		final ModelCache cache = new ModelCache(s -> {});
		cache.close();
		assertThrows(IllegalStateException.class, () -> cache.get(Models.resolve("fashion-mnist"), Device.cpu()));
	}
}
