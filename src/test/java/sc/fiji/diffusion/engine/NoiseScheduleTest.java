package sc.fiji.diffusion.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Schedule values against numbers computed independently with numpy
 * ({@code np.cumprod(1 - np.linspace(1e-4, 0.02, 1000))}, and diffusers' cosine
 * {@code betas_for_alpha_bar}), and the closed-form forward process against iterated noising.
 */
class NoiseScheduleTest {

	private final NoiseSchedule linear = NoiseSchedule.linear(1000, 1e-4, 0.02);

	@Test
	void linearScheduleMatchesReference() {
		assertEquals(1e-4, linear.beta(0), 1e-15);
		assertEquals(0.00011991991991991993, linear.beta(1), 1e-15);
		assertEquals(0.02, linear.beta(999), 1e-15);
		assertEquals(0.9999, linear.alphaBar(0), 1e-12);
		assertEquals(0.89701814567496, linear.alphaBar(99), 1e-12);
		assertEquals(0.07858724288177824, linear.alphaBar(499), 1e-12);
		assertEquals(4.035829765375676e-05, linear.alphaBar(999), 1e-15);
		assertEquals(5.4531876613021935e-05, linear.posteriorVariance(1), 1e-15);
		assertEquals(0.010031355414613688, linear.posteriorVariance(499), 1e-12);
		assertEquals(0.01999998352656061, linear.posteriorVariance(999), 1e-12);
		assertEquals(1.0, linear.alphaBar(-1));
		assertEquals(0.0, linear.posteriorVariance(0), 1e-20);
	}

	@Test
	void cosineScheduleMatchesReference() {
		final NoiseSchedule cos = NoiseSchedule.cosine(1000, 0.008, 0.999);
		assertEquals(4.128422482196914e-05, cos.beta(0), 1e-13);
		assertEquals(0.999958715775178, cos.alphaBar(0), 1e-12);
		assertEquals(0.4938435904406382, cos.alphaBar(499), 1e-10);
		assertEquals(0.999, cos.beta(999), 1e-12);
		assertEquals(2.4287669070348567e-09, cos.alphaBar(999), 1e-14);
	}

	@Test
	void timestepSubsequences() {
		assertArrayEquals(new int[] { 980, 960, 940 }, java.util.Arrays.copyOf(linear.timesteps(50), 3));
		assertEquals(0, linear.timesteps(50)[49]);
		assertEquals(1000, linear.timesteps(1000).length);
		assertArrayEquals(new int[] { 999, 666, 333, 0 }, linear.timestepsFrom(999, 4));
		assertArrayEquals(new int[] { 2, 1, 0 }, linear.timestepsFrom(2, 10)); // never more steps than levels
		assertArrayEquals(new int[] { 300 }, linear.timestepsFrom(300, 1));
		assertThrows(IllegalArgumentException.class, () -> linear.timesteps(0));
		assertThrows(IllegalArgumentException.class, () -> linear.timesteps(1001));
		assertThrows(IllegalArgumentException.class, () -> linear.timestepsFrom(1000, 5));
	}

	@Test
	void sigmaAndItsInverse() {
		for (final int t : new int[] { 0, 10, 250, 999 })
			assertEquals(t, linear.timestepForSigma(linear.sigma(t)));
		// σ = 25/127.5 on the [-1, 1] scale lies between the σ of neighbouring steps
		final int t = linear.timestepForSigma(25 / 127.5);
		assertTrue(linear.sigma(t - 1) < 25 / 127.5 * 1.05 && linear.sigma(t + 1) > 25 / 127.5 * 0.95);
	}

	@Test
	void fractionalAlphaBarInterpolates() {
		assertEquals(linear.alphaBar(10), linear.alphaBar(10.0), 1e-15);
		final double mid = linear.alphaBar(10.5);
		assertTrue(mid < linear.alphaBar(10) && mid > linear.alphaBar(11));
	}

	/** q(x_t | x_0) in closed form has the mean and variance of t iterated steps x_s = √α_s x_{s−1} + √β_s z. */
	@Test
	void closedFormAgreesWithIteratedNoising() {
		final int n = 200_000;
		final double x0Value = 0.7;
		final Random r = new Random(42);
		try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
			for (final int t : new int[] { 0, 50, 300, 999 }) {
				// iterated, in double precision on the Java side
				final double[] x = new double[n];
				java.util.Arrays.fill(x, x0Value);
				for (int s = 0; s <= t; s++) {
					final double a = Math.sqrt(linear.alpha(s)), b = Math.sqrt(linear.beta(s));
					for (int i = 0; i < n; i++)
						x[i] = a * x[i] + b * r.nextGaussian();
				}
				// closed form, through the engine
				final float[] eps = new float[n];
				for (int i = 0; i < n; i++)
					eps[i] = (float) r.nextGaussian();
				final NDArray xt = linear.addNoise(m.full(new Shape(n), (float) x0Value), m.create(eps), t);
				final double meanClosed = xt.mean().getFloat(), varClosed = xt.sub(meanClosed).square().mean().getFloat();
				double mean = 0, var = 0;
				for (final double v : x)
					mean += v / n;
				for (final double v : x)
					var += (v - mean) * (v - mean) / n;
				final double expMean = Math.sqrt(linear.alphaBar(t)) * x0Value, expVar = 1 - linear.alphaBar(t);
				final double tolMean = 5 * Math.sqrt(expVar / n) + 1e-6, tolVar = 5 * expVar * Math.sqrt(2.0 / n) + 1e-6;
				assertEquals(expMean, mean, tolMean, "iterated mean at t=" + t);
				assertEquals(expMean, meanClosed, tolMean, "closed-form mean at t=" + t);
				assertEquals(expVar, var, tolVar, "iterated variance at t=" + t);
				assertEquals(expVar, varClosed, tolVar, "closed-form variance at t=" + t);
			}
		}
	}

	@Test
	void badParametersAreRejected() {
		assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.linear(1, 1e-4, 0.02));
		assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.linear(1000, 0.02, 1e-4));
		assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.linear(1000, 0, 0.02));
	}
}
