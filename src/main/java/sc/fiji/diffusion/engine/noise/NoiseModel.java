package sc.fiji.diffusion.engine.noise;

import java.io.Serializable;

/**
 * The noise of an image, as the denoiser needs it: a transform into working units where the
 * noise is Gaussian of standard deviation {@link #workingSigma()} (the identity for Gaussian
 * noise; the generalised Anscombe transform for Poisson–Gaussian noise, σ = 1), and the way
 * back for the denoised values.
 */
public interface NoiseModel extends Serializable {

	/** Image units → working units (a new array). */
	float[] forward(float[] z);

	/** Denoised working units → image units (a new array). */
	float[] inverse(float[] d);

	/**
	 * A clean image x (image units) in working units as a denoiser of the transformed image
	 * estimates it: E[f(z) | x], the value {@link #inverse} maps back to x. The identity for
	 * Gaussian noise; for a camera, the expected transform of its photon and read noise, which at
	 * a few photons lies below the transform of x itself. What a prior is trained on when it learns
	 * the transformed images of a kind (Train data=noisy: the posterior means of the noisy images).
	 */
	default float[] cleanForward(final float[] x) {
		return forward(x);
	}

	/** σ of the (Gaussian) noise in working units. */
	double workingSigma();

	/** Whether the working units differ from the image's (a variance-stabilising transform). */
	boolean isStabilised();

	/**
	 * An unbiased estimate, from the noisy value {@code z} of one pixel, of the noise variance at
	 * that pixel in image units: E[variance(z)] = var(z) over the noise. Constant (σ²) for
	 * Gaussian noise; a·z + b for Poisson–Gaussian noise, whose variance is a·E[z] + b. What
	 * {@link Sure} needs to estimate a denoiser's error without the clean image.
	 */
	double variance(double z);

	/**
	 * The relative standard error of {@link #variance} as this model knows it: 0 for a noise
	 * model that was given, the statistical spread of the estimate for one estimated from the
	 * image (what it adds to the uncertainty of an error estimate, {@link Sure}).
	 */
	default double varianceError() {
		return 0;
	}

	/**
	 * The σ a log line reports for this model, in image units: the Gaussian σ, or a camera's read
	 * noise.
	 */
	double sigma();

	/** Whether this model was estimated from the image (rather than given by the user). */
	boolean estimated();

	/**
	 * The same model telling the denoiser {@code s} as the noise σ in working units: the σ measured
	 * after a variance-stabilising transform instead of its nominal 1. Only for stabilised models.
	 *
	 * @throws UnsupportedOperationException for a model whose working units are the image's
	 */
	default NoiseModel withWorkingSigma(final double s) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " has no transform whose sigma could be measured");
	}
}
