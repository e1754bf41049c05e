package sc.fiji.diffusion.engine.pipeline;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import net.imglib2.img.Img;
import net.imglib2.img.basictypeaccess.array.FloatArray;
import net.imglib2.img.planar.PlanarImg;
import net.imglib2.img.planar.PlanarImgs;
import net.imglib2.type.numeric.real.FloatType;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.CameraFit;
import sc.fiji.diffusion.engine.noise.Clipped;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.noise.NoiseModel;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.noise.PoissonGaussian;
import sc.fiji.diffusion.engine.noise.Sure;
import sc.fiji.diffusion.engine.tasks.Denoise;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * Denoise, from an image and its settings to the result — the one implementation every front
 * end (Fiji command, ImageJ 1.x macro, command line, batch, Spark) calls. It owns:
 * <ul>
 * <li>channels: each channel of a hyperstack is its own grayscale image, with its own noise
 * model and normalisation (over all its slices and frames, so a stack keeps its relative
 * intensities);</li>
 * <li>the noise model ({@link NoiseSettings}): Gaussian σ per
 * plane, or one Poisson–Gaussian camera per channel through the generalised Anscombe transform
 * and its exact unbiased inverse, or decided from the image (auto);</li>
 * <li>the value map into the model's units ({@link Normalization}), computed in the working
 * (stabilised) units;</li>
 * <li>the seed rule ({@link Seeds}), the OOM fallback ({@link Fallback}), progress, cancel and
 * the log;</li>
 * <li>what is made: the posterior mean (optionally averaged over 8 flips/rotations), one
 * posterior sample, or the per-pixel posterior standard deviation of {@code samples} samples;
 * plane by plane ({@code stack=slices}) or a z-stack as one volume ({@code stack=volume}).</li>
 * </ul>
 * The input is only read; the result is a new 32-bit image with the same axes and voxel size.
 */
public final class DenoisePipeline {

	private DenoisePipeline() {}

	/** The result of a run. */
	public static final class Result {

		public final Hyperstack image;
		/** σ used per plane in image units (Gaussian) or the camera's read noise (Poisson), space-separated. */
		public final String sigmaUsed;
		/** The noise model of each plane (ImageJ order). */
		public final List<NoiseModel> noise;
		/**
		 * The estimated error of each plane's result against the unknown clean image (ImageJ order;
		 * {@link Sure}); empty where none is made (output=sample/std, stack=volume).
		 */
		public final List<Sure.Estimate> errors;

		Result(final Hyperstack image, final String sigmaUsed, final List<NoiseModel> noise,
			final List<Sure.Estimate> errors)
		{
			this.image = image;
			this.sigmaUsed = sigmaUsed;
			this.noise = noise;
			this.errors = errors;
		}

		/** The estimated RMS error of the whole result in image units (over all planes), NaN when none was made. */
		public double estimatedRmse() {
			return errors.isEmpty() ? Double.NaN : errorEstimate().rmse();
		}

		/** The estimate over all planes (null when none was made). */
		public Sure.Estimate errorEstimate() {
			return errors.isEmpty() ? null : Sure.Estimate.mean(errors);
		}
	}

	/**
	 * Pixels probed per plane for the error estimate: a plane up to about 0.4 Mpx is probed whole
	 * (one more pass), a larger one on four 256² blocks spread over it (a fixed cost: about +10 %
	 * of the network's work at 2048²). The estimate's stated range includes what sampling blocks
	 * adds.
	 */
	public static final long ESTIMATE_BUDGET = 4 * 256 * 256;

	/**
	 * What one channel is denoised with: the noise model of each of its planes and the one value
	 * map (working units → model units) of all of them.
	 */
	public static final class Plan implements Serializable {

		private static final long serialVersionUID = 1L;
		public final NoiseModel[] noise;
		public final double scale, offset;
		private final String valuesText;
		/** The planes the plan measured the noise on and their transform, when it made one (this run only). */
		private transient float[][] source, transformed;

		Plan(final NoiseModel[] noise, final ValueMap values) {
			this.noise = noise;
			this.scale = values.scale();
			this.offset = values.offset();
			this.valuesText = values.toString();
		}

		public ValueMap values() {
			return ValueMap.of(scale, offset, valuesText);
		}

		/** Plane i of {@code planes} through its noise transform: the plan's own copy the first time, when it made one. */
		float[] forward(final float[][] planes, final int i) {
			if (planes != source || transformed == null || transformed[i] == null) return noise[i].forward(planes[i]);
			final float[] f = transformed[i];
			transformed[i] = null; // handed over: the caller owns it now
			return f;
		}
	}

	/**
	 * The plan of one channel.
	 *
	 * @param planes the planes to estimate the noise from (image units; all of them, or parts of them for a huge image)
	 * @param width their width
	 * @param bitDepth the image's bit depth (what normalize=auto looks at)
	 * @param rawPercentiles percentiles of the whole channel in image units (the plan maps them through the noise transform)
	 * @param prefix put before every log line (e.g. "channel 2: ")
	 */
	public static Plan plan(final ModelDescriptor d, final float[][] planes, final int width, final int bitDepth,
		final DenoiseSettings s, final Normalization.Percentiles rawPercentiles, final Monitor monitor, final String prefix)
	{
		List<NoiseModel> models = s.noise().model(planes, width, msg -> monitor.log("Denoise: " + prefix + msg));
		final float[][] transformed = new float[planes.length][];
		if (models.get(0).isStabilised()) models = measured(models, planes, width, transformed, monitor, prefix);
		if (s.output().equals("mean") || s.output().equals("std")) models = clipped(models, planes, monitor, prefix);
		final NoiseModel first = models.get(0);
		if (first.isStabilised()) monitor.log("Denoise: " + prefix + "noise " + first + "; denoising the stabilised image " +
			"at sigma = 1");
		// a monotonic transform keeps ranks: the percentiles of the transformed image are the
		// transformed percentiles, so a block-wise run (Spark) gets the very same map
		final Normalization.Percentiles working = first.isStabilised() ? (lo, hi) -> {
			final double[] p = rawPercentiles.of(lo, hi);
			final float[] f = first.forward(new float[] { (float) p[0], (float) p[1] });
			return new double[] { f[0], f[1] };
		} : rawPercentiles;
		final ValueMap values = s.normalization().map(d, first.isStabilised() ? 32 : bitDepth, working);
		monitor.log("Denoise: " + prefix + "normalize=" + s.normalization() + ": " + values);
		final Plan plan = new Plan(models.toArray(new NoiseModel[0]), values);
		plan.source = planes;
		plan.transformed = transformed;
		return plan;
	}

	/**
	 * The noise models of planes whose file bounded its values (an 8-bit black background, a
	 * saturated camera) wrapped in {@link Clipped}, so that the posterior mean comes back as the
	 * clean value rather than the mean of the bounded noisy values the denoiser saw there
	 * ({@link Clipped#bounds}: clipped or truncated at each end). The Log says which, and how many
	 * pixels sit at the bound.
	 */
	static List<NoiseModel> clipped(final List<NoiseModel> models, final float[][] planes, final Monitor monitor,
		final String prefix)
	{
		final List<NoiseModel> out = new ArrayList<>();
		final long[] at = new long[2];
		final int[] kind = new int[2]; // per end: bit 1 clipped, bit 2 truncated (in some plane)
		final double[] value = { Double.NaN, Double.NaN };
		long n = 0;
		for (int i = 0; i < planes.length; i++) {
			final Clipped.Bounds b = Clipped.bounds(planes[i]);
			final NoiseModel m = Clipped.of(models.get(i), b.value, b.truncated);
			out.add(m);
			n += planes[i].length;
			if (m instanceof Clipped) for (int end = 0; end < 2; end++)
				if (!Double.isNaN(b.value[end])) {
					kind[end] |= b.truncated[end] ? 2 : 1;
					at[end] += b.count[end];
					value[end] = b.value[end];
				}
		}
		final List<String> said = new ArrayList<>();
		for (int end = 0; end < 2; end++)
			if (kind[end] != 0) said.add(String.format(Locale.ROOT, "%s at %s (%.1f %% of the pixels%s)", kind[end] == 1
				? "clipped" : kind[end] == 2 ? "truncated" : "clipped or truncated", value(value[end]), 100.0 * at[end] / n,
				kind[end] == 2 ? "; no pile there: the noise was drawn again until in range, as ImageJ's Add Noise does" : ""));
		if (!said.isEmpty()) monitor.log("Denoise: " + prefix + "the image's noise was " + String.join(" and ", said) +
			": near there the result is the clean value whose noisy mean the denoiser saw (Foi 2009), within the image's " +
			"range");
		return out;
	}

	/** A pixel value as a user reads it: 255, not 255.000. */
	private static String value(final double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6g", v);
	}

	/**
	 * After the Anscombe transform the noise should have unit variance; a camera whose gain was
	 * misjudged (a narrow range of smooth intensities gives a loose fit) leaves it larger or
	 * smaller. The σ actually left in the stabilised planes (robust Haar estimate, median over the
	 * planes) is what the denoiser is told, within [0.7, 1.6] of the nominal 1.
	 */
	static List<NoiseModel> measured(final List<NoiseModel> models, final float[][] planes, final int width,
		final float[][] transformed, final Monitor monitor, final String prefix)
	{
		final double[] s = new double[planes.length];
		for (int i = 0; i < planes.length; i++) {
			// blocks near the camera's clipped values are left out, not those at the transform's own floor (where
			// read noise dips below the offset): counting those out read σ too high at a few photons (−0.4 dB at peak 5)
			final double[] rawClip = CameraFit.clipValues(planes[i]);
			final float[] clip = models.get(i).forward(new float[] { (float) rawClip[0], (float) rawClip[1] });
			// (the σ told to the denoiser changes below, not the transform: the transformed plane is kept for the run)
			transformed[i] = models.get(i).forward(planes[i]);
			s[i] = NoiseSettings.estimateSigma(transformed[i], width, planes[i].length / width, null, new double[] { clip[0],
				clip[1] }, false);
		}
		Arrays.sort(s);
		final double m = s[s.length / 2];
		if (!(m >= 0.7 && m <= 1.6)) {
			monitor.log(String.format(Locale.ROOT, "Denoise: %snoise left after the transform: sigma %.3f, outside 0.7-1.6: " +
				"keeping the nominal 1", prefix, m));
			return models;
		}
		monitor.log(String.format(Locale.ROOT, "Denoise: %snoise left after the transform: sigma %.3f (nominal 1)", prefix,
			m));
		final List<NoiseModel> out = new ArrayList<>();
		for (final NoiseModel n : models)
			out.add(n.withWorkingSigma(m));
		return out;
	}

	/**
	 * Weight of an orientation whose pixels are {@code r} times as long as wide (r ≥ 1 or ≤ 1):
	 * 1 for square pixels, falling linearly in log₂ r to 0 at a 4:1 aspect, where slices look
	 * nothing like what a 2-D prior of square-pixel images has seen.
	 */
	public static double orientationWeight(final double r) {
		if (!(r > 0) || !Double.isFinite(r)) return 0;
		return Math.max(0, 1 - Math.abs(Math.log(r) / Math.log(2)) / 2);
	}

	/**
	 * Stein's estimate of the mean squared error of {@code f}'s posterior mean of one plane over the
	 * rows adapt=N never fits ({@link Adaptation#trainingRows} on, pixels near clipped values left
	 * out); NaN where no pixel counts.
	 */
	static double heldOutMse(final Fallback f, final float[] raw, final float[] work, final int w, final int h,
		final ValueMap values, final NoiseModel noise, final DenoiseSettings s, final int index, final Monitor quiet)
	{
		final DenoiseSettings mean = s.toBuilder().output("mean").ensemble(1).build();
		final float[] r = f.run((m, batch) -> plane(forEstimate(m, w, h), work, w, h, values, noise, mean, index, batch,
			quiet));
		final double[] t = new double[raw.length];
		estimateError(raw, r, w, h, values, noise, mean, index, f, quiet, t);
		double sum = 0;
		int n = 0;
		for (int i = Adaptation.trainingRows(h) * w; i < raw.length; i++)
			if (!Double.isNaN(t[i])) {
				sum += t[i];
				n++;
			}
		return n > 0 ? sum / n : Double.NaN;
	}

	/**
	 * The {@link SplitCheck} of {@code tuned} against {@code base} on the rows adapt=N never fits:
	 * each denoises one diagonal of every 2×2 cell there, compared with the other diagonal (where
	 * it judges, on photon data, all four ways round: {@link SplitCheck#allFour}).
	 */
	static SplitCheck.Result splitAgainst(final Fallback base, final Fallback tuned, final float[] raw, final float[] work,
		final int w, final int h, final ValueMap values, final NoiseModel noise, final DenoiseSettings s, final int index,
		final Monitor quiet)
	{
		final DenoiseSettings mean = s.toBuilder().output("mean").ensemble(1).build();
		return SplitCheck.compare(raw, work, w, h, Adaptation.trainingRows(h), CameraFit.clipValues(raw), noise, (g, gw,
			gh) -> tuned.run((m, batch) -> plane(m, g, gw, gh, values, noise, mean, index, batch, quiet)), (g, gw, gh) -> base
				.run((m, batch) -> plane(m, g, gw, gh, values, noise, mean, index, batch, quiet)), Adaptation.judgedBySplit(
					noise) ? SplitCheck.allFour() : Objective.Split.pairs());
	}

	/**
	 * Whether the adapted model's posterior mean of one plane has a lower error than the base
	 * model's over the rows the adaptation never saw ({@link Adaptation#trainingRows}), by the
	 * judge of its noise ({@link Adaptation#judgedBySplit}), both measured by the run itself
	 * ({@link Adaptation.Adapted}): Stein's estimate lower for Gaussian noise, the split-pixel
	 * check lower by two standard errors on stabilised photon data. Both are said in the Log.
	 */
	private static boolean adaptationHelps(final Adaptation.Adapted a, final NoiseModel noise, final Monitor monitor,
		final String prefix)
	{
		final double sb = a.baseMse, sa = a.mse;
		final boolean measured = !Double.isNaN(sb) && !Double.isNaN(sa);
		final double rb = Math.sqrt(Math.max(0, measured ? sb : 0)), ra = Math.sqrt(Math.max(0, measured ? sa : 0));
		final SplitCheck.Result split = a.split;
		final boolean bySplit = Adaptation.judgedBySplit(noise);
		final boolean byStein = measured && Sure.lower(sa, sb), splitLower = split.lower(2);
		final boolean helps = bySplit ? splitLower : byStein;
		monitor.log(String.format(Locale.ROOT, "Denoise: %sadapt: estimated RMS error of the posterior mean on the rows " +
			"the adaptation did not see: %.4g adapted, %.4g as it was (Stein); split-pixel check there (each prior " +
			"denoises one diagonal of every 2x2 cell, compared with the other diagonal): the adapted prior's squared error " +
			"%s by %.3g +- %.2g; judged by %s%s", prefix, ra, rb, split.mean <= 0 ? "lower" : "higher", Math.abs(split
				.mean), split.error, Adaptation.judge(bySplit), helps ? ": denoising with the adapted prior" :
					": the adaptation did not help (" + (bySplit ? "the split-pixel check does not find it lower by two " +
						"standard errors" : Sure.notLowerBecause(sb)) + "), denoising with the prior as it was"));
		return helps;
	}

	/** xy, xz, yz weights of a volume with voxel size (x, y, z). */
	public static double[] orientationWeights(final double[] voxel) {
		return new double[] { Math.max(orientationWeight(voxel[1] / voxel[0]), 1e-6), orientationWeight(voxel[2] /
			voxel[0]), orientationWeight(voxel[2] / voxel[1]) };
	}

	/** Denoises every plane of {@code in} (read only) into a new 32-bit image. */
	public static Result run(final ModelSource models, final Hyperstack in, final DenoiseSettings s,
		final Monitor monitor)
	{
		return run(models, in, s, monitor, true);
	}

	/**
	 * As {@link #run(ModelSource, Hyperstack, DenoiseSettings, Monitor)}; without the error
	 * estimate where {@code withEstimate} is false (a caller that only compares results).
	 */
	static Result run(final ModelSource models, final Hyperstack in, final DenoiseSettings s, final Monitor monitor,
		final boolean withEstimate)
	{
		final boolean estimate = withEstimate && s.output().equals("mean") && !(s.stack().equals("volume") && in.slices() > 1);
		// the networks load in the background (the engine's start included: most of a second the first time) while the
		// noise is fitted and the planes transformed; output=mean runs the one-step network and its estimate that
		// network's float32 copy
		models.prefetch(m -> {
			final DiffusionModel one = s.output().equals("mean") ? m.oneStep(Double.NaN) : null;
			// the networks themselves load on their first call: loaded here, in the background, those this run calls
			(one != null ? one : m).loaded();
			if (estimate) (one != null ? one : m).float32().loaded();
		});
		final ModelDescriptor d = models.descriptor();
		if (d.channels() != 1) throw new IllegalArgumentException("Model '" + d.name() + "' has " + d.channels() +
			" channels; Denoise works with one-channel models");
		in.checkFinite("Denoise", null);
		final boolean volume = s.stack().equals("volume");
		if (volume && in.slices() < 2) monitor.log("Denoise: stack=volume on an image without z slices: denoising its " +
			"planes on their own");
		final int w = in.width(), h = in.height();
		final float[][] out = new float[in.planeCount()][];
		final NoiseModel[] used = new NoiseModel[in.planeCount()];
		final Sure.Estimate[] errors = new Sure.Estimate[in.planeCount()];
		final Fallback baseFallback = new Fallback(models, monitor, "Denoise");
		final long t0 = System.nanoTime();
		sayCost(in, s, monitor);
		if (d.isAdapted()) monitor.log(String.format(Locale.ROOT, "Denoise: model '%s' was adapted on noisy data (Train " +
			"data=noisy before 2026-12-07, the ambient loss): it enters at %.2f x the image's noise level, %s", d.name(), d.adaptedFactor(), s.output().equals(
				"mean") ? "averaging " + d.adaptedDraws() + " draws of the extra noise" : "with one draw of the extra noise"));
		final int nz = in.slices(), nt = in.frames(), nc = in.channels();
		int done = 0;
		for (int c = 0; c < nc; c++) {
			final String prefix = nc > 1 ? "channel " + (c + 1) + ": " : "";
			final float[][] planes = in.channel(c);
			// percentiles of a noisy image are spread by its noise: taken on means of 4×4 blocks (16 times less
			// noise variance) they fall where the clean image's would, as the prior's training images were normalised
			final float[][] statPlanes = blockMeans(planes, w, PERCENTILE_BLOCK);
			final Plan plan = plan(d, planes, w, in.bitDepth(), s, (lo, hi) -> Normalization.percentiles(statPlanes, lo, hi),
				monitor, prefix);
			final ValueMap values = plan.values();
			final float[][] work = new float[planes.length][];
			for (int i = 0; i < planes.length; i++)
				work[i] = plan.forward(planes, i);
			// one bar for the whole command: each channel its share, within it the adaptation first (adapt=N)
			final Monitor perChannel = monitor.share(c, nc);
			final double adaptShare = s.adapt() > 0 ? Adaptation.SHARE : 0;
			final Monitor channelWork = perChannel.range(adaptShare, 1);
			final int first0 = in.index(c, 0, 0);
			final Monitor quiet = monitor.withoutProgress();
			final int channel = c;
			final Adaptation.Adapted run = s.adapt() > 0 ? Adaptation.adapt(models.model(), work, plan, w, s.adapt(),
				s.seed() + c, perChannel.range(0, adaptShare).prefixed(prefix), msg -> monitor.log("Denoise: " + prefix + msg),
				i -> baseFallback.run((m, batch) -> workingMean(m, work[i], w, h, values, plan.noise[i], s, in.index(channel,
					i % nz, i / nz), batch, quiet)), m -> heldOutMse(new Fallback(ModelSource.of(m), quiet, "Denoise"), planes[0], work[0], w, h, values,
					plan.noise[0], s, first0, quiet), m -> splitAgainst(baseFallback, new Fallback(ModelSource.of(m), quiet,
						"Denoise"), planes[0], work[0], w, h, values, plan.noise[0], s, first0, quiet)) : null;
			// kept only where both checks say it helps (on the channel's first plane; measured during the run)
			DiffusionModel tuned = run == null ? null : run.model;
			if (run != null && !adaptationHelps(run, plan.noise[0], monitor, prefix)) {
				tuned.close();
				tuned = null;
			}
			final DiffusionModel adapted = tuned;
			final Fallback fallback = adapted == null ? baseFallback : new Fallback(ModelSource.of(adapted), monitor, "Denoise");
			try {
			int doneHere = 0;
			for (int t = 0; t < nt; t++) {
				if (volume && nz > 1) {
					final int first = in.index(c, 0, t);
					final double sigma = median(plan.noise, t * nz, nz);
					final double[] weights = orientationWeights(in.voxel());
					monitor.log(String.format(Locale.ROOT, "Denoise: %sstack=volume%s: %d slices as one volume, sigma %.4g " +
						"(working units), orientation weights xy %.2f, xz %.2f, yz %.2f (voxel %s)", prefix, nt > 1 ? " frame " +
							(t + 1) : "", nz, sigma, weights[0], weights[1], weights[2], Arrays.toString(in.voxel())));
					final PlanarImg<FloatType, FloatArray> vol = PlanarImgs.floats(w, h, nz);
					for (int z = 0; z < nz; z++)
						vol.setPlane(z, new FloatArray(work[z + nz * t]));
					// one bar for the whole command: this volume is its share of all planes
					final Monitor perVolume = prefixed(channelWork.range(doneHere / (double) planes.length, (doneHere + nz) /
						(double) planes.length), prefix + (nt > 1 ? "frame " + (t + 1) + "/" + nt + " " : ""));
					final List<float[]> slices = fallback.run((m, batch) -> volumeOnce(m, vol, values, sigma, weights, s,
						Seeds.plane(s.seed(), first), batch, perVolume));
					for (int z = 0; z < nz; z++) {
						final int i = z + nz * t;
						out[in.index(c, z, t)] = plan.noise[i].inverse(slices.get(z));
						used[in.index(c, z, t)] = plan.noise[i];
					}
					done += nz;
					doneHere += nz;
					continue;
				}
				for (int z = 0; z < nz; z++) {
					final int i = z + nz * t, index = in.index(c, z, t);
					final NoiseModel noise = plan.noise[i];
					final float[] plane = work[i];
					// one bar for the whole command: this plane is its share; within it the denoising, then the error
					// estimate (about a fifth of it)
					final Monitor perPlane = prefixed(channelWork.share(doneHere, planes.length), in.planeCount() > 1 ? "slice " +
						(index + 1) + "/" + in.planeCount() + " " : "");
					final double main = estimate ? 0.85 : 1;
					final Monitor denoising = perPlane.range(0, main);
					final double photons = photons(statPlanes[i], noise);
					final double lambda = refinement(photons, noise, s);
					final Refinement refine = Refinement.of(lambda);
					out[index] = s.output().equals("std") ? errorBar(planes[i], plane, w, h, values, noise, s, index, fallback,
						denoising, msg -> monitor.log("Denoise: " + prefix + "slice " + (index + 1) + ": " + msg), refine) : fallback
							.run((m, batch) -> mean(estimate ? forEstimate(m, w, h) : m, planes[i], plane, w, h, values, noise, s,
								index, batch, denoising, refine));
					used[index] = noise;
					if (estimate) errors[index] = estimateError(planes[i], out[index], w, h, values, noise, s, index, fallback,
						perPlane.range(main, 1).prefixed("error estimate "), null, refine);
					monitor.log(String.format(Locale.ROOT, "Denoise: %sslice %d: %s%s%s", prefix, index + 1, noise.isStabilised() ?
						"stabilised, sigma 1" : String.format(Locale.ROOT, "sigma %.4g%s (image units)", noise.workingSigma(),
							noise.estimated() ? " estimated" : ""), Double.isNaN(lambda) ? "" : String.format(Locale.ROOT,
								"; %.3g photons at the 99.5th percentile (up to %.0f: refined by a second pass on %.1f x the image + " +
									"%.1f x the first result, stabilised again at %.3g times the photons, sigma %.3f after its transform)",
								photons, REFINE_PHOTONS, lambda, 1 - lambda, 1 / (lambda * lambda), refine.sigma), estimate ? "; " +
									errors[index] : ""));
					done++;
					doneHere++;
					if (done == 1 && in.planeCount() > 2) {
						final double sec = (System.nanoTime() - t0) / 1e9;
						if (sec * in.planeCount() > 30) monitor.log(String.format(Locale.ROOT, "Denoise: the first slice took " +
							"%.1f s; about %.0f s for the other %d", sec, sec * (in.planeCount() - 1), in.planeCount() - 1));
					}
				}
			}
			}
			finally {
				if (adapted != null) adapted.close();
			}
		}
		final StringBuilder sig = new StringBuilder();
		for (final NoiseModel m : used)
			sig.append(sig.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.4g", m.isStabilised() ? m
				.sigma() : m.workingSigma()));
		final Hyperstack result = in.withPlanes(out, 32, in.title() + "-" + (s.output().equals("std") ? "std" :
			"denoised"));
		monitor.log(String.format(Locale.ROOT, "Denoise: %s (%s) in %.1f s", result.title(), result.describe(), (System
			.nanoTime() - t0) / 1e9));
		final Result r = new Result(result, sig.toString(), Arrays.asList(used), estimate ? Arrays.asList(errors) :
			new ArrayList<>());
		if (estimate) {
			final Sure.Estimate e = r.errorEstimate();
			final double[] range = e.rmseRange();
			monitor.log(Double.isFinite(e.rmse()) ? String.format(Locale.ROOT, "Denoise: estimated RMS error of the result " +
				"against the unknown clean image: %.4g (%.3g..%.3g %s%s; image units; %s)", e.rmse(),
				range[0], range[1], e.rangeMeaning(), e.covered == e.pixels ? "" : String.format(Locale.ROOT, "; over the %.0f %% of the pixels " +
					"away from clipped values", 100.0 * e.covered / e.pixels), e.method()) : "Denoise: " + e);
		}
		else monitor.log("Denoise: no error estimate for " + (s.output().equals("mean") ? "stack=volume" : "output=" + s
			.output()) + " (made for output=mean, plane by plane)");
		return r;
	}

	/** Side of the blocks whose means the normalisation's percentiles are taken on (see {@link #blockMeans}). */
	public static final int PERCENTILE_BLOCK = 4;

	/**
	 * Means of the k×k blocks of each plane, aligned to its origin (a partial block at the right or
	 * bottom edge is left out; a plane smaller than a block gives its own pixels): what noise does to
	 * percentiles, k² times less.
	 */
	public static float[][] blockMeans(final float[][] planes, final int w, final int k) {
		final float[][] out = new float[planes.length][];
		for (int i = 0; i < planes.length; i++) {
			final int h = planes[i].length / w, bw = w / k, bh = h / k;
			if (bw < 1 || bh < 1) {
				out[i] = planes[i];
				continue;
			}
			final float[] o = new float[bw * bh];
			for (int by = 0; by < bh; by++)
				for (int bx = 0; bx < bw; bx++) {
					double sum = 0;
					for (int y = 0; y < k; y++)
						for (int x = 0; x < k; x++)
							sum += planes[i][(by * k + y) * w + bx * k + x];
					o[by * bw + bx] = (float) (sum / (k * k));
				}
			out[i] = o;
		}
		return out;
	}

	/** Tells up front when the settings make many passes of the network over a large image. */
	private static void sayCost(final Hyperstack in, final DenoiseSettings s, final Monitor monitor) {
		final long passes = s.output().equals("mean") ? s.ensemble() : s.output().equals("std") ? s.samples() + 1L : s
			.steps();
		final long volumeFactor = s.stack().equals("volume") && in.slices() > 1 ? 3 : 1;
		final double mpx = (double) in.width() * in.height() * in.planeCount() * passes * volumeFactor / 1e6;
		if (passes > 1 || volumeFactor > 1) monitor.log(String.format(Locale.ROOT, "Denoise: output=%s%s%s: %d network " +
			"pass(es) over each of %d plane(s), %.0f Mpx of network work in all%s", s.output(), s.ensemble() > 1 ?
				" ensemble=8" : "", volumeFactor > 1 ? " stack=volume (3 orientations)" : "", passes, in.planeCount(), mpx,
			mpx > 200 ? " (slow: minutes on a CPU; output=mean is one pass)" : ""));
	}

	private static double median(final NoiseModel[] models, final int from, final int n) {
		final double[] v = new double[n];
		for (int k = 0; k < n; k++)
			v[k] = models[from + k].workingSigma();
		Arrays.sort(v);
		return v[n / 2];
	}

	/** The noisy image's weight in the refining pass of a photon-limited plane ({@link #mean}). */
	public static final double REFINE_LAMBDA = 0.4;

	/**
	 * Photons (the 99.5th percentile of the plane's 4×4 block means, in photons of the camera
	 * model) up to which output=mean and output=std refine a photon-limited plane ({@link #mean}).
	 * Chosen on the validation images of tools/micro_testset.py (tools/refine_report.py →
	 * results/refine-choice.md: fluorescence, photographs and EM at peaks 2 to 100): the second
	 * pass gained up to 0.7 dB where that percentile was below about 12 photons and 0.1–0.2 dB at
	 * 20–100 (fluorescence ±0.1), for twice the network's time — kept where it pays most.
	 */
	public static final double REFINE_PHOTONS = 16;

	/**
	 * The photons at the 99.5th percentile of a plane's block means under a camera model
	 * ({@link PoissonGaussian}); NaN under any other noise model (Gaussian, or a camera wrapped
	 * because the file clipped its values).
	 */
	public static double photons(final float[] blockMeans, final NoiseModel noise) {
		if (!(noise instanceof PoissonGaussian)) return Double.NaN;
		final PoissonGaussian pg = (PoissonGaussian) noise;
		final double p = Normalization.percentiles(new float[][] { blockMeans }, 99.5, 99.5)[1];
		return (p - pg.offset()) / pg.gain();
	}

	/**
	 * The weight λ of the noisy image in {@link #mean}'s refining pass, or NaN for one pass: λ =
	 * {@link #REFINE_LAMBDA} for output=mean or std of a plane with at most {@link #REFINE_PHOTONS}
	 * {@link #photons}.
	 */
	public static double refinement(final double photons, final NoiseModel noise, final DenoiseSettings s) {
		return noise instanceof PoissonGaussian && (s.output().equals("mean") || s.output().equals("std")) &&
			photons <= REFINE_PHOTONS ? REFINE_LAMBDA : Double.NaN;
	}

	/**
	 * The posterior mean of one plane in image units, refined where λ is a number (Azzari &amp;
	 * Foi 2016): at a few photons per pixel the stabilising transform is inexact (its noise is not
	 * Gaussian, its inverse biased), and the first result x̂₁ leaves structured error. The second
	 * pass denoises m = λ·z + (1 − λ)·x̂₁, which has z's mean and (x̂₁'s error being small against
	 * z's noise) the variance λ²·var(z): a camera of gain λ²a holding 1/λ² times the photons
	 * ({@link PoissonGaussian#mixed}), transformed again and denoised with the same value map
	 * scaled by λ (m's transform is z's divided by about λ) at the σ measured after m's transform
	 * (nominally 1, measured as the first pass's is). The error estimate probes both passes together.
	 *
	 * @param raw the plane in image units (only read)
	 * @param work its transform under {@code noise} (what {@link #plane} takes)
	 * @param refine the second pass, or null for one ({@link #plane})
	 */
	static float[] mean(final DiffusionModel m, final float[] raw, final float[] work, final int w, final int h,
		final ValueMap values, final NoiseModel noise, final DenoiseSettings s, final int index, final int batch,
		final Monitor monitor, final Refinement refine)
	{
		if (refine == null) return plane(m, work, w, h, values, noise, s, index, batch, monitor);
		final float[] first = plane(m, work, w, h, values, noise, s, index, batch, monitor.range(0, 0.5));
		final double lambda = refine.lambda;
		final PoissonGaussian mixed = ((PoissonGaussian) noise).mixed(lambda);
		final float[] work2 = mixed.forward(mix(raw, first, lambda));
		// the noise left after this transform, measured as for the first pass (on the plane's own run; its probes reuse
		// it): told the nominal 1 instead, the second pass gained 0.1 dB less at 2-5 photons (results/refine-choice.md)
		if (Double.isNaN(refine.sigma)) refine.sigma = secondPassSigma(work2, w, h);
		return plane(m, work2, w, h, ValueMap.of(values.scale() * lambda, values.offset(), values.toString()), mixed
			.withWorkingSigma(refine.sigma), s, index, batch, monitor.range(0.5, 1));
	}

	/** λ·raw + (1 − λ)·first, the image of {@link #mean}'s second pass (image units, a new array). */
	public static float[] mix(final float[] raw, final float[] first, final double lambda) {
		final float[] z = new float[raw.length];
		for (int i = 0; i < z.length; i++)
			z[i] = (float) (lambda * raw[i] + (1 - lambda) * first[i]);
		return z;
	}

	/**
	 * The σ left after the transform of {@link #mix}'s image (its w × h transform under the mixed
	 * camera), read as the first pass's is; the nominal 1 where it falls outside 0.7–1.6.
	 */
	public static double secondPassSigma(final float[] mixedWork, final int w, final int h) {
		final double s = NoiseSettings.estimateSigma(mixedWork, w, h, null, new double[] { Double.NaN, Double.NaN }, false);
		return s >= 0.7 && s <= 1.6 ? s : 1;
	}

	/**
	 * A plane's second pass ({@link #mean}): the noisy image's weight λ, and the σ left after the
	 * mixed image's transform, measured on the plane's own run and kept for the runs of the
	 * error estimate's probes (a probed crop would read a σ of its own, and the estimate would be
	 * of another denoiser).
	 */
	static final class Refinement {

		final double lambda;
		volatile double sigma = Double.NaN;

		Refinement(final double lambda) {
			this.lambda = lambda;
		}

		/** A refinement with weight λ, or null for one pass (λ NaN). */
		static Refinement of(final double lambda) {
			return Double.isNaN(lambda) ? null : new Refinement(lambda);
		}
	}

	/** One plane in working units → the result in image units. */
	static float[] plane(final DiffusionModel m, final float[] plane, final int w, final int h, final ValueMap values,
		final NoiseModel noise, final DenoiseSettings s, final int index, final int batch, final Monitor monitor)
	{
		final Denoise task = Denoise.with(m).values(values).sigma(noise.workingSigma()).steps(s.steps()).eta(s.eta())
			.tileBatch(Math.min(batch, s.tileBatch()));
		if (s.output().equals("std")) throw new IllegalArgumentException("output=std is made by errorBar, not plane by plane");
		final Img<FloatType> r = task.output(s.output()).ensemble(s.ensemble()).seed(Seeds.plane(s.seed(), index)).run(
			Images.plane(plane, w, h), monitor).image;
		return noise.inverse(Images.array(r));
	}

	/**
	 * The posterior mean of one plane in working units (before the noise model's inverse),
	 * averaged over the 8 flips and rotations: what adapt=N trains the prior to give back
	 * ({@link Adaptation}).
	 */
	static float[] workingMean(final DiffusionModel m, final float[] plane, final int w, final int h,
		final ValueMap values, final NoiseModel noise, final DenoiseSettings s, final int index, final int batch,
		final Monitor monitor)
	{
		final Denoise task = Denoise.with(m).values(values).sigma(noise.workingSigma()).tileBatch(Math.min(batch, s
			.tileBatch()));
		return Images.array(task.output("mean").ensemble(8).seed(Seeds.plane(s.seed(), index)).run(Images.plane(plane, w,
			h), monitor).image);
	}

	/**
	 * The estimated error of {@code result}, output=mean of the plane {@code raw} (image units), by
	 * {@link Sure} with the same denoiser run on probed copies of the plane or of blocks of it.
	 *
	 * @param mean settings whose output is mean (the denoiser the estimate is of)
	 * @param terms per-pixel terms to fill (see {@link Sure}), or null
	 */
	static Sure.Estimate estimateError(final float[] raw, final float[] result, final int w, final int h,
		final ValueMap values, final NoiseModel noise, final DenoiseSettings mean, final int index, final Fallback fallback,
		final Monitor monitor, final double[] terms)
	{
		return estimateError(raw, result, w, h, values, noise, mean, index, fallback, monitor, terms, null);
	}

	/**
	 * As {@link #estimateError(float[], float[], int, int, ValueMap, NoiseModel, DenoiseSettings, int, Fallback, Monitor, double[])}
	 * of a result refined by a second pass ({@link #mean}; null: one pass): the probe runs both
	 * passes, so the estimate is of the result as it was made.
	 */
	static Sure.Estimate estimateError(final float[] raw, final float[] result, final int w, final int h,
		final ValueMap values, final NoiseModel noise, final DenoiseSettings mean, final int index, final Fallback fallback,
		final Monitor monitor, final double[] terms, final Refinement refine)
	{
		// finite differences of a bfloat16 network measure its rounding more than its slope: the probe runs in float32,
		// and so does its unprobed run, unless the result itself came from float32 (forEstimate)
		final boolean reduced = !fallback.model().precision().equals("float32") && !resultInFloat32(w, h);
		return Sure.of(raw, result, w, h, noise, (y, cw, ch) -> fallback.run((m, batch) -> mean(m.float32(), y, noise.forward(
			y), cw, ch, values, noise, mean, index, batch, monitor, refine)), Seeds.plane(mean.seed(), index), ESTIMATE_BUDGET,
			terms, reduced);
	}

	/**
	 * Whether a w × h plane whose error is estimated is denoised in float32 even by a model with a
	 * reduced-precision copy: when the plane has at most twice the pixels of the estimate's probe
	 * crops. The probe's finite difference needs float32 runs of its crops, unprobed and probed;
	 * a float32 result serves as the unprobed run (one float32 pass over the crops instead of two),
	 * which saves more than the copy would on a plane that small. A plane probed whole is one.
	 */
	public static boolean resultInFloat32(final int w, final int h) {
		long crops = 0;
		for (final int[] b : Sure.blocks(w, h, ESTIMATE_BUDGET))
			crops += (long) b[2] * b[3];
		return (long) w * h <= 2 * crops;
	}

	/** The model to compute a result whose error will be estimated (see {@link #resultInFloat32}). */
	static DiffusionModel forEstimate(final DiffusionModel m, final int w, final int h) {
		return resultInFloat32(w, h) ? m.float32() : m;
	}

	/**
	 * Gaussian σ (pixels) over which output=std's propagated noise is averaged: chosen on the
	 * validation images of tools/std_report.py (1.5, 3 and 5 compared).
	 */
	static final double ERROR_BAR_SMOOTHING = 3;

	/**
	 * output=std: the expected error of output=mean at each pixel, in image units, without the
	 * clean image and without posterior samples.
	 * <p>
	 * For the posterior mean f(y) = E[x | y] under noise of variance v, Tweedie's second-order
	 * formula gives the posterior variance at pixel n as Var[xₙ | y] = vₙ ∂fₙ/∂yₙ; its mean over the
	 * plane is the divergence term of Stein's estimate ({@link Sure}), which one random probe
	 * measures well over many pixels but badly at one. The map's shape comes from what the probe
	 * measures well per pixel: the noise the result passes on, qₙ = Σₘ (∂fₙ/∂yₘ)² vₘ (the probe's
	 * squared response, averaged over {@code samples} probes and a Gaussian of
	 * {@link #ERROR_BAR_SMOOTHING} px); its scale from the divergence:
	 * <pre>
	 *   stdₙ² = q̄ₙ · mean(v ∂f/∂y) / mean(q)
	 * </pre>
	 * The residual (f − y)² — where a misjudged noise level bites hardest — is not used. Costs one
	 * pass of the denoiser for the mean and one per probe, in float32 (finite differences of a
	 * bfloat16 network measure its rounding).
	 */
	static float[] errorBar(final float[] raw, final float[] working, final int w, final int h, final ValueMap values,
		final NoiseModel noise, final DenoiseSettings s, final int index, final Fallback fallback, final Monitor monitor,
		final Consumer<String> say, final Refinement refine)
	{
		final DenoiseSettings mean = s.toBuilder().output("mean").build();
		final int probes = s.samples(), n = raw.length;
		final double parts = probes + 1;
		final float[] f = fallback.run((m, batch) -> mean(m.float32(), raw, working, w, h, values, noise, mean, index, batch,
			monitor.range(0, 1 / parts).prefixed("mean "), refine));
		final double[] q = new double[n], one = new double[n], terms = new double[n];
		double div = 0, mse = 0, se = 0;
		String estimate = null;
		for (int k = 0; k < probes; k++) {
			final Monitor perProbe = monitor.range((k + 1) / parts, (k + 2) / parts).prefixed("probe " + (k + 1) + "/" + probes +
				" ");
			// the whole plane probed at once (a budget above its size): every pixel gets its own response
			final Sure.Estimate e = Sure.of(raw, f, w, h, noise, (y, cw, ch) -> fallback.run((m, batch) -> mean(m.float32(),
				y, noise.forward(y), cw, ch, values, noise, mean, index, batch, perProbe, refine)), Seeds.sample(s.seed(), index,
					k), Sure.wholePlane(w, h), terms, one, false);
			for (int i = 0; i < n; i++)
				q[i] += one[i] / probes;
			div += e.weightedDivergence / probes;
			mse += e.mse / probes;
			se += e.standardError / probes;
			if (k == 0) estimate = e.toString();
		}
		// the divergence is a mean over the pixels Stein's estimate speaks for (away from clipped values): q's mean over the same
		double qUsed = 0;
		long used = 0;
		for (int i = 0; i < n; i++)
			if (!Double.isNaN(terms[i]) && Double.isFinite(q[i])) {
				qUsed += q[i];
				used++;
			}
		final double[] smooth = Images.blur(q, w, h, ERROR_BAR_SMOOTHING);
		final boolean scaled = used > 0 && div > 0 && qUsed > 0;
		final double k = scaled ? div / (qUsed / used) : 1;
		final float[] std = new float[n];
		double ms = 0;
		for (int i = 0; i < n; i++) {
			std[i] = (float) Math.sqrt(Math.max(0, k * smooth[i]));
			ms += (double) std[i] * std[i] / n;
		}
		say.accept(String.format(Locale.ROOT, "output=std: the expected error of output=mean at each pixel (RMS %.4g over " +
			"the plane), without the clean image: the noise the denoiser passes on (%d random probe%s, smoothed by a Gaussian of %.0f px)%s; " +
			"Stein's estimate of the mean's RMS error over the plane: %s", Math.sqrt(ms), probes, probes == 1 ? "" : "s",
			ERROR_BAR_SMOOTHING, scaled ? String.format(Locale.ROOT, " scaled by %.3g to the posterior variance of Tweedie's " +
				"formula, v·df/dy (mean %.4g)", k, div) : " NOT scaled (no posterior variance could be read from the probes: " +
					"the noise model overstates this image's noise?)", mse > 0 ? String.format(Locale.ROOT, "%.4g (%.3g..%.3g)",
						Math.sqrt(mse), Math.sqrt(Math.max(mse - 2 * se, 0)), Math.sqrt(mse + 2 * se)) : estimate));
		return std;
	}

	/** One volume in working units → its slices in working units. */
	private static List<float[]> volumeOnce(final DiffusionModel m, final PlanarImg<FloatType, FloatArray> vol,
		final ValueMap values, final double sigma, final double[] weights, final DenoiseSettings s, final long seed,
		final int batch, final Monitor monitor)
	{
		if (s.output().equals("std")) throw new IllegalArgumentException("output=std is computed plane by plane; use " +
			"stack=slices with it");
		final Img<FloatType> r = Denoise.with(m).values(values).sigma(sigma).steps(s.steps()).eta(s.eta()).output(s
			.output()).seed(seed).tileBatch(Math.min(batch, s.tileBatch())).runVolume(vol, weights, monitor).image;
		final float[] all = Images.array(r);
		final int plane = (int) (vol.dimension(0) * vol.dimension(1));
		final List<float[]> out = new ArrayList<>();
		for (int z = 0; z < vol.dimension(2); z++)
			out.add(Arrays.copyOfRange(all, z * plane, (z + 1) * plane));
		return out;
	}

	/** The monitor with {@code prefix} before every progress label. */
	static Monitor prefixed(final Monitor monitor, final String prefix) {
		return monitor.prefixed(prefix);
	}

}
