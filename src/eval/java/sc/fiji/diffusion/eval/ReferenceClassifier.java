package sc.fiji.diffusion.eval;

import java.nio.file.Path;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.model.TorchScriptNet;

/**
 * A model's reference classifier (named in its descriptor): the yardstick for sample quality.
 * Its TorchScript forward takes images in the model range and returns (logits, features).
 */
public final class ReferenceClassifier implements AutoCloseable {

	private final ModelDescriptor descriptor;
	private final TorchScriptNet net;

	public ReferenceClassifier(final ModelDescriptor descriptor, final Device device) {
		final Path file = classifierFile(descriptor);
		if (file == null) throw new ModelException("Model '" + descriptor.name() + "' has no reference classifier " +
			"(config.diffusion.reference_classifier in " + descriptor.dir().resolve(ModelDescriptor.FILE_NAME) + ")");
		this.descriptor = descriptor;
		this.net = TorchScriptNet.load(file, device);
	}

	/**
	 * The classifier beside the model, or (the bundled model, whose jar does not carry it) in the
	 * repository's models/ folder; its sha256 checked against the descriptor either way.
	 */
	static Path classifierFile(final ModelDescriptor d) {
		if (d.classifierSource() == null) return null;
		Path p = d.dir().resolve(d.classifierSource());
		if (!java.nio.file.Files.isRegularFile(p)) p = java.nio.file.Paths.get(System.getProperty("diffusion.project.dir",
			"."), "models", d.name(), d.classifierSource());
		if (!java.nio.file.Files.isRegularFile(p)) throw new ModelException("the reference classifier of '" + d.name() +
			"' is not beside the model nor in " + p + " (the reports run from the repository)");
		if (d.classifierSha256() != null && !d.classifierSha256().equalsIgnoreCase(ModelDescriptor.sha256(p)))
			throw new ModelException(p + " does not match the sha256 in " + d.dir().resolve(ModelDescriptor.FILE_NAME));
		return p;
	}

	/** Result of classifying a set of images. */
	public static final class Result {

		/** Arg-max class per image. */
		public final int[] predicted;
		/** Softmax probability of the predicted class. */
		public final float[] confidence;
		/** Penultimate features, one row per image. */
		public final float[][] features;
		/** Full softmax probabilities, one row per image. */
		public final float[][] probabilities;

		Result(final int n) {
			predicted = new int[n];
			confidence = new float[n];
			features = new float[n][];
			probabilities = new float[n][];
		}
	}

	/** Classifies images given in the data range (C·H·W floats each, at the model's size). */
	public Result classify(final float[][] images) {
		final int c = descriptor.channels(), h = descriptor.height(), w = descriptor.width();
		final int chw = c * h * w;
		final Result r = new Result(images.length);
		final double scale = descriptor.scale(), offset = descriptor.offset();
		final int batch = 256;
		for (int b0 = 0; b0 < images.length; b0 += batch) {
			final int b = Math.min(batch, images.length - b0);
			final float[] flat = new float[b * chw];
			for (int k = 0; k < b; k++)
				for (int i = 0; i < chw; i++)
					flat[k * chw + i] = (float) (images[b0 + k][i] * scale + offset);
			try (NDManager m = net.model().getNDManager().newSubManager()) {
				final NDList out = net.forward(new NDList(m.create(flat, new Shape(b, c, h, w))));
				final NDArray probs = out.get(0).softmax(1);
				final float[] p = probs.toFloatArray();
				final float[] f = out.get(1).toFloatArray();
				final int k = (int) probs.getShape().get(1), fd = (int) out.get(1).getShape().get(1);
				for (int j = 0; j < b; j++) {
					int best = 0;
					for (int q = 1; q < k; q++)
						if (p[j * k + q] > p[j * k + best]) best = q;
					r.predicted[b0 + j] = best;
					r.confidence[b0 + j] = p[j * k + best];
					r.probabilities[b0 + j] = java.util.Arrays.copyOfRange(p, j * k, (j + 1) * k);
					r.features[b0 + j] = java.util.Arrays.copyOfRange(f, j * fd, (j + 1) * fd);
				}
			}
		}
		return r;
	}

	@Override
	public void close() {
		net.close();
	}
}
