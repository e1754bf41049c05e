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

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.CameraFit;
import sc.fiji.diffusion.engine.noise.NoiseModel;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Patches;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * Train's images as the {@link sc.fiji.diffusion.engine.training.Trainer} takes them: each plane
 * through its noise model (data=noisy), all into the model's units by one {@link ValueMap} (as
 * the image commands make it), and split into training and validation patches — whole planes
 * when there are at least 5, else the bottom rows of every plane. With data=noisy every patch
 * carries its image's noise σ and a mask of the pixels that count (not near a clipped value),
 * and the objective is Stein's unbiased risk estimate of Denoise's one-step posterior mean at
 * that σ ({@link Objective.Sure}).
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
	/** data=noisy: each plane's noise σ in model units (0 for clean data). */
	final double[] sigmaModel;

	private TrainingData(final ValueMap values, final Patches train, final Patches val, final String split,
		final int count, final Map<String, Object> adapted, final Objective objective, final double[] sigmaModel)
	{
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
				// pixels near a clipped value do not count in the loss: their noise was cut off (as in Denoise's adapt)
				final float[] raw = planes.get(i).plane(0);
				masks[i] = Adaptation.countingMask(raw, planes.get(i).width(), noise[i], CameraFit.clipValues(raw));
				for (final float v : masks[i])
					if (v == 0) excluded++;
				total += raw.length;
			}
			if (excluded > 0) monitor.log(String.format(Locale.ROOT, "Train: data=noisy: %.0f %% of the pixels lie near " +
				"clipped values and do not count in the loss", 100.0 * excluded / total));
		}
		final float[][] twins = noisy ? masks : new float[n][];

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
				(i < held ? val : train).add(model[j], twins[j], sigmaModel[j], p.width(), p.height(), 0, p.height());
				if (i < held) heldOut.add(p);
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
				train.add(model[j], twins[j], sigmaModel[j], w, h, 0, cut);
				if (regions) {
					val.add(model[j], twins[j], sigmaModel[j], w, h, cut, h);
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
			adapted.put("noise", s.noise().toString() + (n > 0 ? ": " + noise[0] : ""));
			adapted.put("sigma_model", Math.round(sorted[n / 2] * 1e6) / 1e6);
			adapted.put("sigma_model_min", Math.round(sorted[0] * 1e6) / 1e6);
			adapted.put("sigma_model_max", Math.round(sorted[n - 1] * 1e6) / 1e6);
		}
		final Objective objective = noisy ? new Objective.Sure() : new Objective.Clean();
		final TrainingData d = new TrainingData(values, train, val, split, n, adapted, objective, sigmaModel);
		d.heldOut.addAll(heldOut);
		return d;
	}
}
