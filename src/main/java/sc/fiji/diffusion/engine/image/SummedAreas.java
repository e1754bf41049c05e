package sc.fiji.diffusion.engine.image;

/**
 * Summed-area tables (integral images): for a w × h plane a, the (w + 1) × (h + 1) table
 * <pre>
 *   t[(y + 1)(w + 1) + x + 1] = Σ_{y' ≤ y, x' ≤ x} a[y' w + x'],   row 0 and column 0 zero,
 * </pre>
 * from which the sum over any window [x0, x1) × [y0, y1) takes four reads, whatever its size.
 */
public final class SummedAreas {

	private SummedAreas() {}

	/** The table of a w × h plane (a.length = w · h). */
	public static double[] of(final float[] a, final int w, final int h) {
		if (a.length != w * h) throw new IllegalArgumentException("plane size " + a.length + " is not " + w + " x " + h);
		final double[] t = new double[(w + 1) * (h + 1)];
		for (int y = 0; y < h; y++) {
			double row = 0;
			for (int x = 0; x < w; x++) {
				row += a[y * w + x];
				t[(y + 1) * (w + 1) + x + 1] = t[y * (w + 1) + x + 1] + row;
			}
		}
		return t;
	}

	/** The sum over the window [x0, x1) × [y0, y1) of the w-wide plane whose table is t. */
	public static double sum(final double[] t, final int w, final int x0, final int y0, final int x1, final int y1) {
		final int s = w + 1;
		return t[y1 * s + x1] - t[y0 * s + x1] - t[y1 * s + x0] + t[y0 * s + x0];
	}
}
