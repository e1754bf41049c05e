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
}
