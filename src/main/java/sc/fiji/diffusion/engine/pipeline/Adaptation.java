package sc.fiji.diffusion.engine.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.SummedAreas;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.noise.CameraFit;
import sc.fiji.diffusion.engine.noise.NoiseModel;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Patches;
import sc.fiji.diffusion.engine.training.Trainer;

/**
 * Denoise's {@code adapt=N}: before denoising, the prior is fine-tuned for N steps on the upper
 * halves of the planes being denoised, by self-distillation at their own noise level
 * ({@link Objective.OwnLevel}): the prior as it was first denoises them (its posterior mean x̂,
 * averaged over the 8 flips and rotations), then every weight of the network that denoises the
 * plane — the model's one-step network where it covers the plane's noise level, else the
 * model's own — learns to give x̂ back from x̂ + fresh noise of the plane's σ. No clean image,
 * nothing written to the model folders. The network learns this image's structures at this
 * noise level, not the noise itself (drawn anew each step). The run is steered by the error on
 * the rows it never trains on (Stein's estimate and the split-pixel check, see {@link #adapt})
 * and keeps its best weights. The adapted weights live in a temporary file only while they are
 * loaded; the model the caller gets is a new one (to be closed), the shared model is untouched.
 */
final class Adaptation {

	/** The guessed share of the whole command's time the adaptation takes (for the progress bar). */
	static final double SHARE = 0.8;
	/** Patches per step and their side (at most; a multiple of the model's size step). */
	static final int BATCH = 4, PATCH = 64;
	/**
	 * Adam's learning rate, every weight training. Chosen on the validation images of
	 * tools/adapt_report.py (see docs/denoise.md for the numbers).
	 */
	static final double LR = 1e-4;
	/** At most this many planes of a stack (evenly spaced, the first among them) are denoised to train on. */
	static final int MAX_PLANES = 8;

	private Adaptation() {}

	/**
	 * The best weights of a run ({@link #adapt}) with what the run measured of them on the unseen
	 * rows: Stein's estimate for them and for the prior as it was, and the split-pixel check
	 * against the prior — what the final decision reads ({@link DenoisePipeline}).
	 */
	static final class Adapted {

		/** The adapted model (the caller closes it). */
		final DiffusionModel model;
		final double mse, baseMse;
		final SplitCheck.Result split;

		Adapted(final DiffusionModel model, final double mse, final double baseMse, final SplitCheck.Result split) {
			this.model = model;
			this.mse = mse;
			this.baseMse = baseMse;
			this.split = split;
		}
	}

	/**
	 * The rows [0, rows) the fine-tuning learns from: the upper half. The lower half's noise stays
	 * unseen, so the error estimate there is unbiased for the adapted model too — the check of
	 * whether adapting helped (an estimate on pixels the network was fitted to leans optimistic).
	 */
	static int trainingRows(final int height) {
		return height / 2;
	}

	/**
	 * Fine-tunes a copy; every {@link #evaluationEvery} steps and at the end the weights so far are
	 * denoised with and {@code heldOut} estimates their error on the rows the fine-tuning never
	 * saw, and {@code againstBase} compares them with the prior as it was there by the split-pixel
	 * check. Weights become the best when the judge's measure ({@link #judgedBySplit}: Stein's
	 * estimate, or the split check's difference from the prior) is lower than the best before (the
	 * prior as it was to begin with); the run stops at the first evaluation that does not make a new
	 * best. Returns the best weights with their measures, or null where none was kept.
	 *
	 * @param work the planes in working units (after the noise transform), each {@code width} wide
	 * @param plan their noise models and the map into model units
	 * @param estimate plane index → the prior's posterior mean of that plane as it was (working units)
	 * @param heldOut a model → its estimated mean squared error on the unseen rows ({@link #trainingRows}
	 *          on); NaN where none can be made (then nothing is kept)
	 * @param againstBase a model → the split-pixel check of it against the prior as it was there
	 * @return the adapted model (the caller closes it) and its measures, or null
	 */
	static Adapted adapt(final DiffusionModel base, final float[][] work, final DenoisePipeline.Plan plan,
		final int width, final int steps, final long seed, final Monitor monitor, final Consumer<String> log,
		final IntFunction<float[]> estimate, final ToDoubleFunction<DiffusionModel> heldOut,
		final Function<DiffusionModel, SplitCheck.Result> againstBase)
	{
		final int height = work[0].length / width, rows = trainingRows(height);
		final int step = Math.max(1, base.descriptor().sizeMultiple()[base.descriptor().sizeMultiple().length - 1]);
		final int patch = Math.min(PATCH, Math.min(width, rows) / step * step);
		if (patch < step) throw new IllegalArgumentException(String.format(Locale.ROOT, "adapt needs planes of at least " +
			"%dx%d pixels; this one is %dx%d (use adapt=0)", step, 2 * step, width, height));
		final long t0 = System.nanoTime();
		// the prior's own estimates of the planes it trains on (model units), in the first share of the bar
		final Patches patches = new Patches(patch);
		final int[] chosen = planes(work.length);
		final Monitor estimating = monitor.range(0, ESTIMATE_SHARE);
		for (int j = 0; j < chosen.length; j++) {
			monitor.checkCanceled();
			final int i = chosen[j];
			final float[] mean = estimate.apply(i), px = new float[mean.length];
			for (int k = 0; k < px.length; k++)
				px[k] = (float) (mean[k] * plan.scale + plan.offset);
			estimating.progress("adapt: the prior's estimate of the planes to train on", j + 1, chosen.length);
			patches.add(px, null, plan.noise[i].workingSigma() * plan.scale, width, height, 0, rows);
		}
		final double estimateSeconds = (System.nanoTime() - t0) / 1e9;
		final Trainer.Settings ts = new Trainer.Settings();
		ts.steps = steps;
		ts.batch = BATCH;
		ts.patch = patch;
		ts.lr = LR;
		ts.trainable = null;
		ts.warmup = Math.min(20, steps / 10);
		ts.emaDecay = 0; // the weights as trained: a few hundred steps leave an average behind
		ts.seed = seed;
		ts.checkpointEvery = Integer.MAX_VALUE;
		ts.validationEvery = Integer.MAX_VALUE;
		final double[] first = { Double.NaN }, last = { Double.NaN };
		// the network that will denoise the plane: the one-step network where it covers the level (Denoise's posterior mean)
		final double sigmaT = base.schedule().sigma(base.schedule().timestepForSigma(plan.noise[0].workingSigma() *
			plan.scale));
		final boolean oneStep = base.descriptor().hasOneStep() && base.descriptor().oneStepCovers(sigmaT) && !base
			.descriptor().isAdapted();
		// the estimate on the unseen rows, as it was and at each evaluation; the run stops once it stops falling
		final int every = evaluationEvery(steps);
		final double baseMse = heldOut.applyAsDouble(base);
		// the judge (see judgedBySplit): Stein's estimate of the error, or the split check's difference from the prior
		final boolean bySplit = judgedBySplit(plan.noise[0]);
		final double[] bestScore = { bySplit ? 0 : baseMse }, bestMse = { baseMse };
		final int[] bestStep = { 0 }, count = { 0 }, lastStep = { 0 };
		final DiffusionModel[] best = { null };
		final SplitCheck.Result[] bestSplit = { null };
		final boolean[] stop = { false };
		final StringBuilder curve = new StringBuilder();
		try (Trainer trainer = new Trainer(oneStep ? base.descriptor().verifiedOneStepWeights(false) : base.descriptor()
			.verifiedWeights(), base.device(), base.schedule(), ts, patches, null, null, new Objective.OwnLevel()))
		{
			count[0] = trainer.parameterCount();
			trainer.run(monitor.range(ESTIMATE_SHARE, 1).prefixed("adapt: fine-tuning on this image, "), new Trainer.Listener() {

				@Override
				public void step(final int k, final int n, final double loss, final double rate) {
					if (k == 1) first[0] = loss;
					last[0] = loss;
					lastStep[0] = k;
					if (k % every != 0 && k != n) return;
					final DiffusionModel m = load(base, trainer, oneStep);
					final double mse;
					final SplitCheck.Result split;
					try {
						mse = heldOut.applyAsDouble(m);
						split = againstBase.apply(m);
					}
					catch (final RuntimeException e) {
						m.close(); // cancelled (or failed) while judging these weights
						throw e;
					}
					curve.append(String.format(Locale.ROOT, ", %d: %.4g (split %+.3g +- %.2g)", k, Math.sqrt(Math.max(0, mse)),
						split.mean, split.error));
					final double score = bySplit ? split.mean : mse;
					if (score < bestScore[0]) {
						if (best[0] != null) best[0].close();
						best[0] = m;
						bestScore[0] = score;
						bestMse[0] = mse;
						bestSplit[0] = split;
						bestStep[0] = k;
					}
					else {
						m.close();
						stop[0] = true; // the judge's measure stopped falling
					}
				}

				@Override
				public boolean stop() {
					return stop[0];
				}
			}, null);
		}
		catch (final IOException | RuntimeException e) {
			if (best[0] != null) best[0].close();
			if (e instanceof IOException) throw new UncheckedIOException("adapt: " + e.getMessage(), (IOException) e);
			throw (RuntimeException) e;
		}
		log.accept(String.format(Locale.ROOT, "adapt=%d: the prior's %s network fine-tuned on this image (all %d " +
			"weights; self-distillation: its posterior mean of %d plane%s, upper half, made in %.1f s, given back from it " +
			"plus fresh noise of the image's own level; %d patches of %d² per step, lr %.0e) for %d steps in %.1f s; " +
			"loss %.4f at the first step, %.4f at the last; estimated RMS error on the rows it did not see (Stein), " +
			"step 0 (as it was): %.4g%s; %s", steps, oneStep ? "one-step" : "own", count[0], chosen.length,
			chosen.length == 1 ? "" : "s", estimateSeconds, BATCH, patch, LR, lastStep[0], (System.nanoTime() - t0) / 1e9,
			first[0], last[0], Math.sqrt(Math.max(0, baseMse)), curve, best[0] == null ? "no step lowered " + judge(bySplit) +
				": the prior stays as it was" : "kept the weights of step " + bestStep[0] + " (judged by " + judge(bySplit) +
					(lastStep[0] < steps ? "; stopped where it stopped falling)" : ")")));
		return best[0] == null ? null : new Adapted(best[0], bestMse[0], baseMse, bestSplit[0]);
	}

	/**
	 * Which measure judges the adapted weights on the rows the run never trained on, for the early
	 * stop and for the decision ({@link DenoisePipeline}): where the noise is Gaussian (σ known or
	 * estimated), Stein's estimate of the error — unbiased for each set of weights alike, so their
	 * difference is too; on photon data stabilised by the Anscombe transform, where it is not
	 * (on the validation fluorescence at 5 and 30 photons it rose for adapted weights that were up to
	 * 0.8 dB better and fell for some 1.3 dB worse), the split-pixel check, which assumes no noise
	 * distribution. Not the split check for Gaussian noise: it compares at half resolution, where
	 * weights fitted to the image's own scale are not what denoises it (on cleaned EM at σ 25 it
	 * found 1 dB better weights worse).
	 */
	static boolean judgedBySplit(final NoiseModel noise) {
		return noise.isStabilised();
	}

	/** The judge's name, for the Log. */
	static String judge(final boolean bySplit) {
		return bySplit ? "the split-pixel check against the prior as it was" : "Stein's estimate";
	}

	/** The guessed share of the adaptation's time that the prior's own estimates take (for the progress bar). */
	static final double ESTIMATE_SHARE = 0.15;

	/** The planes of a stack of n that the adaptation trains on: all up to {@link #MAX_PLANES}, else that many evenly spaced, 0 first. */
	static int[] planes(final int n) {
		final int m = Math.min(n, MAX_PLANES);
		final int[] p = new int[m];
		for (int j = 0; j < m; j++)
			p[j] = (int) ((long) j * n / m);
		return p;
	}

	/** Half the side of the window whose mean, the pixel left out, says whether a pixel lies near a clipped value. */
	static final int MASK_RADIUS = 3;

	/**
	 * 1 where a pixel counts in Stein's estimate on noisy patches (Train data=noisy's held-out
	 * patches where that estimate measures them), 0 where the mean of its (2r+1)² neighbours, the pixel
	 * itself left out ({@link #MASK_RADIUS}), lies within two noise σ of a clipped value ({@code clip},
	 * see {@link CameraFit#clipValues}): there the noise was cut off, not the Gaussian the estimate
	 * assumes. The pixel's own value must not decide: kept only where y is 2σ above a dark clip,
	 * the background's pixels would be those with positive noise, and Stein's estimate over them
	 * is biased (it read 1.18 σ² for a denoiser whose error was about 0.15 σ², and training on it
	 * made Denoise worse); a mask that depends on the other pixels alone leaves Stein's identity for
	 * this pixel's noise intact.
	 *
	 * @param raw a plane in image units, {@code width} wide
	 */
	static float[] countingMask(final float[] raw, final int width, final NoiseModel noise, final double[] clip) {
		final int height = raw.length / width, r = MASK_RADIUS;
		final float[] counts = new float[raw.length];
		if (Double.isNaN(clip[0]) && Double.isNaN(clip[1])) {
			Arrays.fill(counts, 1);
			return counts;
		}
		final double[] sat = SummedAreas.of(raw, width, height);
		for (int y = 0; y < height; y++) {
			final int y0 = Math.max(0, y - r), y1 = Math.min(height, y + r + 1);
			for (int x = 0; x < width; x++) {
				final int x0 = Math.max(0, x - r), x1 = Math.min(width, x + r + 1), k = y * width + x;
				final int n = (y1 - y0) * (x1 - x0) - 1;
				final double sum = SummedAreas.sum(sat, width, x0, y0, x1, y1) - raw[k];
				final double m = n > 0 ? sum / n : raw[k];
				final double sd = 2 * Math.sqrt(Math.max(0, noise.variance(m)));
				counts[k] = Math.abs(m - clip[0]) <= sd || Math.abs(m - clip[1]) <= sd ? 0 : 1;
			}
		}
		return counts;
	}

	/** Steps between two evaluations of the held-out estimate: about a quarter of the run, at least 25. */
	static int evaluationEvery(final int steps) {
		return Math.max(25, (steps + 3) / 4);
	}

	/** The trainer's current weights as a model (a temporary file, deleted once loaded). */
	private static DiffusionModel load(final DiffusionModel base, final Trainer trainer, final boolean oneStep) {
		Path weights = null;
		try {
			weights = Files.createTempFile("diffusion-adapted-", ".pt");
			try (OutputStream out = Files.newOutputStream(weights)) {
				trainer.export(out);
			}
			return oneStep ? base.withOneStepWeights(weights) : base.withWeights(weights);
		}
		catch (final IOException e) {
			throw new UncheckedIOException("adapt: cannot write the adapted weights to a temporary file: " + e.getMessage(), e);
		}
		finally {
			if (weights != null) try {
				Files.deleteIfExists(weights);
			}
			catch (final IOException e) {
				weights.toFile().deleteOnExit(); // loaded already; the file is only in the way
			}
		}
	}
}
