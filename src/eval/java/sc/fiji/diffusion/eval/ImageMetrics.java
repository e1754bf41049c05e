package sc.fiji.diffusion.eval;

/** PSNR and SSIM on 0–255 images. */
public final class ImageMetrics {

	private ImageMetrics() {}

	/** PSNR = 10 log10(255² / MSE) over the pixels where {@code where} is null or non-zero. */
	public static double psnr(final float[] ref, final float[] img, final float[] where) {
		return psnr(ref, img, where, 255);
	}

	/** PSNR = 10 log10(peak² / MSE) over the pixels where {@code where} is null or non-zero. */
	public static double psnr(final float[] ref, final float[] img, final float[] where, final double peak) {
		double se = 0;
		int n = 0;
		for (int i = 0; i < ref.length; i++) {
			if (where != null && where[i] == 0) continue;
			final double d = ref[i] - img[i];
			se += d * d;
			n++;
		}
		return 10 * Math.log10(peak * peak / Math.max(se / n, 1e-10));
	}

	/**
	 * Mean SSIM (Wang et al. 2004): Gaussian window σ = 1.5 (11×11), K1 = 0.01, K2 = 0.03,
	 * L = 255, over the positions where the window fits.
	 */
	public static double ssim(final float[] a, final float[] b, final int w, final int h) {
		return ssim(a, b, w, h, 255);
	}

	/** SSIM as above with dynamic range L = {@code peak}. */
	public static double ssim(final float[] a, final float[] b, final int w, final int h, final double peak) {
		final int r = 5;
		final double[] g = new double[2 * r + 1];
		double gs = 0;
		for (int i = -r; i <= r; i++)
			gs += g[i + r] = Math.exp(-i * i / (2 * 1.5 * 1.5));
		for (int i = 0; i < g.length; i++)
			g[i] /= gs;
		final double c1 = Math.pow(0.01 * peak, 2), c2 = Math.pow(0.03 * peak, 2);
		double sum = 0;
		int n = 0;
		for (int y = r; y < h - r; y++)
			for (int x = r; x < w - r; x++) {
				double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
				for (int dy = -r; dy <= r; dy++)
					for (int dx = -r; dx <= r; dx++) {
						final double wt = g[dy + r] * g[dx + r];
						final double va = a[(y + dy) * w + x + dx], vb = b[(y + dy) * w + x + dx];
						ma += wt * va;
						mb += wt * vb;
						saa += wt * va * va;
						sbb += wt * vb * vb;
						sab += wt * va * vb;
					}
				final double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
				sum += (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
				n++;
			}
		return sum / n;
	}
}
