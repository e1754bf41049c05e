package sc.fiji.diffusion.engine.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * The descriptor of a diffusion model: a bioimage.io-style {@code rdf.yaml} whose
 * {@code weights: torchscript: {source, sha256}} name the network, and whose
 * {@code config: diffusion:} section holds what the engine needs:
 *
 * <pre>
 * config:
 *   diffusion:
 *     prediction: epsilon            # epsilon | x0 | v
 *     schedule: {kind: linear, timesteps: 1000, beta_start: 0.0001, beta_end: 0.02}
 *                                    # or {kind: cosine, timesteps: T, s: 0.008, max_beta: 0.999}
 *     image: {height: 32, width: 32, channels: 1}
 *     range: {data: [0, 255], model: [-1, 1]}   # pixel p maps linearly to the model value
 *     clip_x0: true                  # clip x̂_0 to the model range while sampling
 *     classes: [T-shirt/top, ...]    # optional; empty = unconditional model
 *     null_class: 10                 # label index meaning "no class" (classifier-free guidance)
 *     reference_classifier: {source: classifier.pt, sha256: ...}   # optional
 * </pre>
 *
 * Every error names the file and the field at fault.
 */
public final class ModelDescriptor {

	public static final String FILE_NAME = "rdf.yaml";

	private final Path dir;
	private final String name;
	private final String description;
	private final String weightsSource;
	private final String weightsSha256;
	private final Prediction prediction;
	private final NoiseSchedule schedule;
	private final int height, width, channels;
	private final double dataMin, dataMax, modelMin, modelMax;
	private final boolean clipX0;
	private final List<String> classes;
	private final int nullClass;
	private final String classifierSource, classifierSha256;

	private ModelDescriptor(final Path dir, final Map<String, Object> root) {
		this.dir = dir;
		final Fields f = new Fields(dir.resolve(FILE_NAME));
		name = f.string(root, "name");
		description = root.get("description") == null ? "" : String.valueOf(root.get("description"));
		final Map<String, Object> ts = f.map(f.map(root, "weights"), "torchscript");
		weightsSource = f.string(ts, "source");
		weightsSha256 = f.optString(ts, "sha256");

		final Map<String, Object> d = f.map(f.map(root, "config"), "diffusion");
		final String predictionName = f.string(d, "prediction");
		prediction = Prediction.parse(predictionName);
		if (prediction == null) throw f.error("config.diffusion.prediction", "unknown prediction type '" + predictionName +
			"'; accepted: epsilon, x0, v");

		final Map<String, Object> s = f.map(d, "schedule");
		final String kind = f.string(s, "kind");
		final int T = f.integer(s, "timesteps");
		if (T < 2) throw f.error("config.diffusion.schedule.timesteps", "must be at least 2, was " + T);
		switch (kind.toLowerCase(Locale.ROOT)) {
			case "linear":
				schedule = NoiseSchedule.linear(T, f.number(s, "beta_start"), f.number(s, "beta_end"));
				break;
			case "cosine":
				schedule = NoiseSchedule.cosine(T, f.optNumber(s, "s", 0.008), f.optNumber(s, "max_beta", 0.999));
				break;
			default:
				throw f.error("config.diffusion.schedule.kind", "unknown schedule '" + kind + "'; accepted: linear, cosine");
		}

		final Map<String, Object> img = f.map(d, "image");
		height = f.integer(img, "height");
		width = f.integer(img, "width");
		channels = f.integer(img, "channels");
		if (height < 1 || width < 1 || channels < 1) throw f.error("config.diffusion.image", "sizes must be positive");

		final Map<String, Object> range = f.map(d, "range");
		final double[] data = f.pair(range, "data"), model = f.pair(range, "model");
		dataMin = data[0];
		dataMax = data[1];
		modelMin = model[0];
		modelMax = model[1];
		if (!(dataMax > dataMin) || !(modelMax > modelMin)) throw f.error("config.diffusion.range", "each range needs min < max");
		clipX0 = d.get("clip_x0") == null || Boolean.parseBoolean(String.valueOf(d.get("clip_x0")));

		final Object cls = d.get("classes");
		final List<String> names = new ArrayList<>();
		if (cls instanceof List) for (final Object o : (List<?>) cls)
			names.add(String.valueOf(o));
		else if (cls != null) throw f.error("config.diffusion.classes", "must be a list of class names");
		classes = Collections.unmodifiableList(names);
		nullClass = names.isEmpty() ? -1 : f.integer(d, "null_class");

		final Object rc = d.get("reference_classifier");
		if (rc instanceof Map) {
			@SuppressWarnings("unchecked")
			final Map<String, Object> m = (Map<String, Object>) rc;
			classifierSource = f.string(m, "source");
			classifierSha256 = f.optString(m, "sha256");
		}
		else {
			classifierSource = null;
			classifierSha256 = null;
		}
	}

	/** Reads {@code dir/rdf.yaml}. */
	public static ModelDescriptor read(final Path dir) {
		final Path file = dir.resolve(FILE_NAME);
		if (!Files.isDirectory(dir)) throw new ModelException("Model folder not found: " + dir);
		if (!Files.isRegularFile(file)) throw new ModelException("Model descriptor not found: " + file +
			" (a model folder holds rdf.yaml and the TorchScript weights it names)");
		final Object root;
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
		}
		catch (final IOException | RuntimeException e) {
			throw new ModelException("Cannot read model descriptor " + file + ": " + e.getMessage(), e);
		}
		if (!(root instanceof Map)) throw new ModelException("Model descriptor " + file + " is not a YAML mapping");
		@SuppressWarnings("unchecked")
		final Map<String, Object> map = (Map<String, Object>) root;
		return new ModelDescriptor(dir, map);
	}

	/** The weights file, after checking it exists and matches its sha256 (when one is given). */
	public Path verifiedWeights() {
		return verified(weightsSource, weightsSha256, "weights.torchscript");
	}

	/** The reference classifier's TorchScript file, verified, or null when the model has none. */
	public Path verifiedClassifier() {
		return classifierSource == null ? null : verified(classifierSource, classifierSha256,
			"config.diffusion.reference_classifier");
	}

	private Path verified(final String source, final String sha256, final String field) {
		final Path p = dir.resolve(source);
		if (!Files.isRegularFile(p)) throw new ModelException(dir.resolve(FILE_NAME) + ": field '" + field +
			".source' names " + source + ", which is not in " + dir);
		if (sha256 != null) {
			final String actual = sha256(p);
			if (!actual.equalsIgnoreCase(sha256.trim())) throw new ModelException("Weights " + p +
				" do not match the sha256 in " + dir.resolve(FILE_NAME) + " (field '" + field + ".sha256'): expected " +
				sha256 + ", file has " + actual + ". The file is corrupt or was replaced.");
		}
		return p;
	}

	/** Hex SHA-256 of a file. */
	public static String sha256(final Path file) {
		try (InputStream in = Files.newInputStream(file)) {
			final MessageDigest md = MessageDigest.getInstance("SHA-256");
			final byte[] buf = new byte[1 << 16];
			for (int n; (n = in.read(buf)) > 0;)
				md.update(buf, 0, n);
			final StringBuilder sb = new StringBuilder();
			for (final byte b : md.digest())
				sb.append(String.format("%02x", b));
			return sb.toString();
		}
		catch (final IOException | NoSuchAlgorithmException e) {
			throw new ModelException("Cannot read " + file + ": " + e.getMessage(), e);
		}
	}

	public Path dir() { return dir; }
	public String name() { return name; }
	public String description() { return description; }
	public Prediction prediction() { return prediction; }
	public NoiseSchedule schedule() { return schedule; }
	public int height() { return height; }
	public int width() { return width; }
	public int channels() { return channels; }
	public double dataMin() { return dataMin; }
	public double dataMax() { return dataMax; }
	public double modelMin() { return modelMin; }
	public double modelMax() { return modelMax; }
	public boolean clipX0() { return clipX0; }
	/** Class names; empty for an unconditional model. */
	public List<String> classes() { return classes; }
	/** Index of the "no class" label, or −1 for an unconditional model. */
	public int nullClass() { return nullClass; }
	public boolean isConditional() { return !classes.isEmpty(); }

	/** Scale of the linear map pixel → model value: m = p · scale + offset. */
	public double scale() {
		return (modelMax - modelMin) / (dataMax - dataMin);
	}

	public double offset() {
		return modelMin - dataMin * scale();
	}

	/** Index of a class name (case-insensitive); −1 for null/empty (unconditional). */
	public int classIndex(final String label) {
		if (label == null || label.trim().isEmpty()) return -1;
		for (int i = 0; i < classes.size(); i++)
			if (classes.get(i).equalsIgnoreCase(label.trim())) return i;
		if (classes.isEmpty()) throw new IllegalArgumentException("Model '" + name +
			"' is unconditional: leave the label empty (got '" + label + "')");
		throw new IllegalArgumentException("Unknown label '" + label + "' for model '" + name + "'; accepted: " +
			String.join(", ", classes) + ", or empty for unconditional");
	}

	/** Typed access to YAML maps with errors that name the file and the field. */
	private static final class Fields {

		private final Path file;

		Fields(final Path file) {
			this.file = file;
		}

		ModelException error(final String field, final String what) {
			return new ModelException(file + ": field '" + field + "': " + what);
		}

		private Object get(final Map<String, Object> m, final String key) {
			final Object v = m.get(key);
			if (v == null) throw error(key, "missing");
			return v;
		}

		@SuppressWarnings("unchecked")
		Map<String, Object> map(final Map<String, Object> m, final String key) {
			final Object v = get(m, key);
			if (!(v instanceof Map)) throw error(key, "must be a mapping, was '" + v + "'");
			return (Map<String, Object>) v;
		}

		String string(final Map<String, Object> m, final String key) {
			return String.valueOf(get(m, key));
		}

		String optString(final Map<String, Object> m, final String key) {
			final Object v = m.get(key);
			return v == null ? null : String.valueOf(v);
		}

		double number(final Map<String, Object> m, final String key) {
			final Object v = get(m, key);
			if (v instanceof Number) return ((Number) v).doubleValue();
			try {
				return Double.parseDouble(String.valueOf(v));
			}
			catch (final NumberFormatException e) {
				throw error(key, "must be a number, was '" + v + "'");
			}
		}

		double optNumber(final Map<String, Object> m, final String key, final double dflt) {
			return m.get(key) == null ? dflt : number(m, key);
		}

		int integer(final Map<String, Object> m, final String key) {
			final double v = number(m, key);
			if (v != Math.rint(v)) throw error(key, "must be an integer, was " + v);
			return (int) v;
		}

		double[] pair(final Map<String, Object> m, final String key) {
			final Object v = get(m, key);
			if (!(v instanceof List) || ((List<?>) v).size() != 2) throw error(key, "must be [min, max], was '" + v + "'");
			final List<?> l = (List<?>) v;
			try {
				return new double[] { Double.parseDouble(String.valueOf(l.get(0))), Double.parseDouble(String.valueOf(l.get(1))) };
			}
			catch (final NumberFormatException e) {
				throw error(key, "must be [min, max] numbers, was '" + v + "'");
			}
		}
	}
}
