package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Locale;

import net.imglib2.Cursor;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.sampling.DdrmSampler;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.tiling.Canvas;

/**
 * Removes Gaussian noise of standard deviation σ by entering the reverse process at the
 * noise level of the image itself. With y the noisy image and σ both mapped into the model
 * range, t* is the step whose σ_t = √((1−ᾱ_t)/ᾱ_t) is closest to σ, and x_t* = √ᾱ_t* · y is
 * exactly distributed as the forward process at t* (y = x_0 + σ n).
 * <ul>
 * <li>{@code mean}: the posterior mean E[x_0 | x_t*] (Tweedie: x̂_0 = (x_t* − √(1−ᾱ) ε̂)/√ᾱ),
 * one network call; the estimate with the lowest squared error. With {@code ensemble(8)} the
 * estimate is averaged over the 8 flips and 90° rotations of the image (each mapped back): the
 * prior has no preferred orientation, so every one is as good and their mean is better.</li>
 * <li>{@code sample}: a sample of p(x_0 | y) by DDRM steps from t* to 0 (see
 * {@link DdrmSampler}): sharper, with the noise residual steering each step toward y.</li>
 * </ul>
 * Both are runs of the one reverse loop with the DDRM sampler of the observation: {@code mean}
 * is the walk t* → clean (one move), {@code sample} the sampler's timesteps from t*. σ is in
 * the image's units (the task's {@link sc.fiji.diffusion.engine.values.ValueMap} converts it);
 * σ = 0 means estimate it ({@link NoiseSettings#estimateSigma}).
 * <p>
 * A z-stack can be denoised as one volume ({@link #runVolume}): the 2-D prior sees the volume's
 * xy, xz and yz slices and the reverse process runs on the volume with the weighted mean of the
 * three orientations' ε̂ (see {@link VolumeDenoiser}).
 */
public final class Denoise extends ImageTask<Denoise> {

	/** The denoised image and what was used. */
	public static final class Result {

		public final Img<FloatType> image;
		/** σ in the image's units: the given one, or the estimate. */
		public final double sigma;
		public final boolean estimated;
		/** The entry timestep t*. */
		public final int tStar;

		/** The image's pixels (x fastest), the backing array of {@link #image}. */
		public float[] pixels() {
			return Images.array(image);
		}

		Result(final Img<FloatType> image, final double sigma, final boolean estimated, final int tStar) {
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
	private int ensemble = 1;

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
	public Denoise output(final String o) { output = o == null ? "" : o.trim().toLowerCase(Locale.ROOT); return this; }
	public Denoise eta(final double e) { eta = e; return this; }
	/** 1, or 8: the mean over the 8 flips/rotations (output=mean only). */
	public Denoise ensemble(final int e) { ensemble = e; return this; }

	public void validate() {
		if (!(sigma >= 0) || Double.isInfinite(sigma)) throw new IllegalArgumentException("sigma must be >= 0 (0 = estimate " +
			"from the image), was " + sigma);
		model.schedule().checkSteps(steps);
		if (!output.equals("mean") && !output.equals("sample")) throw new IllegalArgumentException("Unknown output '" +
			output + "'; accepted: mean, sample");
		if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("eta must be in [0, 1], was " + eta);
		if (ensemble != 1 && ensemble != 8) throw new IllegalArgumentException("ensemble must be 1 or 8 (the flips and " +
			"rotations averaged), was " + ensemble);
		if (ensemble == 8 && !output.equals("mean")) throw new IllegalArgumentException("ensemble=8 averages estimates of " +
			"output=mean; a sample is one draw (use output=mean, or ensemble=1)");
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

	/** σ of a plane: the given one, or the estimate; refuses an image without measurable noise. */
	private double sigmaOf(final RandomAccessibleInterval<? extends RealType<?>> plane) {
		if (sigma > 0) return sigma;
		final float[] px = Images.floats(plane);
		final double s = NoiseSettings.estimateSigma(px, (int) plane.dimension(0), (int) plane.dimension(1));
		if (!(s > 0)) throw new IllegalArgumentException("the image has no measurable noise (estimated sigma 0); " +
			"give sigma explicitly");
		return s;
	}

	/** Denoises a 2-D plane (x, y) in image units; returns a new image. */
	public Result run(final RandomAccessibleInterval<? extends RealType<?>> plane, final Monitor monitor) {
		validate();
		checkImage(plane, 2, "image");
		final boolean estimated = sigma == 0;
		final double sigmaImage = sigmaOf(plane);
		if (ensemble == 1) {
			final Result r = once(plane, sigmaImage, monitor);
			return new Result(r.image, sigmaImage, estimated, r.tStar);
		}
		// the mean of the 8 dihedral transforms' estimates, each mapped back
		final Img<FloatType> acc = ArrayImgs.floats(plane.dimension(0), plane.dimension(1));
		int tStar = -1;
		for (int k = 0; k < 8; k++) {
			final Monitor perView = monitor.share(k, 8).prefixed("view " + (k + 1) + "/8 ");
			final Result r = once(Views.zeroMin(dihedral(plane, k)), sigmaImage, perView);
			tStar = r.tStar;
			final Cursor<FloatType> a = acc.cursor();
			final Cursor<FloatType> b = Views.flatIterable(inverseDihedral(r.image, k)).cursor();
			while (a.hasNext())
				a.next().set(a.get().getRealFloat() + b.next().getRealFloat() / 8);
		}
		return new Result(acc, sigmaImage, estimated, tStar);
	}

	/** Transform k of the 8 symmetries of the square: bit 2 transposes, bits 0 and 1 flip x and y. */
	static <T> RandomAccessibleInterval<T> dihedral(final RandomAccessibleInterval<T> p, final int k) {
		RandomAccessibleInterval<T> v = p;
		if ((k & 4) != 0) v = Views.permute(v, 0, 1);
		if ((k & 1) != 0) v = Views.invertAxis(v, 0);
		if ((k & 2) != 0) v = Views.invertAxis(v, 1);
		return v;
	}

	/** The inverse of {@link #dihedral}: a view of {@code p} in the original orientation (zero-min). */
	static <T> RandomAccessibleInterval<T> inverseDihedral(final RandomAccessibleInterval<T> p, final int k) {
		RandomAccessibleInterval<T> v = p;
		if ((k & 2) != 0) v = Views.invertAxis(v, 1);
		if ((k & 1) != 0) v = Views.invertAxis(v, 0);
		if ((k & 4) != 0) v = Views.permute(v, 0, 1);
		return Views.zeroMin(v);
	}

	private Result once(final RandomAccessibleInterval<? extends RealType<?>> plane, final double sigmaImage,
		final Monitor monitor)
	{
		final NoiseSchedule schedule = model.schedule();
		final double sigmaModel = values().sigmaToModel(sigmaImage);
		final int tStar = schedule.timestepForSigma(sigmaModel);
		final Canvas c = canvas(plane);
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray y = toModel(m, c, plane);
			final DdrmSampler s = sampler(y, sigmaModel);
			final int[] walk = walk(s, tStar);
			final boolean oneCall = walk.length == 2 && !model.descriptor().isAdapted();
			// one call: the model's distilled one-step network where it has one for this level (else the network itself)
			final DiffusionModel net = oneCall ? model.oneStep(schedule.sigma(tStar)) : model;
			// one network call (the posterior mean): its tiles are the progress; a walk of many steps reports its steps
			final Denoiser d = tiled(GuidedDenoiser.uniform(net, -1, 0), c, oneCall ? monitor : monitor.withoutProgress(), m);
			final GaussianNoise noise = new GaussianNoise(seed);
			if (model.descriptor().isAdapted()) return adapted(y, sigmaModel, sigmaImage, c, d, s, noise, monitor);
			// y = x_0 + σ n, so √ᾱ_t* y is distributed as x_t* of the forward process
			final NDArray xStart = y.mul((float) Math.sqrt(schedule.alphaBar(tStar)));
			final NDArray x0 = ReverseProcess.run(s, schedule, d, walk, xStart, noise, 0, null, monitor);
			return new Result(fromModel(c, x0), sigmaImage, sigma == 0, tStar);
		}
	}

	/**
	 * A prior adapted on noisy data by the ambient Tweedie loss (Daras et al. 2024; what Train
	 * data=noisy wrote before it fitted the one-step network by SURE, recorded in the model's
	 * {@code config.diffusion.adapted}) knows only the levels above factor × the data's σ: the image
	 * is noised further to σ_e = factor·σ (z = y + τ η, τ = √(σ_e² − σ²), exactly the forward process
	 * at σ_e) and the posterior mean E[x₀ | z] is averaged over the model's number of draws of η;
	 * a sample walks DDRM down from σ_e with one draw.
	 */
	private Result adapted(final NDArray y, final double sigmaModel, final double sigmaImage, final Canvas c,
		final Denoiser d, final DdrmSampler s, final GaussianNoise noise, final Monitor monitor)
	{
		final NoiseSchedule schedule = model.schedule();
		final int tE = schedule.timestepForSigma(model.descriptor().adaptedFactor() * sigmaModel);
		final double sE = schedule.sigma(tE);
		final float tau = (float) Math.sqrt(Math.max(0, sE * sE - sigmaModel * sigmaModel));
		final float a = (float) Math.sqrt(schedule.alphaBar(tE));
		final int draws = output.equals("mean") ? Math.max(1, model.descriptor().adaptedDraws()) : 1;
		NDArray acc = null;
		for (int k = 0; k < draws; k++) {
			// streams far below the reverse loop's own (≥ 0) and the start's (0, −1, …)
			final NDArray z = y.add(noise.ndarray(y.getManager(), -1000 - k, y.getShape()).muli(tau)).muli(a);
			final NDArray x0 = ReverseProcess.run(s, schedule, d, walk(s, tE), z, noise, 0, null, monitor);
			acc = acc == null ? x0 : acc.addi(x0);
		}
		return new Result(fromModel(c, acc.divi(draws)), sigmaImage, sigma == 0, tE);
	}

	/**
	 * Denoises a volume (x, y, z) as one: the reverse process runs on the whole (padded) volume and
	 * each step's ε̂ is the weighted mean of the 2-D prior's ε̂ on its xy, xz and yz slices.
	 *
	 * @param weights of the xy, xz and yz orientations (≥ 0, not all 0)
	 * @param sigma σ in image units (> 0: one for the volume)
	 */
	public Result runVolume(final RandomAccessibleInterval<? extends RealType<?>> volume, final double[] weights,
		final Monitor monitor)
	{
		validate();
		checkImage(volume, 3, "volume");
		if (ensemble != 1) throw new IllegalArgumentException("ensemble=8 is for planes; stack=volume already combines " +
			"three orientations");
		if (!(sigma > 0)) throw new IllegalArgumentException("a volume needs sigma > 0 (estimate it on its planes first)");
		final NoiseSchedule schedule = model.schedule();
		final double sigmaModel = values().sigmaToModel(sigma);
		final int tStar = schedule.timestepForSigma(sigmaModel);
		final Canvas c = canvas(volume);
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray y = toModel(m, c, volume);
			final NDArray xStart = y.mul((float) Math.sqrt(schedule.alphaBar(tStar)));
			final Denoiser d = new VolumeDenoiser(model, c.size(), weights, this::grid, tileBatch, monitor, m);
			final DdrmSampler s = sampler(y, sigmaModel);
			final NDArray x0 = ReverseProcess.run(s, schedule, d, walk(s, tStar), xStart, new GaussianNoise(seed), 0, null,
				monitor);
			return new Result(fromModel(c, x0), sigma, false, tStar);
		}
	}
}
