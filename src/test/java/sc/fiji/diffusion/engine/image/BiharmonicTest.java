package sc.fiji.diffusion.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The biharmonic fill: exact where the truth is biharmonic, known pixels untouched. */
class BiharmonicTest {

	/**
	 * u² + v² has Δ² = 0 but Δ ≠ 0: the biharmonic fill must give it back inside a large hole
	 * (a harmonic fill would miss by about 12 grey levels in the middle).
	 */
	@Test
	void continuesAQuadraticIntoALargeHole() {
		final int w = 128, h = 96;
		final float[] truth = new float[w * h], image = new float[w * h];
		final boolean[] hole = new boolean[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				final double u = (x - 60) / 40.0, v = (y - 50) / 40.0;
				truth[y * w + x] = (float) (100 + 30 * u - 20 * v + 25 * (u * u + v * v));
				final boolean in = x >= 40 && x < 96 && y >= 20 && y < 76;
				hole[y * w + x] = in;
				image[y * w + x] = in ? 0 : truth[y * w + x];
			}
		final float[] f = Biharmonic.fill(image, hole, w, h);
		double worst = 0;
		for (int i = 0; i < f.length; i++) {
			if (!hole[i]) assertEquals(image[i], f[i], 0.0, "a known pixel changed");
			worst = Math.max(worst, Math.abs(f[i] - truth[i]));
		}
		assertTrue(worst < 1, "largest error " + worst + " grey levels (values span about 100)");
	}

	/** A hole on the image's left border: the ramp around it runs on through it. */
	@Test
	void fillsAHoleAtTheBorderFromAStraightRamp() {
		final int w = 64, h = 64;
		final float[] image = new float[w * h];
		final boolean[] hole = new boolean[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				hole[y * w + x] = x < 20 && y >= 16 && y < 48;
				image[y * w + x] = hole[y * w + x] ? -999 : 5 + 2 * y;
			}
		final float[] f = Biharmonic.fill(image, hole, w, h);
		for (int y = 16; y < 48; y++)
			assertEquals(5 + 2 * y, f[y * w + 3], 0.1, "row " + y);
	}

	@Test
	void refusesAnImageWithNothingKnown() {
		final boolean[] all = new boolean[16];
		java.util.Arrays.fill(all, true);
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Biharmonic.fill(new float[16],
			all, 4, 4));
		assertTrue(e.getMessage().contains("nothing is known"), e.getMessage());
	}
}
