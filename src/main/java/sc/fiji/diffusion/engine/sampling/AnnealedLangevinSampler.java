package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * Annealed Langevin dynamics (Song &amp; Ermon 2019) over the model's decreasing noise levels,
 * in the variance-exploding variables x̄ = x/√ᾱ, σ = √((1−ᾱ)/ᾱ) where the score is
 * ∇log p_σ(x̄) = −ε̂/σ. At each level, K iterations of
 * <pre>
 *   x̄ ← x̄ + (δ/2) ∇log p_σ(x̄) + √δ z,    δ = c σ²
 * </pre>
 * then the next, smaller level starts from the result; after the last level the Tweedie
 * estimate x̂_0 = x̄ − σ ε̂ removes the remaining noise. K network calls per step (K+1 on the last).
 */
public final class AnnealedLangevinSampler extends AbstractSampler {

	/** {@code langevin}: annealed Langevin dynamics, 2 iterations per level, step 0.1 σ². */
	@Plugin(type = SamplerFactory.class, name = "langevin", priority = 50,
		description = "annealed Langevin dynamics, 2 iterations per noise level (needs many steps)")
	public static final class Factory implements SamplerFactory {

		@Override
		public Sampler create(final NoiseSchedule schedule, final double[] clip) {
			return new AnnealedLangevinSampler(schedule, 2, 0.1, clip);
		}
	}

	private final int iterations;
	private final double c;

	/**
	 * @param iterations Langevin iterations K per noise level
	 * @param c step size relative to the level's variance
	 */
	public AnnealedLangevinSampler(final NoiseSchedule schedule, final int iterations, final double c,
		final double[] clip)
	{
		super(schedule, clip);
		if (iterations < 1) throw new IllegalArgumentException("Langevin iterations must be at least 1, was " + iterations);
		this.iterations = iterations;
		this.c = c;
	}

	@Override
	public int callsPerStep() {
		return iterations;
	}

	@Override
	public NDArray step(final Denoiser model, final int t, final int s, final NDArray x, final NoiseSupplier noise) {
		final double a = alpha(t), sigma = schedule.sigma(t), delta = c * sigma * sigma;
		NDArray xBar = x.div((float) a);
		for (int k = 0; k < iterations; k++) {
			final NDArray eps = model.eps(xBar.mul((float) a), t);
			xBar = xBar.sub(eps.mul((float) (delta / (2 * sigma)))).addi(noise.next().muli((float) Math.sqrt(delta)));
		}
		if (s >= 0) return xBar.muli((float) alpha(s));
		return predictX0(xBar.mul((float) a), model.eps(xBar.mul((float) a), t), t);
	}
}
