package sc.fiji.diffusion.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** A window's sum from the table against the sum of its pixels, for every window of a small plane. */
class SummedAreasTest {

	@Test
	void everyWindowsSumIsItsPixelsSum() {
		final int w = 7, h = 5;
		final Random r = new Random(3);
		final float[] a = new float[w * h];
		for (int i = 0; i < a.length; i++)
			a[i] = (float) Math.rint(100 * r.nextGaussian());
		final double[] t = SummedAreas.of(a, w, h);
		for (int y0 = 0; y0 <= h; y0++)
			for (int y1 = y0; y1 <= h; y1++)
				for (int x0 = 0; x0 <= w; x0++)
					for (int x1 = x0; x1 <= w; x1++) {
						double sum = 0;
						for (int y = y0; y < y1; y++)
							for (int x = x0; x < x1; x++)
								sum += a[y * w + x];
						assertEquals(sum, SummedAreas.sum(t, w, x0, y0, x1, y1), 0, x0 + "," + y0 + " to " + x1 + "," + y1);
					}
	}

	@Test
	void aPlaneOfAnotherSizeIsRefused() {
		assertThrows(IllegalArgumentException.class, () -> SummedAreas.of(new float[10], 3, 3));
	}
}
