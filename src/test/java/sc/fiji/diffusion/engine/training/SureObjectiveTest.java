package sc.fiji.diffusion.engine.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.testing.EngineTest;

/**
 * The SURE objective against its closed form: for a linear network ε̂(x) = c·x the denoiser is
 * D(y) = (1 − σ_t c √ᾱ) y, whose divergence is exact, so the loss must equal
 * (σ_t/σ_y)² mean(ε̂²) − 2 σ_t c √ᾱ (SURE/σ_y² − 1) up to float rounding.
 */
class SureObjectiveTest extends EngineTest {

	private static final NoiseSchedule SCHEDULE = NoiseSchedule.cosine(1000, 0.008, 0.999);

	@Test
	void lossIsSureOfTheOneStepPosteriorMean() {
		final int b = 2, p = 16, pp = p * p;
		final float[] y = new float[b * pp], sigma = { 0.2f, 0.3f };
		final SplittableRandom r = new SplittableRandom(3);
		for (int i = 0; i < y.length; i++)
			y[i] = (float) (r.nextDouble() * 2 - 1);
		final Objective.Sure sure = new Objective.Sure();
		final Objective.Batch one = new Objective.Batch(b, pp);
		sure.batch(y, null, sigma, b, pp, SCHEDULE, r, new GaussianNoise(1), 1, one);
		final float c = 0.7f;
		try (NDManager m = manager.newSubManager()) {
			final NDArray loss = sure.loss((xt, t) -> xt.mul(c), m, one, b, p);
			double expected = 0;
			for (int i = 0; i < b; i++) {
				final int t = (int) one.t[i];
				final double sa = Math.sqrt(SCHEDULE.alphaBar(t)), st = SCHEDULE.sigma(t);
				double e2 = 0;
				for (int k = i * pp; k < (i + 1) * pp; k++)
					e2 += Math.pow(c * sa * y[k], 2) / pp;
				expected += ((st / sigma[i]) * (st / sigma[i]) * e2 - 2 * st * c * sa) / b;
				assertEquals(sigma[i], st, 0.02 * sigma[i], "the level t* has the data's noise");
			}
			assertEquals(expected, loss.getFloat(), 1e-3 * Math.abs(expected));
		}
	}

	@Test
	void refusesCleanPatches() {
		final Objective.Batch one = new Objective.Batch(1, 4);
		assertThrows(IllegalArgumentException.class, () -> new Objective.Sure().batch(new float[4], null, new float[1], 1, 4,
			SCHEDULE, new SplittableRandom(1), new GaussianNoise(1), 1, one));
	}
}
