package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import sc.fiji.diffusion.engine.Denoiser;

/**
 * One numerical method for the reverse process, diffusers-style: {@link #setTimesteps} picks
 * the method's descending timesteps t_0 &gt; t_1 &gt; … &gt; t_{n−1}, and {@link #step} maps x at
 * a timestep t to x at a lower one s (s = −1: the clean image), calling the denoiser as often
 * as the method needs. The reverse loop ({@link ReverseProcess}) walks the timesteps; a walk
 * may also go back up (RePaint), which the loop does itself by forward noising.
 * <p>
 * A sampler may keep state between the steps of one walk (multistep methods); it starts over
 * whenever a step does not continue where the last one ended. Instances are not shared
 * between concurrent runs. Each sampler's file also holds its {@link SamplerFactory}, which
 * is how {@link Samplers} finds it by name.
 */
public interface Sampler {

	/** Timesteps over the whole schedule, for sampling from pure noise. */
	void setTimesteps(int count);

	/** Timesteps from exactly {@code tStart} down to 0, for starting part-way (SDEdit, denoising). */
	void setTimesteps(int count, int tStart);

	/** The current timesteps, descending; {@link #setTimesteps} must have been called. */
	int[] timesteps();

	/**
	 * One reverse step from x at timestep {@code t} to timestep {@code s} &lt; t.
	 *
	 * @param s the next timestep, or −1 to step into the clean image
	 * @param noise draws fresh standard normal noise shaped like x, for stochastic methods
	 * @return x at s; attached to the manager of {@code x}
	 */
	NDArray step(Denoiser model, int t, int s, NDArray x, NoiseSupplier noise);

	/**
	 * Called by the reverse loop before the first step: arrays a multistep method keeps
	 * between steps are attached to {@code state}, which outlives every step of the run.
	 */
	default void begin(final NDManager state) {}

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
