package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/** Timestep bookkeeping and the x̂_0 / ε conversions every discrete sampler shares. */
public abstract class AbstractSampler implements Sampler {

	protected final NoiseSchedule schedule;
	/** Range x̂_0 is clipped to, or null for no clipping. */
	protected final double[] clip;
	protected int[] timesteps;

	protected AbstractSampler(final NoiseSchedule schedule, final double[] clip) {
		this.schedule = schedule;
		this.clip = clip;
		setTimesteps(schedule.T());
	}

	/** Manager for arrays kept between steps; set by {@link #begin}. */
	protected NDManager state;

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

	/**
	 * Explicit descending timesteps (−1 may end the list to mean "into the clean image"), for
	 * loops that move between arbitrary levels, like RePaint's resampling.
	 */
	public void setTimestepsExplicit(final int... ts) {
		for (int i = 0; i < ts.length; i++) {
			if (ts[i] < (i == ts.length - 1 ? -1 : 0) || ts[i] >= schedule.T()) throw new IllegalArgumentException(
				"timestep out of range: " + ts[i]);
			if (i > 0 && ts[i] >= ts[i - 1]) throw new IllegalArgumentException("timesteps must descend");
		}
		timesteps = ts[ts.length - 1] == -1 ? java.util.Arrays.copyOf(ts, ts.length - 1) : ts.clone();
		reset();
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
		final double ab = schedule.alphaBar(t);
		return epsFromX0(x, predictX0(x, eps, ab), ab);
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
