package sc.fiji.diffusion.engine;

import ai.djl.ndarray.NDArray;

/**
 * The noise prediction ε̂(x_t, t) a sampler sees: the network with its conditioning and
 * guidance already folded in. The result is attached to the manager of {@code x}.
 * <p>
 * The result may be a PyTorch inference tensor, which cannot be modified in place: callers
 * use {@code mul}/{@code add}, never {@code muli}/{@code addi}, on it.
 */
@FunctionalInterface
public interface Denoiser {

	/**
	 * @param x a batch [B, C, H, W] at noise level t, in the model's value range
	 * @param t the timestep, possibly fractional for continuous-time samplers
	 */
	NDArray eps(NDArray x, double t);
}
