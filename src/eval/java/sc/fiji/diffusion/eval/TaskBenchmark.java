package sc.fiji.diffusion.eval;

import sc.fiji.diffusion.engine.image.Images;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.tasks.Denoise;
import sc.fiji.diffusion.engine.tasks.Edit;
import sc.fiji.diffusion.engine.tasks.Inpaint;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.sampling.Samplers;

/**
 * The quality tables of Denoise, Inpaint and Edit on Fashion-MNIST test images (28×28, never
 * trained on), printed as Markdown. Classical baselines are ImageJ's own Gaussian Blur and
 * Median with their parameter tuned per σ on a validation split (the first images of the
 * training set), and harmonic (Laplace) interpolation for inpainting.
 */
public final class TaskBenchmark {

	private static final int W = 28;

	private TaskBenchmark() {}

	/** Options: images (denoising), inpaint-images, edit-images, validation, seed, steps, device. */
	public static void main(final Map<String, String> o) throws IOException {
		final int n = Integer.parseInt(o.getOrDefault("images", "200"));
		final int nVal = Integer.parseInt(o.getOrDefault("validation", "100"));
		final long seed = Long.parseLong(o.getOrDefault("seed", "1"));
		final int steps = Integer.parseInt(o.getOrDefault("steps", "20"));
		final float[][] test = crop(FashionMnist.load("t10k", n).images);
		final FashionMnist testSet = FashionMnist.load("t10k", n);
		final float[][] val = crop(FashionMnist.load("train", nVal).images);
		try (DiffusionModel model = DiffusionModel.load(Models.resolve(o.get("model")), Devices.resolve(o.get("device")));
			ReferenceClassifier classifier = new ReferenceClassifier(model.descriptor(), model.device()))
		{
			System.out.println("model: " + model.descriptor().name() + "; device: " + Devices.describe(model.device()) + "; " +
				n + " test images, " + nVal + " validation images, seed " + seed);
			denoising(model, test, val, seed, steps);
			final int ni = Math.min(n, Integer.parseInt(o.getOrDefault("inpaint-images", "100")));
			inpainting(model, java.util.Arrays.copyOf(test, ni), seed);
			final int ne = Math.min(n, Integer.parseInt(o.getOrDefault("edit-images", "100")));
			editing(model, java.util.Arrays.copyOf(test, ne), testSet.labels, classifier, seed);
		}
	}

	static float[][] crop(final float[][] padded) {
		final float[][] out = new float[padded.length][W * W];
		for (int k = 0; k < padded.length; k++)
			for (int y = 0; y < W; y++)
				System.arraycopy(padded[k], (y + 2) * 32 + 2, out[k], y * W, W);
		return out;
	}

	static float[] addNoise(final float[] img, final double sigma, final Random r) {
		final float[] out = new float[img.length];
		for (int i = 0; i < out.length; i++)
			out[i] = (float) (img[i] + sigma * r.nextGaussian());
		return out;
	}

	static float[] gaussian(final float[] img, final double s) {
		return Filters.gaussian(img, W, W, s);
	}

	static float[] median(final float[] img, final double radius) {
		return Filters.median(img, W, W, radius);
	}

	/** The parameter of {@code filter} with the best mean PSNR on the validation images. */
	static double tune(final float[][] val, final double sigma, final double[] params,
		final java.util.function.BiFunction<float[], Double, float[]> filter, final long seed)
	{
		final int[] size = new int[val.length];
		java.util.Arrays.fill(size, W);
		return Filters.tune(val, size, size, params, (img, w, h, p) -> filter.apply(img, p), (img, r) -> addNoise(img, sigma,
			r), 255, seed + 1000);
	}

	private static void denoising(final DiffusionModel model, final float[][] test, final float[][] val, final long seed,
		final int steps)
	{
		System.out.println();
		System.out.println("### Denoise (PSNR dB / SSIM, mean over test images)");
		System.out.println();
		System.out.println("| σ | noisy | Gaussian blur (tuned) | Median (tuned) | Denoise output=mean | Denoise output=sample (" +
			steps + " steps) |");
		System.out.println("|---|---|---|---|---|---|");
		for (final double sigma : new double[] { 15, 25, 50 }) {
			final double gs = tune(val, sigma, new double[] { 0.3, 0.4, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3 }, TaskBenchmark::gaussian,
				seed);
			final double mr = tune(val, sigma, new double[] { 0.5, 1, 1.5, 2, 2.5, 3 }, TaskBenchmark::median, seed);
			final double[][] acc = new double[5][2];
			final Random r = new Random(seed);
			for (int k = 0; k < test.length; k++) {
				final float[] y = addNoise(test[k], sigma, r);
				final float[][] outs = { y, gaussian(y, gs), median(y, mr),
					Images.array(Denoise.with(model).sigma(sigma).output("mean").run(Images.plane(y, W, W), Monitor.NONE).image),
					Images.array(Denoise.with(model).sigma(sigma).output("sample").steps(steps).seed(seed + k).run(Images.plane(y,
						W, W), Monitor.NONE).image) };
				for (int j = 0; j < outs.length; j++) {
					acc[j][0] += ImageMetrics.psnr(test[k], outs[j], null) / test.length;
					acc[j][1] += ImageMetrics.ssim(test[k], outs[j], W, W) / test.length;
				}
			}
			System.out.println(String.format(Locale.ROOT,
				"| %.0f | %.2f / %.3f | %.2f / %.3f (σ=%.2g) | %.2f / %.3f (r=%.2g) | %.2f / %.3f | %.2f / %.3f |", sigma,
				acc[0][0], acc[0][1], acc[1][0], acc[1][1], gs, acc[2][0], acc[2][1], mr, acc[3][0], acc[3][1], acc[4][0],
				acc[4][1]));
		}
	}

	static float[] harmonic(final float[] img, final float[] mask) {
		return Filters.harmonic(img, mask, W, W);
	}

	static float[] centredSquare(final int side) {
		final float[] m = new float[W * W];
		final int o = (W - side) / 2;
		for (int y = o; y < o + side; y++)
			for (int x = o; x < o + side; x++)
				m[y * W + x] = 1;
		return m;
	}

	/** Random brush strokes (random walks, 3 px wide) until about {@code fraction} of the pixels are covered. */
	static float[] strokes(final Random r, final double fraction) {
		final float[] m = new float[W * W];
		int covered = 0;
		while (covered < fraction * W * W) {
			double x = r.nextInt(W), y = r.nextInt(W), a = r.nextDouble() * 2 * Math.PI;
			for (int s = 0; s < 20; s++) {
				a += r.nextGaussian() * 0.5;
				x = Math.max(0, Math.min(W - 1, x + Math.cos(a)));
				y = Math.max(0, Math.min(W - 1, y + Math.sin(a)));
				for (int dy = -1; dy <= 1; dy++)
					for (int dx = -1; dx <= 1; dx++) {
						final int px = (int) x + dx, py = (int) y + dy;
						if (px >= 0 && py >= 0 && px < W && py < W && m[py * W + px] == 0) {
							m[py * W + px] = 1;
							covered++;
						}
					}
			}
		}
		return m;
	}

	private static void inpainting(final DiffusionModel model, final float[][] test, final long seed) {
		System.out.println();
		System.out.println("### Inpaint (PSNR dB inside the mask, mean over test images)");
		System.out.println();
		System.out.println("| mask | harmonic fill | Inpaint, no resampling (steps 50) | Inpaint, jumps 3 × length 5 (steps 50) |");
		System.out.println("|---|---|---|---|");
		final Random r = new Random(seed);
		final String[] names = { "centred 12×12 square", "random strokes (~20 %)" };
		for (int kind = 0; kind < 2; kind++) {
			final double[] acc = new double[3];
			for (int k = 0; k < test.length; k++) {
				final float[] mask = kind == 0 ? centredSquare(12) : strokes(r, 0.2);
				final float[] holed = test[k].clone();
				for (int i = 0; i < holed.length; i++)
					if (mask[i] != 0) holed[i] = 0;
				acc[0] += ImageMetrics.psnr(test[k], harmonic(holed, mask), mask) / test.length;
				acc[1] += ImageMetrics.psnr(test[k], Images.array(Inpaint.with(model).steps(50).jumps(1).jumpLength(1).seed(seed + k).run(
					Images.plane(holed, W, W), Images.plane(mask, W, W), Monitor.NONE)), mask) / test.length;
				acc[2] += ImageMetrics.psnr(test[k], Images.array(Inpaint.with(model).steps(50).jumps(3).jumpLength(5).seed(seed + k).run(
					Images.plane(holed, W, W), Images.plane(mask, W, W), Monitor.NONE)), mask) / test.length;
			}
			System.out.println(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |", names[kind], acc[0], acc[1], acc[2]));
			System.out.flush();
		}
	}

	private static void editing(final DiffusionModel model, final float[][] test, final int[] labels,
		final ReferenceClassifier classifier, final long seed)
	{
		System.out.println();
		System.out.println("### Edit: realism versus faithfulness (guide = test image blurred with σ = 2 px; " +
			"label = its class, guidance 2, DDIM 50 steps)");
		System.out.println();
		System.out.println("| strength | classifier confidence in the label | RMS distance to the guide (grey levels) |");
		System.out.println("|---|---|---|");
		final UnaryOperator<float[]> pad = img -> {
			final float[] p = new float[32 * 32];
			for (int y = 0; y < W; y++)
				System.arraycopy(img, y * W, p, (y + 2) * 32 + 2, W);
			return p;
		};
		final float[][] guides = new float[test.length][];
		for (int k = 0; k < test.length; k++)
			guides[k] = gaussian(test[k], 2);
		final float[][] padded = new float[test.length][];
		for (int k = 0; k < test.length; k++)
			padded[k] = pad.apply(guides[k]);
		report(classifier.classify(padded), labels, guides, guides, "0 (the guide)");
		for (final double strength : new double[] { 0.2, 0.4, 0.6, 0.8, 1.0 }) {
			final float[][] outs = new float[test.length][];
			final float[][] outsPadded = new float[test.length][];
			for (int k = 0; k < test.length; k++) {
				outs[k] = Images.array(Edit.with(model).strength(strength).steps(50).sampler(Samplers.defaultName()).label(model.descriptor().classes().get(
					labels[k])).guidance(2).seed(seed + k).run(Images.plane(guides[k], W, W), Monitor.NONE));
				outsPadded[k] = pad.apply(outs[k]);
			}
			report(classifier.classify(outsPadded), labels, outs, guides, String.format(Locale.ROOT, "%.1f", strength));
		}
	}

	private static void report(final ReferenceClassifier.Result r, final int[] labels, final float[][] outs,
		final float[][] guides, final String strength)
	{
		double conf = 0, dist = 0;
		for (int k = 0; k < outs.length; k++) {
			conf += r.probabilities[k][labels[k]] / outs.length;
			double s = 0;
			for (int i = 0; i < outs[k].length; i++)
				s += (outs[k][i] - guides[k][i]) * (double) (outs[k][i] - guides[k][i]);
			dist += Math.sqrt(s / outs[k].length) / outs.length;
		}
		System.out.println(String.format(Locale.ROOT, "| %s | %.3f | %.1f |", strength, conf, dist));
	}
}
