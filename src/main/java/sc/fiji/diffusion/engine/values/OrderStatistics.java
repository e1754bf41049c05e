package sc.fiji.diffusion.engine.values;

/**
 * The k-th smallest value of an array in linear expected time (Hoare's quickselect with a
 * median-of-three pivot), instead of sorting: percentiles and medians of whole images are taken
 * per image and per file, where a full sort was a visible part of a small file's time. The
 * array is reordered; the value is the one a sort would put at index k.
 */
public final class OrderStatistics {

	private OrderStatistics() {}

	/** The value at index k of the sorted array; {@code a} is reordered (a[k] holds it afterwards). */
	public static float select(final float[] a, final int k) {
		if (k < 0 || k >= a.length) throw new IllegalArgumentException("k = " + k + " outside 0.." + (a.length - 1));
		int lo = 0, hi = a.length - 1;
		while (hi > lo) {
			final int mid = (lo + hi) >>> 1;
			// median of three as the pivot, then Hoare partition
			if (a[mid] < a[lo]) swap(a, mid, lo);
			if (a[hi] < a[lo]) swap(a, hi, lo);
			if (a[hi] < a[mid]) swap(a, hi, mid);
			final float pivot = a[mid];
			int i = lo, j = hi;
			while (i <= j) {
				while (a[i] < pivot)
					i++;
				while (a[j] > pivot)
					j--;
				if (i <= j) swap(a, i++, j--);
			}
			if (k <= j) hi = j;
			else if (k >= i) lo = i;
			else return a[k];
		}
		return a[k];
	}

	/** As {@link #select(float[], int)} for doubles. */
	public static double select(final double[] a, final int k) {
		if (k < 0 || k >= a.length) throw new IllegalArgumentException("k = " + k + " outside 0.." + (a.length - 1));
		int lo = 0, hi = a.length - 1;
		while (hi > lo) {
			final int mid = (lo + hi) >>> 1;
			if (a[mid] < a[lo]) swap(a, mid, lo);
			if (a[hi] < a[lo]) swap(a, hi, lo);
			if (a[hi] < a[mid]) swap(a, hi, mid);
			final double pivot = a[mid];
			int i = lo, j = hi;
			while (i <= j) {
				while (a[i] < pivot)
					i++;
				while (a[j] > pivot)
					j--;
				if (i <= j) swap(a, i++, j--);
			}
			if (k <= j) hi = j;
			else if (k >= i) lo = i;
			else return a[k];
		}
		return a[k];
	}

	/**
	 * The median (the mean of the two middle values for an even length); {@code a} may be
	 * reordered. A long array is first bucketed by the top 16 bits of its values'
	 * order-preserving bit patterns (one pass), and only the bucket holding the middle is
	 * selected in: the same value, without partitioning a million values (a plane's Haar details).
	 */
	public static double median(final double[] a) {
		final int n = a.length, k = n / 2;
		if (n >= RADIX_MIN) {
			final double upper = bucketed(a, k);
			return n % 2 == 1 ? upper : (bucketed(a, k - 1) + upper) / 2;
		}
		final double upper = select(a, k);
		if (n % 2 == 1) return upper;
		double lower = a[0];
		for (int i = 1; i < k; i++)
			lower = Math.max(lower, a[i]);
		return (lower + upper) / 2;
	}

	/** The value at index k of the sorted array (by {@link Double#compare}), {@code a} unchanged. */
	static double bucketed(final double[] a, final int k) {
		final int[] count = new int[1 << 16];
		for (final double v : a)
			count[(int) (sortable(v) >>> 48)]++;
		int bucket = 0, before = 0;
		while (before + count[bucket] <= k)
			before += count[bucket++];
		final double[] in = new double[count[bucket]];
		int m = 0;
		for (final double v : a)
			if ((int) (sortable(v) >>> 48) == bucket) in[m++] = v;
		// within one bucket Double.compare's order and <'s agree but for −0 against +0, which are equal values
		return select(in, k - before);
	}

	private static void swap(final float[] a, final int i, final int j) {
		final float t = a[i];
		a[i] = a[j];
		a[j] = t;
	}

	private static void swap(final double[] a, final int i, final int j) {
		final double t = a[i];
		a[i] = a[j];
		a[j] = t;
	}

	/**
	 * The permutation that sorts {@code keys} stably (ties keep their order; {@link Double#compare}
	 * order): {@code keys[p[0]] ≤ keys[p[1]] ≤ …}. On primitive keys, for sorting records by one
	 * field without a comparator over boxed objects: a least-significant-digit radix sort of the
	 * keys' order-preserving bit patterns (16 bits a pass, passes where every key has the same
	 * digit skipped; stable by construction), a bottom-up merge sort for short arrays.
	 */
	public static int[] stableOrder(final double[] keys) {
		return keys.length < RADIX_MIN ? mergeOrder(keys) : radixOrder(keys);
	}

	/** Below this length the merge sort is faster than the radix sort's histograms. */
	static final int RADIX_MIN = 1 << 12;

	/**
	 * The bits of {@code v} as an unsigned number in {@link Double#compare} order: positive values
	 * with the sign bit set, negative ones with every bit flipped (larger magnitude, smaller);
	 * −0 below +0, NaN (canonical) above +∞.
	 */
	static long sortable(final double v) {
		final long bits = Double.doubleToLongBits(v);
		return bits ^ ((bits >> 63) | Long.MIN_VALUE);
	}

	static int[] radixOrder(final double[] keys) {
		final int n = keys.length;
		long[] ka = new long[n], kb = new long[n];
		int[] a = new int[n], b = new int[n];
		final int[][] counts = new int[4][1 << 16];
		for (int i = 0; i < n; i++) {
			final long k = sortable(keys[i]);
			ka[i] = k;
			a[i] = i;
			counts[0][(int) (k & 0xFFFF)]++;
			counts[1][(int) (k >>> 16 & 0xFFFF)]++;
			counts[2][(int) (k >>> 32 & 0xFFFF)]++;
			counts[3][(int) (k >>> 48)]++;
		}
		for (int pass = 0; pass < 4; pass++) {
			final int[] c = counts[pass];
			final int shift = 16 * pass;
			// a digit every key shares leaves the order as it is
			if (c[(int) (ka[0] >>> shift & 0xFFFF)] == n) continue;
			for (int d = 0, start = 0; d < c.length; d++) {
				final int m = c[d];
				c[d] = start;
				start += m;
			}
			for (int i = 0; i < n; i++) {
				final long k = ka[i];
				final int at = c[(int) (k >>> shift & 0xFFFF)]++;
				kb[at] = k;
				b[at] = a[i];
			}
			final long[] kt = ka;
			ka = kb;
			kb = kt;
			final int[] t = a;
			a = b;
			b = t;
		}
		return a;
	}

	static int[] mergeOrder(final double[] keys) {
		final int n = keys.length;
		int[] a = new int[n], b = new int[n];
		// the keys travel with their indices: the merges read both in order, not keys[a[i]] all over memory
		double[] ka = keys.clone(), kb = new double[n];
		for (int i = 0; i < n; i++)
			a[i] = i;
		for (int width = 1; width < n; width *= 2) {
			for (int lo = 0; lo < n; lo += 2 * width) {
				final int mid = Math.min(lo + width, n), hi = Math.min(lo + 2 * width, n);
				int i = lo, j = mid, k = lo;
				while (i < mid && j < hi) {
					if (Double.compare(ka[j], ka[i]) < 0) {
						kb[k] = ka[j];
						b[k++] = a[j++];
					}
					else {
						kb[k] = ka[i];
						b[k++] = a[i++];
					}
				}
				System.arraycopy(ka, i, kb, k, mid - i);
				System.arraycopy(a, i, b, k, mid - i);
				k += mid - i;
				System.arraycopy(ka, j, kb, k, hi - j);
				System.arraycopy(a, j, b, k, hi - j);
			}
			final int[] t = a;
			a = b;
			b = t;
			final double[] kt = ka;
			ka = kb;
			kb = kt;
		}
		return a;
	}
}
