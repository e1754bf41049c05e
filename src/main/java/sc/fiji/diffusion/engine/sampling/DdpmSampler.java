package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * Ancestral sampling of Ho et al. (2020), generalised to any timestep subsequence as in
 * diffusers' {@code DDPMScheduler}. With s the next timestep, α = ᾱ_t/ᾱ_s and β = 1 − α:
 * <pre>
 *   x̂_0 = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t                      (clipped to the data range)
 *   μ    = √ᾱ_s β / (1−ᾱ_t) · x̂_0 + √α (1−ᾱ_s)/(1−ᾱ_t) · x_t
 *   x_s  = μ + σ z,  σ² = β̃ = (1−ᾱ_s)/(1−ᾱ_t) β   (SMALL)   or   σ² = β   (LARGE)
 * </pre>
 * and no noise on the step that ends at x_0.
 */
public final class DdpmSampler extends AbstractSampler {

	/** The two variance choices of the DDPM paper: σ²_t = β̃_t (SMALL) or σ²_t = β_t (LARGE). */
	public enum Variance {
		SMALL, LARGE
	}

	/** {@code ddpm}: ancestral sampling with σ² = β̃ (the lower-variance choice, diffusers' default). */
	@Plugin(type = SamplerFactory.class, name = "ddpm", priority = 90,
		description = "ancestral DDPM sampling, sigma^2 = posterior variance (stochastic)")
	public static final class Factory implements SamplerFactory {

		@Override
		public Sampler create(final NoiseSchedule schedule, final double[] clip) {
			return new DdpmSampler(schedule, Variance.SMALL, clip);
		}
	}

	private final Variance variance;

	public DdpmSampler(final NoiseSchedule schedule, final Variance variance, final double[] clip) {
		super(schedule, clip);
		this.variance = variance;
	}

	@Override
	public NDArray step(final Denoiser model, final int t, final int s, final NDArray x, final NoiseSupplier noise) {
		final double ab = schedule.alphaBar(t), abPrev = schedule.alphaBar(s);
		final double alpha = ab / abPrev, beta = 1 - alpha;
		final NDArray x0 = predictX0(x, model.eps(x, t), t);
		final NDArray mean = x0.muli((float) (Math.sqrt(abPrev) * beta / (1 - ab)))
			.addi(x.mul((float) (Math.sqrt(alpha) * (1 - abPrev) / (1 - ab))));
		if (s < 0) return mean;
		final double var = variance == Variance.SMALL ? Math.max((1 - abPrev) / (1 - ab) * beta, 1e-20) : beta;
		return mean.addi(noise.next().muli((float) Math.sqrt(var)));
	}
}
