package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * Heun's second-order method on the probability-flow ODE, in the variables of Karras et al.
 * (2022): x̄ = x/√ᾱ, σ = √((1−ᾱ)/ᾱ), where the ODE is dx̄/dσ = ε̂(x̄√ᾱ, t(σ)). A step σ_t → σ_s:
 * <pre>
 *   d  = ε̂(x_t, t);   x̄' = x̄_t + (σ_s − σ_t) d                  (Euler = DDIM)
 *   d' = ε̂(x̄'√ᾱ_s, s); x̄_s = x̄_t + (σ_s − σ_t) (d + d')/2       (trapezoid correction)
 * </pre>
 * and a plain Euler step into σ = 0. Two network calls per step (one on the last). ε̂ is taken
 * consistent with the clipped x̂_0. Timesteps follow Karras' ρ = 7 spacing of σ.
 */
public final class HeunSampler extends AbstractSampler {

	/** {@code heun}: Heun's method on the probability-flow ODE, 2 calls per step. */
	@Plugin(type = SamplerFactory.class, name = "heun", priority = 70,
		description = "Heun's method on the probability-flow ODE, Karras spacing (2 network calls per step)")
	public static final class Factory implements SamplerFactory {

		@Override
		public Sampler create(final NoiseSchedule schedule, final double[] clip) {
			return new HeunSampler(schedule, clip);
		}
	}

	public static final double RHO = 7;

	public HeunSampler(final NoiseSchedule schedule, final double[] clip) {
		super(schedule, clip);
	}

	@Override
	protected int[] spacing(final int count, final int tStart, final boolean fromNoise) {
		return schedule.timestepsKarras(tStart, count, RHO);
	}

	@Override
	public int callsPerStep() {
		return 2;
	}

	private double sigmaVe(final int t) {
		return t < 0 ? 0 : schedule.sigma(t);
	}

	@Override
	public NDArray step(final Denoiser model, final int t, final int s, final NDArray x, final NoiseSupplier noise) {
		final double dt = sigmaVe(s) - sigmaVe(t);
		final NDArray xBar = x.div((float) alpha(t));
		final NDArray d = clippedEps(model, x, t);
		final NDArray euler = xBar.add(d.mul((float) dt));
		if (s < 0) return euler;
		final NDArray d2 = clippedEps(model, euler.mul((float) alpha(s)), s);
		return xBar.addi(d.add(d2).muli((float) (dt / 2))).muli((float) alpha(s));
	}
}
