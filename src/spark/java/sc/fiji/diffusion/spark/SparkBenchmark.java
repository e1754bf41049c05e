package sc.fiji.diffusion.spark;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ShortProcessor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import com.scalableminds.bloscjava.Blosc;

import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tiling.TileGrid;
import sc.fiji.diffusion.models.Models;

/**
 * {@code spark-benchmark [--size 8192] [--blocks 1024,2048,4096] [--out results/spark-benchmark.md]}:
 * one synthetic 16-bit image (cell-like blobs with noise) as OME-Zarr (Blosc) and as TIFF;
 * Denoise output=mean with the default model by single-JVM {@code batch} and by {@code spark} on
 * local[1] and local[2], then a block-size sweep on local[2]; wall times as ratios in one run,
 * the per-block cost, and peak memory. Each run is a fresh JVM so that peak memory is its own.
 * For every block size from 256 to 4096 it also counts the network work a layout costs: the tile
 * evaluations of all blocks (a block runs every tile of the whole image's grid that touches it)
 * relative to the single machine's one evaluation per tile. That count is exact and needs no
 * run, so small blocks, whose duplicated halo work makes them too slow to time here, are
 * covered too.
 */
public final class SparkBenchmark {

	private SparkBenchmark() {}

	public static void main(final Map<String, String> o) throws Exception {
		final int size = Integer.parseInt(o.getOrDefault("size", "8192"));
		final String[] blocks = o.getOrDefault("blocks", "1024,2048,4096").split(",");
		final Path dir = Paths.get(o.getOrDefault("work", Files.createTempDirectory("spark-bench-").toString()));
		final Path zarr = dir.resolve("image.ome.zarr"), tiffDir = Files.createDirectories(dir.resolve("tiff"));
		if (!Files.exists(zarr)) write(size, zarr, tiffDir.resolve("image.tif"));
		final List<String> md = new ArrayList<>();
		md.add(String.format(Locale.ROOT, "Image: %d² uint16 (%.0f Mpx), OME-Zarr Blosc-lz4 chunks of 512²; Denoise " +
			"output=mean, default model, σ = 300 (image units); each run a fresh JVM (heap 12 GB)", size, size * (double) size /
				1e6));
		md.add("");
		final TileGrid grid = grid(size);
		md.add(String.format(Locale.ROOT, "Network work of a block layout: the single machine runs %d tiles of %s px " +
			"(overlap %d) once each; a block runs every tile that touches it", grid.count(), java.util.Arrays.toString(grid
				.tile()), grid.overlap()[0]));
		md.add("");
		md.add("| block | blocks | tile evaluations | relative to batch |");
		md.add("|---|---|---|---|");
		for (final int b : new int[] { 256, 512, 1024, 2048, 4096 }) {
			final long n = tileEvaluations(grid, size, b);
			md.add(String.format(Locale.ROOT, "| %d | %d | %d | %.2f |", b, blocks(size, b), n, n / (double) grid.count()));
		}
		md.add("");
		md.add("| run | wall time (s) | ratio to batch | blocks | s per block | peak RSS (MB) |");
		md.add("|---|---|---|---|---|---|");
		final double batch = run(md, "batch (one JVM, Fiji command)", new String[] { "batch", "--task", "denoise", "--in",
			tiffDir.toString(), "--out", dir.resolve("batch-out").toString(), "--sigma", "300" }, -1, 0);
		for (final String master : new String[] { "local[1]", "local[2]" })
			run(md, "spark " + master + ", blocks 2048", spark(zarr, dir, master, 2048), batch, blocks(size, 2048));
		for (final String b : blocks) {
			final int bs = Integer.parseInt(b.trim());
			if (bs == 2048) continue;
			run(md, "spark local[2], blocks " + bs, spark(zarr, dir, "local[2]", bs), batch, blocks(size, bs));
		}
		final String text = String.join("\n", md) + "\n";
		System.out.println(text);
		if (o.containsKey("out")) {
			final Path out = Paths.get(o.get("out"));
			if (out.getParent() != null) Files.createDirectories(out.getParent());
			Files.write(out, text.getBytes(StandardCharsets.UTF_8));
		}
	}

	/** The default model's tile grid over a size² canvas, as the single machine lays it. */
	static TileGrid grid(final int size) {
		final ModelDescriptor d = ModelDescriptor.read(Models.resolve(Models.DEFAULT_IMAGE));
		final int[] q = d.sizeMultiple();
		final long side = (size + q[0] - 1) / q[0] * (long) q[0];
		return TileGrid.fitted(new long[] { side, side }, d.tile(), d.overlap(), q);
	}

	/** Σ over the blocks of a layout of the number of grid tiles touching the block. */
	static long tileEvaluations(final TileGrid g, final int size, final int block) {
		long n = 0;
		for (long y = 0; y < size; y += block)
			for (long x = 0; x < size; x += block)
				n += g.intersecting(new long[] { y, x }, new long[] { Math.min(size, y + block), Math.min(size, x + block) }).length;
		return n;
	}

	private static int blocks(final int size, final int block) {
		final int n = (size + block - 1) / block;
		return n * n;
	}

	private static String[] spark(final Path zarr, final Path dir, final String master, final int block) {
		return new String[] { "spark", "--task", "denoise", "--in", zarr.toString(), "--out", dir.resolve("spark-" + master
			.replaceAll("\\W", "") + "-" + block).toString(), "--overwrite", "true", "--sigma", "300", "--block", String.valueOf(
				block), "--master", master, "--ui", "false" };
	}

	/** This program's class path (under mvn exec:java, that of its class loader, not Maven's own). */
	private static String classPath() {
		final ClassLoader cl = SparkBenchmark.class.getClassLoader();
		if (cl instanceof java.net.URLClassLoader) {
			final List<String> parts = new ArrayList<>();
			for (final java.net.URL u : ((java.net.URLClassLoader) cl).getURLs())
				parts.add(Paths.get(java.net.URI.create(u.toString())).toString());
			return String.join(java.io.File.pathSeparator, parts);
		}
		return System.getProperty("java.class.path");
	}

	/** Runs the CLI in a fresh JVM with this one's class path; returns the wall time. */
	private static double run(final List<String> md, final String name, final String[] args, final double batch,
		final int blocks) throws Exception
	{
		final List<String> cmd = new ArrayList<>();
		cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
		cmd.add("-Xmx12g");
		for (final String opt : new String[] { "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net",
			"java.nio", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch", "sun.nio.cs",
			"sun.security.action", "sun.util.calendar" })
			cmd.add("--add-opens=java.base/" + opt + "=ALL-UNNAMED");
		cmd.add("-Dai.djl.offline=true");
		cmd.add("-cp");
		cmd.add(classPath());
		cmd.add("sc.fiji.diffusion.spark.RunAndMeasure");
		for (final String a : args)
			cmd.add(a);
		final long t0 = System.nanoTime();
		final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (p.waitFor() != 0) throw new IllegalStateException(name + " failed:\n" + out);
		final double wall = (System.nanoTime() - t0) / 1e9;
		final String rss = out.replaceAll("(?s).*peak RSS (\\d+) MB.*", "$1");
		md.add(String.format(Locale.ROOT, "| %s | %.1f | %s | %s | %s | %s |", name, wall, batch > 0 ? String.format(
			Locale.ROOT, "%.2f", wall / batch) : "1", blocks > 0 ? blocks : "", blocks > 0 ? String.format(Locale.ROOT, "%.2f",
				wall / blocks) : "", rss.matches("\\d+") ? rss : "?"));
		System.out.println(md.get(md.size() - 1));
		return wall;
	}

	/** The benchmark image: smooth blobs on a background with noise, as OME-Zarr and TIFF. */
	private static void write(final int size, final Path zarr, final Path tiff) throws Exception {
		final short[] px = new short[size * size];
		final Random r = new Random(1);
		final float[] acc = new float[size * size];
		for (int k = 0; k < size * size / 2000; k++) {
			final double cx = r.nextDouble() * size, cy = r.nextDouble() * size, s = 3 + 8 * r.nextDouble(), a = 2000 + 8000 * r
				.nextDouble();
			final int rad = (int) Math.ceil(3 * s);
			for (int y = Math.max(0, (int) cy - rad); y < Math.min(size, (int) cy + rad); y++)
				for (int x = Math.max(0, (int) cx - rad); x < Math.min(size, (int) cx + rad); x++)
					acc[y * size + x] += (float) (a * Math.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s)));
		}
		for (int i = 0; i < px.length; i++)
			px[i] = (short) Math.max(0, Math.min(65535, Math.round(1000 + acc[i] + 300 * r.nextGaussian())));
		new FileSaver(new ImagePlus("image", new ShortProcessor(size, size, px, null))).saveAsTiff(tiff.toString());
		final int c = 512;
		final Path a = Files.createDirectories(zarr.resolve("0"));
		Files.write(zarr.resolve(".zgroup"), "{\"zarr_format\": 2}".getBytes(StandardCharsets.UTF_8));
		Files.write(zarr.resolve(".zattrs"), ("{\"multiscales\": [{\"version\": \"0.4\", \"axes\": [{\"name\": \"y\", " +
			"\"type\": \"space\", \"unit\": \"micrometer\"}, {\"name\": \"x\", \"type\": \"space\", \"unit\": \"micrometer\"}], " +
			"\"datasets\": [{\"path\": \"0\", \"coordinateTransformations\": [{\"type\": \"scale\", \"scale\": [0.1, 0.1]}]}]}]}")
				.getBytes(StandardCharsets.UTF_8));
		Files.write(a.resolve(".zarray"), ("{\"zarr_format\": 2, \"shape\": [" + size + ", " + size + "], \"chunks\": [" + c +
			", " + c + "], \"dtype\": \"<u2\", \"compressor\": {\"id\": \"blosc\", \"cname\": \"lz4\", \"clevel\": 5, " +
			"\"shuffle\": 1}, \"fill_value\": 0, \"order\": \"C\", \"filters\": null}").getBytes(StandardCharsets.UTF_8));
		for (int cy = 0; cy * c < size; cy++)
			for (int cx = 0; cx * c < size; cx++) {
				final ByteBuffer b = ByteBuffer.allocate(2 * c * c).order(ByteOrder.LITTLE_ENDIAN);
				for (int y = 0; y < c; y++)
					for (int x = 0; x < c; x++)
						b.putShort(px[(cy * c + y) * size + cx * c + x]);
				Files.write(a.resolve(cy + "." + cx), Blosc.compress(b.array(), 2, Blosc.Compressor.LZ4, 5,
					Blosc.Shuffle.BYTE_SHUFFLE));
			}
	}
}
