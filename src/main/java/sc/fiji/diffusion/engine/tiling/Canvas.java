package sc.fiji.diffusion.engine.tiling;

import java.util.Arrays;

/**
 * The working area of a task: an n-dimensional image (row-major, the last axis fastest) centred
 * on a canvas that is at least {@code minSize} and a multiple of {@code multiple} on every axis,
 * filled around by mirror reflection, and cropped back at the end.
 */
public final class Canvas {

	private final long[] size, canvas, offset;

	/**
	 * @param size the image's size per axis (… , y, x)
	 * @param minSize the smallest canvas per axis (e.g. a fixed-size model's tile)
	 * @param multiple the canvas size must be a multiple of this per axis (1: any)
	 */
	public Canvas(final long[] size, final int[] minSize, final int[] multiple) {
		this.size = size.clone();
		canvas = new long[size.length];
		offset = new long[size.length];
		for (int d = 0; d < size.length; d++) {
			if (size[d] < 1) throw new IllegalArgumentException("image must be at least 1 pixel on every axis, was " + Arrays
				.toString(size));
			final long q = Math.max(1, multiple[d]);
			canvas[d] = (Math.max(size[d], minSize[d]) + q - 1) / q * q;
			offset[d] = (canvas[d] - size[d]) / 2;
		}
	}

	/** A 2D canvas for a w × h plane. */
	public Canvas(final int width, final int height, final int[] minSize, final int[] multiple) {
		this(new long[] { height, width }, minSize, multiple);
	}

	public long[] size() {
		return canvas.clone();
	}

	/** Where the image starts on the canvas. */
	public long[] offset() {
		return offset.clone();
	}

	public boolean isIdentity() {
		return Arrays.equals(size, canvas);
	}

	/** Symmetric reflection of index i into [0, n). */
	public static long fold(final long i, final long n) {
		if (n == 1) return 0;
		final long k = Math.floorMod(i, 2 * n);
		return k < n ? k : 2 * n - 1 - k;
	}

	public float[] pad(final float[] image) {
		if (isIdentity()) return image.clone();
		final int n = size.length;
		final float[] out = new float[Math.toIntExact(Arrays.stream(canvas).reduce(1, (a, b) -> a * b))];
		final long[] idx = new long[n];
		for (int i = 0; i < out.length; i++) {
			long src = 0;
			for (int d = 0; d < n; d++)
				src = src * size[d] + fold(idx[d] - offset[d], size[d]);
			out[i] = image[(int) src];
			for (int d = n - 1; d >= 0; d--) {
				if (++idx[d] < canvas[d]) break;
				idx[d] = 0;
			}
		}
		return out;
	}

	public float[] crop(final float[] data) {
		if (isIdentity()) return data;
		final int n = size.length;
		final float[] out = new float[Math.toIntExact(Arrays.stream(size).reduce(1, (a, b) -> a * b))];
		final long[] idx = new long[n];
		for (int i = 0; i < out.length; i++) {
			long src = 0;
			for (int d = 0; d < n; d++)
				src = src * canvas[d] + idx[d] + offset[d];
			out[i] = data[(int) src];
			for (int d = n - 1; d >= 0; d--) {
				if (++idx[d] < size[d]) break;
				idx[d] = 0;
			}
		}
		return out;
	}
}
