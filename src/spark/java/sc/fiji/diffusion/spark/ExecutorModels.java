package sc.fiji.diffusion.spark;

import ai.djl.Device;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelCache;
import sc.fiji.diffusion.engine.model.ModelDescriptor;

/**
 * A model folder travelling to the executors once (as a Spark broadcast of its files), written
 * to a local folder and loaded once per executor JVM through the engine's model cache, which
 * checks the weights against their sha256 there.
 */
public final class ExecutorModels {

	private static final Map<String, Path> written = new HashMap<>();

	private ExecutorModels() {}

	/** The files of a model folder, by name. */
	public static final class Files0 implements Serializable {

		private static final long serialVersionUID = 1L;
		final String name, sha256;
		final LinkedHashMap<String, byte[]> files = new LinkedHashMap<>();

		Files0(final Path dir) throws IOException {
			final ModelDescriptor d = ModelDescriptor.read(dir);
			name = d.name();
			sha256 = d.weightsSha256();
			try (java.util.stream.Stream<Path> s = Files.list(dir)) {
				for (final Path f : (Iterable<Path>) s::iterator)
					if (Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".")) files.put(f.getFileName()
						.toString(), Files.readAllBytes(f));
			}
		}

		long bytes() {
			return files.values().stream().mapToLong(b -> b.length).sum();
		}
	}

	public static Files0 pack(final Path dir) throws IOException {
		return new Files0(dir);
	}

	/**
	 * Closes the models this JVM unpacked and deletes their folders (the driver calls it at the
	 * end of a job; executors of a cluster delete theirs when their JVM exits).
	 */
	public static synchronized void cleanUp() {
		for (final Path dir : written.values()) {
			try {
				ModelCache.shared().evict(dir);
				try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
					for (final Path q : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator)
						Files.deleteIfExists(q);
				}
			}
			catch (final IOException | RuntimeException e) {
				// left for deleteOnExit
			}
		}
		written.clear();
	}

	/** The model on this executor: written to a local folder once, loaded once (sha256 checked at load). */
	public static synchronized DiffusionModel get(final Files0 m, final String device) throws IOException {
		final String key = m.name + "@" + m.sha256;
		Path dir = written.get(key);
		if (dir == null) {
			dir = Files.createTempDirectory("diffusion-model-" + m.name + "-");
			// deleteOnExit runs in reverse order of registration: the folder first, then its files
			dir.toFile().deleteOnExit();
			for (final Map.Entry<String, byte[]> e : m.files.entrySet()) {
				final Path f = dir.resolve(e.getKey());
				Files.write(f, e.getValue());
				f.toFile().deleteOnExit();
			}
			written.put(key, dir);
		}
		final Device d = Devices.resolve(device);
		return ModelCache.shared().get(dir, d);
	}
}
