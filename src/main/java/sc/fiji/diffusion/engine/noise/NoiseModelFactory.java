package sc.fiji.diffusion.engine.noise;

import java.util.List;
import java.util.function.Consumer;

import org.scijava.plugin.SciJavaPlugin;

/**
 * Makes the {@link NoiseModel} of each plane of an image under the noise keys. Each kind of
 * noise declares its factory in its own file as
 * {@code @Plugin(type = NoiseModelFactory.class, name = "…", priority = …, description = "…")};
 * the name is the public value of the {@code noise} macro key, the priority orders the lists
 * users see, the description is shown in usage texts. {@link NoiseModels} finds them (the
 * SciJava annotation index); {@code noise=auto} chooses between {@code gaussian} and
 * {@code poisson} from the image. A new noise model is its {@link NoiseModel}, its factory and
 * their test.
 */
public interface NoiseModelFactory extends SciJavaPlugin {

	/**
	 * The noise model of each plane of one channel (planes in image units, all {@code width}
	 * wide), one entry per plane.
	 *
	 * @param keys the noise keys (sigma, gain, offset: 0 / NaN = estimate)
	 * @param fit the camera fit {@code noise=auto} made to decide, or null (made here when needed)
	 * @param say receives what was estimated and decided
	 */
	List<NoiseModel> models(float[][] planes, int width, NoiseSettings keys, CameraFit fit, Consumer<String> say);
}
