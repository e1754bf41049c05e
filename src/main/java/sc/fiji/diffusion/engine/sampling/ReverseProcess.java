package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Arrays;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * The one reverse loop every task runs. A run is a start state, a walk and an optional
 * constraint: the walk is the sequence of timesteps visited, w_0 (the start's level) … −1 (the
 * clean image); a move down w_i → w_{i+1} is a {@link Sampler#step}, a move up is forward
 * noising ({@link NoiseSchedule#renoise}, RePaint's "undo" step), and after every move the
 * constraint, if any, pulls the state toward what is known. Sample, Edit and Denoise walk
 * straight down the sampler's timesteps; Inpaint's walk jumps back up.
 * <p>
 * Each move's arrays live in a sub-manager that is closed at the end of the move, so memory
 * stays flat over any number of moves. Noise is drawn from {@link GaussianNoise} at stream
 * {@code 1 + 64·i + k} (k-th draw of move i; stream 0 is reserved for the start) and at element
 * indices starting at {@code noiseOffset}, so a sample's noise does not depend on how samples
 * are batched.
 */
public final class ReverseProcess {

	private ReverseProcess() {}

	/**
	 * Stream of the k-th noise draw a task makes for its start state (k = 0: the start noise
	 * itself, k ≥ 1: e.g. a constraint applied to the start); never one of the moves' streams.
	 */
	public static long startStream(final int k) {
		return -k;
	}

	/** Stream of the k-th noise draw of move i. */
	public static long stream(final int i, final int k) {
		return 1 + 64L * i + k;
	}

	/** The sampler's own walk: its timesteps, then the clean image. */
	public static int[] walk(final Sampler sampler) {
		final int[] ts = sampler.timesteps();
		final int[] w = Arrays.copyOf(ts, ts.length + 1);
		w[ts.length] = -1;
		return w;
	}

	/** Runs the sampler's timesteps from {@code xStart} without a constraint. */
	public static NDArray run(final Sampler sampler, final Denoiser model, final NDArray xStart,
		final GaussianNoise noise, final long noiseOffset, final Monitor monitor)
	{
		return run(sampler, null, model, walk(sampler), xStart, noise, noiseOffset, null, monitor);
	}

	/**
	 * Walks from {@code xStart} at {@code walk[0]} to the clean image (or the walk's last level).
	 *
	 * @param schedule for moves up (forward noising); may be null when the walk only descends
	 * @param walk timesteps visited, starting at xStart's level and ending at −1 (the clean image)
	 *          or at a lower level (a noisy image x_t, as Inpaint returns for a noisy input)
	 * @param xStart not modified or closed
	 * @param constraint applied after each move, or null
	 * @return x_0, attached to the manager of {@code xStart}
	 * @throws java.util.concurrent.CancellationException when the monitor cancels; nothing leaks
	 */
	public static NDArray run(final Sampler sampler, final NoiseSchedule schedule, final Denoiser model,
		final int[] walk, final NDArray xStart, final GaussianNoise noise, final long noiseOffset,
		final Constraint constraint, final Monitor monitor)
	{
		if (walk.length < 2 || walk[walk.length - 1] >= walk[0]) throw new IllegalArgumentException(
			"a walk visits at least two levels and ends below its start (-1: the clean image): " + Arrays.toString(walk));
		final NDManager outer = xStart.getManager();
		sampler.begin(outer);
		final int moves = walk.length - 1;
		NDArray x = xStart.duplicate();
		for (int i = 0; i < moves; i++) {
			monitor.checkCanceled();
			final int move = i, from = walk[i], to = walk[i + 1];
			try (NDManager sub = outer.newSubManager()) {
				x.attach(sub); // the previous state dies with this move
				final int[] draws = { 0 };
				final Sampler.NoiseSupplier z = () -> sub.create(noise.floats(stream(move, draws[0]++), noiseOffset, Math
					.toIntExact(xStart.size())), xStart.getShape());
				NDArray next;
				if (to < from) next = sampler.step(model, from, to, x, z);
				else if (to > from) {
					if (schedule == null) throw new IllegalArgumentException("a walk that goes up needs the schedule");
					next = schedule.renoise(x, from, to, z.next());
				}
				else throw new IllegalArgumentException("a walk may not stay at a level: " + Arrays.toString(walk));
				if (constraint != null) next = constraint.apply(next, to, z);
				next.attach(outer);
				x = next;
			}
			monitor.progress("step", i + 1, moves);
		}
		return x;
	}
}
