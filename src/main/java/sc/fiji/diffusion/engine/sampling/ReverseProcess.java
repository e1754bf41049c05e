package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;

/**
 * The one reverse loop every task runs: from x at the sampler's first timestep, for each step
 * predict, step and constrain, down to x_0. Each step's arrays live in a sub-manager that is
 * closed at the end of the step, so memory stays flat over any number of steps.
 * <p>
 * Noise is drawn from {@link GaussianNoise} at stream {@code 1 + 64·i + k} (k-th draw of
 * step i; stream 0 is reserved for the starting noise) and at element indices starting at
 * {@code noiseOffset}, so a sample's noise does not depend on how samples are batched.
 */
public final class ReverseProcess {

	private ReverseProcess() {}

	/** Stream of the k-th noise draw of step i. */
	public static long stream(final int i, final int k) {
		return 1 + 64L * i + k;
	}

	/**
	 * Runs the sampler's timesteps from {@code xStart}.
	 *
	 * @param xStart x at {@code sampler.timesteps()[0]}; not modified or closed
	 * @param constraint applied after each step, or null
	 * @return x_0, attached to the manager of {@code xStart}
	 * @throws java.util.concurrent.CancellationException when the monitor cancels; nothing leaks
	 */
	public static NDArray run(final Sampler sampler, final Denoiser model, final NDArray xStart,
		final GaussianNoise noise, final long noiseOffset, final Constraint constraint, final Monitor monitor)
	{
		final int[] ts = sampler.timesteps();
		final NDManager outer = xStart.getManager();
		sampler.begin(outer);
		NDArray x = xStart.duplicate();
		for (int i = 0; i < ts.length; i++) {
			monitor.checkCanceled();
			final int step = i;
			try (NDManager sub = outer.newSubManager()) {
				x.attach(sub); // the previous state dies with this step
				final int[] draws = { 0 };
				final Sampler.NoiseSupplier z = () -> sub.create(
					noise.floats(stream(step, draws[0]++), noiseOffset, Math.toIntExact(xStart.size())), xStart.getShape());
				NDArray next = sampler.step(model, i, x, z);
				if (constraint != null) next = constraint.apply(next, i, i + 1 < ts.length ? ts[i + 1] : -1);
				next.attach(outer);
				x = next;
			}
			monitor.progress("step", i + 1, ts.length);
		}
		return x;
	}
}
