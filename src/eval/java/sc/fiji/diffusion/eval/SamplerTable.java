package sc.fiji.diffusion.eval;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.tasks.Generate;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.sampling.Sampler;
import sc.fiji.diffusion.engine.sampling.Samplers;

/**
 * Sample quality versus cost: for every sampler and every budget of network calls, class-
 * conditional samples (the same number per class, the same seeds for every sampler) are
 * scored by the reference classifier — Fréchet distance of its penultimate features to the
 * test set's, and the fraction recognised as the requested class. The data floor is the
 * same distance for real training images (the same number as samples, and 10 000).
 * <p>
 * Rows are appended to a CSV as they finish and reused on a rerun with the same settings, so
 * a long table can be built over several sessions.
 */
public final class SamplerTable {

	private SamplerTable() {}

	private static final String HEADER = "sampler,calls,steps,samples,guidance,seed,frechet,accuracy,seconds";

	/** Options: model, samples, calls, samplers, guidance, seed, batch, out, compute, device. */
	public static void main(final Map<String, String> o) throws IOException {
		final int samples = Integer.parseInt(o.getOrDefault("samples", "500"));
		final int[] calls = Arrays.stream(o.getOrDefault("calls", "10,20,50,100,1000").split(","))
			.mapToInt(s -> Integer.parseInt(s.trim())).toArray();
		final List<String> samplers = o.getOrDefault("samplers", "all").equals("all") ? Samplers.names()
			: Arrays.asList(o.get("samplers").split(","));
		final double guidance = Double.parseDouble(o.getOrDefault("guidance", "1"));
		final long seed = Long.parseLong(o.getOrDefault("seed", "1"));
		final int batch = Integer.parseInt(o.getOrDefault("batch", "50"));
		final Path csv = Paths.get(o.getOrDefault("out", "results/sampler-table.csv"));
		// --compute false: only print the table from the rows already in the CSV
		final boolean compute = Boolean.parseBoolean(o.getOrDefault("compute", "true"));
		try (DiffusionModel model = DiffusionModel.load(Models.resolve(o.get("model")), Devices.resolve(o.get("device")));
			ReferenceClassifier classifier = new ReferenceClassifier(model.descriptor(), model.device()))
		{
			final ModelDescriptor d = model.descriptor();
			final int k = d.classes().size();
			if (k == 0 || samples % k != 0) throw new IllegalArgumentException("--samples must be a positive multiple of the " +
				"number of classes (" + k + "), was " + samples);
			System.out.println("model: " + d.name() + "; device: " + Devices.describe(model.device()));
			final FashionMnist test = FashionMnist.load("t10k", Integer.MAX_VALUE);
			final Frechet.Gaussian ref = Frechet.fit(classifier.classify(test.images).features);
			final FashionMnist train = FashionMnist.load("train", 10000);
			final double floorAll = Frechet.distance(Frechet.fit(classifier.classify(train.images).features), ref);
			final double floorN = Frechet.distance(Frechet.fit(classifier.classify(Arrays.copyOf(train.images, samples))
				.features), ref);
			System.out.println(String.format(Locale.ROOT, "data floor (train vs the 10 000 test images): %.3f with %d train " +
				"images, %.3f with 10 000", floorN, samples, floorAll));
			final Map<String, String[]> done = read(csv);
			if (csv.getParent() != null) Files.createDirectories(csv.getParent());
			if (!Files.exists(csv)) Files.write(csv, (HEADER + "\n").getBytes(StandardCharsets.UTF_8));
			final Map<String, double[]> cells = new LinkedHashMap<>();
			for (final String name : samplers) {
				final Sampler proto = Samplers.create(name, model.schedule(), null);
				for (final int c : calls) {
					final int steps = c / proto.callsPerStep();
					if (steps < 1 || steps > model.schedule().T()) continue;
					final String key = key(name, c, samples, guidance, seed);
					String[] row = done.get(key);
					if (row == null && !compute) continue;
					if (row == null) {
						final long t0 = System.nanoTime();
						final float[][] all = new float[samples][];
						final int[] labels = new int[samples];
						final int per = samples / k;
						for (int y = 0; y < k; y++) {
							final float[][] s = Generate.with(model).count(per).steps(steps).sampler(name).seed(seed + y)
								.label(d.classes().get(y)).guidance(guidance).batchSize(batch).run(Monitor.NONE);
							System.arraycopy(s, 0, all, y * per, per);
							Arrays.fill(labels, y * per, (y + 1) * per, y);
						}
						final ReferenceClassifier.Result r = classifier.classify(all);
						final double fd = Frechet.distance(Frechet.fit(r.features), ref);
						final double acc = Quality.accuracy(r.predicted, labels);
						final double sec = (System.nanoTime() - t0) / 1e9;
						row = String.format(Locale.ROOT, "%s,%d,%d,%d,%s,%d,%.4f,%.4f,%.1f", name, c, steps, samples, guidance, seed,
							fd, acc, sec).split(",");
						try (Writer w = Files.newBufferedWriter(csv, StandardOpenOption.APPEND)) {
							w.write(String.join(",", row) + "\n");
						}
						System.out.println(String.format(Locale.ROOT, "%-9s %5d calls (%4d steps): Fréchet %.3f, accuracy %.1f %%, %.0f s",
							name, c, steps, fd, 100 * acc, sec));
					}
					cells.put(name + "@" + c, new double[] { Double.parseDouble(row[6]), Double.parseDouble(row[7]) });
				}
			}
			System.out.println();
			System.out.println(String.format(Locale.ROOT, "Fréchet distance (reference-classifier features, %d samples vs " +
				"10 000 test images) / class accuracy; guidance %s; data floor %.3f (%d train images)", samples, guidance,
				floorN, samples));
			final StringBuilder head = new StringBuilder("| sampler |"), rule = new StringBuilder("|---|");
			for (final int c : calls) {
				head.append(' ').append(c).append(" calls |");
				rule.append("---|");
			}
			System.out.println(head);
			System.out.println(rule);
			for (final String name : samplers) {
				final StringBuilder line = new StringBuilder("| " + name + " |");
				for (final int c : calls) {
					final double[] v = cells.get(name + "@" + c);
					line.append(v == null ? " — |" : String.format(Locale.ROOT, " %.2f / %.1f %% |", v[0], 100 * v[1]));
				}
				System.out.println(line);
			}
		}
	}

	private static String key(final String sampler, final int calls, final int samples, final double guidance,
		final long seed)
	{
		return sampler + "," + calls + "," + samples + "," + guidance + "," + seed;
	}

	private static Map<String, String[]> read(final Path csv) throws IOException {
		final Map<String, String[]> rows = new LinkedHashMap<>();
		if (!Files.exists(csv)) return rows;
		final List<String> lines = new ArrayList<>(Files.readAllLines(csv, StandardCharsets.UTF_8));
		for (final String line : lines) {
			final String[] f = line.split(",");
			if (f.length != 9 || f[0].equals("sampler")) continue;
			rows.put(key(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[3]), Double.parseDouble(f[4]), Long.parseLong(f[5])), f);
		}
		return rows;
	}
}
