package sc.fiji.diffusion.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The variational bound against an exactly known answer: for 8-bit-quantised Gaussian data
 * and the exact denoiser of that Gaussian, the bound must lie just above the data's true
 * entropy (cross-entropy ≥ entropy, and the bound ≥ the model's NLL), and the stratified
 * estimate (about 100 calls) must agree with the full sum over all T steps.
 */
class VariationalBoundTest extends sc.fiji.diffusion.testing.EngineTest {

	private static final NoiseSchedule SCHEDULE = NoiseSchedule.linear(1000, 1e-4, 0.02);
	private static final double MU = 0.1, S = 0.3, BIN = 2.0 / 255;

	@Test
	void erfcMatchesTabulatedValues() {
		// values from Abramowitz & Stegun table 7.1
		assertEquals(1.0, Normals.erfc(0), 1e-7);
		assertEquals(0.157299207, Normals.erfc(1), 1e-7);
		assertEquals(0.004677735, Normals.erfc(2), 1e-8);
		assertEquals(1.842700793, Normals.erfc(-1), 1e-7);
	}

	/** Probability of quantisation bin k (centre −1 + k·BIN) under N(MU, S²), edge bins open. */
	private static double binProbability(final int k) {
		final double lo = k == 0 ? Double.NEGATIVE_INFINITY : (-1 + (k - 0.5) * BIN - MU) / S;
		final double hi = k == 255 ? Double.POSITIVE_INFINITY : (-1 + (k + 0.5) * BIN - MU) / S;
		return VariationalBound.lowerTail(hi) - VariationalBound.lowerTail(lo);
	}

	@Test
	void boundOfExactModelSitsJustAboveTheEntropy() {
		final int n = 512, d = 64;
		final Random rnd = new Random(7);
		final float[][] x0 = new float[n][d];
		double empiricalEntropy = 0;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < d; j++) {
				final int k = (int) Math.max(0, Math.min(255, Math.round((MU + S * rnd.nextGaussian() + 1) / BIN)));
				x0[i][j] = (float) (-1 + k * BIN);
				empiricalEntropy -= Math.log(binProbability(k));
			}
		empiricalEntropy /= n * d;
		final VariationalBound vb = new VariationalBound(SCHEDULE, BIN, -1, 1);
		final Denoiser exact = new AnalyticDenoiser(SCHEDULE, MU, S);
		final VariationalBound.Result full = vb.evaluate(exact, x0, new long[] { 1, 8, 8 }, 999, 3, 256, manager, Monitor.NONE);
		final double small = full.mean(true) / d, large = full.mean(false) / d;
		// the sample's entropy estimate agrees with the exact entropy of the quantised Gaussian
		double entropy = 0;
		for (int k = 0; k < 256; k++)
			entropy -= binProbability(k) * Math.log(binProbability(k));
		assertEquals(entropy, empiricalEntropy, 0.02);
		// which is close to the continuous one minus ln BIN (S ≫ BIN, negligible mass beyond ±1)
		assertEquals(0.5 * Math.log(2 * Math.PI * Math.E * S * S) - Math.log(BIN), entropy, 0.01);
		System.out.printf("entropy %.4f, bound small %.4f, large %.4f nats/dim%n", empiricalEntropy, small, large);
		// σ² = β: the bound is tight for the exact model (measured gap 0.007 nats/dim)
		assertTrue(large > empiricalEntropy - 0.01 && large < empiricalEntropy + 0.03,
			"bound " + large + " vs entropy " + empiricalEntropy);
		// σ² = β̃ is still a bound, but a loose one: its tiny variances at the first steps cannot
		// cover the sub-bin uncertainty of x_0 (measured 0.45 nats/dim above the entropy)
		assertTrue(small > large && small < empiricalEntropy + 1, "bound " + small + " vs entropy " + empiricalEntropy);
		assertEquals(1000, full.calls);

		final VariationalBound.Result strided = vb.evaluate(exact, x0, new long[] { 1, 8, 8 }, 100, 3, 256, manager,
			Monitor.NONE);
		assertTrue(strided.calls <= 101, strided.calls + " calls");
		assertEquals(small, strided.mean(true) / d, 0.01);
		assertEquals(large, strided.mean(false) / d, 0.01);
	}

	@Test
	void aWrongModelPaysForItsErrors() {
		final int n = 64, d = 64;
		final Random rnd = new Random(8);
		final float[][] x0 = new float[n][d];
		for (int i = 0; i < n; i++)
			for (int j = 0; j < d; j++)
				x0[i][j] = (float) (-1 + Math.max(0, Math.min(255, Math.round((MU + S * rnd.nextGaussian() + 1) / BIN))) * BIN);
		final VariationalBound vb = new VariationalBound(SCHEDULE, BIN, -1, 1);
		final double right = vb.evaluate(new AnalyticDenoiser(SCHEDULE, MU, S), x0, new long[] { 64 }, 100, 3, 64, manager,
			Monitor.NONE).mean(true);
		final double wrong = vb.evaluate(new AnalyticDenoiser(SCHEDULE, -0.2, S), x0, new long[] { 64 }, 100, 3, 64, manager,
			Monitor.NONE).mean(true);
		// a Gaussian model off by 0.3 in mean costs KL = 0.3²/(2 S²) = 0.5 nats per dimension
		assertEquals(0.5, (wrong - right) / d, 0.1);
	}
}
