package sc.fiji.diffusion.engine.tiling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;

/** The n-dimensional tile grid: layout, blending, and the same prediction from any region. */
class TileGridTest extends sc.fiji.diffusion.testing.EngineTest {

	/** A "network" with spatial context and zero padding: a 5×5 box filter plus a t-dependent offset. */
	private static final Denoiser BOX = (x, t) -> {
		final NDArray w = x.getManager().ones(new Shape(1, 1, 5, 5)).divi(25f);
		return Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(2, 2), new Shape(1, 1), 1).singletonOrThrow().addi((float) (t /
			1000));
	};

	@Test
	void positionsCoverTheImageWithTheLastFlushWithTheEdge() {
		assertArrayEquals(new long[] { 0, 24, 48, 68 }, TileGrid.positions(100, 32, 24));
		assertArrayEquals(new long[] { 0 }, TileGrid.positions(32, 32, 24));
		final TileGrid g = new TileGrid(new long[] { 40, 100 }, new int[] { 32, 32 }, new int[] { 8, 8 });
		assertEquals(2 * 4, g.count());
		assertArrayEquals(new long[] { 8, 68 }, g.origin(7)); // row-major, x fastest
	}

	@Test
	void fittedTilesAreEvenMultiplesAndNeverLargerThanTheImage() {
		final TileGrid g = TileGrid.fitted(new long[] { 2048, 300 }, new int[] { 512, 512 }, new int[] { 64, 64 },
			new int[] { 16, 16 });
		// 2048 with at most 512 and overlap 64: 5 tiles of ceil((2048 + 4·64)/5) = 461 → 464
		assertArrayEquals(new int[] { 464, 300 }, g.tile());
		assertEquals(5, g.count());
		final long[] last = g.origin(4);
		assertEquals(2048 - 464, last[0]);
		assertThrows(IllegalArgumentException.class, () -> new TileGrid(new long[] { 20 }, new int[] { 32 }, new int[] {
			8 }));
	}

	/** Large tiles go one per network call; small ones up to the batch. */
	@Test
	void largeTilesAreNotBatched() {
		final long[] big = { 4096, 4096 };
		assertEquals(1, TiledDenoiser.tilesPerCall(new TileGrid(big, new int[] { 704, 704 }, new int[] { 32, 32 }), 16));
		assertEquals(4, TiledDenoiser.tilesPerCall(new TileGrid(big, new int[] { 256, 256 }, new int[] { 32, 32 }), 16));
		assertEquals(16, TiledDenoiser.tilesPerCall(new TileGrid(big, new int[] { 32, 32 }, new int[] { 8, 8 }), 16));
		assertEquals(3, TiledDenoiser.tilesPerCall(new TileGrid(big, new int[] { 32, 32 }, new int[] { 8, 8 }), 3));
	}

	/** An image smaller than the overlap (a 32² padded thumbnail, overlap 32) is one tile, not an error. */
	@Test
	void anImageNarrowerThanTheOverlapIsOneTile() {
		final TileGrid g = TileGrid.fitted(new long[] { 32, 2048 }, new int[] { 768, 768 }, new int[] { 32, 32 },
			new int[] { 16, 16 });
		assertEquals(32, g.tile()[0]);
		assertTrue(g.overlap()[0] < 32, "overlap " + g.overlap()[0]);
		assertEquals(32, g.overlap()[1]);
		assertEquals(1, g.positions(32, g.tile()[0], g.tile()[0] - g.overlap()[0]).length);
	}

	@Test
	void weightsSumToOneAfterNormalisation() {
		final TileGrid g = new TileGrid(new long[] { 50, 70 }, new int[] { 32, 32 }, new int[] { 8, 8 });
		final float[] sum = g.weightSum(allTiles(g), new long[2], g.size());
		for (final float s : sum)
			assertTrue(s > 0, "every pixel is covered");
		// where tiles do not overlap the single tile's weight is 1
		assertEquals(1f, sum[16 * 70 + 16], 0f);
	}

	private static int[] allTiles(final TileGrid g) {
		final int[] k = new int[g.count()];
		for (int i = 0; i < k.length; i++)
			k[i] = i;
		return k;
	}

	/**
	 * Tiles that each predict their own input blend back into the image itself: every tile's
	 * prediction is added into the accumulator (and normalised by the weights' sum), whatever the
	 * batch of tiles per call.
	 */
	@Test
	void tilesThatReturnTheirInputBlendIntoTheImage() {
		final TileGrid g = new TileGrid(new long[] { 96, 160 }, new int[] { 32, 32 }, new int[] { 8, 8 });
		try (NDManager m = manager.newSubManager()) {
			final NDArray x = new GaussianNoise(5).ndarray(m, 0, new Shape(1, 1, 96, 160));
			final float[] want = x.toFloatArray();
			for (final int batch : new int[] { 1, 3, 16 }) {
				final float[] got = new TiledDenoiser((in, t) -> in.duplicate(), g, batch, Monitor.NONE, m).eps(x, 500)
					.toFloatArray();
				assertArrayEquals(want, got, 1e-5f, "batch " + batch);
			}
			assertArrayEquals(want, x.toFloatArray(), 0f, "the input is left as it was");
		}
	}

	/** A block with a halo of one tile predicts exactly what the whole image predicts on its core. */
	@Test
	void aRegionPredictsTheWholeImagesValuesOnItsCore() {
		final long[] size = { 96, 160 };
		final TileGrid g = new TileGrid(size, new int[] { 32, 32 }, new int[] { 8, 8 });
		try (NDManager m = manager.newSubManager()) {
			final NDArray x = new GaussianNoise(3).ndarray(m, 0, new Shape(1, 1, 96, 160));
			final NDArray whole = new TiledDenoiser(BOX, g, 4, Monitor.NONE, m).eps(x, 500);
			// core [32, 64) x [48, 112), halo 32 on every side
			final long[] rMin = { 0, 16 }, rSize = { 96, 128 }, cMin = { 32, 48 }, cSize = { 32, 64 };
			final NDArray region = x.get(new NDIndex(":, :, 0:96, 16:144"));
			final NDArray part = new TiledDenoiser(BOX, g, rMin, rSize, cMin, cSize, 3, Monitor.NONE, m).eps(region, 500);
			final float[] a = whole.get(new NDIndex(":, :, 32:64, 48:112")).toFloatArray();
			final float[] b = part.get(new NDIndex(":, :, 32:64, 32:96")).toFloatArray();
			assertArrayEquals(a, b, "bit for bit");
			// and the tiled prediction is not simply the untiled one (zero padding at tile edges)
			final float[] untiled = BOX.eps(x, 500).get(new NDIndex(":, :, 32:64, 48:112")).toFloatArray();
			boolean differs = false;
			for (int i = 0; i < a.length && !differs; i++)
				differs = Math.abs(a[i] - untiled[i]) > 1e-6;
			assertTrue(differs, "test setup: the tiles must matter");
		}
	}

	@Test
	void aHaloSmallerThanATileIsRefused() {
		final TileGrid g = new TileGrid(new long[] { 96, 96 }, new int[] { 32, 32 }, new int[] { 8, 8 });
		// tiles start at 0, 24, 48, 64; the core [32, 48) needs the tile at 24, which begins before the region at 28
		assertThrows(IllegalArgumentException.class, () -> new TiledDenoiser(BOX, g, new long[] { 28, 28 }, new long[] {
			32, 32 }, new long[] { 32, 32 }, new long[] { 16, 16 }, 1, Monitor.NONE, manager));
	}

	@Test
	void canvasPadsToSizesTheNetworkAcceptsAndCropsBack() {
		final Canvas c = new Canvas(new long[] { 5, 3 }, new int[] { 4, 4 }, new int[] { 4, 4 });
		assertArrayEquals(new long[] { 8, 4 }, c.size());
		final float[] img = new float[15];
		for (int i = 0; i < img.length; i++)
			img[i] = i;
		final float[] padded = c.pad(img);
		assertEquals(32, padded.length);
		assertArrayEquals(img, c.crop(padded));
		// half-sample symmetric: the edge pixel repeats
		assertEquals(0, Canvas.fold(-1, 5));
		assertEquals(1, Canvas.fold(-2, 5));
		assertEquals(4, Canvas.fold(5, 5));
	}

	/** The blend's normaliser over any box and any subset of tiles, in 2-D and 3-D, against the sum written out. */
	@Test
	void weightSumIsTheSumOfTheTilesWeightsOverTheBox() {
		final TileGrid[] grids = { new TileGrid(new long[] { 40, 100 }, new int[] { 32, 32 }, new int[] { 8, 8 }),
			new TileGrid(new long[] { 20, 30, 50 }, new int[] { 16, 16, 24 }, new int[] { 4, 6, 8 }) };
		for (final TileGrid g : grids) {
			final int dims = g.size().length;
			final long[] min = new long[dims], extent = new long[dims];
			for (int d = 0; d < dims; d++) {
				min[d] = 3 + d;
				extent[d] = g.size()[d] - 3 - 2 * d;
			}
			final int[] some = java.util.stream.IntStream.range(0, g.count()).filter(k -> k % 3 != 1).toArray();
			final float[] fast = g.weightSum(some, min, extent);
			final float[] slow = new float[fast.length];
			final float[] w = g.weights();
			final int[] tile = g.tile();
			for (final int k : some) {
				final long[] o = g.origin(k);
				final int[] idx = new int[dims];
				for (int i = 0; i < w.length; i++) {
					long flat = 0;
					boolean inside = true;
					for (int d = 0; d < dims; d++) {
						final long p = o[d] + idx[d] - min[d];
						inside &= p >= 0 && p < extent[d];
						flat = flat * extent[d] + p;
					}
					if (inside) slow[(int) flat] += w[i];
					for (int d = dims - 1; d >= 0; d--) {
						if (++idx[d] < tile[d]) break;
						idx[d] = 0;
					}
				}
			}
			assertArrayEquals(slow, fast, 1e-6f);
			// every pixel of the box lies in some listed tile here except where the left-out tiles alone cover it
			assertTrue(java.util.stream.IntStream.range(0, fast.length).anyMatch(i -> fast[i] > 0.99f));
		}
	}
}
