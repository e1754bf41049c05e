package sc.fiji.diffusion.engine.noise;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.scijava.InstantiableException;
import org.scijava.plugin.PluginInfo;

import sc.fiji.diffusion.engine.PluginRegistry;

/**
 * The noise-model registry: every {@link NoiseModelFactory} plugin on the class path, by name, in
 * priority order — what the {@code noise} key accepts besides {@code auto}. Dialog choices and
 * messages read their lists from here. Works without a SciJava context (the annotation index is
 * read directly), so the command line and cluster runs use it too.
 */
public final class NoiseModels {

	/** The key's value that decides from the image (between {@code gaussian} and {@code poisson}). */
	public static final String AUTO = "auto";

	private static Map<String, PluginInfo<NoiseModelFactory>> registry;

	private NoiseModels() {}

	private static synchronized Map<String, PluginInfo<NoiseModelFactory>> registry() {
		if (registry == null) registry = PluginRegistry.of(NoiseModelFactory.class, NoiseModels.class.getClassLoader());
		return registry;
	}

	/** Every noise model's name, highest priority first. */
	public static List<String> names() {
		return new ArrayList<>(registry().keySet());
	}

	/** What the {@code noise} key accepts: {@code auto} (the default), then every noise model. */
	public static List<String> choices() {
		final List<String> out = new ArrayList<>();
		out.add(AUTO);
		out.addAll(names());
		return out;
	}

	/** One line per noise model, "name: description", for usage texts. */
	public static List<String> descriptions() {
		final List<String> out = new ArrayList<>();
		for (final PluginInfo<NoiseModelFactory> info : registry().values())
			out.add(info.getName() + ": " + info.getDescription());
		return out;
	}

	/** The accepted spelling of a {@code noise} value (lower case), or an error listing the choices. */
	public static String checked(final String name) {
		final String n = name == null || name.trim().isEmpty() ? AUTO : name.trim().toLowerCase(Locale.ROOT);
		if (!n.equals(AUTO) && !registry().containsKey(n)) throw new IllegalArgumentException("Unknown noise '" + name +
			"'; accepted: " + String.join(", ", choices()));
		return n;
	}

	/** The factory called {@code name} (a checked name, not auto). */
	public static NoiseModelFactory get(final String name) {
		final PluginInfo<NoiseModelFactory> info = registry().get(checked(name));
		if (info == null) throw new IllegalArgumentException("noise=" + name + " is decided from the image, not a model");
		try {
			return info.createInstance();
		}
		catch (final InstantiableException e) {
			throw new IllegalStateException("cannot create noise model '" + name + "': " + e.getMessage(), e);
		}
	}
}
