package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;


import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.sampling.DdrmSampler;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.tiling.Canvas;
import sc.fiji.diffusion.engine.values.OrderStatistics;


/**
 * Removes Gaussian noise of standard deviation σ by entering the reverse process at the
 * noise level of the image itself. With y the noisy image and σ both mapped into the model
 * range, t* is the step whose σ_t = √((1−ᾱ_t)/ᾱ_t) is closest to σ, and x_t* = √ᾱ_t* · y is
 * exactly distributed as the forward process at t* (y = x_0 + σ n).
 * <ul>
 * <li>{@code mean}: the posterior mean E[x_0 | x_t*] (Tweedie: x̂_0 = (x_t* − √(1−ᾱ) ε̂)/√ᾱ),
 * one network call; the estimate with the lowest squared error.</li>
 * <li>{@code sample}: a sample of p(x_0 | y) by DDRM steps from t* to 0 (see
 * {@link DdrmSampler}): sharper, with the noise residual steering each step toward y.</li>
 * </ul>
 * Both are runs of the one reverse loop with the DDRM sampler of the observation: {@code mean}
 * is the walk t* → clean (one move), {@code sample} the sampler's timesteps from t*. σ is in
 * the image's units (the task's {@link sc.fiji.diffusion.engine.values.ValueMap} converts it).
 * σ = 0 means estimate it from the image: σ̂ = median(|HH|)/0.6745 over the diagonal
 * Haar detail coefficients (Donoho's robust estimator).
 */
public final class Denoise extends ImageTask<Denoise> {

	/** The denoised image and what was used. */
	public static final class Result {

		public final float[] image;
		/** σ in the image's units: the given one, or the estimate. */
		public final double sigma;
		public final boolean estimated;
		/** The entry timestep t*. */
		public final int tStar;

		Result(final float[] image, final double sigma, final boolean estimated, final int tStar) {
			this.image = image;
			this.sigma = sigma;
			this.estimated = estimated;
			this.tStar = tStar;
		}
	}

	private double sigma = 0;
	private int steps = 20;
	private String output = "mean";
	private double eta = 0.85;

	private Denoise(final DiffusionModel model) {
		super(model);
	}

	public static Denoise with(final DiffusionModel model) {
		return new Denoise(model);
	}

	/** Noise standard deviation in the image's units; 0 = estimate. */
	public Denoise sigma(final double s) { sigma = s; return this; }
	public Denoise steps(final int n) { steps = n; return this; }
	/** {@code mean} or {@code sample}. */
	public Denoise output(final String o) { output = o == null ? "" : o.trim().toLowerCase(); return this; }
	public Denoise eta(final double e) { eta = e; return this; }

	public void validate() {
		if (!(sigma >= 0) || Double.isInfinite(sigma)) throw new IllegalArgumentException("sigma must be >= 0 (0 = estimate " +
			"from the image), was " + sigma);
		model.schedule().checkSteps(steps);
		if (!output.equals("mean") && !output.equals("sample")) throw new IllegalArgumentException("Unknown output '" +
			output + "'; accepted: mean, sample");
		if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("eta must be in [0, 1], was " + eta);
	}

	/** Robust σ of Gaussian noise in a plane: median |HH| / 0.6745 over 2×2 Haar blocks. */
	public static double estimateSigma(final float[] plane, final int w, final int h) {
		final int bw = w / 2, bh = h / 2;
		if (bw < 1 || bh < 1) return 0;
		final double[] hh = new double[bw * bh];
		for (int by = 0; by < bh; by++)
			for (int bx = 0; bx < bw; bx++) {
				final int i = 2 * by * w + 2 * bx;
				hh[by * bw + bx] = Math.abs((plane[i] - plane[i + 1] - plane[i + w] + plane[i + w + 1]) / 2.0);
			}
		return OrderStatistics.median(hh) / 0.6745;
	}

	/** The DDRM sampler of this task for an observation y (model units; null when only its timesteps are wanted). */
	DdrmSampler sampler(final NDArray y, final double sigmaModel) {
		return new DdrmSampler(model.schedule(), y, sigmaModel, eta, 1.0, model.clipRange());
	}

	/**
	 * The walk from t*: for {@code mean} one move t* → clean, whose result is the posterior mean
	 * x̂_0; for {@code sample} DDRM's steps (set on {@code s}).
	 */
	int[] walk(final DdrmSampler s, final int tStar) {
		if (output.equals("mean")) return new int[] { tStar, -1 };
		s.setTimesteps(steps, tStar);
		return ReverseProcess.walk(s);
	}

	public Result run(final float[] plane, final int w, final int h, final Monitor monitor) {
		validate();
		checkPlane(plane, w, h, "image");
		final boolean estimated = sigma == 0;
		final double sigmaImage = estimated ? estimateSigma(plane, w, h) : sigma;
		if (!(sigmaImage > 0)) throw new IllegalArgumentException("the image has no measurable noise (estimated sigma 0); " +
			"give sigma explicitly");
		final NoiseSchedule schedule = model.schedule();
		final double sigmaModel = values().sigmaToModel(sigmaImage);
		final int tStar = schedule.timestepForSigma(sigmaModel);
		final Canvas c = canvas(w, h);
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray y = toModel(m, c, plane);
			// y = x_0 + σ n, so √ᾱ_t* y is distributed as x_t* of the forward process
			final NDArray xStart = y.mul((float) Math.sqrt(schedule.alphaBar(tStar)));
			final Denoiser d = tiled(GuidedDenoiser.uniform(model, -1, 0), c, monitor, m);
			final DdrmSampler s = sampler(y, sigmaModel);
			final NDArray x0 = ReverseProcess.run(s, schedule, d, walk(s, tStar), xStart, new GaussianNoise(seed), 0, null,
				monitor);
			return new Result(fromModel(c, x0), sigmaImage, estimated, tStar);
		}
	}
}
