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
 * or anything between, log σ² = v log β + (1 − v) log β̃ (the interpolation of Nichol &amp;
 * Dhariwal 2021, here with a fixed v).
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

	/** 0 = β̃ (SMALL), 1 = β (LARGE), between: log-interpolated. */
	private final double v;
	/** Steps from levels below this one use σ² = β whatever v is; −1: none. */
	private final int largeBelow;

	public DdpmSampler(final NoiseSchedule schedule, final Variance variance, final double[] clip) {
		this(schedule, variance == Variance.LARGE ? 1 : 0, clip);
	}

	/** @param v where log σ² lies between log β̃ (0) and log β (1) */
	public DdpmSampler(final NoiseSchedule schedule, final double v, final double[] clip) {
		this(schedule, v, clip, -1);
	}

	private DdpmSampler(final NoiseSchedule schedule, final double v, final double[] clip, final int largeBelow) {
		super(schedule, clip);
		if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException("variance interpolation must be in [0, 1], was " + v);
		this.v = v;
		this.largeBelow = largeBelow;
	}

	/**
	 * This sampler with σ² = min(β, 1 − ᾱ_s) on the steps from levels below {@code level} and its
	 * own variance above: the larger variance restores fine texture that strided steps with σ² = β̃
	 * smooth away, while the levels that decide the large structure stay at the lower variance. The
	 * cap at 1 − ᾱ_s, all the noise level s holds, matters on the last strided steps, where β
	 * would leave more noise in x_s than its level has (a walk that ends at a noisy level).
	 */
	public DdpmSampler largeBelow(final int level) {
		return new DdpmSampler(schedule, v, clip, level);
	}

	@Override
	public NDArray step(final Denoiser model, final int t, final int s, final NDArray x, final NoiseSupplier noise) {
		final double ab = schedule.alphaBar(t), abPrev = schedule.alphaBar(s);
		final double alpha = ab / abPrev, beta = 1 - alpha;
		final NDArray x0 = predictX0(x, model.eps(x, t), t);
		final NDArray mean = x0.muli((float) (Math.sqrt(abPrev) * beta / (1 - ab)))
			.addi(x.mul((float) (Math.sqrt(alpha) * (1 - abPrev) / (1 - ab))));
		if (s < 0) return mean;
		final double small = Math.max((1 - abPrev) / (1 - ab) * beta, 1e-20);
		final double v = t < largeBelow ? 1 : this.v;
		final double var = t < largeBelow ? Math.max(small, Math.min(beta, 1 - abPrev)) : v == 0 ? small : v == 1 ? beta : Math.exp(v * Math.log(beta) + (1 - v) * Math.log(small));
		return mean.addi(noise.next().muli((float) Math.sqrt(var)));
	}
}
