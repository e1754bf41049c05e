package sc.fiji.diffusion.engine.image;

/**
 * Exemplar-based fills of holes (Criminisi, Pérez &amp; Toyama 2004): the hole is filled from
 * its border inwards by copying whole patches of the known image, the most similar one each
 * time, so what is copied is real texture and real edges of the surroundings, and linear
 * structures that reach the hole are carried across it first.
 * <p>
 * Each step takes the point p on the hole's front with the largest priority
 * <pre>
 *   P(p) = C(p) · D(p),   C(p) = Σ_{q ∈ Ψ_p} c(q) / |Ψ_p|,   D(p) = |∇I(p)^⊥ · n_p| / α + 0.001
 * </pre>
 * (Ψ_p the {@link #PATCH}² patch at p; c = 1 on known pixels and the priority of the step that
 * filled a pixel on filled ones; ∇I^⊥ the isophote: the strongest image gradient, rotated by 90°,
 * among the patch's pixels whose 3×3 neighbourhood is all known; n_p the normal of the front, from
 * the gradient of the hole's indicator; α the known pixels' range), finds the patch Ψ_q entirely
 * of originally known pixels, centred within {@link #SEARCH} px of p (farther only when there is
 * none so near), with the least sum of squared differences to Ψ_p's known pixels, and copies
 * Ψ_q's pixels into Ψ_p's unknown ones. Ties go to the first in row order: the same input gives
 * the same fill.
 */
public final class Exemplar {

	/** The side of the patches (odd). */
	public static final int PATCH = 9;
	/** How far (px) from the point being filled the source patches are looked for first. */
	public static final int SEARCH = 48;
	/**
	 * Holes of more pixels are not filled (null): every step looks for the front's best point over
	 * the hole's bounding box, so the time grows faster than the hole's area (on this CPU 1.1 s for
	 * 256², 3.7 s for 362² = 131 072 px, 14 s for 512²).
	 */
	public static final int MAX_PIXELS = 1 << 17;

	private static final int HALF = PATCH / 2;

	private Exemplar() {}

	/**
	 * The image with its hole filled.
	 *
	 * @param image w·h values, row by row; not modified
	 * @param hole true where the value is unknown and to be filled
	 * @return a new array: the known pixels exactly as given, the hole filled from known patches;
	 *         null when the image holds no patch of {@link #PATCH}² known pixels to copy from, or
	 *         the hole has more than {@link #MAX_PIXELS} pixels
	 */
	public static float[] fill(final float[] image, final boolean[] hole, final int w, final int h) {
		if (image.length != w * h || hole.length != w * h) throw new IllegalArgumentException("image and hole must have " +
			w + "x" + h + " values");
		final int n = w * h;
		final float[] x = image.clone();
		final boolean[] unknown = hole.clone();
		final double[] conf = new double[n];
		int left = 0, bx0 = w, by0 = h, bx1 = -1, by1 = -1;
		float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
		for (int i = 0; i < n; i++) {
			if (hole[i]) {
				left++;
				x[i] = 0;
				bx0 = Math.min(bx0, i % w);
				bx1 = Math.max(bx1, i % w);
				by0 = Math.min(by0, i / w);
				by1 = Math.max(by1, i / w);
			}
			else {
				conf[i] = 1;
				lo = Math.min(lo, x[i]);
				hi = Math.max(hi, x[i]);
			}
		}
		if (left == 0) return x;
		if (left > MAX_PIXELS) return null;
		final double alpha = hi > lo ? hi - lo : 1;
		// count of hole pixels in every rectangle, for "is this source patch all known" in O(1)
		final int[] holes = new int[(w + 1) * (h + 1)];
		for (int yy = 0; yy < h; yy++)
			for (int xx = 0; xx < w; xx++)
				holes[(yy + 1) * (w + 1) + xx + 1] = (hole[yy * w + xx] ? 1 : 0) + holes[yy * (w + 1) + xx + 1] + holes[(yy +
					1) * (w + 1) + xx] - holes[yy * (w + 1) + xx];
		boolean anySource = false;
		for (int yy = HALF; yy < h - HALF && !anySource; yy++)
			for (int xx = HALF; xx < w - HALF && !anySource; xx++)
				anySource = allKnown(holes, w, xx, yy);
		if (!anySource) return null;
		// each front point's priority and confidence, kept between steps: a step changes them only near the patch it
		// filled (C reads the patch around a point, D the gradients one pixel beyond it), so only there are they recomputed
		final double[] prio = new double[n], confC = new double[n];
		update(prio, confC, x, unknown, conf, w, h, bx0, by0, bx1, by1, alpha);
		final int reach = 2 * HALF + 2;
		while (left > 0) {
			// the front point of highest priority (the front lies within the hole's bounding box; ties: first in row order)
			int best = -1;
			double bestP = -1;
			for (int yy = by0; yy <= by1; yy++)
				for (int xx = bx0; xx <= bx1; xx++) {
					final int i = yy * w + xx;
					if (prio[i] > bestP) {
						bestP = prio[i];
						best = i;
					}
				}
			final double bestC = confC[best];
			// the patch around it, kept inside the image
			final int cx = Math.min(Math.max(best % w, HALF), w - 1 - HALF), cy = Math.min(Math.max(best / w, HALF), h - 1 -
				HALF);
			final int src = bestSource(x, unknown, holes, w, h, cx, cy);
			final int sx = src % w, sy = src / w;
			for (int dy = -HALF; dy <= HALF; dy++)
				for (int dx = -HALF; dx <= HALF; dx++) {
					final int t = (cy + dy) * w + cx + dx;
					if (!unknown[t]) continue;
					x[t] = x[(sy + dy) * w + sx + dx];
					conf[t] = bestC;
					unknown[t] = false;
					left--;
				}
			update(prio, confC, x, unknown, conf, w, h, Math.max(bx0, cx - reach), Math.max(by0, cy - reach), Math.min(bx1, cx +
				reach), Math.min(by1, cy + reach), alpha);
		}
		return x;
	}

	/** P and C of the front points in [x0, x1] × [y0, y1]; −1 (never chosen) for every other pixel there. */
	private static void update(final double[] prio, final double[] confC, final float[] x, final boolean[] unknown,
		final double[] conf, final int w, final int h, final int x0, final int y0, final int x1, final int y1,
		final double alpha)
	{
		for (int yy = y0; yy <= y1; yy++)
			for (int xx = x0; xx <= x1; xx++) {
				final int i = yy * w + xx;
				if (!unknown[i] || !onFront(unknown, w, h, xx, yy)) {
					prio[i] = -1;
					continue;
				}
				confC[i] = confidence(conf, w, h, xx, yy);
				prio[i] = confC[i] * data(x, unknown, w, h, xx, yy, alpha);
			}
	}

	private static boolean allKnown(final int[] holes, final int w, final int cx, final int cy) {
		final int x0 = cx - HALF, y0 = cy - HALF, x1 = cx + HALF + 1, y1 = cy + HALF + 1, W = w + 1;
		return holes[y1 * W + x1] - holes[y0 * W + x1] - holes[y1 * W + x0] + holes[y0 * W + x0] == 0;
	}

	private static boolean onFront(final boolean[] unknown, final int w, final int h, final int x, final int y) {
		for (int dy = -1; dy <= 1; dy++)
			for (int dx = -1; dx <= 1; dx++) {
				final int yy = y + dy, xx = x + dx;
				if (yy >= 0 && yy < h && xx >= 0 && xx < w && !unknown[yy * w + xx]) return true;
			}
		return false;
	}

	/** C(p): the patch's confidence per pixel of a whole patch (pixels beyond the image count as 0). */
	private static double confidence(final double[] conf, final int w, final int h, final int x, final int y) {
		double s = 0;
		for (int yy = Math.max(0, y - HALF); yy <= Math.min(h - 1, y + HALF); yy++)
			for (int xx = Math.max(0, x - HALF); xx <= Math.min(w - 1, x + HALF); xx++)
				s += conf[yy * w + xx];
		return s / (PATCH * PATCH);
	}

	/** D(p): the strongest isophote in the patch across the front's normal at p. */
	private static double data(final float[] x, final boolean[] unknown, final int w, final int h, final int px,
		final int py, final double alpha)
	{
		// the front's normal: the gradient of the hole's indicator (Sobel), unit length
		final double ny = sobelY(unknown, w, h, px, py), nx = sobelX(unknown, w, h, px, py);
		final double nn = Math.hypot(ny, nx);
		if (!(nn > 0)) return 0.001;
		double gBest = -1, gy = 0, gx = 0;
		for (int yy = Math.max(1, py - HALF); yy <= Math.min(h - 2, py + HALF); yy++)
			for (int xx = Math.max(1, px - HALF); xx <= Math.min(w - 2, px + HALF); xx++) {
				if (!neighbourhoodKnown(unknown, w, xx, yy)) continue;
				final int i = yy * w + xx;
				final double ddy = x[i + w - 1] + 2 * x[i + w] + x[i + w + 1] - x[i - w - 1] - 2 * x[i - w] - x[i - w + 1];
				final double ddx = x[i - w + 1] + 2 * x[i + 1] + x[i + w + 1] - x[i - w - 1] - 2 * x[i - 1] - x[i + w - 1];
				final double g = ddy * ddy + ddx * ddx;
				if (g > gBest) {
					gBest = g;
					gy = ddy;
					gx = ddx;
				}
			}
		if (gBest < 0) return 0.001;
		// the isophote (−∂x, ∂y) in (y, x) order: along the edge, not across it
		return Math.abs(-gx * ny / nn + gy * nx / nn) / alpha + 0.001;
	}

	private static boolean neighbourhoodKnown(final boolean[] unknown, final int w, final int x, final int y) {
		for (int dy = -1; dy <= 1; dy++)
			for (int dx = -1; dx <= 1; dx++)
				if (unknown[(y + dy) * w + x + dx]) return false;
		return true;
	}

	private static double at(final boolean[] b, final int w, final int h, final int x, final int y) {
		return b[Math.min(Math.max(y, 0), h - 1) * w + Math.min(Math.max(x, 0), w - 1)] ? 1 : 0;
	}

	private static double sobelY(final boolean[] b, final int w, final int h, final int x, final int y) {
		return at(b, w, h, x - 1, y + 1) + 2 * at(b, w, h, x, y + 1) + at(b, w, h, x + 1, y + 1) - at(b, w, h, x - 1, y - 1) -
			2 * at(b, w, h, x, y - 1) - at(b, w, h, x + 1, y - 1);
	}

	private static double sobelX(final boolean[] b, final int w, final int h, final int x, final int y) {
		return at(b, w, h, x + 1, y - 1) + 2 * at(b, w, h, x + 1, y) + at(b, w, h, x + 1, y + 1) - at(b, w, h, x - 1, y - 1) -
			2 * at(b, w, h, x - 1, y) - at(b, w, h, x - 1, y + 1);
	}

	/**
	 * The centre of the all-known patch most like the patch at (cx, cy) on its known pixels: within
	 * {@link #SEARCH} px, the window doubling until it holds a candidate.
	 */
	private static int bestSource(final float[] x, final boolean[] unknown, final int[] holes, final int w, final int h,
		final int cx, final int cy)
	{
		// the target's known pixels as offsets and values: compared against every candidate
		final int[] off = new int[PATCH * PATCH];
		final float[] val = new float[PATCH * PATCH];
		int m = 0;
		for (int dy = -HALF; dy <= HALF; dy++)
			for (int dx = -HALF; dx <= HALF; dx++) {
				final int t = (cy + dy) * w + cx + dx;
				if (unknown[t]) continue;
				off[m] = dy * w + dx;
				val[m++] = x[t];
			}
		for (int r = SEARCH;; r *= 2) {
			int best = -1;
			double bestD = Double.POSITIVE_INFINITY;
			final int y0 = Math.max(HALF, cy - r), y1 = Math.min(h - 1 - HALF, cy + r);
			final int x0 = Math.max(HALF, cx - r), x1 = Math.min(w - 1 - HALF, cx + r);
			for (int sy = y0; sy <= y1; sy++)
				for (int sx = x0; sx <= x1; sx++) {
					if (!allKnown(holes, w, sx, sy)) continue;
					final int c = sy * w + sx;
					double d = 0;
					for (int k = 0; k < m && d < bestD; k++) {
						final double e = x[c + off[k]] - val[k];
						d += e * e;
					}
					if (d < bestD) {
						bestD = d;
						best = c;
					}
				}
			if (best >= 0) return best;
			// fill() checked that a source exists somewhere: a wide enough window finds it
		}
	}
}
