package sc.fiji.diffusion.engine.noise;

/**
 * The noise of an image, as the denoiser needs it: a transform into working units where the
 * noise is Gaussian of standard deviation {@link #workingSigma()} (the identity for Gaussian
 * noise; the generalised Anscombe transform for Poisson–Gaussian noise, σ = 1), and the way
 * back for the denoised values.
 */
public interface NoiseModel extends java.io.Serializable {

	/** Image units → working units (a new array). */
	float[] forward(float[] z);

	/** Denoised working units → image units (a new array). */
	float[] inverse(float[] d);

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
}
