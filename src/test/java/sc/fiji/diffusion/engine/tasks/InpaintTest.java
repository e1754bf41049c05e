package sc.fiji.diffusion.engine.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.djl.Device;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.values.ValueMap;
import sc.fiji.diffusion.models.Models;

/** Inpaint with the bundled grayscale prior: edges continued, no blobs, noise where the image is noisy. */
class InpaintTest {

	private static final int W = 96, H = 96, X0 = 36, Y0 = 36, SIDE = 24;
	private static DiffusionModel model;

	@BeforeAll
	static void load() throws IOException {
		model = DiffusionModel.load(Models.resolve("grayscale"), Device.cpu());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	private static boolean inHole(final int x, final int y) {
		return x >= X0 && x < X0 + SIDE && y >= Y0 && y < Y0 + SIDE;
	}

	private static float[] fill(final float[] image, final int steps, final int jumps) {
		return fill(image, steps, jumps, Monitor.NONE);
	}

	/** Inpaint of {@code image} with the square hole; the known pixels must come back exactly. */
	private static float[] fill(final float[] image, final int steps, final int jumps, final Monitor monitor) {
		final float[] mask = new float[W * H], holed = image.clone();
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				if (inHole(x, y)) {
					mask[y * W + x] = 1;
					holed[y * W + x] = 0;
				}
		final float[] out = Images.array(Inpaint.with(model).values(ValueMap.data(model.descriptor())).steps(steps).jumps(
			jumps).jumpLength(5).seed(3).run(Images.plane(holed, W, H), Images.plane(mask, W, H), monitor));
		for (int i = 0; i < out.length; i++)
			if (mask[i] == 0) assertEquals(Float.floatToIntBits(holed[i]), Float.floatToIntBits(out[i]), "known pixel " + i);
		return out;
	}

	/**
	 * A periodic texture: the fill starts from patches copied from around the hole (the Log says
	 * so), so after the walk the hole holds the texture, close to the truth — far closer than the
	 * smooth biharmonic fill the walk used to start from.
	 */
	@Test
	void aTextureIsCopiedIntoTheHoleAndKept() {
		final float[] img = new float[W * H], mask = new float[W * H];
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				img[y * W + x] = (float) (128 + 60 * Math.sin(2 * Math.PI * x / 8) * Math.cos(2 * Math.PI * y / 12));
		final boolean[] hole = new boolean[W * H];
		final float[] holed = img.clone();
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				if (inHole(x, y)) {
					mask[y * W + x] = 1;
					holed[y * W + x] = 0;
					hole[y * W + x] = true;
				}
		final java.util.List<String> log = new java.util.ArrayList<>();
		final Monitor logged = Monitor.logging(log::add);
		final float[] out = Images.array(Inpaint.with(model).values(ValueMap.data(model.descriptor())).steps(20).seed(3)
			.run(Images.plane(holed, W, H), Images.plane(mask, W, H), logged));
		assertTrue(log.stream().anyMatch(l -> l.contains("patches of the surroundings copied into the hole")), log
			.toString());
		final float[] smooth = sc.fiji.diffusion.engine.image.Biharmonic.fill(holed, hole, W, H);
		double se = 0, seSmooth = 0;
		for (int i = 0; i < out.length; i++)
			if (hole[i]) {
				se += (out[i] - img[i]) * (out[i] - img[i]);
				seSmooth += (smooth[i] - img[i]) * (smooth[i] - img[i]);
			}
		final double rms = Math.sqrt(se / (SIDE * SIDE)), rmsSmooth = Math.sqrt(seSmooth / (SIDE * SIDE));
		assertTrue(rms < 0.6 * rmsSmooth, "RMS error in the hole " + rms + " (smooth fill " + rmsSmooth + ")");
		// and the texture's strength is kept: the fill varies as much as the truth does there (the 0.8-1.25)
		final double ratio = holeStd(out) / holeStd(img);
		assertTrue(ratio > 0.8 && ratio < 1.25, "the fill's std over the truth's in the hole: " + ratio);
	}

	/** A dark and a bright half meeting at x = 48: the edge must run on through the hole. */
	@Test
	void continuesAnEdgeThroughTheHoleWithoutBlobs() {
		final float[] img = new float[W * H];
		final Random r = new Random(1);
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				img[y * W + x] = (float) (60 + 120 / (1 + Math.exp(-(x - 47.5))) + 2 * r.nextGaussian());
		for (final int[] setting : new int[][] { { 20, 1 }, { 10, 3 } }) {
			final float[] out = fill(img, setting[0], setting[1]);
			double left = 0, right = 0;
			int far = 0;
			for (int y = Y0; y < Y0 + SIDE; y++)
				for (int x = X0; x < X0 + SIDE; x++) {
					final float v = out[y * W + x];
					// a blob: pixels beyond the surroundings' range by more than 10 % of it
					if (v < 60 - 12 || v > 180 + 12) far++;
					assertTrue(v > 0 && v < 240, "pixel (" + x + ", " + y + ") = " + v + " lies far outside the " +
						"surroundings' 60..180 (steps " + setting[0] + ", jumps " + setting[1] + ")");
					if (x < 44) left += v / (8.0 * SIDE);
					if (x >= 52) right += v / (8.0 * SIDE);
				}
			assertTrue(far <= 0.03 * SIDE * SIDE, far + " of " + SIDE * SIDE + " fill pixels lie beyond the surroundings' " +
				"range by more than 10 % of it (steps " + setting[0] + ", jumps " + setting[1] + ")");
			assertEquals(60, left, 25, "the dark side of the hole (steps " + setting[0] + ", jumps " + setting[1] + ")");
			assertEquals(180, right, 25, "the bright side of the hole (steps " + setting[0] + ", jumps " + setting[1] + ")");
		}
	}

	/** A flat grey with Gaussian noise: the fill carries that noise; without it, the fill is flat. */
	@Test
	void aNoisyImageGetsANoisyFillAndACleanOneAFlatFill() {
		final float[] noisy = new float[W * H], flat = new float[W * H];
		final Random r = new Random(2);
		for (int i = 0; i < noisy.length; i++) {
			flat[i] = 120;
			noisy[i] = (float) (120 + 15 * r.nextGaussian());
		}
		final double inNoisy = holeStd(fill(noisy, 20, 1)), inFlat = holeStd(fill(flat, 20, 1));
		assertTrue(inNoisy > 0.6 * 15 && inNoisy < 1.4 * 15, "std in the hole of the noisy image " + inNoisy +
			", its noise 15");
		assertTrue(inFlat < 3, "std in the hole of the flat image " + inFlat);
	}

	/** Inpaint (20 steps) of {@code image} with the square hole; the Log lines into {@code log}. */
	private static float[] fillLogged(final float[] image, final java.util.List<String> log) {
		return fill(image, 20, 1, Monitor.logging(log::add));
	}

	/**
	 * The edge of {@link #continuesAnEdgeThroughTheHoleWithoutBlobs} under noise of σ 20 grey
	 * levels (0.16 model units, above {@link Inpaint#NOISY}): filling the band around the hole, the
	 * copied patches continue the edge better than a smooth fill's ramp, so the copy is kept (the
	 * Log says why), the edge runs on through the hole and the fill carries the image's noise.
	 */
	@Test
	void aNoisyEdgeIsCopiedAcrossAsItIs() {
		final float[] noisy = new float[W * H], clean = new float[W * H];
		final Random r = new Random(6);
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				clean[y * W + x] = (float) (60 + 120 / (1 + Math.exp(-(x - 47.5))));
				noisy[y * W + x] = (float) (clean[y * W + x] + 20 * r.nextGaussian());
			}
		final java.util.List<String> log = new java.util.ArrayList<>();
		final float[] out = fillLogged(noisy, log);
		assertTrue(log.stream().anyMatch(l -> l.contains("band of known pixels around the hole") && l.endsWith(
			"the patches as copied")), log.toString());
		double left = 0, right = 0, s2 = 0;
		for (int y = Y0; y < Y0 + SIDE; y++)
			for (int x = X0; x < X0 + SIDE; x++) {
				if (x < 44) left += out[y * W + x] / (8.0 * SIDE);
				if (x >= 52) right += out[y * W + x] / (8.0 * SIDE);
				s2 += Math.pow(out[y * W + x] - clean[y * W + x], 2);
			}
		assertEquals(60, left, 15, "the dark side of the hole");
		assertEquals(180, right, 15, "the bright side of the hole");
		// the noise goes on: the fill about the clean edge varies about as much as the image's noise
		final double rms = Math.sqrt(s2 / (SIDE * SIDE));
		assertTrue(rms > 0.6 * 20 && rms < 2 * 20, "RMS of the fill about the clean edge " + rms + ", noise 20");
	}

	/**
	 * A smooth, weak undulation under the same noise: patches matched through the noise bring the
	 * wrong level with them, the smooth fill's structure predicts the band better, and the fill is
	 * closer to the clean image in its large structure than the copy alone.
	 */
	@Test
	void aNoisySmoothFieldTakesItsLargeStructureFromTheSmoothFill() {
		final float[] noisy = new float[W * H], clean = new float[W * H];
		final Random r = new Random(7);
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				clean[y * W + x] = (float) (120 + 25 * Math.sin(x / 9.0) + 25 * Math.cos(y / 13.0));
				noisy[y * W + x] = (float) (clean[y * W + x] + 20 * r.nextGaussian());
			}
		final java.util.List<String> log = new java.util.ArrayList<>();
		final float[] out = fillLogged(noisy, log);
		assertTrue(log.stream().anyMatch(l -> l.contains("band of known pixels around the hole") && l.endsWith(
			"the latter")), log.toString());
		assertTrue(log.stream().anyMatch(l -> l.contains("their large structure the smooth fill's")), log.toString());
		// large structure: 2 px blur of the fill against the clean image, in the hole's inner part
		final double[] o = new double[W * H];
		for (int i = 0; i < o.length; i++)
			o[i] = out[i];
		final double[] b = Images.blur(o, W, H, 2);
		double se = 0;
		int n = 0;
		for (int y = Y0 + 3; y < Y0 + SIDE - 3; y++)
			for (int x = X0 + 3; x < X0 + SIDE - 3; x++, n++)
				se += Math.pow(b[y * W + x] - clean[y * W + x], 2);
		// the copied patches as they were (what the fill started from before): their large structure is far off
		final boolean[] hole = new boolean[W * H];
		final float[] holed = noisy.clone();
		for (int i = 0; i < hole.length; i++)
			if (inHole(i % W, i / W)) {
				hole[i] = true;
				holed[i] = 0;
			}
		final float[] copy = sc.fiji.diffusion.engine.image.Exemplar.fill(holed, hole, W, H);
		final double[] c = new double[W * H];
		for (int i = 0; i < c.length; i++)
			c[i] = copy[i];
		final double[] bc = Images.blur(c, W, H, 2);
		double seCopy = 0;
		for (int y = Y0 + 3; y < Y0 + SIDE - 3; y++)
			for (int x = X0 + 3; x < X0 + SIDE - 3; x++)
				seCopy += Math.pow(bc[y * W + x] - clean[y * W + x], 2);
		assertTrue(se < 0.36 * seCopy, "RMS of the blurred fill about the clean field " + Math.sqrt(se / n) +
			", of the copied patches alone " + Math.sqrt(seCopy / n));
	}

	/** The hybrid start: the copied fill's detail on the smooth fill's large structure, in the hole only. */
	@Test
	void theHybridKeepsTheCopysDetailOnTheSmoothFillsStructure() {
		final int w = 64, h = 64;
		final float[] copied = new float[w * h], smooth = new float[w * h];
		final boolean[] hole = new boolean[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				final int i = y * w + x;
				// a copy of the wrong level with a fine checkerboard; the smooth fill a ramp
				copied[i] = 100 + ((x + y) % 2 == 0 ? 10 : -10);
				smooth[i] = 50 + x;
				hole[i] = x >= 16 && x < 48 && y >= 16 && y < 48;
			}
		final float[] out = Inpaint.hybrid(copied, smooth, hole, w, h, 2);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				final int i = y * w + x;
				if (!hole[i]) assertEquals(copied[i], out[i], 0f, "outside the hole: as copied");
				else if (x >= 24 && x < 40 && y >= 24 && y < 40)
					// deep inside: the ramp (a blur keeps it) plus the checkerboard (a blur of σ 2 removes it)
					assertEquals(50 + x + ((x + y) % 2 == 0 ? 10 : -10), out[i], 0.5, "(" + x + ", " + y + ")");
			}
	}

	/** Noise above the start level's: the walk starts higher, and the fill still carries the noise. */
	@Test
	void fillsAnImageNoisierThanTheStartLevel() {
		final float[] noisy = new float[W * H];
		final Random r = new Random(4);
		for (int i = 0; i < noisy.length; i++)
			noisy[i] = (float) (120 + 150 * r.nextGaussian());
		final double std = holeStd(fill(noisy, 10, 1));
		assertTrue(std > 0.5 * 150 && std < 1.5 * 150, "std in the hole " + std + ", the image's noise 150");
	}

	private static double holeStd(final float[] out) {
		double s = 0, s2 = 0;
		for (int y = Y0; y < Y0 + SIDE; y++)
			for (int x = X0; x < X0 + SIDE; x++) {
				s += out[y * W + x];
				s2 += out[y * W + x] * (double) out[y * W + x];
			}
		final int n = SIDE * SIDE;
		return Math.sqrt(Math.max(0, s2 / n - s * s / n / n));
	}

	@Test
	void walksFromTheStartLevelDownToTheEndItIsGiven() {
		final Inpaint task = Inpaint.with(model).steps(10).jumps(1).jumpLength(5);
		final int[] clean = task.walk(500, -1), noisy = task.walk(500, 57);
		assertEquals(11, clean.length);
		assertEquals(500, clean[0]);
		assertEquals(-1, clean[clean.length - 1]);
		assertEquals(57, noisy[noisy.length - 1]);
		for (int k = 1; k < clean.length; k++)
			assertTrue(clean[k] < clean[k - 1] && noisy[k] < noisy[k - 1], "descending: " + java.util.Arrays.toString(noisy));
		// only 3 levels between: 3 steps whatever was asked
		assertArrayEquals(new int[] { 3, 2, 1, 0 }, Inpaint.with(model).steps(10).jumpLength(1).walk(3, 0));
		final int[] jumping = Inpaint.with(model).steps(10).jumps(2).jumpLength(5).walk(500, -1);
		assertEquals(11 + 2 * 5, jumping.length, java.util.Arrays.toString(jumping));
		// one step with the default jump_length (5): no jumps, so nothing to refuse; with jumps it is refused by name
		Inpaint.with(model).steps(1).jumps(1).jumpLength(5).validate();
		final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> Inpaint.with(model).steps(1).jumps(2).jumpLength(5).validate());
		assertTrue(e.getMessage().contains("jump_length"), e.getMessage());
	}

	/** A textured image whose hole holds a smoothed copy of the texture: its detail is raised to its surroundings'. */
	@Test
	void aFillSmootherThanItsSurroundingsGetsTheirDetail() {
		final int w = 80, h = 80;
		final Random r = new Random(5);
		final float[] y = new float[w * h], x = new float[w * h];
		final boolean[] hole = new boolean[w * h];
		for (int j = 0; j < h; j++)
			for (int i = 0; i < w; i++) {
				final int k = j * w + i;
				// a slow ramp (structure) plus pixel texture of std 0.2
				y[k] = (float) (0.01 * i + 0.2 * r.nextGaussian());
				hole[k] = i >= 30 && i < 50 && j >= 30 && j < 50;
				x[k] = hole[k] ? (float) (0.01 * i + 0.05 * r.nextGaussian()) : y[k];
			}
		final float[] before = x.clone();
		final double gain = Inpaint.matchDetail(x, y, hole, w, h, new double[] { -10, 10 });
		// the fill's detail std 0.05 (less what a 2 px blur keeps of it) against 0.2 around it: about 4, at most 3
		assertEquals(Inpaint.MAX_DETAIL_GAIN, gain, 1e-9);
		double s0 = 0, s1 = 0, m0 = 0, m1 = 0;
		int n = 0;
		for (int k = 0; k < x.length; k++)
			if (hole[k]) {
				s0 += before[k] * before[k];
				s1 += x[k] * x[k];
				m0 += before[k];
				m1 += x[k];
				n++;
			}
			else assertEquals(before[k], x[k], 0, "a known pixel changed");
		final double std0 = Math.sqrt(s0 / n - m0 * m0 / n / n), std1 = Math.sqrt(s1 / n - m1 * m1 / n / n);
		assertTrue(std1 > 1.8 * std0, "the fill's std " + std0 + " -> " + std1);
		assertEquals(m0 / n, m1 / n, 0.02, "the fill's level is kept");
		// a fill more detailed than its surroundings is left alone
		final float[] rich = y.clone();
		for (int k = 0; k < rich.length; k++)
			if (hole[k]) rich[k] = (float) (0.01 * (k % w) + 0.3 * r.nextGaussian());
		final float[] richBefore = rich.clone();
		assertEquals(1, Inpaint.matchDetail(rich, y, hole, w, h, null), 1e-12);
		assertArrayEquals(richBefore, rich);
		// a flat fill has no detail of its own to raise: it stays as it is (no noise is invented)
		final float[] zeros = y.clone();
		for (int k = 0; k < zeros.length; k++)
			if (hole[k]) zeros[k] = 0;
		final float[] z = zeros.clone();
		assertEquals(1, Inpaint.matchDetail(z, y, hole, w, h, null), 1e-12);
		assertArrayEquals(zeros, z);
		final int[] d = Inpaint.cityBlockDistance(hole, w, h);
		assertEquals(0, d[35 * w + 35]);
		assertEquals(1, d[35 * w + 29]);
		assertEquals(3, d[28 * w + 29]);
		assertEquals(30 + 30, d[0]);
	}
}
