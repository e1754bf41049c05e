package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * Pulls the state toward what is known after each reverse step (RePaint puts back the known
 * pixels noised to the new level; DDRM-style denoising mixes in the observation).
 */
@FunctionalInterface
public interface Constraint {

	/**
	 * @param x the state after step i, at timestep {@code t} (−1 after the last step: clean)
	 * @return the constrained state, attached to the manager of {@code x}
	 */
	NDArray apply(NDArray x, int i, int t);
}
