package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * Timestep bookkeeping and the x̂_0 / ε conversions every discrete sampler shares. The default
 * spacing is diffusers' "leading" spacing from pure noise and an even spacing from a given
 * start; a sampler with another spacing overrides {@link #spacing}.
 */
public abstract class AbstractSampler implements Sampler {

	protected final NoiseSchedule schedule;
	/** Range x̂_0 is clipped to, or null for no clipping. */
	protected final double[] clip;
	private int[] timesteps;
	/** Manager for arrays kept between steps; set by {@link #begin}. */
	protected NDManager state;

	protected AbstractSampler(final NoiseSchedule schedule, final double[] clip) {
		this.schedule = schedule;
		this.clip = clip == null ? null : clip.clone();
	}

	/**
	 * The timesteps for {@code count} steps from {@code tStart}; {@code fromNoise} when the walk
	 * starts at pure noise (tStart = T − 1) and may use the method's own full-range spacing.
	 */
	protected int[] spacing(final int count, final int tStart, final boolean fromNoise) {
		return fromNoise ? schedule.timesteps(count) : schedule.timestepsFrom(tStart, count);
	}

	@Override
	public final void setTimesteps(final int count) {
		timesteps = spacing(count, schedule.T() - 1, true);
		reset();
	}

	@Override
	public final void setTimesteps(final int count, final int tStart) {
		timesteps = spacing(count, tStart, false);
		reset();
	}

	@Override
	public final int[] timesteps() {
		if (timesteps == null) throw new IllegalStateException("call setTimesteps before sampling");
		return timesteps.clone();
	}

	@Override
	public void begin(final NDManager stateManager) {
		state = stateManager;
		reset();
	}

	/** Keeps a copy of {@code a} beyond the current step (in the run's state manager). */
	protected NDArray keep(final NDArray a) {
		final NDArray copy = a.duplicate();
		copy.attach(state != null ? state : a.getManager().getParentManager());
		return copy;
	}

	/** α = √ᾱ and σ = √(1−ᾱ) of the variance-preserving process at t (t = −1: α = 1, σ = 0). */
	protected double alpha(final int t) {
		return Math.sqrt(schedule.alphaBar(t));
	}

	protected double sigmaVp(final int t) {
		return Math.sqrt(1 - schedule.alphaBar(t));
	}

	/** ε̂ consistent with the (possibly clipped) x̂_0, as DDIM uses it. */
	protected NDArray clippedEps(final Denoiser model, final NDArray x, final int t) {
		final NDArray eps = model.eps(x, t);
		if (clip == null) return eps;
		return schedule.epsFromX0(x, predictX0(x, eps, t), t);
	}

	/** Clears multistep state; called whenever the timesteps change or a run begins. */
	protected void reset() {}

	/** x̂_0 from ε (see {@link NoiseSchedule#x0FromEps}), clipped when the model asks for it. */
	protected NDArray predictX0(final NDArray x, final NDArray eps, final int t) {
		final NDArray x0 = schedule.x0FromEps(x, eps, t);
		return clip == null ? x0 : x0.clip(clip[0], clip[1]);
	}
}
