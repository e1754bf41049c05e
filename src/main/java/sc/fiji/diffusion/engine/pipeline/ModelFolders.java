package sc.fiji.diffusion.engine.pipeline;

import java.io.IOException;
import java.nio.file.Path;

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
}
