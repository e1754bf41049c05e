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

	/**
	 * Long arrays take the bucketed median: the same value as sorting, for both parities, with
	 * ties, one value everywhere, values of both signs and all magnitudes, and the middle pair
	 * split across buckets.
	 */
	@Test
	void theMedianOfALongArrayIsTheSortedOne() {
		final Random r = new Random(3);
		for (final int n : new int[] { 4096, 4097, 100_000, 100_001 })
			for (int kind = 0; kind < 4; kind++) {
				final double[] a = new double[n];
				for (int i = 0; i < n; i++)
					a[i] = kind == 0 ? Math.abs(r.nextGaussian()) : kind == 1 ? r.nextInt(7) / 2.0 : kind == 2 ? 3.5 : r
						.nextGaussian() * Math.pow(10, r.nextInt(12) - 6);
				if (kind == 3 && n % 2 == 0) {
					// the two middle values far apart: half the values at 1, half at 1000
					for (int i = 0; i < n; i++)
						a[i] = i % 2 == 0 ? 1 : 1000;
				}
				final double[] sorted = a.clone();
				Arrays.sort(sorted);
				final double want = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
				assertEquals(want, OrderStatistics.median(a.clone()), 0, "n " + n + ", kind " + kind);
			}
	}

	/**
	 * The stable order of keys with many ties, NaN, infinities and signed zeros, and of keys spread
	 * over many magnitudes of both signs: the one a stable sort of boxed records gives (short arrays
	 * take the merge sort, long ones the radix sort).
	 */
	@Test
	void stableOrderIsTheOrderOfAStableSort() {
		final java.util.Random r = new java.util.Random(11);
		for (final int n : new int[] { 0, 1, 2, 7, 1000, 4095, 4097, 300_000 })
			for (final boolean spread : new boolean[] { false, true }) {
			final double[] keys = new double[n];
			for (int i = 0; i < n; i++)
				keys[i] = r.nextInt(10) == 0 ? (r.nextBoolean() ? -0.0 : 0.0) : r.nextInt(20) == 0 ? Double.NaN : r.nextInt(
					40) == 0 ? (r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY) : spread ? r
						.nextGaussian() * Math.pow(10, r.nextInt(40) - 20) : r.nextInt(50) - 20;
			final Integer[] boxed = new Integer[n];
			for (int i = 0; i < n; i++)
				boxed[i] = i;
			java.util.Arrays.sort(boxed, (a, b) -> Double.compare(keys[a], keys[b]));
			final int[] want = new int[n];
			for (int i = 0; i < n; i++)
				want[i] = boxed[i];
			org.junit.jupiter.api.Assertions.assertArrayEquals(want, OrderStatistics.stableOrder(keys), "n = " + n +
				(spread ? ", spread keys" : ", integer keys"));
		}
	}
}
