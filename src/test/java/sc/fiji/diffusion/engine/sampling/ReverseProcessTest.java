package sc.fiji.diffusion.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.AnalyticDenoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.tasks.Inpaint;

/** The one loop: walks that go back up, constraints after every move, memory per move. */
class ReverseProcessTest extends sc.fiji.diffusion.testing.EngineTest {

	private static final NoiseSchedule SCHEDULE = NoiseSchedule.linear(1000, 1e-4, 0.02);

	/** RePaint's walk in level indices: down, and back up jumpLength levels every jumpLength levels. */
	@Test
	void repaintWalk() {
		assertArrayEquals(new int[] { 0, 1, 2, 1, 0, 1, 2, 3, 4, 3, 2, 3, 4, 5, 6 }, Inpaint.schedule(6, 2, 2));
		assertArrayEquals(new int[] { 0, 1, 2, 3 }, Inpaint.schedule(3, 1, 2)); // jumps = 1: no resampling
	}

	/** A forward-noising move up keeps the marginal: from data N(0.3, 0.5²) at t, up to s, the variance is ᾱ_s·0.25 + 1 − ᾱ_s. */
	@Test
	void movesUpAreTheForwardProcess() {
		final int n = 40000;
		final Sampler s = new DdpmSampler(SCHEDULE, DdpmSampler.Variance.SMALL, null);
		final List<float[]> seen = new ArrayList<>();
		// walk 600 → 300 (down) → 700 (up) → 300 → −1; record the state after the move up
		final Constraint record = (x, t, z) -> {
			if (t == 700) seen.add(x.toFloatArray());
			return x;
		};
		try (NDManager m = manager.newSubManager()) {
			final NDArray x0 = new GaussianNoise(9).ndarray(m, 0, new Shape(n)).muli(0.5f).addi(0.3f);
			final NDArray xStart = SCHEDULE.addNoise(x0, new GaussianNoise(9).ndarray(m, 1, new Shape(n)), 600);
			ReverseProcess.run(s, SCHEDULE, new AnalyticDenoiser(SCHEDULE, 0.3, 0.5), new int[] { 600, 300,
				700, 300, -1 }, xStart, new GaussianNoise(4), 0, record, Monitor.NONE);
			assertEquals(1, seen.size());
			final double ab = SCHEDULE.alphaBar(700);
			assertEquals(Math.sqrt(ab) * 0.3, mean(seen.get(0)), 0.01);
			assertEquals(Math.sqrt(ab * 0.25 + 1 - ab), std(seen.get(0)), 0.01);
		}
	}

	/** Known everywhere: the constraint wins after the last move, whatever the sampler did. */
	@Test
	void theKnownRegionIsRestoredExactlyAtTheEnd() {
		try (NDManager m = manager.newSubManager()) {
			final NDArray y = m.create(new float[] { 0.1f, -0.7f, 0.9f, 0.2f });
			final NDArray keep = m.create(new float[] { 1, 0, 1, 0 });
			final KnownRegion known = new KnownRegion(SCHEDULE, y, keep);
			final Sampler s = new DdpmSampler(SCHEDULE, DdpmSampler.Variance.SMALL, new double[] { -1, 1 });
			s.setTimesteps(20);
			final int[] walk = { 950, 900, 950, 900, 500, -1 };
			final NDArray start = known.apply(new GaussianNoise(1).ndarray(m, 0, new Shape(4)), 950, () -> new GaussianNoise(
				1).ndarray(m, ReverseProcess.startStream(1), new Shape(4)));
			final float[] out = ReverseProcess.run(s, SCHEDULE, new AnalyticDenoiser(SCHEDULE, 0.3, 0.5), walk, start,
				new GaussianNoise(2), 0, known, Monitor.NONE).toFloatArray();
			assertEquals(0.1f, out[0], 0f);
			assertEquals(0.9f, out[2], 0f);
			assertTrue(out[1] != -0.7f && out[3] != 0.2f, "unknown pixels come from the sampler");
		}
	}

	@Test
	void badWalksAreRefused() {
		final Sampler s = new DdimSampler(SCHEDULE, 0, null);
		try (NDManager m = manager.newSubManager()) {
			final NDArray x = m.zeros(new Shape(2));
			final AnalyticDenoiser d = new AnalyticDenoiser(SCHEDULE, 0, 1);
			// a walk ends below its start (at -1, the clean image, or at a noisy level)
			assertThrows(IllegalArgumentException.class, () -> ReverseProcess.run(s, SCHEDULE, d, new int[] { 100, 500 }, x,
				new GaussianNoise(1), 0, null, Monitor.NONE));
			assertThrows(IllegalArgumentException.class, () -> ReverseProcess.run(s, SCHEDULE, d, new int[] { 100 }, x,
				new GaussianNoise(1), 0, null, Monitor.NONE));
			assertThrows(IllegalArgumentException.class, () -> ReverseProcess.run(s, SCHEDULE, d, new int[] { 500, 500, -1 },
				x, new GaussianNoise(1), 0, null, Monitor.NONE));
			assertThrows(IllegalStateException.class, () -> ReverseProcess.walk(new DdimSampler(SCHEDULE, 0, null)),
				"timesteps must be set first");
		}
	}

	/** DPM-Solver++ starts a fresh history after a jump: the rest equals a fresh run from the state after the jump. */
	@Test
	void multistepHistoryDoesNotCrossAJump() {
		final AnalyticDenoiser d = new AnalyticDenoiser(SCHEDULE, 0.3, 0.5);
		try (NDManager m = manager.newSubManager()) {
			final NDArray x = new GaussianNoise(5).ndarray(m, 0, new Shape(8));
			final List<float[]> at500 = new ArrayList<>();
			final Constraint record = (y, t, z) -> {
				if (t == 500) at500.add(y.toFloatArray());
				return y;
			};
			final float[] viaJump = ReverseProcess.run(new DpmSolverPlusPlus(SCHEDULE, null), SCHEDULE, d, new int[] { 800,
				600, 400, 500, 300, 100, -1 }, x, new GaussianNoise(5), 0, record, Monitor.NONE).toFloatArray();
			final float[] fresh = ReverseProcess.run(new DpmSolverPlusPlus(SCHEDULE, null), SCHEDULE, d, new int[] { 500, 300,
				100, -1 }, m.create(at500.get(0)), new GaussianNoise(99), 0, null, Monitor.NONE).toFloatArray();
			assertArrayEquals(fresh, viaJump, 1e-6f);
		}
	}

	private static double mean(final float[] a) {
		double s = 0;
		for (final float v : a)
			s += v;
		return s / a.length;
	}

	private static double std(final float[] a) {
		final double m = mean(a);
		double s = 0;
		for (final float v : a)
			s += (v - m) * (v - m);
		return Math.sqrt(s / a.length);
	}
}
