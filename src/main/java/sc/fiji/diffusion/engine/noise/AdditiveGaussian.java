package sc.fiji.diffusion.engine.noise;

import java.util.Locale;

/** Additive Gaussian noise of constant σ (image units): no transform. */
public final class AdditiveGaussian implements NoiseModel {

	private final double sigma, varianceError;
	private final boolean estimated;

	public AdditiveGaussian(final double sigma, final boolean estimated) {
		this(sigma, estimated, 0);
	}

	/** @param varianceError relative standard error of σ² when it was estimated ({@link #varianceError()}) */
	public AdditiveGaussian(final double sigma, final boolean estimated, final double varianceError) {
		if (!(sigma > 0) || !Double.isFinite(sigma)) throw new IllegalArgumentException("sigma must be > 0, was " + sigma);
		this.sigma = sigma;
		this.estimated = estimated;
		this.varianceError = varianceError;
	}

	@Override
	public double varianceError() {
		return varianceError;
	}

	@Override
	public double sigma() {
		return sigma;
	}

	@Override
	public boolean estimated() {
		return estimated;
	}

	@Override
	public float[] forward(final float[] z) {
		return z.clone();
	}

	@Override
	public float[] inverse(final float[] d) {
		return d.clone();
	}

	@Override
	public double workingSigma() {
		return sigma;
	}

	@Override
	public boolean isStabilised() {
		return false;
	}

	@Override
	public double variance(final double z) {
		return sigma * sigma;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "gaussian: sigma %.4g%s (image units)", sigma, estimated ? " estimated" : "");
	}
}
