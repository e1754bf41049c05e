package sc.fiji.diffusion.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The bundled models' names and shortcuts to the {@link ModelLocator} of this JVM's settings
 * ({@link ModelLocator#fromEnvironment()}, read at each call). Code with a SciJava context uses
 * the locator of its {@code DiffusionModelService} instead, which tests can set.
 */
public final class Models {

	/** The bundled default model of Sample. */
	public static final String DEFAULT = "fashion-mnist";

	/** The bundled default model of the commands on a user's image (Denoise, Inpaint, Edit, Train). */
	public static final String DEFAULT_IMAGE = "grayscale";

	private Models() {}

	public static Path userFolder() {
		return ModelLocator.userFolder();
	}

	public static Path trainingFolder() throws IOException {
		return ModelLocator.fromEnvironment().trainingFolder();
	}

	public static List<Path> searchPath() {
		return ModelLocator.fromEnvironment().searchPath();
	}

	public static List<String> available() {
		return ModelLocator.fromEnvironment().available();
	}

	public static Path resolve(final String nameOrPath) {
		return ModelLocator.fromEnvironment().resolve(nameOrPath);
	}
}
