package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * DDIM (Song, Meng &amp; Ermon 2021), as diffusers' {@code DDIMScheduler.step}: with s the next
 * timestep,
 * <pre>
 *   x̂_0 = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t,  clipped; then ε̂ re-derived from the clipped x̂_0
 *   σ   = η √((1−ᾱ_s)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_s)
 *   x_s = √ᾱ_s x̂_0 + √(1−ᾱ_s−σ²) ε̂ + σ z
 * </pre>
 * η = 0 is the deterministic sampler; η = 1 over all T steps is DDPM with σ² = β̃.
 */
public final class DdimSampler extends AbstractSampler {

	/** {@code ddim}: deterministic DDIM (η = 0), the default. */
	@Plugin(type = SamplerFactory.class, name = "ddim", priority = 100,
		description = "deterministic DDIM (eta = 0), the default")
	public static final class Factory implements SamplerFactory {

		@Override
		public Sampler create(final NoiseSchedule schedule, final double[] clip) {
			return new DdimSampler(schedule, 0, clip);
		}
	}

	private final double eta;

	public DdimSampler(final NoiseSchedule schedule, final double eta, final double[] clip) {
		super(schedule, clip);
		if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("eta must be in [0, 1], was " + eta);
		this.eta = eta;
	}

	@Override
	public NDArray step(final Denoiser model, final int t, final int s, final NDArray x, final NoiseSupplier noise) {
		final double ab = schedule.alphaBar(t), abPrev = schedule.alphaBar(s);
		final NDArray eps = model.eps(x, t);
		final double sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab) * (1 - ab / abPrev));
		final double dir = Math.sqrt(Math.max(1 - abPrev - sigma * sigma, 0));
		final NDArray out;
		if (clip != null) {
			// Re-deriving ε from the clipped x̂_0 keeps x_s consistent with it (skipping this ruins few-step
			// samples). With ε' = (x − √ᾱ_t x̂_0)/√(1−ᾱ_t) the update is linear in x̂_0 and x:
			// x_s = (√ᾱ_s − dir·√ᾱ_t/√(1−ᾱ_t)) x̂_0 + dir/√(1−ᾱ_t) · x  — fewer array operations per step.
			final NDArray x0 = predictX0(x, eps, t);
			out = x0.muli((float) (Math.sqrt(abPrev) - dir * Math.sqrt(ab) / Math.sqrt(1 - ab))).addi(x.mul((float) (dir /
				Math.sqrt(1 - ab))));
		}
		else {
			// x_s = √ᾱ_s x̂_0 + dir·ε with x̂_0 = (x − √(1−ᾱ_t) ε)/√ᾱ_t, collected in x and ε
			out = x.mul((float) (Math.sqrt(abPrev / ab))).addi(eps.mul((float) (dir - Math.sqrt(abPrev) * Math.sqrt(1 - ab) /
				Math.sqrt(ab))));
		}
		if (sigma > 0 && s >= 0) out.addi(noise.next().muli((float) sigma));
		return out;
	}
}
