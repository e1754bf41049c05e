package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;
import sc.fiji.diffusion.engine.Denoiser;

/**
 * One numerical method for the reverse process, diffusers-style: {@link #setTimesteps} picks
 * the descending timesteps t_0 &gt; t_1 &gt; … &gt; t_{n−1}, then {@link #step} maps x at t_i to
 * x at t_{i+1} (or to x_0 after the last one), calling the denoiser as often as the method
 * needs. A sampler may keep state between steps of one run (multistep methods); setting the
 * timesteps resets it. Instances are not shared between concurrent runs.
 */
public interface Sampler {

	/** The public name, used as the {@code sampler} macro key's value. */
	String name();

	/** Timesteps over the whole schedule, for sampling from pure noise. */
	void setTimesteps(int count);

	/** Timesteps from exactly {@code tStart} down to 0, for starting part-way (SDEdit, denoising). */
	void setTimesteps(int count, int tStart);

	/** The current timesteps, descending. */
	int[] timesteps();

	/**
	 * One reverse step from x at {@code timesteps()[i]}.
	 *
	 * @param noise draws fresh standard normal noise shaped like x, for stochastic methods
	 * @return x at the next timestep; attached to the manager of {@code x}
	 */
	NDArray step(Denoiser model, int i, NDArray x, NoiseSupplier noise);

	/**
	 * Called by the reverse loop before the first step: arrays a multistep method keeps
	 * between steps are attached to {@code state}, which outlives every step of the run.
	 */
	default void begin(final ai.djl.ndarray.NDManager state) {}

	/** Network evaluations per step, to compare samplers at equal cost. */
	default int callsPerStep() {
		return 1;
	}

	/** Fresh noise for the step being taken; each call returns an independent draw. */
	@FunctionalInterface
	interface NoiseSupplier {

		NDArray next();
	}
}
