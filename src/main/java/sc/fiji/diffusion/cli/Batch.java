package sc.fiji.diffusion.cli;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.io.Opener;
import ij.macro.Interpreter;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleService;

import sc.fiji.diffusion.fiji.DenoiseCommand;
import sc.fiji.diffusion.fiji.DiffusionCommands;
import sc.fiji.diffusion.fiji.DiffusionModelService;

/**
 * Headless batch: runs an image command (Denoise, Edit, Inpaint, …: every Plugins › Diffusion
 * command with an image input, found in the command index) on every TIFF of a folder and writes
 * the results to another folder. The context's model service loads the model once for the
 * whole folder. With {@code --shard i/n}
 * (or SLURM's array variables) it takes every n-th file starting at i, so n cluster tasks
 * share one folder. Results are written to a temporary name and renamed when complete.
 * <pre>
 *   batch --task denoise --in noisy/ --out clean/ [--sigma 25 --output mean ...] [--shard 0/4]
 *   batch --task inpaint --in images/ --mask-dir masks/ --out filled/ [--steps 50 ...]
 * </pre>
 * Other {@code --key value} options become the command's inputs (its macro keys).
 */
public final class Batch {

	private Batch() {}

	/** What a batch run did. */
	public static final class Outcome {

		/** Seconds each written file took (read, run, write), in order. */
		public final double[] seconds;
		/** Files refused or failed (each reported with why). */
		public final int failed;

		Outcome(final double[] seconds, final int failed) {
			this.seconds = seconds;
			this.failed = failed;
		}
	}

	/** Runs the batch; returns the seconds each written file took (read, run, write), in order. */
	public static double[] run(final Map<String, String> o) throws IOException, InterruptedException {
		return execute(o).seconds;
	}

	/** Runs the batch and says how many files failed (the command line exits with 1 then). */
	public static Outcome execute(final Map<String, String> o) throws IOException, InterruptedException {
		final String task = o.getOrDefault("task", "denoise");
		final Context context = new Context(CommandService.class, DiffusionModelService.class);
		try {
			return run(o, task, context);
		}
		finally {
			context.dispose();
		}
	}

	private static Outcome run(final Map<String, String> o, final String task, final Context context)
		throws IOException, InterruptedException
	{
		final List<Double> seconds = new ArrayList<>();
		final CommandService cs = context.service(CommandService.class);
		final CommandInfo command = DiffusionCommands.get(cs, task);
		if (!DiffusionCommands.isImageCommand(command)) throw new IllegalArgumentException("'" + task +
			"' does not work on an image; batch runs: " + String.join(", ", DiffusionCommands.imageCommands(cs)));
		if (!o.containsKey("in") || !o.containsKey("out")) throw new IllegalArgumentException("--in DIR and --out DIR are required");
		final Path in = Paths.get(o.get("in")), out = Paths.get(o.get("out"));
		if (!Files.isDirectory(in)) throw new IllegalArgumentException("input folder not found: " + in);
		Files.createDirectories(out);
		final Path maskDir = o.containsKey("mask-dir") ? Paths.get(o.get("mask-dir")) : null;
		final int[] shard = shard(o.get("shard"));
		final List<Path> files;
		try (Stream<Path> s = Files.list(in)) {
			files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.tiff?$")).sorted()
				.collect(Collectors.toList());
		}
		final List<Path> mine = new ArrayList<>();
		for (int k = 0; k < files.size(); k++)
			if (k % shard[1] == shard[0]) mine.add(files.get(k));
		System.out.println(String.format("batch %s: %d of %d file(s) in %s (shard %d/%d) -> %s", task.toLowerCase(
			Locale.ROOT), mine.size(), files.size(), in, shard[0], shard[1], out));
		final Map<String, Object> common = new HashMap<>(o);
		for (final String k : new String[] { "task", "in", "out", "mask-dir", "shard" })
			common.remove(k);
		Interpreter.batchMode = true; // no windows, as in a headless macro
		int failed = 0;
		final StringBuilder csv = new StringBuilder("file,result,seconds,estimated_rmse,rmse_low,rmse_high\n");
		try {
			for (int k = 0; k < mine.size(); k++) {
				final Path f = mine.get(k);
				final long t0 = System.nanoTime();
				final ImagePlus imp;
				try {
					imp = open(f);
				}
				catch (final IllegalArgumentException e) {
					System.out.println(progress(k + 1, mine.size()) + " " + f.getFileName() + ": " + e.getMessage() + "; skipped");
					failed++;
					continue;
				}
				final Map<String, Object> inputs = new HashMap<>(common);
				inputs.put("image", imp);
				if (maskDir != null) {
					final Path mf = maskDir.resolve(f.getFileName());
					if (!Files.isRegularFile(mf)) throw new IllegalArgumentException("no mask " + mf + " for " + f.getFileName());
					inputs.put("mask", open(mf));
				}
				DiffusionCommands.checkValues(command, inputs);
				final Module m = context.service(ModuleService.class).run(command, true, inputs).get();
				if (((Cancelable) m).isCanceled()) {
					System.out.println(progress(k + 1, mine.size()) + " " + f.getFileName() + ": " + ((Cancelable) m)
						.getCancelReason());
					failed++;
					continue;
				}
				final ImagePlus result = (ImagePlus) m.getOutput("result");
				final Path target = out.resolve(result.getTitle() + ".tif"), tmp = out.resolve("." + result.getTitle() +
					".tif.part");
				if (!new FileSaver(result).saveAsTiff(tmp.toString())) throw new IOException("could not write " + tmp);
				Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
				seconds.add((System.nanoTime() - t0) / 1e9);
				final String rmse = result.getProp(DenoiseCommand.RMSE_PROPERTY);
				System.out.println(String.format(Locale.ROOT, "%s %s -> %s (%.3f s%s)", progress(k + 1, mine.size()),
					f.getFileName(), target.getFileName(), seconds.get(seconds.size() - 1), rmse == null ? "" :
						", estimated RMS error " + rmse));
				final String range = result.getProp(DenoiseCommand.RANGE_PROPERTY);
				csv.append(String.format(Locale.ROOT, "%s,%s,%.3f,%s,%s%n", csvField(f.getFileName().toString()), csvField(
					target.getFileName().toString()), seconds.get(seconds.size() - 1), rmse == null ? "" : rmse, range == null ?
						"," : range.replace(' ', ',')));
			}
		}
		catch (final ExecutionException e) {
			throw new IOException(e.getCause());
		}
		// one line per written file; the estimated error (Denoise output=mean) needs no clean image
		final String csvName = "batch" + (shard[1] > 1 ? "-shard" + shard[0] + "of" + shard[1] : "") + ".csv";
		final Path csvTmp = out.resolve("." + csvName + ".part");
		Files.write(csvTmp, csv.toString().getBytes(StandardCharsets.UTF_8));
		Files.move(csvTmp, out.resolve(csvName), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		System.out.println(String.format("done: %d written, %d failed; %s", mine.size() - failed, failed, out.resolve(
			csvName)));
		return new Outcome(seconds.stream().mapToDouble(Double::doubleValue).toArray(), failed);
	}

	/** A CSV field: quoted when it holds a comma or a quote. */
	static String csvField(final String v) {
		return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
	}

	/**
	 * Opens an image file completely or not at all: a TIFF whose image data run past the end of
	 * the file (a truncated copy or download) is refused with a message, never read as zeros.
	 */
	static ImagePlus open(final Path f) {
		final String name = f.getFileName().toString();
		if (name.toLowerCase(Locale.ROOT).matches(".*\\.tiff?$")) checkComplete(f);
		final ImagePlus imp = new Opener().openImage(f.toString());
		if (imp == null) throw new IllegalArgumentException(name + " is not an image ImageJ can read");
		return imp;
	}

	private static void checkComplete(final Path f) {
		final long size;
		final ij.io.FileInfo[] info;
		try {
			size = Files.size(f);
			info = new ij.io.TiffDecoder(f.getParent() == null ? "" : f.getParent().toString() + File.separator, f
				.getFileName().toString()).getTiffInfo();
		}
		catch (final IOException | RuntimeException e) {
			throw new IllegalArgumentException(f.getFileName() + " cannot be read as a TIFF (" + e.getMessage() + ")");
		}
		if (info == null || info.length == 0) throw new IllegalArgumentException(f.getFileName() + " has no image in it");
		long need = 0;
		for (final ij.io.FileInfo fi : info) {
			if (fi.stripOffsets != null && fi.stripLengths != null && fi.stripOffsets.length == fi.stripLengths.length)
				for (int i = 0; i < fi.stripOffsets.length; i++)
					need = Math.max(need, (fi.stripOffsets[i] & 0xffffffffL) + (fi.stripLengths[i] & 0xffffffffL));
			if (fi.compression <= 1) {
				final long images = Math.max(1, fi.nImages);
				need = Math.max(need, fi.getOffset() + images * ((long) fi.width * fi.height * fi.getBytesPerPixel() + Math.max(0,
					fi.gapBetweenImages)) - Math.max(0, fi.gapBetweenImages));
			}
		}
		if (need > size) throw new IllegalArgumentException(String.format(Locale.ROOT, "%s is incomplete: its image data " +
			"need %d bytes but the file has %d (a truncated copy?)", f.getFileName(), need, size));
	}

	/** An integer option, or a message naming the option. */
	public static int integer(final Map<String, String> o, final String key, final String dflt) {
		final String v = o.getOrDefault(key, dflt);
		try {
			return Integer.parseInt(v.trim());
		}
		catch (final NumberFormatException e) {
			throw new IllegalArgumentException("--" + key + " must be a whole number, was '" + v + "'");
		}
	}

	/** "i/n", else SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT, else 0/1. */
	static int[] shard(final String spec) {
		String s = spec;
		if (s == null && System.getenv("SLURM_ARRAY_TASK_ID") != null && System.getenv("SLURM_ARRAY_TASK_COUNT") != null) {
			final int min = Integer.parseInt(System.getenv().getOrDefault("SLURM_ARRAY_TASK_MIN", "0"));
			s = (Integer.parseInt(System.getenv("SLURM_ARRAY_TASK_ID")) - min) + "/" + System.getenv("SLURM_ARRAY_TASK_COUNT");
		}
		if (s == null) return new int[] { 0, 1 };
		final String[] p = s.split("/");
		try {
			final int i = Integer.parseInt(p[0].trim()), n = Integer.parseInt(p[1].trim());
			if (n < 1 || i < 0 || i >= n) throw new NumberFormatException();
			return new int[] { i, n };
		}
		catch (final RuntimeException e) {
			throw new IllegalArgumentException("--shard must be i/n with 0 <= i < n, was '" + s + "'");
		}
	}

	private static String progress(final int done, final int total) {
		final int width = 20, filled = total == 0 ? width : width * done / total;
		return "[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total;
	}
}
