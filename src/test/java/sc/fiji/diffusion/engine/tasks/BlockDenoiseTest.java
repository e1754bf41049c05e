package sc.fiji.diffusion.engine.tasks;

import sc.fiji.diffusion.engine.image.Images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.nio.file.Path;
import java.nio.file.Paths;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.values.ValueMap;

/** Denoise block by block (as a cluster runs it) gives the whole plane's result, whatever the blocks. */
class BlockDenoiseTest {

	private static DiffusionModel model;

	@BeforeAll
	static void load() throws Exception {
		final Path dir = Paths.get(BlockDenoiseTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI()).getParent();
		model = DiffusionModel.load(dir, Device.cpu());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	/** The whole plane, assembled from blocks of {@code block} pixels (canvas coordinates), move by move. */
	static float[] blockwise(final BlockDenoise bd, final float[] img, final int w, final int h, final int block) {
		final long[] cs = bd.canvasSize();
		final int ch = (int) cs[0], cw = (int) cs[1];
		final BlockDenoise.PlaneSource src = (y, x, rh, rw) -> {
			final float[] r = new float[rh * rw];
			for (int j = 0; j < rh; j++)
				System.arraycopy(img, (int) ((y + j) * w + x), r, j * rw, rw);
			return r;
		};
		final float[] y = bd.toModel(bd.readRegion(src, new long[] { 0, 0 }, cs));
		float[] state = bd.start(y);
		for (int m = 0; m < bd.moves(); m++) {
			final float[] next = new float[state.length];
			for (int by = 0; by < ch; by += block)
				for (int bx = 0; bx < cw; bx += block) {
					final long[] cMin = { by, bx }, cSize = { Math.min(block, ch - by), Math.min(block, cw - bx) };
					final long[][] reg = bd.region(cMin, cSize);
					final float[] sr = crop(state, cw, reg[0], reg[1]), yc = crop(y, cw, cMin, cSize);
					final float[] out = bd.move(m, sr, reg[0], reg[1], yc, cMin, cSize, Monitor.NONE);
					for (int j = 0; j < cSize[0]; j++)
						System.arraycopy(out, (int) (j * cSize[1]), next, (int) ((by + j) * cw + bx), (int) cSize[1]);
				}
			state = next;
		}
		// crop the image out of the canvas and map back
		final long[] off = bd.imageOffset();
		final float[] res = new float[w * h];
		for (int j = 0; j < h; j++)
			System.arraycopy(state, (int) ((off[0] + j) * cw + off[1]), res, j * w, w);
		return bd.toImage(res);
	}

	static float[] crop(final float[] a, final int width, final long[] min, final long[] size) {
		final float[] out = new float[(int) (size[0] * size[1])];
		for (int j = 0; j < size[0]; j++)
			System.arraycopy(a, (int) ((min[0] + j) * width + min[1]), out, (int) (j * size[1]), (int) size[1]);
		return out;
	}

	private static void check(final String output, final int steps) {
		final int w = 150, h = 131;
		final float[] img = sc.fiji.diffusion.testing.TestData.blobs(1, w, h, 3).get(0);
		final java.util.Random r = new java.util.Random(2);
		for (int i = 0; i < img.length; i++)
			img[i] += 20 * r.nextGaussian();
		final ValueMap v = ValueMap.data(model.descriptor());
		final float[] whole = Denoise.with(model).values(v).sigma(20).output(output).steps(steps).seed(4).tileBatch(16).run(Images.plane(img, w, h), Monitor.NONE).pixels();
		for (final int block : new int[] { 48, 80 }) {
			final BlockDenoise bd = new BlockDenoise(model, v, w, h, 20, output, steps, 4, 2);
			assertTrue(bd.grid().count() > 1, "test setup: several tiles");
			final float[] blocks = blockwise(bd, img, w, h, block);
			double max = 0;
			for (int i = 0; i < whole.length; i++)
				max = Math.max(max, Math.abs(whole[i] - blocks[i]));
			System.out.println(output + ", blocks of " + block + ": max |whole - blocks| = " + max);
			assertEquals(0, max, 1e-3, output + " with blocks of " + block);
		}
	}

	@Test
	void meanBlockByBlockIsTheWholePlane() {
		check("mean", 1);
	}

	@Test
	void sampleBlockByBlockIsTheWholePlane() {
		check("sample", 4);
	}
}
