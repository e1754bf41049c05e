package sc.fiji.diffusion.cli;

import java.util.List;
import java.util.Map;

/**
 * A command-line verb that lives outside the plugin: the Spark verbs (the {@code -Pspark} build)
 * and the reports (compiled with the tests). Found with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/sc.fiji.diffusion.cli.Verb} in the build that carries them, so the
 * plugin names none of their classes.
 */
public interface Verb {

	/** The verbs this provider runs. */
	List<String> names();

	/** Runs {@code verb} with the command line's {@code --key value} options. */
	void run(String verb, Map<String, String> options) throws Exception;
}
