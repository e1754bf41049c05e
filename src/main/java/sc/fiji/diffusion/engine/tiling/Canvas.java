package sc.fiji.diffusion.engine.tiling;

/**
 * The working area of a task: the image centred on a canvas at least as large as the model's
 * tile, filled around by mirror reflection, and cropped back at the end.
 */
public final class Canvas {

	public final int width, height, canvasWidth, canvasHeight, offsetX, offsetY;

	public Canvas(final int width, final int height, final int minSize) {
		if (width < 1 || height < 1) throw new IllegalArgumentException("image must be at least 1x1, was " + width + "x" +
			height);
		this.width = width;
		this.height = height;
		canvasWidth = Math.max(width, minSize);
		canvasHeight = Math.max(height, minSize);
		offsetX = (canvasWidth - width) / 2;
		offsetY = (canvasHeight - height) / 2;
	}

	/** Symmetric reflection of index i into [0, n). */
	static int fold(final int i, final int n) {
		if (n == 1) return 0;
		int k = Math.floorMod(i, 2 * n);
		return k < n ? k : 2 * n - 1 - k;
	}

	public float[] pad(final float[] plane) {
		if (canvasWidth == width && canvasHeight == height) return plane.clone();
		final float[] out = new float[canvasWidth * canvasHeight];
		for (int y = 0; y < canvasHeight; y++) {
			final int sy = fold(y - offsetY, height);
			for (int x = 0; x < canvasWidth; x++)
				out[y * canvasWidth + x] = plane[sy * width + fold(x - offsetX, width)];
		}
		return out;
	}

	public float[] crop(final float[] canvas) {
		if (canvasWidth == width && canvasHeight == height) return canvas;
		final float[] out = new float[width * height];
		for (int y = 0; y < height; y++)
			System.arraycopy(canvas, (y + offsetY) * canvasWidth + offsetX, out, y * width, width);
		return out;
	}
}
