package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.sampling.Sampler;
import sc.fiji.diffusion.engine.sampling.Samplers;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * Sampling from pure noise: x_T ~ N(0, I) (stream 0 of the seed's noise), the reverse process
 * with no constraint, and the result mapped back to the data range. Sample k of a seed is the
 * same whatever the batch size, because its noise is indexed by k.
 */
public final class Generate {

	private final DiffusionModel model;
	private int count = 1;
	private int steps = 50;
	private String sampler = Samplers.defaultName();
	private long seed = 0;
	private String label = "";
	private double guidance = 1;
	private int batchSize = 16;

	private Generate(final DiffusionModel model) {
		this.model = model;
	}

	public static Generate with(final DiffusionModel model) {
		return new Generate(model);
	}

	public Generate count(final int n) { count = n; return this; }
	public Generate steps(final int n) { steps = n; return this; }
	public Generate sampler(final String name) { sampler = name; return this; }
	public Generate seed(final long s) { seed = s; return this; }
	/** A class name of the model, or empty for unconditional sampling. */
	public Generate label(final String l) { label = l == null ? "" : l; return this; }
	/** Classifier-free guidance weight w (1 = plain conditional). */
	public Generate guidance(final double w) { guidance = w; return this; }
	public Generate batchSize(final int b) { batchSize = b; return this; }

	/** Checks every parameter; messages name the parameter and what is accepted. */
	public void validate() {
		if (count < 1) throw new IllegalArgumentException("count must be at least 1, was " + count);
		model.schedule().checkSteps(steps);
		if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
		if (!Double.isFinite(guidance)) throw new IllegalArgumentException("guidance must be a finite number, was " + guidance);
		Samplers.create(sampler, model.schedule(), null);
		model.descriptor().classIndex(label);
	}

	/**
	 * Runs the sampling.
	 *
	 * @return {@code count} images, each C·H·W floats (row-major, channel-major) in the data range
	 */
	public float[][] run(final Monitor monitor) {
		validate();
		final ModelDescriptor d = model.descriptor();
		final int y = d.classIndex(label);
		final int chw = d.channels() * d.height() * d.width();
		final GaussianNoise noise = new GaussianNoise(seed);
		final ValueMap values = ValueMap.data(d);
		final float[][] out = new float[count][];
		final int batches = (count + batchSize - 1) / batchSize;
		for (int b0 = 0, batch = 0; b0 < count; b0 += batchSize, batch++) {
			final int b = Math.min(batchSize, count - b0);
			final int[] labels = new int[b];
			Arrays.fill(labels, y);
			final Sampler s = Samplers.create(sampler, model.schedule(), model.clipRange());
			s.setTimesteps(steps);
			final int batchIndex = batch;
			final Monitor perBatch = new Monitor() {

				@Override
				public void progress(final String what, final int done, final int total) {
					monitor.progress("sampling", batchIndex * total + done, batches * total);
				}

				@Override
				public boolean isCanceled() {
					return monitor.isCanceled();
				}
			};
			try (NDManager m = model.manager().newSubManager()) {
				final Shape shape = new Shape(b, d.channels(), d.height(), d.width());
				final long offset = (long) b0 * chw;
				final NDArray xT = m.create(noise.floats(0, offset, b * chw), shape);
				final NDArray x0 = ReverseProcess.run(s, new GuidedDenoiser(model, labels, guidance), xT, noise, offset,
					perBatch);
				final float[] flat = values.fromModelInPlace(x0.toFloatArray());
				for (int k = 0; k < b; k++)
					out[b0 + k] = Arrays.copyOfRange(flat, k * chw, (k + 1) * chw);
			}
		}
		return out;
	}
}
