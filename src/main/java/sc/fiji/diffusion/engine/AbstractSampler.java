package sc.fiji.diffusion.engine;

import ai.djl.ndarray.NDArray;

/** Timestep bookkeeping and the x̂_0 / ε conversions every discrete sampler shares. */
abstract class AbstractSampler implements Sampler {

	protected final NoiseSchedule schedule;
	/** Range x̂_0 is clipped to, or null for no clipping. */
	protected final double[] clip;
	protected int[] timesteps;

	protected AbstractSampler(final NoiseSchedule schedule, final double[] clip) {
		this.schedule = schedule;
		this.clip = clip;
		setTimesteps(schedule.T());
	}

	@Override
	public void setTimesteps(final int count) {
		timesteps = schedule.timesteps(count);
		reset();
	}

	@Override
	public void setTimesteps(final int count, final int tStart) {
		timesteps = schedule.timestepsFrom(tStart, count);
		reset();
	}

	/** Clears multistep state; called whenever the timesteps change. */
	protected void reset() {}

	@Override
	public int[] timesteps() {
		return timesteps.clone();
	}

	/** The timestep after step i, or −1 (ᾱ = 1, clean) after the last. */
	protected int prev(final int i) {
		return i + 1 < timesteps.length ? timesteps[i + 1] : -1;
	}

	/** x̂_0 = (x − √(1−ᾱ) ε) / √ᾱ, clipped to the data range when the model asks for it. */
	protected NDArray predictX0(final NDArray x, final NDArray eps, final double alphaBar) {
		final NDArray x0 = x.sub(eps.mul((float) Math.sqrt(1 - alphaBar))).divi((float) Math.sqrt(alphaBar));
		return clip == null ? x0 : x0.clip(clip[0], clip[1]);
	}

	/** ε consistent with x and a (clipped) x̂_0: ε = (x − √ᾱ x̂_0) / √(1−ᾱ). */
	protected static NDArray epsFromX0(final NDArray x, final NDArray x0, final double alphaBar) {
		return x.sub(x0.mul((float) Math.sqrt(alphaBar))).divi((float) Math.sqrt(1 - alphaBar));
	}
}
