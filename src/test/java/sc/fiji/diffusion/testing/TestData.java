package sc.fiji.diffusion.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;

import sc.fiji.diffusion.eval.FashionMnist;

/**
 * Test data from Debian packages. Missing data is a clear skip on a developer's machine but a
 * failure in CI ({@code CI} set, as .ci/run does), where the packages are installed first.
 */
public final class TestData {

	private TestData() {}

	/** Whether this run is CI. */
	public static boolean inCi() {
		final String ci = System.getenv("CI");
		return ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false");
	}

	/** Skips (locally) or fails (CI) unless Debian's dataset-fashion-mnist is installed. */
	public static void requireFashionMnist() {
		if (FashionMnist.available()) return;
		final String why = "Fashion-MNIST test images not found in " + FashionMnist.DEFAULT_DIR +
			" (apt-get install dataset-fashion-mnist)";
		if (inCi()) fail(why + "; .ci/run installs it, so CI must have it");
		assumeTrue(false, why);
	}

	/** The first {@code n} images of a split, after {@link #requireFashionMnist()}. */
	public static FashionMnist fashionMnist(final String split, final int n) throws IOException {
		requireFashionMnist();
		return FashionMnist.load(split, n);
	}

	/** Smooth random blobs, 0–255, {@code n} planes of w × h: something with structure to learn. */
	public static java.util.List<float[]> blobs(final int n, final int w, final int h, final long seed) {
		final java.util.Random r = new java.util.Random(seed);
		final java.util.List<float[]> out = new java.util.ArrayList<>();
		for (int k = 0; k < n; k++) {
			final float[] px = new float[w * h];
			for (int b = 0; b < 6; b++) {
				final double cx = r.nextDouble() * w, cy = r.nextDouble() * h, s = 4 + 8 * r.nextDouble(), a = 60 + 150 * r
					.nextDouble();
				for (int y = 0; y < h; y++)
					for (int x = 0; x < w; x++)
						px[y * w + x] += (float) (a * Math.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s)));
			}
			for (int i = 0; i < px.length; i++)
				px[i] = Math.min(255, px[i] + 20);
			out.add(px);
		}
		return out;
	}


	/** A Poisson draw (Knuth's product of uniforms below 60, a rounded normal above). */
	/** clean + σ·z with z from the engine's counter-based noise: the same for a seed everywhere. */
	public static float[] gaussian(final float[] clean, final double sigma, final long seed) {
		final float[] z = new sc.fiji.diffusion.engine.GaussianNoise(seed).floats(0, 0, clean.length);
		final float[] out = new float[clean.length];
		for (int i = 0; i < out.length; i++)
			out[i] = (float) (clean[i] + sigma * z[i]);
		return out;
	}

	public static int poisson(final java.util.Random r, final double lambda) {
		if (lambda > 60) return (int) Math.max(0, Math.round(lambda + Math.sqrt(lambda) * r.nextGaussian()));
		final double l = Math.exp(-lambda);
		double p = 1;
		int k = 0;
		do {
			k++;
			p *= r.nextDouble();
		}
		while (p > l);
		return k - 1;
	}
}
