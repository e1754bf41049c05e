package sc.fiji.diffusion.engine.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.scijava.InstantiableException;
import org.scijava.plugin.PluginInfo;

import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.PluginRegistry;

/**
 * The sampler registry: every {@link SamplerFactory} plugin on the class path, by name, in
 * priority order. Dialog choices, usage texts and reports all read their lists from here, so a
 * new sampler is one file (the sampler and its factory) plus its test. Works without a SciJava
 * context (the annotation index is read directly), so the CLI and cluster runs use it too.
 */
public final class Samplers {

	private static Map<String, PluginInfo<SamplerFactory>> registry;

	private Samplers() {}

	private static synchronized Map<String, PluginInfo<SamplerFactory>> registry() {
		if (registry == null) registry = PluginRegistry.of(SamplerFactory.class, Samplers.class.getClassLoader());
		return registry;
	}

	/** Every sampler name, highest priority (the default) first. */
	public static List<String> names() {
		return new ArrayList<>(registry().keySet());
	}

	/** The default sampler: the one with the highest priority. */
	public static String defaultName() {
		return names().get(0);
	}

	/** One line per sampler, "name: description", for usage texts. */
	public static List<String> descriptions() {
		final List<String> out = new ArrayList<>();
		for (final PluginInfo<SamplerFactory> info : registry().values())
			out.add(info.getName() + ": " + info.getDescription());
		return out;
	}

	/** A fresh sampler called {@code name} (case-insensitive) for one run on a schedule. */
	public static Sampler create(final String name, final NoiseSchedule schedule, final double[] clip) {
		final String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
		final PluginInfo<SamplerFactory> info = registry().get(n);
		if (info == null) throw new IllegalArgumentException("Unknown sampler '" + name + "'; accepted: " + String.join(
			", ", names()));
		try {
			return info.createInstance().create(schedule, clip);
		}
		catch (final InstantiableException e) {
			throw new IllegalStateException("cannot create sampler '" + n + "': " + e.getMessage(), e);
		}
	}
}
