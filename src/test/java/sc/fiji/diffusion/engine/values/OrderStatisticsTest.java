package sc.fiji.diffusion.engine.values;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Selection gives what sorting gives, with ties, duplicates and every rank. */
class OrderStatisticsTest {

	@Test
	void selectIsTheSortedValue() {
		final Random r = new Random(1);
		for (int trial = 0; trial < 200; trial++) {
			final int n = 1 + r.nextInt(300);
			final float[] a = new float[n];
			for (int i = 0; i < n; i++)
				a[i] = trial % 3 == 0 ? r.nextInt(5) : (float) r.nextGaussian(); // many ties in a third of the trials
			final float[] sorted = a.clone();
			Arrays.sort(sorted);
			final int k = r.nextInt(n);
			assertEquals(sorted[k], OrderStatistics.select(a.clone(), k), 0f, "n " + n + ", k " + k);
			final double[] d = new double[n];
			for (int i = 0; i < n; i++)
				d[i] = a[i];
			final double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + (double) sorted[n / 2]) / 2;
			assertEquals(median, OrderStatistics.median(d), 1e-12);
		}
	}
}
