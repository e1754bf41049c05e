package sc.fiji.diffusion.engine.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the pipelines find models by name and where Train writes: the front ends' model folders
 * ({@code models.ModelLocator} is the one implementation). An interface here, so that the engine
 * does not depend on the package that locates models.
 */
public interface ModelFolders {

	/** The folder of a model given by name or by path (an error naming what was searched). */
	Path resolve(String nameOrPath);

	/** The folder Train writes new models into (created when needed). */
	Path trainingFolder() throws IOException;

	/** Whether {@code name} is the name of a model bundled with the plugin. */
	boolean isBundledName(String name);

	/** The folder of the default bundled image model (fresh training takes its architecture). */
	Path defaultImageModel();

	/**
	 * One folder of models apart from Fiji's (tests, reports, scripts): a model is given by path
	 * or by its name in {@code folder}; none is bundled; {@code base=none} takes the architecture
	 * of {@code defaultModel}.
	 */
	static ModelFolders of(final Path folder, final Path defaultModel) {
		return new ModelFolders() {

			@Override
			public Path resolve(final String nameOrPath) {
				final Path named = folder.resolve(nameOrPath);
				if (Files.isDirectory(named)) return named;
				final Path p = Paths.get(nameOrPath);
				if (Files.isDirectory(p)) return p;
				throw new IllegalArgumentException("no model '" + nameOrPath + "': neither a folder nor a model in " + folder);
			}

			@Override
			public Path trainingFolder() throws IOException {
				return Files.createDirectories(folder);
			}

			@Override
			public boolean isBundledName(final String name) {
				return false;
			}

			@Override
			public Path defaultImageModel() {
				return defaultModel;
			}
		};
	}
}
