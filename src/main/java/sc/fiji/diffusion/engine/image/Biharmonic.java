package sc.fiji.diffusion.engine.image;

/**
 * Smooth fills of holes: the biharmonic continuation of the known pixels into the hole, Δ²u = 0
 * inside the hole with u equal to the image outside it (the classical inpainting of Damelin &amp;
 * Hoang 2018, scikit-image's {@code inpaint_biharmonic}). Unlike a harmonic (Laplace) fill it
 * continues gradients, so edges that enter the hole run on into it, smoothly.
 * <p>
 * Solved by successive over-relaxation on the 13-point stencil
 * <pre>
 *   20 u − 8 Σ(4 neighbours) + 2 Σ(4 diagonals) + Σ(4 at distance 2) = 0
 * </pre>
 * coarse to fine: the hole is first filled on 2×-downsampled copies (means of the known pixels)
 * until it is a few pixels across, and each level starts from the coarser solution, so the
 * iterations needed do not grow with the hole's size. Pixels beyond the image border are its
 * mirror image.
 */
public final class Biharmonic {

	/** A hole at most this many pixels across is solved directly (no coarser level). */
	private static final int COARSEST = 8;
	/** Gauss–Seidel sweeps at a level: at most this many, fewer once no value moves by more than {@link #TOLERANCE} of the known range. */
	private static final int SWEEPS = 400;
	private static final double TOLERANCE = 1e-5;
	/** Over-relaxation (SOR): converges for any 0 &lt; ω &lt; 2 on this positive definite system, much faster near 2. */
	private static final double OMEGA = 1.8;

	private Biharmonic() {}

	/**
	 * The image with its hole filled.
	 *
	 * @param image w·h values, row by row; not modified
	 * @param hole true where the value is unknown and to be filled
	 * @return a new array: the known pixels exactly as given, the hole biharmonic
	 * @throws IllegalArgumentException when nothing is known
	 */
	public static float[] fill(final float[] image, final boolean[] hole, final int w, final int h) {
		if (image.length != w * h || hole.length != w * h) throw new IllegalArgumentException("image and hole must have " +
			w + "x" + h + " values");
		int known = 0;
		for (final boolean b : hole)
			if (!b) known++;
		if (known == 0) throw new IllegalArgumentException("nothing is known: a fill needs pixels outside the hole");
		final double[] u = new double[w * h];
		for (int i = 0; i < u.length; i++)
			u[i] = image[i];
		solve(u, hole, w, h);
		final float[] out = image.clone();
		for (int i = 0; i < out.length; i++)
			if (hole[i]) out[i] = (float) u[i];
		return out;
	}

	/** Fills u's hole in place, starting from a coarser solution when the hole is large. */
	private static void solve(final double[] u, final boolean[] hole, final int w, final int h) {
		final int[] box = box(hole, w, h);
		if (box == null) return;
		final int extent = Math.max(box[2] - box[0], box[3] - box[1]) + 1;
		if (extent > COARSEST && w >= 4 && h >= 4) {
			final int cw = (w + 1) / 2, ch = (h + 1) / 2;
			final double[] cu = new double[cw * ch];
			final boolean[] chole = new boolean[cw * ch];
			for (int cy = 0; cy < ch; cy++)
				for (int cx = 0; cx < cw; cx++) {
					double sum = 0;
					int n = 0;
					for (int dy = 0; dy < 2; dy++)
						for (int dx = 0; dx < 2; dx++) {
							final int x = 2 * cx + dx, y = 2 * cy + dy;
							if (x < w && y < h && !hole[y * w + x]) {
								sum += u[y * w + x];
								n++;
							}
						}
					chole[cy * cw + cx] = n == 0;
					cu[cy * cw + cx] = n == 0 ? 0 : sum / n;
				}
			solve(cu, chole, cw, ch);
			// start from the coarse solution, interpolated bilinearly (pixel centres)
			for (int y = box[1]; y <= box[3]; y++)
				for (int x = box[0]; x <= box[2]; x++)
					if (hole[y * w + x]) u[y * w + x] = bilinear(cu, cw, ch, (x - 0.5) / 2, (y - 0.5) / 2);
		}
		else initialMean(u, hole, w, h, box);
		sweep(u, hole, w, h, box, SWEEPS);
	}

	/** Without a coarser level: the hole starts at the mean of the known pixels around it. */
	private static void initialMean(final double[] u, final boolean[] hole, final int w, final int h, final int[] box) {
		double sum = 0;
		int n = 0;
		for (int y = Math.max(0, box[1] - 2); y <= Math.min(h - 1, box[3] + 2); y++)
			for (int x = Math.max(0, box[0] - 2); x <= Math.min(w - 1, box[2] + 2); x++)
				if (!hole[y * w + x]) {
					sum += u[y * w + x];
					n++;
				}
		final double mean = n > 0 ? sum / n : 0;
		for (int y = box[1]; y <= box[3]; y++)
			for (int x = box[0]; x <= box[2]; x++)
				if (hole[y * w + x]) u[y * w + x] = mean;
	}

	private static void sweep(final double[] u, final boolean[] hole, final int w, final int h, final int[] box,
		final int sweeps)
	{
		double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
		for (int i = 0; i < u.length; i++)
			if (!hole[i]) {
				lo = Math.min(lo, u[i]);
				hi = Math.max(hi, u[i]);
			}
		final double tol = TOLERANCE * Math.max(hi - lo, 1e-30);
		for (int it = 0; it < sweeps; it++) {
			double moved = 0;
			for (int y = box[1]; y <= box[3]; y++)
				for (int x = box[0]; x <= box[2]; x++) {
					if (!hole[y * w + x]) continue;
					final double near = at(u, w, h, x - 1, y) + at(u, w, h, x + 1, y) + at(u, w, h, x, y - 1) + at(u, w, h, x, y + 1);
					final double diag = at(u, w, h, x - 1, y - 1) + at(u, w, h, x + 1, y - 1) + at(u, w, h, x - 1, y + 1) + at(u, w,
						h, x + 1, y + 1);
					final double far = at(u, w, h, x - 2, y) + at(u, w, h, x + 2, y) + at(u, w, h, x, y - 2) + at(u, w, h, x, y + 2);
					final double next = u[y * w + x] + OMEGA * ((8 * near - 2 * diag - far) / 20 - u[y * w + x]);
					moved = Math.max(moved, Math.abs(next - u[y * w + x]));
					u[y * w + x] = next;
				}
			if (moved < tol) return;
		}
	}

	/** u at (x, y), mirrored at the border (… 2 1 | 0 1 2 …). */
	private static double at(final double[] u, final int w, final int h, final int x, final int y) {
		return u[mirror(y, h) * w + mirror(x, w)];
	}

	private static int mirror(final int i, final int n) {
		if (n == 1) return 0;
		final int p = 2 * (n - 1);
		final int m = Math.floorMod(i, p);
		return m < n ? m : p - m;
	}

	private static double bilinear(final double[] a, final int w, final int h, final double x, final double y) {
		final double cx = Math.max(0, Math.min(w - 1, x)), cy = Math.max(0, Math.min(h - 1, y));
		final int x0 = (int) Math.floor(cx), y0 = (int) Math.floor(cy);
		final int x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
		final double fx = cx - x0, fy = cy - y0;
		return (1 - fy) * ((1 - fx) * a[y0 * w + x0] + fx * a[y0 * w + x1]) + fy * ((1 - fx) * a[y1 * w + x0] + fx * a[y1 *
			w + x1]);
	}

	/** [x0, y0, x1, y1] of the hole (inclusive), or null when there is none. */
	private static int[] box(final boolean[] hole, final int w, final int h) {
		int x0 = w, y0 = h, x1 = -1, y1 = -1;
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				if (hole[y * w + x]) {
					x0 = Math.min(x0, x);
					x1 = Math.max(x1, x);
					y0 = Math.min(y0, y);
					y1 = Math.max(y1, y);
				}
		return x1 < 0 ? null : new int[] { x0, y0, x1, y1 };
	}
}
