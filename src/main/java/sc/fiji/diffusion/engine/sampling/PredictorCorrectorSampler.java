package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * Predictor–corrector sampling of the reverse-time VP SDE (Song et al. 2021). With the score
 * ∇log p_t(x) = −ε̂(x, t)/√(1−ᾱ_t) and B = 1 − ᾱ_t/ᾱ_s the noise injected by the forward
 * process between s and t (β_t for one step):
 * <pre>
 *   predictor (Euler–Maruyama):  x_s = x_t + B (x_t/2 + score_t) + √B z
 *   corrector (Langevin at s):   x_s ← x_s + δ score_s + √(2δ) z',   δ = 2 α_s (r ‖z'‖/‖score_s‖)²
 * </pre>
 * with signal-to-noise ratio r (0.16) and norms taken per image. The last step (into the clean
 * image) returns the Tweedie estimate x̂_0 instead. Two network calls per step.
 */
public final class PredictorCorrectorSampler extends AbstractSampler {

	/** {@code pc}: reverse-SDE Euler–Maruyama with a Langevin corrector, r = 0.16. */
	@Plugin(type = SamplerFactory.class, name = "pc", priority = 60,
		description = "reverse-SDE Euler-Maruyama predictor + Langevin corrector (2 calls per step; needs many steps)")
	public static final class Factory implements SamplerFactory {

		@Override
		public Sampler create(final NoiseSchedule schedule, final double[] clip) {
			return new PredictorCorrectorSampler(schedule, 0.16, clip);
		}
	}

	private final double snr;

	public PredictorCorrectorSampler(final NoiseSchedule schedule, final double snr, final double[] clip) {
		super(schedule, clip);
		this.snr = snr;
	}

	@Override
	public int callsPerStep() {
		return 2;
	}

	@Override
	public NDArray step(final Denoiser model, final int t, final int s, final NDArray x, final NoiseSupplier noise) {
		final double ab = schedule.alphaBar(t);
		final NDArray eps = model.eps(x, t);
		if (s < 0) return predictX0(x, eps, t);
		final double b = 1 - ab / schedule.alphaBar(s);
		final NDArray score = eps.mul((float) (-1 / Math.sqrt(1 - ab)));
		final NDArray xs = x.mul((float) (1 + b / 2)).addi(score.muli((float) b)).addi(noise.next().muli((float) Math.sqrt(b)));
		// Langevin corrector at the new level
		final NDArray g = model.eps(xs, s).mul((float) (-1 / Math.sqrt(1 - schedule.alphaBar(s))));
		final NDArray z = noise.next();
		final NDArray ratio = perImageNorm(z).divi(perImageNorm(g).maximum(1e-12f));
		final NDArray delta = ratio.muli((float) snr).square().muli((float) (2 * schedule.alpha(s)));
		return xs.addi(g.muli(delta)).addi(z.muli(delta.mul(2f).sqrt()));
	}

	/** ‖a‖ per image (over all axes but the first), shaped to broadcast against a. */
	static NDArray perImageNorm(final NDArray a) {
		final Shape shape = a.getShape();
		if (shape.dimension() < 2) return a.norm().reshape(new Shape(1));
		final int[] axes = new int[shape.dimension() - 1];
		for (int k = 0; k < axes.length; k++)
			axes[k] = k + 1;
		final long[] keep = new long[shape.dimension()];
		Arrays.fill(keep, 1);
		keep[0] = shape.get(0);
		return a.square().sum(axes).sqrt().reshape(new Shape(keep));
	}
}
