package sc.fiji.diffusion.engine.noise;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.scijava.plugin.Plugin;

/**
 * {@code noise=gaussian}: constant noise of standard deviation {@code sigma} in image units, or,
 * with sigma 0, σ estimated plane by plane ({@link NoiseSettings#estimateSigma}, robust to
 * clipping). Working units are the image's ({@link AdditiveGaussian}).
 */
@Plugin(type = NoiseModelFactory.class, name = "gaussian", priority = 100, description = "constant noise of " +
	"standard deviation sigma (0 = estimated per plane)")
public final class GaussianNoiseFactory implements NoiseModelFactory {

	@Override
	public List<NoiseModel> models(final float[][] planes, final int width, final NoiseSettings keys, final CameraFit fit,
		final Consumer<String> say)
	{
		final double sigma = keys.sigma();
		final List<NoiseModel> out = new ArrayList<>();
		for (final float[] p : planes) {
			final double s = sigma > 0 ? sigma : NoiseSettings.estimateSigma(p, width, p.length / width);
			if (!(s > 0)) throw new IllegalArgumentException("the image has no measurable noise (estimated sigma 0); give " +
				"sigma explicitly");
			out.add(new AdditiveGaussian(s, sigma == 0, sigma == 0 ? NoiseSettings.sigmaVarianceError(p.length) : 0));
		}
		return out;
	}
}
