package sc.fiji.diffusion.eval;

import ij.plugin.filter.GaussianBlur;
import ij.plugin.filter.RankFilters;
import ij.process.FloatProcessor;

import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * The classical alternatives a Fiji user already has, for fair comparisons: ImageJ's own
 * Gaussian Blur and Median, with their parameter tuned on separate images, and harmonic
 * (Laplace) interpolation for filling holes. Images are w × h float arrays, row-major.
 */
public final class Filters {

	private Filters() {}

	/** ImageJ's Gaussian Blur (accuracy 0.002, as Process › Filters › Gaussian Blur). */
	public static float[] gaussian(final float[] img, final int w, final int h, final double s) {
		final FloatProcessor fp = new FloatProcessor(w, h, img.clone());
		new GaussianBlur().blurGaussian(fp, s, s, 0.002);
		return (float[]) fp.getPixels();
	}

	/** ImageJ's Median (Process › Filters › Median). */
	public static float[] median(final float[] img, final int w, final int h, final double radius) {
		final FloatProcessor fp = new FloatProcessor(w, h, img.clone());
		new RankFilters().rank(fp, radius, RankFilters.MEDIAN);
		return (float[]) fp.getPixels();
	}

	/** A filter with one parameter. */
	@FunctionalInterface
	public interface Filter {

		float[] apply(float[] img, int w, int h, double p);
	}

	/**
	 * The parameter of {@code filter} with the best mean PSNR (peak {@code peak}) over the clean
	 * tuning images, each degraded by {@code degrade} with its own random stream.
	 */
	public static double tune(final float[][] clean, final int[] w, final int[] h, final double[] params,
		final Filter filter, final java.util.function.BiFunction<float[], Random, float[]> degrade, final double peak,
		final long seed)
	{
		final float[][] noisy = new float[clean.length][];
		final Random r = new Random(seed);
		for (int k = 0; k < clean.length; k++)
			noisy[k] = degrade.apply(clean[k], r);
		double best = params[0], bestPsnr = Double.NEGATIVE_INFINITY;
		for (final double p : params) {
			double s = 0;
			for (int k = 0; k < clean.length; k++)
				s += ImageMetrics.psnr(clean[k], filter.apply(noisy[k], w[k], h[k], p), null, peak);
			if (s > bestPsnr) {
				bestPsnr = s;
				best = p;
			}
		}
		return best;
	}

	/** Harmonic interpolation: the Laplace equation inside the mask with the known pixels as boundary. */
	public static float[] harmonic(final float[] img, final float[] mask, final int w, final int h) {
		final float[] u = img.clone();
		double mean = 0;
		int known = 0;
		for (int i = 0; i < u.length; i++)
			if (mask[i] == 0) {
				mean += u[i];
				known++;
			}
		for (int i = 0; i < u.length; i++)
			if (mask[i] != 0) u[i] = (float) (mean / known);
		for (int it = 0; it < 20000; it++) { // Gauss–Seidel with over-relaxation
			double change = 0;
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					final int i = y * w + x;
					if (mask[i] == 0) continue;
					double s = 0;
					int c = 0;
					if (x > 0) { s += u[i - 1]; c++; }
					if (x < w - 1) { s += u[i + 1]; c++; }
					if (y > 0) { s += u[i - w]; c++; }
					if (y < h - 1) { s += u[i + w]; c++; }
					final double nu = u[i] + 1.8 * (s / c - u[i]);
					change = Math.max(change, Math.abs(nu - u[i]));
					u[i] = (float) nu;
				}
			if (change < 1e-3) break;
		}
		return u;
	}

	/** Gaussian noise of standard deviation σ, kept as floats. */
	public static UnaryOperator<float[]> gaussianNoise(final double sigma, final Random r) {
		return img -> {
			final float[] out = new float[img.length];
			for (int i = 0; i < out.length; i++)
				out[i] = (float) (img[i] + sigma * r.nextGaussian());
			return out;
		};
	}

	/** Gaussian noise of standard deviation σ, rounded and clipped to 0–255 as an 8-bit image stores it. */
	public static float[] noisy8bit(final float[] img, final double sigma, final Random r) {
		final float[] out = new float[img.length];
		for (int i = 0; i < out.length; i++)
			out[i] = (float) Math.max(0, Math.min(255, Math.rint(img[i] + sigma * r.nextGaussian())));
		return out;
	}
}
