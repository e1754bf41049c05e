package sc.fiji.diffusion.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.io.Opener;
import ij.process.FloatProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The headless batch entry over a folder, with cluster-style sharding. */
class BatchTest {

	@TempDir
	Path tmp;

	@Test
	void denoisesItsShareOfAFolder() throws Exception {
		final Path in = Files.createDirectories(tmp.resolve("in")), out = tmp.resolve("out");
		final Random r = new Random(1);
		for (int k = 0; k < 3; k++) {
			final float[] px = new float[40 * 40];
			for (int i = 0; i < px.length; i++)
				px[i] = (float) (100 + 25 * r.nextGaussian());
			new FileSaver(new ImagePlus("img" + k, new FloatProcessor(40, 40, px))).saveAsTiff(in.resolve("img" + k + ".tif")
				.toString());
		}
		final byte[] before = Files.readAllBytes(in.resolve("img1.tif"));
		final String printed = captured(() -> Batch.run(Main.options(new String[] { "batch", "--task", "denoise", "--in",
			in.toString(), "--out", out.toString(), "--sigma", "25", "--shard", "1/2" })));
		assertEquals(1, count(printed, "model 'grayscale' from "), printed);
		try (Stream<Path> s = Files.list(out)) {
			assertEquals("[batch-shard1of2.csv, img1-denoised.tif]", s.map(p -> p.getFileName().toString()).sorted().collect(
				Collectors.toList()).toString(), "shard 1/2 of three files is the second one, and no partial files remain");
		}
		final ImagePlus res = new Opener().openImage(out.resolve("img1-denoised.tif").toString());
		assertEquals(40, res.getWidth());
		assertEquals(32, res.getBitDepth());
		// the CSV: one row for the written file, with the estimated error as the result's property holds it (its accuracy:
		// PipelinesTest; on 40x40 pixels of flat noise it may rightly be absent, the estimate coming out <= 0)
		final java.util.List<String> csv = Files.readAllLines(out.resolve("batch-shard1of2.csv"));
		assertEquals("file,result,seconds,estimated_rmse,rmse_low,rmse_high", csv.get(0));
		assertEquals(2, csv.size(), csv.toString());
		final String[] row = csv.get(1).split(",", -1);
		assertEquals(6, row.length, csv.get(1));
		assertEquals("img1.tif", row[0]);
		assertEquals("img1-denoised.tif", row[1]);
		assertTrue(Double.parseDouble(row[2]) > 0);
		final String prop = res.getProp("diffusion.estimated_rmse");
		assertEquals(prop == null ? "" : prop, row[3], "the CSV holds the result's property");
		assertTrue(row[3].isEmpty() || Double.parseDouble(row[3]) > 0, row[3]);
		assertTrue(row[5].isEmpty() || Double.parseDouble(row[5]) >= Double.parseDouble(row[4]), csv.get(1));
		if (!row[3].isEmpty()) assertTrue(Double.parseDouble(row[4]) <= Double.parseDouble(row[3]) && Double.parseDouble(
			row[3]) <= Double.parseDouble(row[5]), csv.get(1));
		assertArrayEquals(before, Files.readAllBytes(in.resolve("img1.tif")), "inputs are only read");
	}

	/** A whole folder loads its model once and says so once. */
	@Test
	void aFolderLoadsTheModelOnce() throws Exception {
		final Path in = Files.createDirectories(tmp.resolve("many")), out = tmp.resolve("many-out");
		for (int k = 0; k < 4; k++)
			new FileSaver(new ImagePlus("f" + k, new ij.process.ByteProcessor(48, 40))).saveAsTiff(in.resolve("f" + k + ".tif")
				.toString());
		final String printed = captured(() -> Batch.run(Main.options(new String[] { "batch", "--task", "Denoise", "--in", in
			.toString(), "--out", out.toString(), "--sigma", "10" })));
		assertEquals(1, count(printed, "loaded on"), printed);
		assertTrue(printed.contains("done: 4 written, 0 failed"), printed);
	}

	@FunctionalInterface
	private interface Run {

		void run() throws Exception;
	}

	/** What a run prints on stdout and stderr (SciJava's log goes to either). */
	private static String captured(final Run r) throws Exception {
		final java.io.PrintStream out = System.out, err = System.err;
		final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
		final java.io.PrintStream both = new java.io.PrintStream(buf, true, "UTF-8");
		System.setOut(both);
		System.setErr(both);
		try {
			r.run();
		}
		finally {
			System.setOut(out);
			System.setErr(err);
		}
		final String s = buf.toString("UTF-8");
		out.print(s);
		return s;
	}

	private static int count(final String text, final String what) {
		int n = 0;
		for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1))
			n++;
		return n;
	}

	/** A file that cannot be read completely is reported and skipped: never a result from half a file. */
	@Test
	void aTruncatedTiffIsSkippedWithAMessage() throws Exception {
		final Path in = Files.createDirectories(tmp.resolve("cut")), out = tmp.resolve("cut-out");
		final float[] px = new float[96 * 96];
		final Random r = new Random(2);
		for (int i = 0; i < px.length; i++)
			px[i] = (float) (100 + 25 * r.nextGaussian());
		new FileSaver(new ImagePlus("whole", new FloatProcessor(96, 96, px))).saveAsTiff(in.resolve("a.tif").toString());
		final byte[] all = Files.readAllBytes(in.resolve("a.tif"));
		Files.write(in.resolve("b.tif"), java.util.Arrays.copyOf(all, 3000)); // head -c 3000
		final Batch.Outcome[] outcome = new Batch.Outcome[1];
		final String printed = captured(() -> outcome[0] = Batch.execute(Main.options(new String[] { "batch", "--task",
			"denoise", "--in", in.toString(), "--out", out.toString(), "--sigma", "25" })));
		assertEquals(1, outcome[0].failed, printed);
		assertTrue(printed.contains("b.tif is incomplete"), printed);
		try (Stream<Path> s = Files.list(out)) {
			assertEquals("[a-denoised.tif, batch.csv]", s.map(p -> p.getFileName().toString()).sorted().collect(Collectors
				.toList()).toString());
		}
	}

	/** A key's value that its type cannot take is named, never silently replaced by the default. */
	@Test
	void unparsableAndUnknownKeysAreRefused() throws Exception {
		final Path in = Files.createDirectories(tmp.resolve("keys")), out = tmp.resolve("keys-out");
		new FileSaver(new ImagePlus("k", new FloatProcessor(32, 32))).saveAsTiff(in.resolve("k.tif").toString());
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Batch.execute(Main.options(
			new String[] { "batch", "--task", "denoise", "--in", in.toString(), "--out", out.toString(), "--sigma", "abc" })));
		assertTrue(e.getMessage().contains("sigma=abc") && e.getMessage().contains("number"), e.getMessage());
		final IllegalArgumentException u = assertThrows(IllegalArgumentException.class, () -> Batch.execute(Main.options(
			new String[] { "batch", "--task", "denoise", "--in", in.toString(), "--out", out.toString(), "--sigmaa", "2" })));
		assertTrue(u.getMessage().contains("sigmaa"), u.getMessage());
	}

	@Test
	void badOptionsAreRefused() {
		assertThrows(IllegalArgumentException.class, () -> Batch.shard("2/2"));
		assertThrows(IllegalArgumentException.class, () -> Batch.shard("x"));
		assertArrayEquals(new int[] { 3, 8 }, Batch.shard("3/8"));
		final Map<String, String> o = Main.options(new String[] { "batch", "--task", "blur", "--in", "a", "--out", "b" });
		assertTrue(assertThrows(IllegalArgumentException.class, () -> Batch.run(o)).getMessage().contains("blur"));
	}

	/** train --in FOLDER: the CLI's keys are Train's; the model lands in --out. */
	@Test
	void trainFromAFolder() throws Exception {
		final Path in = Files.createDirectories(tmp.resolve("train-in")), models = tmp.resolve("models");
		int k = 0;
		for (final float[] px : sc.fiji.diffusion.testing.TestData.blobs(2, 64, 64, 1))
			new FileSaver(new ImagePlus("t" + k, new FloatProcessor(64, 64, px))).saveAsTiff(in.resolve("t" + k++ + ".tif")
				.toString());
		final java.net.URI base = BatchTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI();
		TrainCli.run(Main.options(new String[] { "train", "--in", in.toString(), "--base", java.nio.file.Paths.get(base)
			.getParent().toString(), "--name", "cli-model", "--steps", "3", "--batch", "2", "--patch", "32", "--out", models
				.toString() }));
		assertTrue(Files.isRegularFile(models.resolve("cli-model").resolve("weights.pt")));
		// data=noisy on photon-limited images, the camera unknown
		final Path noisy = Files.createDirectories(tmp.resolve("train-noisy"));
		final java.util.Random r = new java.util.Random(5);
		k = 0;
		for (final float[] px : sc.fiji.diffusion.testing.TestData.blobs(2, 64, 64, 2)) {
			final short[] z = new short[px.length];
			for (int i = 0; i < z.length; i++) {
				final double lambda = px[i] / 10;
				z[i] = (short) Math.round(100 + 2 * lambda + Math.sqrt(4 * lambda + 4) * r.nextGaussian());
			}
			new FileSaver(new ImagePlus("n" + k, new ij.process.ShortProcessor(64, 64, z, null))).saveAsTiff(noisy.resolve("n" +
				k++ + ".tif").toString());
		}
		TrainCli.run(Main.options(new String[] { "train", "--in", noisy.toString(), "--base", java.nio.file.Paths.get(base)
			.getParent().toString(), "--name", "cli-noisy", "--steps", "3", "--batch", "2", "--patch", "32", "--out", models
				.toString(), "--data", "noisy", "--noise", "poisson", "--gain", "0", "--sigma", "0" }));
		final String rdf = new String(Files.readAllBytes(models.resolve("cli-noisy").resolve("rdf.yaml")), "UTF-8");
		assertTrue(rdf.contains("data: noisy") && rdf.contains("poisson: gain a"), rdf);
		assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainCli.run(Main.options(new String[] { "train",
			"--in", tmp.resolve("nowhere").toString(), "--name", "x" }))).getMessage().contains("not found"));
	}
}
