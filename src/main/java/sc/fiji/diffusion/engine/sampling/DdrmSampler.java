package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * DDRM (Kawar et al. 2022) for denoising, i.e. the degradation H = I with Gaussian noise of
 * standard deviation σ_y: in the variables x̄ = x/√ᾱ, σ = √((1−ᾱ)/ᾱ), each step t → s takes
 * the model's x̂_0 and moves toward the observation y:
 * <pre>
 *   σ_s &lt; σ_y:  x̄_s = x̂_0 + σ_s (√(1−η²) (y − x̂_0)/σ_y + η z)
 *   σ_s ≥ σ_y:  x̄_s = (1−η_b) x̂_0 + η_b y + √(σ_s² − η_b² σ_y²) z
 * </pre>
 * so the residual y − x̂_0 (pure noise when x̂_0 is right) serves as the step's noise direction:
 * the data-consistency term. Started at the t* where σ_t* matches σ_y, it samples an estimate
 * of the clean image given y. It is the sampler of an observation, not a user's choice of
 * method, so it has no factory in the registry: the Denoise task makes it from its image.
 */
public final class DdrmSampler extends AbstractSampler {

	private final NDArray y;
	private final double sigmaY, eta, etaB;

	/**
	 * @param y the observation [same shape as x] in the model range (not scaled by √ᾱ)
	 * @param sigmaY its noise standard deviation in the model range
	 */
	public DdrmSampler(final NoiseSchedule schedule, final NDArray y, final double sigmaY, final double eta,
		final double etaB, final double[] clip)
	{
		super(schedule, clip);
		if (!(sigmaY > 0)) throw new IllegalArgumentException("sigma must be positive, was " + sigmaY);
		this.y = y;
		this.sigmaY = sigmaY;
		this.eta = eta;
		this.etaB = etaB;
	}

	@Override
	public NDArray step(final Denoiser model, final int t, final int s, final NDArray x, final NoiseSupplier noise) {
		final NDArray x0 = predictX0(x, model.eps(x, t), t);
		if (s < 0) return x0;
		final double sigmaS = schedule.sigma(s);
		final NDArray xBar;
		if (sigmaS < sigmaY) {
			// x0 first: results attach to the first operand's manager, i.e. to this step's
			final double k = sigmaS * Math.sqrt(1 - eta * eta) / sigmaY;
			xBar = x0.mul((float) (1 - k)).addi(x0.zerosLike().addi(y).muli((float) k))
				.addi(noise.next().muli((float) (sigmaS * eta)));
		}
		else {
			xBar = x0.mul((float) (1 - etaB)).addi(x0.zerosLike().addi(y).muli((float) etaB))
				.addi(noise.next().muli((float) Math.sqrt(Math.max(sigmaS * sigmaS - etaB * etaB * sigmaY * sigmaY, 0))));
		}
		return xBar.muli((float) alpha(s));
	}
}
