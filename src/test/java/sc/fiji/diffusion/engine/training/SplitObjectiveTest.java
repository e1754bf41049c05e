package sc.fiji.diffusion.engine.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.noise.AdditiveGaussian;
import sc.fiji.diffusion.engine.noise.Clipped;
import sc.fiji.diffusion.testing.EngineTest;

/**
 * The split-pixel measure against its closed form. On a flat image c with Gaussian noise σ, the
 * denoiser that shrinks towards c, D(y) = c + λ(y − c), has E(D(g₁) − g₂)² = λ²σ² + σ², so the
 * measure (MSE/σ² − 1) is λ² — the error of D relative to σ², as the measure claims to be where
 * neighbours are alike. The network giving that D is ε̂ = (1 − λ)(y − c)/σ_t, with y = x_t/√ᾱ.
 */
class SplitObjectiveTest extends EngineTest {

	private static final NoiseSchedule SCHEDULE = NoiseSchedule.cosine(1000, 0.008, 0.999);

	private static double measure(final double lambda, final float[] mask, final float[] y, final float sigma,
		final int b, final int p, final float c)
	{
		return measure(lambda, mask, y, sigma, b, p, c, null);
	}

	private static double measure(final double lambda, final float[] mask, final float[] y, final float sigma,
		final int b, final int p, final float c, final DoubleUnaryOperator fileMean)
	{
		final Objective.Split split = new Objective.Split(16, 16);
		final Objective.Batch one = new Objective.Batch(b, p * p);
		final float[] sig = new float[b];
		java.util.Arrays.fill(sig, sigma);
		split.batch(y, mask, sig, b, p * p, SCHEDULE, new SplittableRandom(1), new GaussianNoise(1), 0, one);
		if (fileMean != null) {
			one.fileMean = new DoubleUnaryOperator[b];
			java.util.Arrays.fill(one.fileMean, fileMean);
		}
		final int t = (int) one.t[0];
		final float sa = (float) Math.sqrt(SCHEDULE.alphaBar(t)), st = (float) SCHEDULE.sigma(t);
		try (NDManager m = manager.newSubManager()) {
			final NDArray loss = split.loss((xt, tt) -> xt.div(sa).sub(c).mul((float) ((1 - lambda) / st)), m, one, b, p);
			return loss.getFloat();
		}
	}

	private static float[] flat(final int b, final int p, final float c, final float sigma, final long seed) {
		final float[] y = new float[b * p * p];
		final SplittableRandom r = new SplittableRandom(seed);
		for (int k = 0; k < y.length; k++) {
			// Box–Muller: Gaussian noise of σ around c
			final double u = 1 - r.nextDouble(), v = r.nextDouble();
			y[k] = (float) (c + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
		}
		return y;
	}

	@Test
	void measuresTheErrorOfTheOneStepDenoiserRelativeToTheNoise() {
		final int b = 8, p = 64;
		final float c = 0.3f, sigma = 0.25f;
		final float[] y = flat(b, p, c, sigma, 5);
		// 2·8·32² = 16384 differences: the standard error of a mean of (d²/σ² − 1) is about 0.02 here
		for (final double lambda : new double[] { 0, 0.5, 1 })
			assertEquals(lambda * lambda, measure(lambda, null, y, sigma, b, p, c), 0.06, "shrinking by " + lambda);
		assertTrue(measure(0.3, null, y, sigma, b, p, c) < measure(0.6, null, y, sigma, b, p, c),
			"ranks the better denoiser lower");
	}

	@Test
	void countsOnlyTheTargetsTheMaskKeeps() {
		final int b = 2, p = 32;
		final float c = 0.1f, sigma = 0.2f;
		final float[] y = flat(b, p, c, sigma, 7);
		final float[] mask = new float[y.length];
		java.util.Arrays.fill(mask, 1);
		// the targets of one way round, (0,0) → (1,1), spoiled and masked out: the measure must not see them, and the
		// other way round, (1,0) → (0,1), still measures the denoiser D = c (λ = 0): about 0
		final float[] spoiled = y.clone();
		for (int i = 0; i < b; i++)
			for (int yy = 1; yy < p; yy += 2)
				for (int x = 1; x < p; x += 2) {
					spoiled[i * p * p + yy * p + x] = 50;
					mask[i * p * p + yy * p + x] = 0;
				}
		assertEquals(0, measure(0, mask, spoiled, sigma, b, p, c), 0.1);
		final double unmasked = measure(0, null, spoiled, sigma, b, p, c);
		assertTrue(unmasked > 1000, "the spoiled targets count where not masked: " + unmasked);
	}

	@Test
	void halvesTheNetworkCannotTakeAreRefused() {
		final Objective.Split split = new Objective.Split(16, 16);
		assertEquals(32, split.side(64));
		assertEquals(16, split.side(48));
		assertEquals(0, split.side(16));
		final Objective.Batch one = new Objective.Batch(1, 16 * 16);
		split.batch(new float[256], null, new float[] { 0.1f }, 1, 256, SCHEDULE, new SplittableRandom(1),
			new GaussianNoise(1), 0, one);
		try (NDManager m = manager.newSubManager()) {
			assertThrows(IllegalArgumentException.class, () -> split.loss((xt, t) -> xt, m, one, 1, 16));
		}
		assertThrows(IllegalArgumentException.class, () -> split.batch(new float[256], null, new float[1], 1, 256,
			SCHEDULE, new SplittableRandom(1), new GaussianNoise(1), 0, one));
	}
	/**
	 * A black background (clean 0, σ 0.25) whose file clipped at 0: the noisy values' mean there is
	 * μ(0) = σ φ(0)/(1/2 + 1/2) ≈ 0.0997, not 0. Compared with the noisy values directly, a denoiser
	 * that returns μ(0) looks better than the truth; compared through the file's mean μ (what
	 * {@link Objective.Batch#fileMean} gives) the truth comes out lower, as it should.
	 */
	@Test
	void whereTheFileClippedEstimatesAreComparedThroughItsMean() {
		final int b = 8, p = 64;
		final float sigma = 0.25f;
		final float[] y = flat(b, p, 0, sigma, 11);
		for (int k = 0; k < y.length; k++)
			y[k] = Math.max(0, y[k]);
		final Clipped clipped = (Clipped) Clipped.of(new AdditiveGaussian(sigma, false), new double[] { 0, Double.NaN });
		final float mu0 = (float) clipped.noisyMean(0);
		assertEquals(0.0997, mu0, 1e-3);
		// λ = 0: the denoiser returns c whatever it is given
		final double truthRaw = measure(0, null, y, sigma, b, p, 0), biasedRaw = measure(0, null, y, sigma, b, p, mu0);
		assertTrue(biasedRaw < truthRaw, "compared with the noisy values, μ(0) looks better: " + biasedRaw + " vs " +
			truthRaw);
		final double truth = measure(0, null, y, sigma, b, p, 0, clipped::noisyMean), biased = measure(0, null, y, sigma, b,
			p, mu0, clipped::noisyMean);
		assertTrue(truth < biased, "through μ, the truth is better: " + truth + " vs " + biased);
		// the truth through μ: E(μ(0) − g₂)² = Var(g₂), as a fraction of σ², minus 1
		final double var = 0.5 - 1 / (2 * Math.PI); // E[max(0,ξ)²] − E[max(0,ξ)]² for ξ ~ N(0, 1)
		assertEquals(var - 1, truth, 0.03);
	}
}
