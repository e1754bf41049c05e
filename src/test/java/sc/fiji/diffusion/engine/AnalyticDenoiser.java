package sc.fiji.diffusion.engine;

import ai.djl.ndarray.NDArray;

/**
 * The exact noise predictor for Gaussian data x_0 ~ N(μ, s²): E[ε | x_t] =
 * √(1−ᾱ) (x_t − √ᾱ μ) / (ᾱ s² + 1 − ᾱ). A "network" with a known answer, so samplers can be
 * checked for exactness (reference numbers) and for sampling the right distribution.
 */
public final class AnalyticDenoiser implements Denoiser {

	private final NoiseSchedule schedule;
	private final double mu, s;
	public int calls;

	public AnalyticDenoiser(final NoiseSchedule schedule, final double mu, final double s) {
		this.schedule = schedule;
		this.mu = mu;
		this.s = s;
	}

	@Override
	public NDArray eps(final NDArray x, final double t) {
		calls++;
		final double a = schedule.alphaBar(t);
		return x.sub((float) (Math.sqrt(a) * mu)).muli((float) (Math.sqrt(1 - a) / (a * s * s + 1 - a)));
	}
}
