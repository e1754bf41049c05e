package sc.fiji.diffusion.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The format of a training checkpoint (a folder): {@code network.pt} (the TorchScript file
 * trained from), {@code state.ndlist} (every parameter, Adam's two moments and the EMA, in that
 * order) and {@code checkpoint.properties} (step, seconds, parameter names, loss histories,
 * settings). Every file is replaced atomically, so an interrupted save leaves the previous
 * checkpoint readable.
 */
final class Checkpoint {

	private Checkpoint() {}

	/** What a checkpoint holds besides the arrays. */
	static final class State {

		final int step;
		final double seconds;
		final List<double[]> loss, validation;

		State(final int step, final double seconds, final List<double[]> loss, final List<double[]> validation) {
			this.step = step;
			this.seconds = seconds;
			this.loss = loss;
			this.validation = validation;
		}
	}

	static void save(final Path dir, final Path network, final List<String> names, final List<NDArray> params,
		final Adam adam, final int step, final double seconds, final List<double[]> lossHistory,
		final List<double[]> validationHistory, final Trainer.Settings settings) throws IOException
	{
		Files.createDirectories(dir);
		final Path net = dir.resolve("network.pt");
		if (!Files.exists(net) || !Files.isSameFile(net, network)) copyAtomically(network, net);
		final NDList all = new NDList();
		all.addAll(params);
		all.addAll(adam.m);
		all.addAll(adam.v);
		all.addAll(adam.ema);
		writeAtomically(dir.resolve("state.ndlist"), all.encode());
		final Properties p = new Properties();
		p.setProperty("step", String.valueOf(step));
		p.setProperty("seconds", String.valueOf(seconds));
		p.setProperty("parameters", String.join(",", names));
		p.setProperty("loss", history(lossHistory));
		p.setProperty("validation", history(validationHistory));
		p.setProperty("settings", settings.asMap().toString());
		final StringWriter w = new StringWriter();
		p.store(w, "Diffusion for Fiji training checkpoint");
		writeAtomically(dir.resolve("checkpoint.properties"), w.toString().getBytes(StandardCharsets.ISO_8859_1));
	}

	/** Reads a checkpoint into the given parameters and Adam state (same network); returns the rest. */
	static State restore(final Path dir, final List<String> names, final List<NDArray> params, final Adam adam,
		final NDManager manager) throws IOException
	{
		final Properties p = new Properties();
		try (Reader r = Files.newBufferedReader(dir.resolve("checkpoint.properties"), StandardCharsets.ISO_8859_1)) {
			p.load(r);
		}
		if (!String.join(",", names).equals(p.getProperty("parameters"))) throw new IllegalArgumentException("the checkpoint " +
			"in " + dir + " was saved for another network (its parameters differ); start without resume, or choose " +
			"another name");
		final NDList all = NDList.decode(manager, Files.readAllBytes(dir.resolve("state.ndlist")));
		final int n = params.size();
		if (all.size() != 4 * n) throw new IllegalArgumentException("the checkpoint in " + dir + " is incomplete or for " +
			"another network (" + all.size() + " arrays, expected " + 4 * n + ")");
		for (int i = 0; i < n; i++) {
			if (!all.get(i).getShape().equals(params.get(i).getShape())) throw new IllegalArgumentException(
				"the checkpoint in " + dir + " does not match the network: parameter " + names.get(i) + " is " + all.get(i)
					.getShape() + " there and " + params.get(i).getShape() + " here");
			params.get(i).set(all.get(i).toFloatArray());
			adam.m.get(i).set(all.get(n + i).toFloatArray());
			adam.v.get(i).set(all.get(2 * n + i).toFloatArray());
			adam.ema.get(i).set(all.get(3 * n + i).toFloatArray());
		}
		all.close();
		return new State(Integer.parseInt(p.getProperty("step")), Double.parseDouble(p.getProperty("seconds", "0")), parse(p
			.getProperty("loss", "")), parse(p.getProperty("validation", "")));
	}

	private static String history(final List<double[]> h) {
		final StringBuilder sb = new StringBuilder();
		for (final double[] r : h)
			sb.append(sb.length() == 0 ? "" : ";").append((long) r[0]).append(':').append(String.format(Locale.ROOT, "%.6g",
				r[1]));
		return sb.toString();
	}

	private static List<double[]> parse(final String s) {
		final List<double[]> out = new ArrayList<>();
		if (s == null || s.isEmpty()) return out;
		for (final String row : s.split(";")) {
			final String[] f = row.split(":");
			out.add(new double[] { Double.parseDouble(f[0]), Double.parseDouble(f[1]) });
		}
		return out;
	}

	static void writeAtomically(final Path target, final byte[] bytes) throws IOException {
		final Path tmp = target.resolveSibling("." + target.getFileName() + ".part");
		Files.write(tmp, bytes);
		Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	static void copyAtomically(final Path from, final Path target) throws IOException {
		final Path tmp = target.resolveSibling("." + target.getFileName() + ".part");
		Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
		Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}
}
