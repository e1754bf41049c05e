package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * DPM-Solver++(2M) (Lu et al. 2022), the multistep second-order solver of the diffusion ODE
 * in its data-prediction form, as diffusers' {@code DPMSolverMultistepScheduler}
 * (dpmsolver++, order 2, midpoint, final step to σ = 0 of first order). With α = √ᾱ,
 * σ = √(1−ᾱ), λ = log(α/σ), step t → s, h = λ_s − λ_t and x̂_0 the clipped data prediction:
 * <pre>
 *   first step:  x_s = (σ_s/σ_t) x_t − α_s (e^{−h} − 1) x̂_0(t)
 *   later:       r = (λ_t − λ_{t'})/h,  D = (x̂_0(t) − x̂_0(t'))/r     (t' the previous timestep)
 *                x_s = (σ_s/σ_t) x_t − α_s (e^{−h} − 1) (x̂_0(t) + D/2)
 *   last:        x_0 = x̂_0(t)
 * </pre>
 * Timesteps are evenly spaced from the start and end one stride above 0. A step that does not
 * continue from the previous one (a new walk, or after a jump back up) starts with a first-order step.
 */
public final class DpmSolverPlusPlus extends AbstractSampler {

	/** {@code dpmpp2m}: DPM-Solver++(2M), the few-step workhorse. */
	@Plugin(type = SamplerFactory.class, name = "dpmpp2m", priority = 80,
		description = "DPM-Solver++(2M), second-order multistep ODE solver for few steps")
	public static final class Factory implements SamplerFactory {

		@Override
		public Sampler create(final NoiseSchedule schedule, final double[] clip) {
			return new DpmSolverPlusPlus(schedule, clip);
		}
	}

	private NDArray prevX0;
	private int prevT, lastS = Integer.MIN_VALUE;

	public DpmSolverPlusPlus(final NoiseSchedule schedule, final double[] clip) {
		super(schedule, clip);
	}

	@Override
	protected int[] spacing(final int count, final int tStart, final boolean fromNoise) {
		return schedule.timestepsLinspace(tStart, count);
	}

	@Override
	protected void reset() {
		if (prevX0 != null) prevX0.close();
		prevX0 = null;
		lastS = Integer.MIN_VALUE;
	}

	private double lambda(final int t) {
		return Math.log(alpha(t)) - Math.log(sigmaVp(t));
	}

	@Override
	public NDArray step(final Denoiser model, final int t, final int s, final NDArray x, final NoiseSupplier noise) {
		if (t != lastS) reset(); // not a continuation: the stored x̂_0 belongs to another path
		final NDArray x0 = predictX0(x, model.eps(x, t), t);
		if (s < 0) {
			reset();
			return x0;
		}
		final double h = lambda(s) - lambda(t);
		final double c = -alpha(s) * Math.expm1(-h);
		NDArray d = x0;
		if (prevX0 != null) {
			final double r = (lambda(t) - lambda(prevT)) / h;
			d = x0.add(x0.sub(prevX0).divi((float) (2 * r)));
		}
		final NDArray out = x.mul((float) (sigmaVp(s) / sigmaVp(t))).addi(d.mul((float) c));
		reset();
		prevX0 = keep(x0);
		prevT = t;
		lastS = s;
		return out;
	}
}
