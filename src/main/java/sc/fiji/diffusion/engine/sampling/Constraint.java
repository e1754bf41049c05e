package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * Pulls the state toward what is known after every move of the reverse loop, e.g. RePaint's
 * {@link KnownRegion} puts back the known pixels noised to the new level. Tasks apply it to
 * their start state too, so the walk begins consistent with the observation.
 */
@FunctionalInterface
public interface Constraint {

	/**
	 * @param x the state at timestep {@code t} (−1: clean)
	 * @param noise fresh standard normal noise shaped like x, for constraints that noise what they put back
	 * @return the constrained state, attached to the manager of {@code x}
	 */
	NDArray apply(NDArray x, int t, Sampler.NoiseSupplier noise);
}
