package sc.fiji.diffusion.engine.tasks;

import sc.fiji.diffusion.engine.image.Images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.io.IOException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.eval.FashionMnist;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;

/** Denoise, Edit and Inpaint on real Fashion-MNIST test images with the bundled model. */
class ImageTasksTest {

	private static DiffusionModel model;
	private static FashionMnist test;

	@BeforeAll
	static void load() throws IOException {
		model = DiffusionModel.load(Models.resolve("fashion-mnist"), Device.cpu());
		test = sc.fiji.diffusion.testing.TestData.fashionMnist("t10k", 64);
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static float[] noisy(final float[] clean, final double sigma, final long seed) {
		return sc.fiji.diffusion.testing.TestData.gaussian(clean, sigma, seed);
	}

	static double psnr(final float[] a, final float[] b) {
		double mse = 0;
		for (int i = 0; i < a.length; i++)
			mse += (a[i] - b[i]) * (double) (a[i] - b[i]) / a.length;
		return 10 * Math.log10(255.0 * 255.0 / mse);
	}

	/** A w×h mosaic of test images (each 32×32), for tiling. */
	static float[] mosaic(final int w, final int h) {
		final float[] out = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				out[y * w + x] = test.images[(y / 32 * 7 + x / 32) % test.images.length][(y % 32) * 32 + x % 32];
		return out;
	}

	@Test
	void denoiseImprovesPsnrAndLeavesTheInputAlone() {
		double gainMean = 0, gainSample = 0;
		final int n = 8;
		for (int k = 0; k < n; k++) {
			final float[] clean = test.images[k];
			final float[] y = noisy(clean, 25, k);
			final float[] copy = y.clone();
			final Denoise.Result mean = Denoise.with(model).sigma(25).output("mean").run(Images.plane(y, 32, 32), Monitor.NONE);
			final Denoise.Result sample = Denoise.with(model).sigma(25).output("sample").steps(10).seed(k).run(Images.plane(y, 32, 32), Monitor.NONE);
			assertArrayEquals(copy, y, "the input must not change");
			gainMean += (psnr(clean, mean.pixels()) - psnr(clean, y)) / n;
			gainSample += (psnr(clean, sample.pixels()) - psnr(clean, y)) / n;
			assertEquals(25, mean.sigma);
			assertTrue(mean.tStar > 0 && mean.tStar < 200, "t* " + mean.tStar);
		}
		assertTrue(gainMean > 6, "denoise(mean) PSNR gain " + gainMean + " dB");
		assertTrue(gainSample > 3, "denoise(sample) PSNR gain " + gainSample + " dB");
	}

	@Test
	void sigmaIsEstimatedWhenZero() {
		for (final double sigma : new double[] { 15, 50 }) {
			final float[] y = noisy(mosaic(96, 96), sigma, 3);
			final double est = sc.fiji.diffusion.engine.noise.NoiseSettings.estimateSigma(y, 96, 96);
			assertEquals(sigma, est, 0.15 * sigma, "estimated sigma");
			final Denoise.Result r = Denoise.with(model).sigma(0).run(Images.plane(y, 96, 96), Monitor.NONE);
			assertTrue(r.estimated);
			assertEquals(est, r.sigma, 1e-9);
		}
	}

	@Test
	void largeImagesGoThroughTiles() {
		final int w = 100, h = 70; // not a multiple of anything
		final float[] clean = mosaic(w, h);
		final float[] y = noisy(clean, 25, 9);
		final Denoise.Result r = Denoise.with(model).sigma(25).run(Images.plane(y, w, h), Monitor.NONE);
		assertEquals(w * h, r.pixels().length);
		assertTrue(psnr(clean, r.pixels()) > psnr(clean, y) + 5, "tiled denoise " + psnr(clean, r.pixels()) + " vs noisy " +
			psnr(clean, y));
		// smaller than a tile: padded and cropped back
		final float[] tiny = java.util.Arrays.copyOf(y, 5 * 3);
		assertEquals(15, Denoise.with(model).sigma(25).run(Images.plane(tiny, 5, 3), Monitor.NONE).pixels().length);
		assertEquals(1, Denoise.with(model).sigma(25).run(Images.plane(new float[] { 7 }, 1, 1), Monitor.NONE).pixels().length);
	}

	@Test
	void editTradesFaithfulnessForStrength() {
		final float[] guide = test.images[0];
		double prev = -1;
		for (final double strength : new double[] { 0.1, 0.4, 0.8 }) {
			final float[] out = Images.array(Edit.with(model).strength(strength).steps(20).seed(1).run(Images.plane(guide, 32, 32), Monitor.NONE));
			double l2 = 0;
			for (int i = 0; i < out.length; i++)
				l2 += (out[i] - guide[i]) * (double) (out[i] - guide[i]);
			l2 = Math.sqrt(l2 / out.length);
			assertTrue(l2 > prev, "distance to the guide should grow with strength: " + l2 + " after " + prev);
			prev = l2;
			if (strength == 0.1) assertTrue(l2 < 20, "low strength stays close to the guide: rms " + l2);
		}
		final float[] a = Images.array(Edit.with(model).strength(0.5).steps(10).seed(4).label("Bag").guidance(2).run(Images.plane(guide, 32, 32), Monitor.NONE));
		final float[] b = Images.array(Edit.with(model).strength(0.5).steps(10).seed(4).label("Bag").guidance(2).run(Images.plane(guide, 32, 32), Monitor.NONE));
		assertArrayEquals(a, b, "same seed, same result");
	}

	@Test
	void inpaintKeepsKnownPixelsExactlyAndFillsTheHole() {
		double psnrFill = 0, psnrZero = 0;
		for (int k = 0; k < 4; k++) {
			final float[] img = test.images[k];
			final float[] mask = new float[32 * 32];
			for (int y = 10; y < 22; y++)
				for (int x = 10; x < 22; x++)
					mask[y * 32 + x] = 1;
			final float[] holed = img.clone();
			for (int i = 0; i < holed.length; i++)
				if (mask[i] != 0) holed[i] = 0;
			final float[] out = Images.array(Inpaint.with(model).steps(25).jumps(2).jumpLength(5).seed(k).run(Images.plane(holed, 32, 32),
				Images.plane(mask, 32, 32), Monitor.NONE));
			final float[] inT = new float[144], inO = new float[144], inZ = new float[144];
			int j = 0;
			for (int i = 0; i < out.length; i++) {
				if (mask[i] == 0) assertEquals(Float.floatToIntBits(holed[i]), Float.floatToIntBits(out[i]), "pixel " + i);
				else {
					inT[j] = img[i];
					inO[j] = out[i];
					inZ[j++] = holed[i];
				}
			}
			psnrFill += psnr(inT, inO) / 4;
			psnrZero += psnr(inT, inZ) / 4;
		}
		assertTrue(psnrFill > psnrZero + 3, "inside the mask: inpainted " + psnrFill + " dB, left black " + psnrZero);
	}

	@Test
	void repaintWalk() {
		final int[] walk = Inpaint.schedule(10, 2, 3);
		assertEquals(0, walk[0]);
		assertEquals(10, walk[walk.length - 1]);
		int up = 0, down = 0;
		for (int k = 1; k < walk.length; k++) {
			assertEquals(1, Math.abs(walk[k] - walk[k - 1]));
			if (walk[k] < walk[k - 1]) up++;
			else down++;
		}
		assertEquals(9, up); // back 3 levels once at levels 3, 6 and 9
		assertEquals(19, down);
		assertArrayEquals(new int[] { 0, 1, 2, 3 }, Inpaint.schedule(3, 1, 1));
	}

	@Test
	void badInputGetsClearMessages() {
		final float[] img = new float[32 * 32];
		assertThrows(IllegalArgumentException.class, () -> Edit.with(model).strength(0).run(Images.plane(img, 32, 32), Monitor.NONE));
		assertThrows(IllegalArgumentException.class, () -> Edit.with(model).strength(1.5).run(Images.plane(img, 32, 32), Monitor.NONE));
		assertThrows(IllegalArgumentException.class, () -> Denoise.with(model).sigma(-1).run(Images.plane(img, 32, 32), Monitor.NONE));
		final float[] nan = img.clone();
		nan[5] = Float.NaN;
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Denoise.with(model).sigma(10)
			.run(Images.plane(nan, 32, 32), Monitor.NONE));
		assertTrue(e.getMessage().contains("NaN"), e.getMessage());
		assertTrue(assertThrows(IllegalArgumentException.class, () -> Inpaint.with(model).run(Images.plane(img, 32, 32), Images.plane(new float[32 * 32], 32, 32),
			Monitor.NONE)).getMessage().contains("empty"));
		assertTrue(assertThrows(IllegalArgumentException.class, () -> Inpaint.with(model).run(Images.plane(img, 32, 32), Images.plane(new float[10], 10, 1),
			Monitor.NONE)).getMessage().contains("same size"));
		// an all-ones mask is legal: everything is generated
		final float[] all = new float[32 * 32];
		java.util.Arrays.fill(all, 1);
		assertEquals(1024, Inpaint.with(model).steps(5).jumps(1).jumpLength(1).run(Images.plane(img, 32, 32), Images.plane(all, 32, 32), Monitor.NONE).size());
	}
}
