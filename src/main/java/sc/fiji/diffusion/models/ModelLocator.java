package sc.fiji.diffusion.models;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.pipeline.ModelFolders;

/**
 * Where models are found and where new ones are written: a search path of model folders (each
 * holding one folder per model), the folder Train writes into, and the models bundled in the
 * plugin jar. An instance, so a test, a server or a second Fiji can each have their own;
 * {@link #fromEnvironment()} is the usual one:
 * <ol>
 * <li>each folder in the system property {@code diffusion.models} (path-separated list) and
 * the environment variable {@code DIFFUSION_MODELS};</li>
 * <li>{@code models/diffusion} in the Fiji/ImageJ folder ({@code fiji.dir}, {@code imagej.dir}
 * or {@code ij.dir});</li>
 * <li>the per-user folder {@code ~/.diffusion-fiji/models};</li>
 * <li>the models bundled in the plugin jar, unpacked once per JVM because the TorchScript
 * loader needs a file.</li>
 * </ol>
 * A name that is itself a folder holding {@code rdf.yaml} is taken as it is.
 */
public final class ModelLocator implements ModelFolders {

	/** Models shipped inside the jar, under {@code /models/<name>/}. */
	public static final List<String> BUNDLED = Collections.unmodifiableList(Arrays.asList(Models.DEFAULT,
		Models.DEFAULT_IMAGE));
	private static final String[] BUNDLED_FILES = { "rdf.yaml", "weights.pt", "weights-bf16.pt", "weights-one-step.pt",
		"weights-one-step-bf16.pt", "README.md" };
	private static final Map<String, Path> unpacked = new LinkedHashMap<>();

	private final List<Path> folders;
	private final Path trainingFolder;

	private ModelLocator(final List<Path> folders, final Path trainingFolder) {
		this.folders = Collections.unmodifiableList(new ArrayList<>(folders));
		this.trainingFolder = trainingFolder;
	}

	/** A locator searching these folders (first = highest priority) and writing new models into {@code trainingFolder}. */
	public static ModelLocator of(final List<Path> folders, final Path trainingFolder) {
		return new ModelLocator(folders, trainingFolder);
	}

	/** The per-user models folder. */
	public static Path userFolder() {
		return Paths.get(System.getProperty("user.home"), ".diffusion-fiji", "models");
	}

	/**
	 * The locator of this JVM's settings (read now): the folders of {@code diffusion.models} /
	 * {@code DIFFUSION_MODELS}, then the Fiji folder's {@code models/diffusion}, then the user's
	 * folder. New models go into the first of {@code diffusion.models}/{@code DIFFUSION_MODELS}
	 * when set, else the Fiji folder's when known, else the user's.
	 */
	public static ModelLocator fromEnvironment() {
		final List<Path> dirs = new ArrayList<>();
		for (final String spec : new String[] { System.getProperty("diffusion.models"), System.getenv("DIFFUSION_MODELS") }) {
			if (spec == null || spec.isEmpty()) continue;
			for (final String p : spec.split(File.pathSeparator))
				if (!p.isEmpty()) dirs.add(Paths.get(p));
		}
		Path fiji = null;
		for (final String prop : new String[] { "fiji.dir", "imagej.dir", "ij.dir" }) {
			final String base = System.getProperty(prop);
			if (base != null) {
				fiji = Paths.get(base, "models", "diffusion");
				dirs.add(fiji);
				break;
			}
		}
		final Path user = userFolder();
		dirs.add(user);
		final Path train = !dirs.isEmpty() && dirs.get(0) != fiji && dirs.get(0) != user ? dirs.get(0) : fiji != null ? fiji :
			user;
		return new ModelLocator(dirs, train);
	}

	/** The folders searched (existing ones only), highest priority first. */
	public List<Path> searchPath() {
		final List<Path> out = new ArrayList<>(folders);
		out.removeIf(d -> !Files.isDirectory(d));
		return out;
	}

	/** Every folder this locator was given, existing or not, highest priority first. */
	public List<Path> folders() {
		return folders;
	}

	/** Where a newly trained model would go (not created). */
	public Path trainingTarget() {
		return trainingFolder;
	}

	/** Where a newly trained model goes (created if needed). */
	@Override
	public Path trainingFolder() throws IOException {
		return Files.createDirectories(trainingFolder);
	}

	/** Whether {@code name} is the name of a model bundled with the plugin. */
	@Override
	public boolean isBundledName(final String name) {
		return isBundled(name);
	}

	@Override
	public Path defaultImageModel() {
		return bundled(Models.DEFAULT_IMAGE);
	}

	public static boolean isBundled(final String name) {
		return name != null && BUNDLED.contains(name.trim());
	}

	/** Names of every model that {@link #resolve} can find, the bundled ones first. */
	public List<String> available() {
		final List<String> names = new ArrayList<>(BUNDLED);
		for (final Path dir : searchPath()) {
			try (Stream<Path> s = Files.list(dir)) {
				// hidden folders are training checkpoints and half-written models: never offered
				s.filter(p -> !p.getFileName().toString().startsWith(".") && Files.isRegularFile(p.resolve(
					ModelDescriptor.FILE_NAME))).map(p -> p.getFileName().toString()).sorted().filter(n -> !names.contains(n))
					.forEach(names::add);
			}
			catch (final IOException e) {
				// an unreadable folder has no models to offer
			}
		}
		return names;
	}

	/** The folder of the model called {@code nameOrPath}; a clear error when there is none. */
	@Override
	public Path resolve(final String nameOrPath) {
		final String name = nameOrPath == null || nameOrPath.trim().isEmpty() ? Models.DEFAULT : nameOrPath.trim();
		final Path direct = Paths.get(name);
		if (Files.isDirectory(direct)) {
			if (!Files.isRegularFile(direct.resolve(ModelDescriptor.FILE_NAME))) throw new ModelException("Model folder " +
				direct + " has no " + ModelDescriptor.FILE_NAME);
			return direct;
		}
		for (final Path dir : searchPath()) {
			final Path p = dir.resolve(name);
			if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(ModelDescriptor.FILE_NAME))) return p;
		}
		if (BUNDLED.contains(name)) return bundled(name);
		throw new ModelException("No model called '" + name + "'. Available: " + String.join(", ", available()) +
			". A model is a folder with " + ModelDescriptor.FILE_NAME + " and its weights; put it in " + (searchPath()
				.isEmpty() ? "Fiji.app/models/diffusion" : searchPath().get(0).toString()) + " or give its path.");
	}

	/** The bundled model's own folder (never a user's model of the same name). */
	public static synchronized Path bundled(final String name) {
		final Path known = unpacked.get(name);
		if (known != null) return known;
		final URL url = ModelLocator.class.getResource("/models/" + name + "/" + ModelDescriptor.FILE_NAME);
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
				try (InputStream in = ModelLocator.class.getResourceAsStream("/models/" + name + "/" + f)) {
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
