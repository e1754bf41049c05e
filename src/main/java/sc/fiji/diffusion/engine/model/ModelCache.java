package sc.fiji.diffusion.engine.model;

import ai.djl.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.ModelException;

/**
 * Loaded models, one per (model folder, device): a model is read, its weights checked against
 * their sha256 and loaded once, then handed to every run that asks for it. If the folder's files
 * change on disk (a model retrained under the same name), the next request loads them again.
 * Models handed out stay open until the cache is closed; callers must not close them. Safe
 * for concurrent use: inference on one loaded network from several threads is allowed.
 * <p>
 * Fiji closes its cache with the SciJava context; a command-line run or an executor keeps one
 * per JVM ({@link #shared()}).
 */
public final class ModelCache implements AutoCloseable {

	private static ModelCache shared;

	private final Map<String, Entry> models = new LinkedHashMap<>();
	/** Replaced models: maybe still in use by a running command, closed with the cache. */
	private final List<DiffusionModel> retired = new ArrayList<>();
	private final Consumer<String> log;
	private boolean closed;

	private static final class Entry {

		final DiffusionModel model;
		final String fingerprint;

		Entry(final DiffusionModel model, final String fingerprint) {
			this.model = model;
			this.fingerprint = fingerprint;
		}
	}

	/** @param log told once per model load (name, device, time) */
	public ModelCache(final Consumer<String> log) {
		this.log = Objects.requireNonNull(log);
	}

	/** The cache for plain-Java front ends (CLI, cluster executors): one per JVM, closed at exit. */
	public static synchronized ModelCache shared() {
		if (shared == null) {
			shared = new ModelCache(System.out::println);
			Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "diffusion-model-cache"));
		}
		return shared;
	}

	/** The model in {@code dir} on {@code device}, loaded (and sha256-checked) on first use. */
	public synchronized DiffusionModel get(final Path dir, final Device device) {
		if (closed) throw new IllegalStateException("the model cache is closed");
		final Path real;
		try {
			real = dir.toRealPath();
		}
		catch (final IOException e) {
			throw new ModelException("Model folder not found: " + dir);
		}
		final String key = real + "|" + device;
		final String fp = fingerprint(real);
		final Entry e = models.get(key);
		if (e != null && e.fingerprint.equals(fp)) return e.model;
		final long t0 = System.nanoTime();
		final DiffusionModel m = DiffusionModel.load(real, device);
		if (e != null) retired.add(e.model);
		models.put(key, new Entry(m, fp));
		log.accept(String.format(Locale.ROOT, "Diffusion: model '%s' from %s %sloaded on %s%s (weights sha256 %s)%s in %.2f s",
			m.descriptor().name(), real, e != null ? "changed on disk, re" : "", Devices.describe(m.device()), m.precision()
				.equals("float32") ? "" : ", " + m.precision() + " inference copy", m.descriptor().weightsSha256() != null
					? "verified" : "not given", m.descriptor().hasOneStep() ? "; Denoise output=mean runs its one-step network " +
						"(distilled from it, " + m.descriptor().oneStepRange() + ")" : "", (System.nanoTime() - t0) / 1e9));
		return m;
	}

	/** The same model on the CPU, for continuing after a GPU ran out of memory. */
	public DiffusionModel onCpu(final DiffusionModel m) {
		return get(m.descriptor().dir(), Device.cpu());
	}

	/** Number of models currently loaded. */
	public synchronized int size() {
		return models.size();
	}

	/** Closes and forgets every model loaded from {@code dir} (on any device), e.g. before the folder is deleted. */
	public synchronized void evict(final Path dir) {
		final String prefix;
		try {
			prefix = dir.toRealPath() + "|";
		}
		catch (final IOException e) {
			return; // the folder is gone: its real path cannot be resolved to match (models from it stay until the cache closes)
		}
		models.entrySet().removeIf(en -> {
			if (!en.getKey().startsWith(prefix)) return false;
			en.getValue().model.close();
			return true;
		});
	}

	/** Names, sizes and modification times of the folder's files: cheap to check per request. */
	private static String fingerprint(final Path dir) {
		final StringBuilder sb = new StringBuilder();
		try (Stream<Path> files = Files.list(dir)) {
			for (final Path p : (Iterable<Path>) files.sorted()::iterator)
				if (Files.isRegularFile(p)) sb.append(p.getFileName()).append(':').append(Files.size(p)).append('@').append(
					Files.getLastModifiedTime(p).toMillis()).append(';');
		}
		catch (final IOException e) {
			sb.append("unreadable");
		}
		return sb.toString();
	}

	@Override
	public synchronized void close() {
		if (closed) return;
		closed = true;
		for (final Entry e : models.values())
			e.model.close();
		for (final DiffusionModel m : retired)
			m.close();
		models.clear();
		retired.clear();
	}
}
