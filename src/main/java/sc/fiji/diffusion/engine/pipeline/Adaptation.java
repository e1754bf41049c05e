package sc.fiji.diffusion.engine.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.noise.CameraFit;
import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Patches;
import sc.fiji.diffusion.engine.training.Trainer;

/**
 * Denoise's {@code adapt=N}: before denoising, the prior is fine-tuned for N steps on the very
 * upper halves of the planes being denoised, with Stein's unbiased risk estimate of the one-step
 * posterior mean at their own noise level as the loss ({@link Objective.Sure}) — no clean image, nothing written to
 * the model folders. The adapted weights live in a temporary file only while they are loaded;
 * the model the caller gets is a new one (to be closed), the shared model is untouched.
 */
final class Adaptation {

	/** The guessed share of the whole command's time the adaptation takes (for the progress bar). */
	static final double SHARE = 0.8;
	/** Patches per step and their side (at most; a multiple of the model's size step). */
	static final int BATCH = 4, PATCH = 64;
	/** Adam's learning rate: small, the prior is only nudged towards the image. */
	static final double LR = 2e-5;

	private Adaptation() {}

	/**
	 * The rows [0, rows) the fine-tuning learns from: the upper half. The lower half's noise stays
	 * unseen, so the error estimate there is unbiased for the adapted model too — the check of
	 * whether adapting helped (an estimate on pixels the network was fitted to leans optimistic).
	 */
	static int trainingRows(final int height) {
		return height / 2;
	}

	/**
	 * @param work the planes in working units (after the noise transform), each {@code width} wide
	 * @param plan their noise models and the map into model units
	 */
	static DiffusionModel adapt(final DiffusionModel base, final float[][] raw, final float[][] work,
		final DenoisePipeline.Plan plan, final int width, final int steps, final long seed, final Monitor monitor,
		final Consumer<String> log)
	{
		final int height = work[0].length / width, rows = trainingRows(height);
		final int step = Math.max(1, base.descriptor().sizeMultiple()[base.descriptor().sizeMultiple().length - 1]);
		final int patch = Math.min(PATCH, Math.min(width, rows) / step * step);
		if (patch < step) throw new IllegalArgumentException(String.format(Locale.ROOT, "adapt needs planes of at least " +
			"%dx%d pixels; this one is %dx%d (use adapt=0)", step, 2 * step, width, height));
		final Patches patches = new Patches(patch);
		// pixels within 2 noise sigmas of a clipped value do not count: their noise was cut off
		final double[] clip = CameraFit.clipValues(raw);
		long excluded = 0;
		for (int i = 0; i < work.length; i++) {
			final float[] px = new float[work[i].length], counts = new float[px.length];
			for (int k = 0; k < px.length; k++) {
				px[k] = (float) (work[i][k] * plan.scale + plan.offset);
				final double z = raw[i][k], sd = 2 * Math.sqrt(Math.max(0, plan.noise[i].variance(z)));
				final boolean near = Math.abs(z - clip[0]) <= sd || Math.abs(z - clip[1]) <= sd;
				counts[k] = near ? 0 : 1;
				if (near) excluded++;
			}
			patches.add(px, counts, plan.noise[i].workingSigma() * plan.scale, width, height, 0, rows);
		}
		if (excluded > 0) log.accept(String.format(Locale.ROOT, "adapt: %.0f %% of the pixels lie near clipped values " +
			"and do not count in the fine-tuning loss", 100.0 * excluded / ((long) work.length * work[0].length)));
		final Trainer.Settings ts = new Trainer.Settings();
		ts.steps = steps;
		ts.batch = BATCH;
		ts.patch = patch;
		ts.lr = LR;
		ts.warmup = Math.min(20, steps / 10);
		ts.emaDecay = 0; // the weights as trained: a few hundred steps leave an average behind
		ts.seed = seed;
		ts.checkpointEvery = Integer.MAX_VALUE;
		ts.validationEvery = Integer.MAX_VALUE;
		final long t0 = System.nanoTime();
		final double[] first = { Double.NaN }, last = { Double.NaN };
		final Path weights;
		try (Trainer trainer = new Trainer(base.descriptor().verifiedWeights(), base.device(), base.schedule(), ts, patches,
			null, null, new Objective.Sure()))
		{
			trainer.run(monitor.prefixed("adapting "), new Trainer.Listener() {

				@Override
				public void step(final int k, final int n, final double loss, final double rate) {
					if (k == 1) first[0] = loss;
					last[0] = loss;
				}
			}, null);
			weights = Files.createTempFile("diffusion-adapted-", ".pt");
			try (OutputStream out = Files.newOutputStream(weights)) {
				trainer.export(out);
			}
		}
		catch (final IOException e) {
			throw new UncheckedIOException("adapt: cannot write the adapted weights to a temporary file: " + e.getMessage(), e);
		}
		try {
			final DiffusionModel adapted = base.withWeights(weights);
			log.accept(String.format(Locale.ROOT, "adapt=%d: the prior fine-tuned on this image (SURE of the posterior mean, " +
				"%d patches of %d² per step, lr %.0e) in %.1f s; SURE loss %.4f at the first step, %.4f at the last", steps,
				BATCH, patch, LR, (System.nanoTime() - t0) / 1e9, first[0], last[0]));
			return adapted;
		}
		finally {
			try {
				Files.deleteIfExists(weights);
			}
			catch (final IOException e) {
				weights.toFile().deleteOnExit(); // loaded already; the file is only in the way
			}
		}
	}
}
