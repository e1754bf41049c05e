package sc.fiji.diffusion.engine.noise;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import org.scijava.plugin.Plugin;

/**
 * {@code noise=poisson}: photon noise of a camera, z = gain · Poisson(λ) + offset + N(0, read
 * noise²), one camera for all planes of a channel ({@link PoissonGaussian}: the generalised
 * Anscombe transform into working units). Keys: {@code gain}, {@code sigma} = read noise and
 * {@code offset}, each estimated when not given: gain and the line's intercept from the
 * variance–mean fit ({@link CameraFit}); the offset given, or implied by a given read noise, or
 * read from the third moment (within what the darkest pixels allow: no negative photon counts
 * there, no negative read-noise variance).
 */
@Plugin(type = NoiseModelFactory.class, name = "poisson", priority = 50, description = "photon noise of a camera " +
	"(gain, sigma = read noise, offset; each estimated when not given), through the generalised Anscombe transform")
public final class PoissonNoiseFactory implements NoiseModelFactory {

	@Override
	public List<NoiseModel> models(final float[][] planes, final int width, final NoiseSettings keys, final CameraFit fit,
		final Consumer<String> say)
	{
		final PoissonGaussian pg = camera(planes, width, keys, fit, say);
		final List<NoiseModel> out = new ArrayList<>();
		for (int z = 0; z < planes.length; z++)
			out.add(pg);
		return out;
	}

	private static PoissonGaussian camera(final float[][] planes, final int width, final NoiseSettings keys,
		final CameraFit known, final Consumer<String> say)
	{
		final double sigma = keys.sigma(), gain = keys.gain(), offset = keys.offset();
		final boolean haveOffset = !Double.isNaN(offset);
		if (gain > 0 && sigma > 0 && haveOffset) return PoissonGaussian.of(gain, offset, sigma);
		final CameraFit fit = known != null ? known : CameraFit.of(planes, width, gain > 0 ? gain : Double.NaN);
		final double a = gain > 0 ? gain : fit.a();
		// asked for Poisson noise: any line that visibly rises will do (auto wants +50 %); a very dark
		// image spans so few intensities that the camera is only roughly known: said, not refused
		if (gain == 0 && a > 0 && fit.growth() >= 0.05 && fit.growth() < 0.2) say.accept(String.format(Locale.ROOT,
			"the image spans few intensities (%.4g..%.4g): the camera's gain is only roughly known; give gain if you know it",
			fit.meanLow(), fit.meanHigh()));
		if (!(a > 0) || (gain == 0 && !(fit.growth() >= 0.05))) throw new IllegalArgumentException(String.format(Locale.ROOT,
			"the noise does not grow with the signal here (%s): use noise=gaussian or noise=auto, or give gain", fit));
		final double b = fit.b();
		final double lowest = -b / a, highest = fit.meanLow();
		final double mu;
		String how;
		if (haveOffset) {
			mu = offset;
			how = "offset given";
		}
		else if (sigma > 0) {
			mu = (sigma * sigma - b) / a;
			how = "offset from the given read noise";
		}
		else if (Double.isFinite(fit.offset()) && lowest <= highest) {
			mu = Math.max(lowest, Math.min(highest, fit.offset()));
			how = String.format(Locale.ROOT, "offset from the third moment (%.4g, allowed %.4g..%.4g)", fit.offset(), lowest,
				highest);
		}
		else {
			mu = Math.min(lowest, highest);
			how = "offset at the darkest level the line allows";
		}
		final double b2 = sigma > 0 && haveOffset ? sigma * sigma - a * mu : b;
		// each smooth 2×2 block's variance has 3 degrees of freedom: the line's level is known to √(2/(3·blocks))
		final double varianceError = gain > 0 && sigma > 0 && haveOffset ? 0 : NoiseSettings.withSystematic(Math.sqrt(2.0 / (3.0 * Math
			.max(1, fit.blocks()))));
		return PoissonGaussian.fitted(a, b2, mu, gain == 0, sigma == 0, "fit: " + fit + "; " + how).withVarianceError(
			varianceError);
	}
}
