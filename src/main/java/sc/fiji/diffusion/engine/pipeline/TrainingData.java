package sc.fiji.diffusion.engine.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.CameraFit;
import sc.fiji.diffusion.engine.noise.Clipped;
import sc.fiji.diffusion.engine.noise.NoiseModel;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Patches;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * Train's images as the {@link sc.fiji.diffusion.engine.training.Trainer} takes them: each plane
 * through its noise model (data=noisy), all into the model's units by one {@link ValueMap} (as
 * the image commands make it), and split into training and validation patches — whole planes
 * when there are at least 5, else the bottom rows of every plane. With data=noisy the network
 * trains, with the simple loss, on the base prior's posterior means of the noisy training images
 * (Denoise output=mean ensemble=8 with the training's noise keys, in the noise model's working
 * units: {@link NoiseModel#cleanForward}) — an expectation–maximisation step of learning a prior
 * from noisy observations (Rozet et al. 2024; the posterior mean in place of posterior samples,
 * as SURE-Score, Aali et al. 2023, trains on a denoiser's outputs) — and the held-out patches
 * stay noisy: each carries its image's noise σ and a mask of the pixels that count (not near a
 * clipped value), measured by the split-pixel estimate of Denoise's one-call posterior mean at
 * that σ ({@link Objective.Split}), which needs no clean image and no noise distribution.
 */
final class TrainingData {

	/** The map from image units (after any noise transform) to the model's. */
	final ValueMap values;
	final Patches train, val;
	/** The validation data as raw planes in image units (what the judge of data=noisy denoises). */
	final List<Hyperstack> heldOut = new ArrayList<>();
	/** How the validation data was chosen, in words. */
	final String split;
	/** The planes trained on. */
	final int count;
	/** data=noisy: the model card's record of the data (noise, σ in model units); else null. */
	final Map<String, Object> adapted;
	final Objective objective;
	/**
	 * What the held-out patches are measured by: for data=noisy (they stay noisy) {@link #heldOutMeasure};
	 * else the objective.
	 */
	final Objective validationObjective;
	/** data=noisy: each plane's noise σ in model units (0 for clean data). */
	final double[] sigmaModel;

	private TrainingData(final ValueMap values, final Patches train, final Patches val, final String split,
		final int count, final Map<String, Object> adapted, final Objective objective,
		final Objective validationObjective, final double[] sigmaModel)
	{
		this.validationObjective = validationObjective;
		this.sigmaModel = sigmaModel;
		this.values = values;
		this.train = train;
		this.val = val;
		this.split = split;
		this.count = count;
		this.adapted = adapted;
		this.objective = objective;
	}

	/**
	 * @param planes one-plane images in image units, each at least a patch in size, all finite
	 * @param bits the images' bit depth (for the value map)
	 */
	static TrainingData prepare(final ModelDescriptor base, final List<Hyperstack> planes, final TrainSettings s,
		final int bits, final Monitor monitor) throws IOException
	{
		final int n = planes.size();
		final boolean noisy = s.noisy();
		// data=noisy: each plane's noise model (Gaussian σ, or a camera through the Anscombe transform)
		final float[][] image = new float[n][];
		final NoiseModel[] noise = new NoiseModel[n];
		boolean stabilised = false;
		for (int i = 0; i < n; i++) {
			final Hyperstack p = planes.get(i);
			if (!noisy) image[i] = p.plane(0);
			else {
				final int k = i;
				noise[i] = s.noise().model(new float[][] { p.plane(0) }, p.width(), msg -> monitor.log("Train: data=noisy: " +
					"image " + (k + 1) + ": " + msg)).get(0);
				image[i] = noise[i].forward(p.plane(0));
				stabilised |= noise[i].isStabilised();
			}
		}
		final ValueMap values = s.normalization().map(base, stabilised ? 32 : bits, image);
		monitor.log("Train: normalize=" + s.normalization() + ": " + values);
		final float[][] model = new float[n][], masks = new float[n][];
		final DoubleUnaryOperator[] fileMeans = new DoubleUnaryOperator[n];
		// the held-out measure: only the split-pixel one can compare through the file's mean (Stein's assumes the noise unclipped)
		final Objective measure = noisy ? heldOutMeasure(base, s.patch()) : null;
		final boolean splitMeasure = measure instanceof Objective.Split;
		int clippedPlanes = 0;
		final double[] sigmaModel = new double[n];
		for (int i = 0; i < n; i++)
			model[i] = values.toModel(image[i]);
		long excluded = 0, total = 0;
		if (noisy) {
			for (int i = 0; i < n; i++) {
				sigmaModel[i] = noise[i].workingSigma() * values.scale();
				// below a third of a grey level on 0-255 there is nothing to adapt to: a clean image
				if (sigmaModel[i] < 0.005) throw new IllegalArgumentException(String.format(Locale.ROOT, "data=noisy, but " +
					"image %d has no measurable noise (%s, %.3g of the model's range); train with data=clean", i + 1, noise[i],
					sigmaModel[i]));
				monitor.log(String.format(Locale.ROOT, "Train: data=noisy: image %d: %s, sigma %.4g in model units", i + 1,
					noise[i], sigmaModel[i]));
				final float[] raw = planes.get(i).plane(0);
				total += raw.length;
				final Clipped.Bounds b = Clipped.bounds(raw);
				final NoiseModel c = noise[i].isStabilised() ? noise[i] : Clipped.of(noise[i], b.value, b.truncated);
				if (c instanceof Clipped && splitMeasure) {
					// Gaussian noise the file clipped: every pixel counts, the held-out estimate comparing the file's mean
					// μ at each estimate with the noisy value (whose mean it is; SplitCheck does the same in image units)
					final Clipped known = (Clipped) c;
					final double scale = values.scale(), offset = values.offset();
					fileMeans[i] = m -> known.noisyMean((m - offset) / scale) * scale + offset;
					masks[i] = new float[raw.length];
					Arrays.fill(masks[i], 1);
					clippedPlanes++;
					continue;
				}
				// elsewhere pixels near a clipped value do not count: their noise was cut off (as in Denoise's adapt)
				masks[i] = Adaptation.countingMask(raw, planes.get(i).width(), noise[i], CameraFit.clipValues(raw));
				for (final float v : masks[i])
					if (v == 0) excluded++;
			}
			if (clippedPlanes > 0) monitor.log(String.format(Locale.ROOT, "Train: data=noisy: %d image(s) clipped their " +
				"noise: on the held-out ones every pixel counts, each estimate compared through the mean the file holds " +
				"at it", clippedPlanes));
			if (excluded > 0) monitor.log(String.format(Locale.ROOT, "Train: data=noisy: %.0f %% of the pixels lie near " +
				"clipped values and do not count in the held-out estimate", 100.0 * excluded / total));
		}
		final float[][] twins = noisy ? masks : new float[n][];
		// data=noisy: what is trained on is the base's posterior mean of each plane's training part (its rows above a
		// row split; held-out planes and rows stay noisy, for the held-out estimate)
		final boolean wholeSplit = s.validation() > 0 && n >= 5;
		int[] cuts = new int[n];
		for (int j = 0; j < n; j++)
			cuts[j] = planes.get(j).height();
		if (!wholeSplit && s.validation() > 0) {
			boolean regions = true;
			for (final Hyperstack p : planes)
				regions &= Math.round(p.height() * s.validation()) >= s.patch() && p.height() - Math.round(p.height() * s
					.validation()) >= s.patch();
			if (regions) for (int j = 0; j < n; j++)
				cuts[j] = planes.get(j).height() - (int) Math.round(planes.get(j).height() * s.validation());
		}
		final float[][] pseudo = noisy ? posteriorMeans(base, planes, cuts, heldOutPlanes(n, s), noise, values, s, monitor)
			: null;

		final Patches train = new Patches(s.patch()), val = new Patches(s.patch());
		final List<Hyperstack> heldOut = new ArrayList<>();
		final double validation = s.validation();
		final String split;
		if (validation > 0 && n >= 5) {
			final int held = Math.max(1, (int) Math.round(validation * n));
			final List<Integer> order = new ArrayList<>();
			for (int i = 0; i < n; i++)
				order.add(i);
			Collections.shuffle(order, new Random(s.seed()));
			for (int i = 0; i < n; i++) {
				final int j = order.get(i);
				final Hyperstack p = planes.get(j);
				if (i < held) {
					val.add(model[j], twins[j], sigmaModel[j], fileMeans[j], p.width(), p.height(), 0, p.height());
					heldOut.add(p);
				}
				else if (noisy) train.add(pseudo[j], p.width(), p.height(), 0, p.height());
				else train.add(model[j], twins[j], sigmaModel[j], p.width(), p.height(), 0, p.height());
			}
			split = held + " of " + n + " images held out for validation";
		}
		else {
			boolean regions = validation > 0;
			for (final Hyperstack p : planes)
				regions &= Math.round(p.height() * validation) >= s.patch() && p.height() - Math.round(p.height() *
					validation) >= s.patch();
			for (int j = 0; j < n; j++) {
				final Hyperstack p = planes.get(j);
				final int w = p.width(), h = p.height();
				final int cut = regions ? h - (int) Math.round(h * validation) : h;
				if (noisy) train.add(pseudo[j], w, cut, 0, cut);
				else train.add(model[j], twins[j], sigmaModel[j], w, h, 0, cut);
				if (regions) {
					val.add(model[j], twins[j], sigmaModel[j], fileMeans[j], w, h, cut, h);
					heldOut.add(Hyperstack.of(w, h - cut, p.bitDepth(), Arrays.copyOfRange(p.plane(0), cut * w, h * w)));
				}
			}
			split = validation == 0 ? "no validation (validation=0)" : regions ? String.format(Locale.ROOT,
				"the bottom %.0f %% of the rows of each image held out for validation", 100 * validation) :
				"no validation: the images are too small to hold out rows of a patch's height (" + s.patch() + ")";
		}
		monitor.log(String.format(Locale.ROOT, "Train: %d image(s), %.2f Mpx to draw %dx%d patches from; %s", n, train
			.pixels() / 1e6, s.patch(), s.patch(), split));

		Map<String, Object> adapted = null;
		if (noisy) {
			final double[] sorted = sigmaModel.clone();
			Arrays.sort(sorted);
			adapted = new LinkedHashMap<>();
			adapted.put("data", "noisy");
			adapted.put("trained_on", "the base's posterior means of the noisy training images (Denoise output=mean " +
				"ensemble=" + ENSEMBLE + ", the training's noise keys), in the noise model's working units");
			adapted.put("noise", s.noise().toString() + (n > 0 ? ": " + noise[0] : ""));
			adapted.put("sigma_model", Math.round(sorted[n / 2] * 1e6) / 1e6);
			adapted.put("sigma_model_min", Math.round(sorted[0] * 1e6) / 1e6);
			adapted.put("sigma_model_max", Math.round(sorted[n - 1] * 1e6) / 1e6);
		}
		final Objective objective = new Objective.Clean();
		final TrainingData d = new TrainingData(values, train, val, split, n, adapted, objective, noisy ? measure : objective,
			sigmaModel);
		d.heldOut.addAll(heldOut);
		return d;
	}

	/**
	 * data=noisy: what the held-out noisy patches are measured by — the split-pixel estimate of the
	 * one-step posterior mean's error ({@link Objective.Split}: no noise distribution assumed), or,
	 * where the network takes no half-size patch, Stein's unbiased risk estimate ({@link Objective.Sure}).
	 */
	static Objective heldOutMeasure(final ModelDescriptor base, final int patch) {
		final int[] min = base.minSize(), step = base.sizeStep();
		final Objective.Split split = new Objective.Split(min[min.length - 1], step[step.length - 1]);
		final boolean square = min[0] == min[min.length - 1] && step[0] == step[step.length - 1];
		return square && split.side(patch) > 0 ? split : new Objective.Sure();
	}

	/** Which planes the whole-image split holds out (as {@link #prepare} draws them): true for held out. */
	private static boolean[] heldOutPlanes(final int n, final TrainSettings s) {
		final boolean[] out = new boolean[n];
		if (!(s.validation() > 0 && n >= 5)) return out;
		final int held = Math.max(1, (int) Math.round(s.validation() * n));
		final List<Integer> order = new ArrayList<>();
		for (int i = 0; i < n; i++)
			order.add(i);
		Collections.shuffle(order, new Random(s.seed()));
		for (int i = 0; i < held; i++)
			out[order.get(i)] = true;
		return out;
	}

	/**
	 * data=noisy: the base prior's posterior mean of the rows {@code 0 … cuts[j]} of every plane not
	 * held out (Denoise output=mean ensemble=8 with the training's noise keys and normalisation,
	 * without its error estimate), in working units ({@link NoiseModel#cleanForward}) mapped into
	 * the model's units by {@code values}, as the rows' pixels (null for held-out planes).
	 */
	private static float[][] posteriorMeans(final ModelDescriptor base, final List<Hyperstack> planes, final int[] cuts,
		final boolean[] held, final NoiseModel[] noise, final ValueMap values, final TrainSettings s, final Monitor monitor)
	{
		final long t0 = System.nanoTime();
		final int n = planes.size();
		final float[][] out = new float[n][];
		final DenoiseSettings mean = DenoiseSettings.builder().noise(s.noise()).normalization(s.normalization()).output(
			"mean").ensemble(ENSEMBLE).seed(s.seed()).build();
		int done = 0, todo = 0;
		for (final boolean h : held)
			if (!h) todo++;
		try (DiffusionModel m = DiffusionModel.load(base.dir(), Devices.resolve(s.device()))) {
			for (int j = 0; j < n; j++) {
				if (held[j]) continue;
				monitor.checkCanceled();
				monitor.progress("the base's posterior means of the training images", done, todo);
				final Hyperstack p = planes.get(j);
				final int w = p.width(), rows = cuts[j];
				final Hyperstack part = rows == p.height() ? p : Hyperstack.of(w, rows, p.bitDepth(), Arrays.copyOf(p.plane(0),
					w * rows));
				final float[] x = DenoisePipeline.run(ModelSource.of(m), part, mean, Monitor.NONE, false).image.plane(0);
				out[j] = noise[j].cleanForward(x);
				done++;
			}
		}
		// normalised as clean training images are (data=clean), not by the noisy images' map, whose range the noise widens
		final List<float[]> all = new ArrayList<>();
		for (final float[] a : out)
			if (a != null) all.add(a);
		final ValueMap map = s.normalization().map(base, 32, all.toArray(new float[0][]));
		for (int j = 0; j < n; j++)
			if (out[j] != null) out[j] = map.toModel(out[j]);
		monitor.log(String.format(Locale.ROOT, "Train: data=noisy: trains on the base's posterior means of the %d " +
			"training image(s) (Denoise output=mean ensemble=%d, the training's noise keys; %.1f s); the held-out data " +
			"stays noisy", todo, ENSEMBLE, (System.nanoTime() - t0) / 1e9));
		return out;
	}

	/** The flips and rotations averaged in data=noisy's posterior means. */
	static final int ENSEMBLE = 8;
}
