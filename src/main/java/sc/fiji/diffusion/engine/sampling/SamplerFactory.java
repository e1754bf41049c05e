package sc.fiji.diffusion.engine.sampling;

import org.scijava.plugin.SciJavaPlugin;

import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * Makes a configured {@link Sampler} for one run. Each sampler declares its factory in its own
 * file as {@code @Plugin(type = SamplerFactory.class, name = "…", priority = …, description = "…")};
 * the name is the public value of the {@code sampler} macro key, the priority orders the lists
 * users see (the highest first), the description is shown in usage texts. The SciJava
 * annotation index finds them; nothing else lists sampler names.
 */
public interface SamplerFactory extends SciJavaPlugin {

	/**
	 * @param clip the range x̂_0 is clipped to, or null for none
	 */
	Sampler create(NoiseSchedule schedule, double[] clip);
}
