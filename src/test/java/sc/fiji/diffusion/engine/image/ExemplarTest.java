package sc.fiji.diffusion.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The exemplar fill copies the surroundings' texture and carries edges across the hole. */
class ExemplarTest {

	private static boolean[] square(final int w, final int h, final int x0, final int y0, final int side) {
		final boolean[] hole = new boolean[w * h];
		for (int y = y0; y < y0 + side; y++)
			for (int x = x0; x < x0 + side; x++)
				hole[y * w + x] = true;
		return hole;
	}

	private static float[] holed(final float[] truth, final boolean[] hole) {
		final float[] in = truth.clone();
		for (int i = 0; i < in.length; i++)
			if (hole[i]) in[i] = 0;
		return in;
	}

	/** A periodic texture comes back exactly: every patch of it has an exact twin outside the hole. */
	@Test
	void aPeriodicTextureIsContinuedExactly() {
		final int w = 96, h = 80;
		final float[] truth = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				truth[y * w + x] = (float) (100 + 60 * Math.sin(2 * Math.PI * x / 6) + 30 * Math.cos(2 * Math.PI * y / 5));
		final boolean[] hole = square(w, h, 30, 25, 28);
		final float[] in = holed(truth, hole);
		final float[] out = Exemplar.fill(in, hole, w, h);
		double exact = 0, smooth = 0;
		final float[] b = Biharmonic.fill(in, hole, w, h);
		for (int i = 0; i < out.length; i++) {
			if (!hole[i]) assertEquals(in[i], out[i], 0, "known pixels stay");
			else {
				exact += Math.abs(out[i] - truth[i]);
				smooth += Math.abs(b[i] - truth[i]);
			}
		}
		assertEquals(0, exact, 1e-3, "the texture continued exactly");
		assertTrue(smooth > 1000, "a smooth fill does not (the test can tell): " + smooth);
	}

	/** An edge that enters the hole runs on across it, sharp: the fill is the two sides' tones, not a blend. */
	@Test
	void anEdgeIsCarriedAcross() {
		final int w = 100, h = 100;
		final float[] truth = new float[w * h];
		final Random r = new Random(4);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				truth[y * w + x] = (float) ((x + 0.6 * y < 75 ? 40 : 200) + 3 * r.nextGaussian());
		final boolean[] hole = square(w, h, 32, 30, 36);
		final float[] out = Exemplar.fill(holed(truth, hole), hole, w, h);
		int wrong = 0, holes = 0, blended = 0;
		for (int i = 0; i < out.length; i++)
			if (hole[i]) {
				holes++;
				if (Math.abs(out[i] - truth[i]) > 40) wrong++;
				if (out[i] > 70 && out[i] < 170) blended++;
			}
		assertTrue(wrong < holes / 20, wrong + " of " + holes + " pixels on the wrong side of the edge");
		assertEquals(0, blended, "copied pixels are either side's tone");
	}

	@Test
	void sameInputSameFillAndNothingToCopyFromIsNull() {
		final int w = 64, h = 64;
		final float[] img = new float[w * h];
		final Random r = new Random(1);
		for (int i = 0; i < img.length; i++)
			img[i] = (float) r.nextGaussian();
		final boolean[] hole = square(w, h, 20, 20, 20);
		final float[] before = img.clone();
		assertArrayEquals(Exemplar.fill(img, hole, w, h), Exemplar.fill(img, hole, w, h));
		assertArrayEquals(before, img, "the input is not modified");
		// no 9x9 patch of known pixels anywhere: nothing to copy
		assertNull(Exemplar.fill(new float[8 * 8], square(8, 8, 2, 2, 3), 8, 8));
		final boolean[] band = new boolean[20 * 20]; // a 4 px band down the middle leaves 8 px on either side
		for (int y = 0; y < 20; y++)
			for (int x = 8; x < 12; x++)
				band[y * 20 + x] = true;
		assertNull(Exemplar.fill(new float[20 * 20], band, 20, 20));
		// a hole larger than MAX_PIXELS is not copied into (the caller falls back to a smooth fill)
		final int side = (int) Math.ceil(Math.sqrt(Exemplar.MAX_PIXELS + 1.0));
		assertNull(Exemplar.fill(new float[(side + 40) * (side + 40)], square(side + 40, side + 40, 20, 20, side), side + 40,
			side + 40));
	}
}
