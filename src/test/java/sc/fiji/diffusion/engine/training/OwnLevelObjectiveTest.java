package sc.fiji.diffusion.engine.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * The self-distillation objective of adapt=N: each patch is noised at the level of its own σ,
 * so that the one-step posterior mean y − σ_t ε̂ with the true ε gives the estimate back exactly.
 */
class OwnLevelObjectiveTest {

	private static final NoiseSchedule SCHEDULE = NoiseSchedule.cosine(1000, 0.008, 0.999);

	@Test
	void eachPatchIsNoisedAtItsOwnLevelAndTheTrueNoiseGivesTheEstimateBack() {
		final int b = 3, pp = 64;
		final float[] xhat = new float[b * pp];
		final SplittableRandom r = new SplittableRandom(3);
		for (int k = 0; k < xhat.length; k++)
			xhat[k] = (float) (r.nextDouble() * 2 - 1);
		final float[] sigma = { 0.02f, 0.2f, 0.6f };
		final Objective.Batch one = new Objective.Batch(b, pp);
		new Objective.OwnLevel().batch(xhat, null, sigma, b, pp, SCHEDULE, r, new GaussianNoise(7), 1, one);
		for (int i = 0; i < b; i++) {
			final int t = SCHEDULE.timestepForSigma(sigma[i]);
			assertEquals(t, (int) one.t[i], "patch " + i + " trains at the level of its own sigma");
			// the grid of levels is fine: sigma_t lies within a few per cent of the patch's sigma
			assertEquals(sigma[i], SCHEDULE.sigma(t), 0.05 * sigma[i]);
			assertEquals(1, one.weight[i], 0);
			final double sa = Math.sqrt(SCHEDULE.alphaBar(t)), st = SCHEDULE.sigma(t);
			double sq = 0;
			for (int k = i * pp; k < (i + 1) * pp; k++) {
				// x_t / sqrt(alphaBar) is xhat plus sigma_t times the target: D(y) = y - sigma_t * eps gives xhat back
				assertEquals(xhat[k], one.xt[k] / sa - st * one.target[k], 1e-4, "pixel " + k);
				sq += one.target[k] * one.target[k];
			}
			assertEquals(1, sq / pp, 0.5, "the target is unit noise");
		}
		// fresh noise from another stream: another draw
		final Objective.Batch two = new Objective.Batch(b, pp);
		new Objective.OwnLevel().batch(xhat, null, sigma, b, pp, SCHEDULE, r, new GaussianNoise(7), 2, two);
		assertNotEquals(one.target[0], two.target[0]);
		assertThrows(IllegalArgumentException.class, () -> new Objective.OwnLevel().batch(xhat, null, new float[] { 0.1f,
			0, 0.1f }, b, pp, SCHEDULE, r, new GaussianNoise(7), 1, new Objective.Batch(b, pp)));
	}
}
