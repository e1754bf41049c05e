package sc.fiji.diffusion.models;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.model.ModelDescriptor;

/**
 * Finds model folders by name. Searched in order:
 * <ol>
 * <li>the name itself, when it is a folder holding {@code rdf.yaml};</li>
 * <li>each folder in the system property {@code diffusion.models} (path-separated list) and
 * the environment variable {@code DIFFUSION_MODELS};</li>
 * <li>{@code models/diffusion} in the Fiji/ImageJ folder ({@code fiji.dir}, {@code imagej.dir}
 * or {@code ij.dir});</li>
 * <li>the per-user folder {@code ~/.diffusion-fiji/models} (where Train writes when no other is known);</li>
 * <li>the models bundled in the plugin jar ({@value #DEFAULT}, {@value #DEFAULT_IMAGE}), unpacked once per JVM into a
 * temporary folder because the TorchScript loader needs a file.</li>
 * </ol>
 */
public final class Models {

	/** The bundled default model of Sample. */
	public static final String DEFAULT = "fashion-mnist";

	/** The bundled default model of the commands on a user's image (Denoise, Inpaint, Edit). */
	public static final String DEFAULT_IMAGE = "grayscale";

	/** Models shipped inside the jar, under {@code /models/<name>/}. */
	private static final List<String> BUNDLED = java.util.Arrays.asList(DEFAULT, DEFAULT_IMAGE);
	private static final String[] BUNDLED_FILES = { "rdf.yaml", "weights.pt", "classifier.pt", "README.md" };

	private static final Map<String, Path> unpacked = new LinkedHashMap<>();

	private Models() {}

	/** The per-user models folder, searched last and written when no other models folder is known. */
	public static Path userFolder() {
		return Paths.get(System.getProperty("user.home"), ".diffusion-fiji", "models");
	}

	/**
	 * Where a newly trained model goes: the first folder of {@code diffusion.models} /
	 * {@code DIFFUSION_MODELS} when set, else {@code models/diffusion} of the Fiji folder when
	 * known, else {@link #userFolder()}. Created if needed; every one of them is searched.
	 */
	public static Path trainingFolder() throws IOException {
		for (final String spec : new String[] { System.getProperty("diffusion.models"), System.getenv("DIFFUSION_MODELS") }) {
			if (spec == null || spec.isEmpty()) continue;
			for (final String p : spec.split(java.io.File.pathSeparator))
				if (!p.isEmpty()) return Files.createDirectories(Paths.get(p));
		}
		for (final String prop : new String[] { "fiji.dir", "imagej.dir", "ij.dir" }) {
			final String base = System.getProperty(prop);
			if (base != null) return Files.createDirectories(Paths.get(base, "models", "diffusion"));
		}
		return Files.createDirectories(userFolder());
	}

	/** The folders searched for models (existing ones only), highest priority first. */
	public static List<Path> searchPath() {
		final List<Path> dirs = new ArrayList<>();
		for (final String spec : new String[] { System.getProperty("diffusion.models"), System.getenv("DIFFUSION_MODELS") }) {
			if (spec == null || spec.isEmpty()) continue;
			for (final String p : spec.split(java.io.File.pathSeparator))
				if (!p.isEmpty()) dirs.add(Paths.get(p));
		}
		for (final String prop : new String[] { "fiji.dir", "imagej.dir", "ij.dir" }) {
			final String base = System.getProperty(prop);
			if (base != null) dirs.add(Paths.get(base, "models", "diffusion"));
		}
		dirs.add(userFolder());
		dirs.removeIf(d -> !Files.isDirectory(d));
		return dirs;
	}

	/** Names of every model that {@link #resolve} can find, the default first. */
	public static List<String> available() {
		final List<String> names = new ArrayList<>(BUNDLED);
		for (final Path dir : searchPath()) {
			try (Stream<Path> s = Files.list(dir)) {
				// hidden folders are training checkpoints and half-written models: never offered
				s.filter(p -> !p.getFileName().toString().startsWith(".") && Files.isRegularFile(p.resolve(
					ModelDescriptor.FILE_NAME))).map(p -> p.getFileName().toString())
					.sorted().filter(n -> !names.contains(n)).forEach(names::add);
			}
			catch (final IOException e) {
				// an unreadable folder has no models to offer
			}
		}
		return names;
	}

	/** The folder of the model called {@code nameOrPath}; a clear error when there is none. */
	public static Path resolve(final String nameOrPath) {
		final String name = nameOrPath == null || nameOrPath.trim().isEmpty() ? DEFAULT : nameOrPath.trim();
		final Path direct = Paths.get(name);
		if (Files.isDirectory(direct)) {
			if (!Files.isRegularFile(direct.resolve(ModelDescriptor.FILE_NAME))) throw new ModelException(
				"Model folder " + direct + " has no " + ModelDescriptor.FILE_NAME);
			return direct;
		}
		for (final Path dir : searchPath()) {
			final Path p = dir.resolve(name);
			if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(ModelDescriptor.FILE_NAME))) return p;
		}
		if (BUNDLED.contains(name)) return bundled(name);
		throw new ModelException("No model called '" + name + "'. Available: " + String.join(", ", available()) +
			". A model is a folder with " + ModelDescriptor.FILE_NAME + " and its weights; put it in " +
			(searchPath().isEmpty() ? "Fiji.app/models/diffusion" : searchPath().get(0).toString()) +
			" or give its path.");
	}

	private static synchronized Path bundled(final String name) {
		final Path known = unpacked.get(name);
		if (known != null) return known;
		final URL url = Models.class.getResource("/models/" + name + "/" + ModelDescriptor.FILE_NAME);
		if (url == null) throw new ModelException("The bundled model '" + name + "' is missing from the plugin jar");
		try {
			if ("file".equals(url.getProtocol())) { // running from classes/ (development, tests): use in place
				final Path dir = Paths.get(url.toURI()).getParent();
				unpacked.put(name, dir);
				return dir;
			}
			final Path dir = Files.createTempDirectory("diffusion-" + name + "-");
			dir.toFile().deleteOnExit();
			for (final String f : BUNDLED_FILES) {
				try (InputStream in = Models.class.getResourceAsStream("/models/" + name + "/" + f)) {
					if (in == null) continue;
					final Path target = dir.resolve(f);
					Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
					target.toFile().deleteOnExit();
				}
			}
			unpacked.put(name, dir);
			return dir;
		}
		catch (final IOException | URISyntaxException e) {
			throw new ModelException("Cannot unpack the bundled model '" + name + "': " + e.getMessage(), e);
		}
	}
}
