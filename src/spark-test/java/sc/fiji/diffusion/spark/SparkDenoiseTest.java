package sc.fiji.diffusion.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.io.Opener;
import ij.process.ShortProcessor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.scalableminds.bloscjava.Blosc;

/**
 * The spark verb in local mode against the single-machine batch on the same image (a 16-bit
 * image larger than several blocks, Blosc-compressed OME-Zarr in): equal results for
 * output=mean and output=sample, with tasks failing once on purpose, resume, and bad input.
 */
class SparkDenoiseTest {

	@TempDir
	static Path tmp;
	static Path zarr, tiff, model;
	static final int W = 600, H = 520, CHUNK = 128;
	static float[] pixels;

	@BeforeAll
	static void image() throws Exception {
		model = Paths.get(SparkDenoiseTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI()).getParent();
		final float[] blobs = sc.fiji.diffusion.testing.TestData.blobs(1, W, H, 8).get(0);
		final java.util.Random r = new java.util.Random(3);
		final short[] s = new short[W * H];
		pixels = new float[W * H];
		for (int i = 0; i < s.length; i++) {
			final int v = (int) Math.max(0, Math.min(65535, Math.round(1000 + 20 * blobs[i] + 300 * r.nextGaussian())));
			s[i] = (short) v;
			pixels[i] = v;
		}
		tiff = Files.createDirectories(tmp.resolve("tiff")).resolve("big.tif");
		new FileSaver(new ImagePlus("big", new ShortProcessor(W, H, s, null))).saveAsTiff(tiff.toString());
		zarr = tmp.resolve("big.ome.zarr");
		writeOmeZarr(zarr, s, "<u2", "yx");
	}

	/** An OME-NGFF 0.4 image as ome-zarr-py writes it: Blosc (lz4, byte shuffle) chunks of 128². */
	static void writeOmeZarr(final Path dir, final short[] s, final String dtype, final String axes) throws IOException {
		final Path a = Files.createDirectories(dir.resolve("0"));
		Files.write(dir.resolve(".zgroup"), "{\"zarr_format\": 2}".getBytes(StandardCharsets.UTF_8));
		final StringBuilder ax = new StringBuilder();
		for (final char c : axes.toCharArray())
			ax.append(ax.length() == 0 ? "" : ", ").append("{\"name\": \"").append(c).append("\", \"type\": \"space\"}");
		Files.write(dir.resolve(".zattrs"), ("{\"multiscales\": [{\"version\": \"0.4\", \"axes\": [" + ax +
			"], \"datasets\": [{\"path\": \"0\", \"coordinateTransformations\": [{\"type\": \"scale\", \"scale\": [0.5, " +
			"0.5]}]}]}]}").getBytes(StandardCharsets.UTF_8));
		Files.write(a.resolve(".zarray"), ("{\"zarr_format\": 2, \"shape\": [" + H + ", " + W + "], \"chunks\": [" + CHUNK +
			", " + CHUNK + "], \"dtype\": \"" + dtype + "\", \"compressor\": {\"id\": \"blosc\", \"cname\": \"lz4\", \"clevel\": " +
			"5, \"shuffle\": 1, \"blocksize\": 0}, \"fill_value\": 0, \"order\": \"C\", \"filters\": null}").getBytes(
				StandardCharsets.UTF_8));
		for (int cy = 0; cy * CHUNK < H; cy++)
			for (int cx = 0; cx * CHUNK < W; cx++) {
				final ByteBuffer b = ByteBuffer.allocate(2 * CHUNK * CHUNK).order(ByteOrder.LITTLE_ENDIAN);
				for (int y = 0; y < CHUNK; y++)
					for (int x = 0; x < CHUNK; x++) {
						final int yy = cy * CHUNK + y, xx = cx * CHUNK + x;
						b.putShort(yy < H && xx < W ? s[yy * W + xx] : 0);
					}
				Files.write(a.resolve(cy + "." + cx), Blosc.compress(b.array(), 2, Blosc.Compressor.LZ4, 5,
					Blosc.Shuffle.BYTE_SHUFFLE));
			}
	}

	static Map<String, String> keys(final String output, final String out) {
		final Map<String, String> o = new LinkedHashMap<>();
		o.put("task", "denoise");
		o.put("in", zarr.toString());
		o.put("out", out);
		o.put("model", model.toString());
		o.put("sigma", "300");
		o.put("output", output);
		o.put("steps", "3");
		o.put("seed", "5");
		o.put("block", "256");
		o.put("master", "local[2,4]");
		o.put("ui", "false");
		return o;
	}

	/** The single-machine result: batch over a folder with the TIFF, the Fiji command inside. */
	static float[] batch(final String output) throws Exception {
		final Path out = tmp.resolve("batch-" + output);
		final Map<String, String> o = new HashMap<>();
		o.put("task", "denoise");
		o.put("in", tiff.getParent().toString());
		o.put("out", out.toString());
		o.put("model", model.toString());
		o.put("sigma", "300");
		o.put("output", output);
		o.put("steps", "3");
		o.put("seed", "5");
		sc.fiji.diffusion.cli.Batch.run(o);
		return (float[]) new Opener().openImage(out.resolve("big-denoised.tif").toString()).getProcessor().getPixels();
	}

	static float[] result(final Path out) throws IOException {
		return ZarrArray.open(out.resolve("0")).read(new long[] { 0, 0 }, new int[] { H, W });
	}

	static double maxDiff(final float[] a, final float[] b) {
		double m = 0;
		for (int i = 0; i < a.length; i++)
			m = Math.max(m, Math.abs(a[i] - b[i]));
		return m;
	}

	/** Float rounding of batched convolutions only: a millionth of the image's range. */
	static final double TOLERANCE = 1e-6 * 65535;

	@Test
	void meanEqualsTheSingleMachineResultAndResumes() throws Exception {
		final Path out = tmp.resolve("mean.ome.zarr");
		SparkDenoise.main(keys("mean", out.toString()));
		final float[] spark = result(out), single = batch("mean");
		final double d = maxDiff(spark, single);
		System.out.println("mean: max |spark - batch| = " + d);
		assertTrue(d <= TOLERANCE, "max difference " + d);
		// resume: two chunks lost; a rerun writes just those, the same values
		final Path c1 = out.resolve("0").resolve("1").resolve("2"), c2 = out.resolve("0").resolve("0").resolve("0");
		final Path kept = out.resolve("0").resolve("2").resolve("1");
		final long keptTime = Files.getLastModifiedTime(kept).toMillis();
		Files.delete(c1);
		Files.delete(c2);
		final Map<String, String> again = keys("mean", out.toString());
		assertThrows(IllegalArgumentException.class, () -> SparkDenoise.main(again), "an existing output is refused");
		again.put("resume", "true");
		Thread.sleep(20);
		SparkDenoise.main(again);
		assertTrue(Files.exists(c1) && Files.exists(c2));
		assertEquals(keptTime, Files.getLastModifiedTime(kept).toMillis(), "complete chunks are not written again");
		assertEquals(0, maxDiff(spark, result(out)), 0);
		// the output is OME-Zarr float32 with the input's axes and scale
		final String attrs = new String(Files.readAllBytes(out.resolve(".zattrs")), StandardCharsets.UTF_8);
		assertTrue(attrs.contains("\"version\" : \"0.4\"") && attrs.contains("0.5"), attrs);
		assertEquals("<f4", ZarrArray.open(out.resolve("0")).dtype());
	}

	/**
	 * The same settings through the Fiji command (inside batch) and Spark give the same pixels also
	 * for Poisson–Gaussian noise of an unknown camera: both call the Denoise pipeline, whose plan
	 * (camera fit, Anscombe transform, value map, inverse) Spark applies block by block.
	 */
	@Test
	void poissonNoiseGivesTheSingleMachineResult() throws Exception {
		final float[] blobs = sc.fiji.diffusion.testing.TestData.blobs(1, W, H, 8).get(0);
		// a ramp of 2 to 40 photons under the blobs: smooth areas at many brightnesses for the camera fit
		final short[] z = photons(i -> 2 + 38.0 * (i % W) / W + 0.1 * Math.max(0, blobs[i]), 4);
		final double d = sparkAgainstBatch("photons", z, camera("0", "0", "auto"), new StringBuilder());
		System.out.println("poisson: max |spark - batch| = " + d);
		assertTrue(d <= TOLERANCE, "max difference " + d);
	}

	/**
	 * A plane of a few photons is refined by a second pass (DenoisePipeline.mean): Spark's two
	 * passes over blocks, the second reading the first's result with a halo, give batch's pixels.
	 */
	@Test
	void aPlaneOfAFewPhotonsGetsTheSingleMachinesTwoPasses() throws Exception {
		final float[] blobs = sc.fiji.diffusion.testing.TestData.blobs(1, W, H, 9).get(0);
		final short[] z = photons(i -> 0.5 + 0.03 * Math.max(0, blobs[i]), 6); // up to about 7 photons
		final StringBuilder said = new StringBuilder();
		final double d = sparkAgainstBatch("dim", z, camera("2", "2", "100"), said);
		assertTrue(said.toString().contains("refined by a second pass"), said.toString());
		System.out.println("few photons: max |spark - batch| = " + d);
		assertTrue(d <= TOLERANCE, "max difference " + d);
	}

	/** A W × H camera image: pixel i holds λ(i) photons on average, gain 2, offset 100, read noise 2 (16 bits). */
	private static short[] photons(final java.util.function.IntToDoubleFunction lambda, final long seed) {
		final java.util.Random r = new java.util.Random(seed);
		final short[] z = new short[W * H];
		for (int i = 0; i < z.length; i++)
			z[i] = (short) Math.max(0, Math.min(65535, Math.round(2 * poisson(r, lambda.applyAsDouble(i)) + 100 + 2 * r
				.nextGaussian())));
		return z;
	}

	/** noise=poisson with these gain, sigma and offset keys. */
	private static Map<String, String> camera(final String gain, final String sigma, final String offset) {
		final Map<String, String> k = new HashMap<>();
		k.put("noise", "poisson");
		k.put("gain", gain);
		k.put("sigma", sigma);
		k.put("offset", offset);
		return k;
	}

	/**
	 * Denoises the 16-bit W × H image z with the given noise keys through Spark (as OME-Zarr) and
	 * through batch, the Fiji command (as a TIFF): the largest difference of their results. What
	 * Spark printed is appended to {@code said} (and printed); its work folder must be gone.
	 */
	private static double sparkAgainstBatch(final String name, final short[] z, final Map<String, String> noise,
		final StringBuilder said) throws Exception
	{
		final Path folder = Files.createDirectories(tmp.resolve(name + "-tiff"));
		new FileSaver(new ImagePlus(name, new ShortProcessor(W, H, z, null))).saveAsTiff(folder.resolve(name + ".tif")
			.toString());
		final Path in = tmp.resolve(name + ".ome.zarr"), out = tmp.resolve(name + "-out.ome.zarr");
		writeOmeZarr(in, z, "<u2", "yx");
		final Map<String, String> o = keys("mean", out.toString());
		o.put("in", in.toString());
		o.putAll(noise);
		final java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
		final java.io.PrintStream stdout = System.out;
		System.setOut(new java.io.PrintStream(printed, true, "UTF-8"));
		try {
			SparkDenoise.main(o);
		}
		finally {
			System.setOut(stdout);
		}
		said.append(printed.toString("UTF-8"));
		System.out.print(printed.toString("UTF-8"));
		assertTrue(!Files.exists(out.resolve(".diffusion-work")), "work folder removed");
		final Map<String, String> b = new HashMap<>(noise);
		b.put("task", "denoise");
		b.put("in", folder.toString());
		b.put("out", tmp.resolve(name + "-batch").toString());
		b.put("model", model.toString());
		b.put("seed", "5");
		sc.fiji.diffusion.cli.Batch.run(b);
		final float[] single = (float[]) new Opener().openImage(tmp.resolve(name + "-batch").resolve(name +
			"-denoised.tif").toString()).getProcessor().getPixels();
		return maxDiff(result(out), single);
	}

	static int poisson(final java.util.Random r, final double lambda) {
		return sc.fiji.diffusion.testing.TestData.poisson(r, lambda);
	}


	/** The model folders the executors unpack are gone after the job. */
	@Test
	void noModelFoldersAreLeftInTheTempFolder() throws Exception {
		final Path tmpDir = Paths.get(System.getProperty("java.io.tmpdir"));
		final java.util.Set<Path> before = modelFolders(tmpDir);
		SparkDenoise.main(keys("mean", tmp.resolve("clean-up.ome.zarr").toString()));
		final java.util.Set<Path> after = modelFolders(tmpDir);
		after.removeAll(before);
		assertTrue(after.isEmpty(), "left behind: " + after);
	}

	private static java.util.Set<Path> modelFolders(final Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.filter(p -> p.getFileName().toString().startsWith("diffusion-model-")).collect(java.util.stream.Collectors
				.toSet());
		}
	}

	@Test
	void sampleEqualsTheSingleMachineResultAfterFailedTasks() throws Exception {
		final Path out = tmp.resolve("sample.ome.zarr"), failures = tmp.resolve("failures");
		final Map<String, String> o = keys("sample", out.toString());
		Files.createDirectories(failures);
		// every fifth block fails the first time it runs (fault injection lives here, not in the product)
		SparkBlocks.hook = (pass, index) -> {
			if (index % 5 != 2) return;
			final Path marker = failures.resolve("failed-" + pass + "-" + index);
			if (Files.exists(marker)) return;
			Files.write(marker, new byte[0]);
			throw new IllegalStateException("injected failure of block " + index + ": Spark should run it again");
		};
		try {
			SparkDenoise.main(o);
		}
		finally {
			SparkBlocks.hook = null;
		}
		try (Stream<Path> s = Files.list(failures)) {
			assertTrue(s.count() >= 3, "tasks failed on purpose and were run again");
		}
		final double d = maxDiff(result(out), batch("sample"));
		System.out.println("sample: max |spark - batch| = " + d);
		assertTrue(d <= TOLERANCE, "max difference " + d);
		assertTrue(!Files.exists(out.resolve(".diffusion-work")), "scratch state removed");
	}

	@Test
	void badInputIsRefusedBeforeSparkStarts() throws Exception {
		final Path plain = Files.createDirectories(tmp.resolve("plain"));
		assertMessage(keys("mean", tmp.resolve("x1").toString()), "in", plain.toString(), "not OME-Zarr");
		final Path ints = tmp.resolve("ints.ome.zarr");
		writeOmeZarr(ints, new short[W * H], "<i4", "yx");
		assertMessage(keys("mean", tmp.resolve("x2").toString()), "in", ints.toString(), "not supported");
		final Path channels = tmp.resolve("channels.ome.zarr");
		writeOmeZarr(channels, new short[W * H], "<u2", "cx");
		assertMessage(keys("mean", tmp.resolve("x3").toString()), "in", channels.toString(), "axes 'cx'");
		assertMessage(keys("mean", tmp.resolve("x4").toString()), "task", "inpaint", "denoise");
		// Denoise's keys are the Denoise command's: a misspelt key is named (it used to be ignored), a value of the wrong
		// type too, and what Spark cannot run block by block is refused with what to use instead
		assertMessage(keys("mean", tmp.resolve("x5").toString()), "sigam", "20", "Unknown key 'sigam'");
		assertMessage(keys("mean", tmp.resolve("x6").toString()), "steps", "many", "whole number");
		assertMessage(keys("mean", tmp.resolve("x7").toString()), "ensemble", "8", "use batch");
		assertMessage(keys("mean", tmp.resolve("x8").toString()), "noise", "speckle", "Unknown noise 'speckle'; accepted: auto, gaussian, poisson");
		// an output folder that cannot take files is found before any pixel is read
		final Path ro = Files.createDirectories(tmp.resolve("read-only"));
		ro.toFile().setWritable(false);
		try {
			if (!Files.isWritable(ro)) assertMessage(keys("mean", ro.resolve("out.ome.zarr").toString()), "seed", "5",
				"cannot write");
		}
		finally {
			ro.toFile().setWritable(true);
		}
	}

	/** A corrupt chunk ends in a message that names it, not only the codec's complaint. */
	@Test
	void aCorruptChunkIsNamed() throws Exception {
		final Path copy = tmp.resolve("corrupt.ome.zarr");
		try (Stream<Path> s = Files.walk(zarr)) {
			for (final Path p : (Iterable<Path>) s::iterator) {
				final Path t = copy.resolve(zarr.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(t);
				else Files.copy(p, t);
			}
		}
		Files.write(copy.resolve("0").resolve("1.2"), "not a blosc chunk at all".getBytes(StandardCharsets.UTF_8));
		final Map<String, String> o = keys("mean", tmp.resolve("corrupt-out.ome.zarr").toString());
		o.put("in", copy.toString());
		final Exception e = assertThrows(Exception.class, () -> SparkDenoise.main(o));
		String all = "";
		for (Throwable t = e; t != null; t = t.getCause())
			all += t.getMessage() + "\n";
		assertTrue(all.contains("1.2") && all.contains("cannot decode chunk"), all);
	}

	private static void assertMessage(final Map<String, String> o, final String key, final String value,
		final String part)
	{
		o.put(key, value);
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkDenoise.main(o));
		assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should mention " + part);
	}
}
