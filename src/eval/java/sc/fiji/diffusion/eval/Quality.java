package sc.fiji.diffusion.eval;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.tasks.Generate;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.sampling.Samplers;

/**
 * The sample-quality report: for each class, {@code per-class} guided samples are classified
 * by the reference classifier (accuracy = fraction recognised as the requested class), and
 * the mean/std of all sample pixels is compared with the test set's.
 */
public final class Quality {

	private Quality() {}

	/** Options: model, per-class, steps, sampler, guidance, seed, device. */
	public static void main(final Map<String, String> o) throws IOException {
		final int perClass = Integer.parseInt(o.getOrDefault("per-class", "100"));
		final int steps = Integer.parseInt(o.getOrDefault("steps", "50"));
		final String sampler = o.getOrDefault("sampler", Samplers.defaultName());
		final double guidance = Double.parseDouble(o.getOrDefault("guidance", "2"));
		final long seed = Long.parseLong(o.getOrDefault("seed", "1"));
		try (DiffusionModel model = DiffusionModel.load(Models.resolve(o.get("model")), Devices.resolve(o.get("device")));
			ReferenceClassifier classifier = new ReferenceClassifier(model.descriptor(), model.device()))
		{
			final ModelDescriptor d = model.descriptor();
			System.out.println("model: " + d.name() + "; device: " + Devices.describe(model.device()));
			final FashionMnist test = FashionMnist.load("t10k", Integer.MAX_VALUE);
			final ReferenceClassifier.Result onTest = classifier.classify(test.images);
			System.out.println(String.format(Locale.ROOT, "reference classifier accuracy on the %d test images: %.2f %%",
				test.images.length, 100 * accuracy(onTest.predicted, test.labels)));
			System.out.println(String.format(Locale.ROOT, "sampler %s, %d steps, guidance %s, %d samples per class, seed %d",
				sampler, steps, guidance, perClass, seed));
			System.out.println("| class | accuracy | mean confidence |");
			System.out.println("|---|---|---|");
			final double[] stats = new double[3];
			int correct = 0;
			final long t0 = System.nanoTime();
			for (int c = 0; c < d.classes().size(); c++) {
				final float[][] samples = Generate.with(model).count(perClass).steps(steps).sampler(sampler).seed(seed + c)
					.label(d.classes().get(c)).guidance(guidance).run(Monitor.NONE);
				final ReferenceClassifier.Result r = classifier.classify(samples);
				int ok = 0;
				double conf = 0;
				for (int k = 0; k < perClass; k++) {
					if (r.predicted[k] == c) ok++;
					conf += r.probabilities[k][c];
				}
				correct += ok;
				accumulate(samples, stats);
				System.out.println(String.format(Locale.ROOT, "| %s | %.1f %% | %.3f |", d.classes().get(c), 100.0 * ok / perClass,
					conf / perClass));
			}
			final int n = perClass * d.classes().size();
			System.out.println(String.format(Locale.ROOT, "| **all** | **%.1f %%** | |", 100.0 * correct / n));
			final double[] testStats = new double[3];
			accumulate(test.images, testStats);
			System.out.println(String.format(Locale.ROOT, "pixel mean/std (0-255, 32x32 padded): samples %.2f / %.2f, " +
				"test set %.2f / %.2f", mean(stats), std(stats), mean(testStats), std(testStats)));
			System.out.println(String.format(Locale.ROOT, "%d samples in %.0f s", n, (System.nanoTime() - t0) / 1e9));
		}
	}

	static double accuracy(final int[] predicted, final int[] labels) {
		int ok = 0;
		for (int i = 0; i < labels.length; i++)
			if (predicted[i] == labels[i]) ok++;
		return ok / (double) labels.length;
	}

	private static void accumulate(final float[][] images, final double[] s) {
		for (final float[] img : images)
			for (final float v : img) {
				s[0]++;
				s[1] += v;
				s[2] += v * (double) v;
			}
	}

	private static double mean(final double[] s) {
		return s[1] / s[0];
	}

	private static double std(final double[] s) {
		final double m = mean(s);
		return Math.sqrt(Math.max(s[2] / s[0] - m * m, 0));
	}
}
