package sc.fiji.diffusion.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.scijava.plugin.DefaultPluginFinder;
import org.scijava.plugin.PluginIndex;
import org.scijava.plugin.PluginInfo;
import org.scijava.plugin.SciJavaPlugin;

/**
 * The plugins of one type on the class path, by name, highest priority first: read from the
 * SciJava annotation index directly, without a context, so that the command line and cluster
 * runs find them too. What the sampler and noise-model registries are built on.
 */
public final class PluginRegistry {

	private PluginRegistry() {}

	/** Every plugin of {@code type} that {@code loader} sees, by name, in priority order (an unmodifiable map). */
	public static <T extends SciJavaPlugin> Map<String, PluginInfo<T>> of(final Class<T> type, final ClassLoader loader) {
		final PluginIndex index = new PluginIndex(new DefaultPluginFinder(loader));
		index.discover();
		final List<PluginInfo<T>> infos = new ArrayList<>(index.getPlugins(type));
		infos.sort((a, b) -> Double.compare(b.getPriority(), a.getPriority()));
		final Map<String, PluginInfo<T>> m = new LinkedHashMap<>();
		for (final PluginInfo<T> info : infos)
			m.put(info.getName(), info);
		return Collections.unmodifiableMap(m);
	}
}
