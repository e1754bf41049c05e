package sc.fiji.diffusion.engine.model;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
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
 *     image: {height: 32, width: 32, channels: 1}   # the size Sample draws (a fixed-size model's only size)
 *     tiling: {tile: 512, overlap: 64}   # optional: largest tile and overlap for big images
 *     range: {data: [0, 255], model: [-1, 1]}   # pixel p maps linearly to the model value
 *     clip_x0: true                  # clip x̂_0 to the model range while sampling; false; or [min, max]
 *     classes: [T-shirt/top, ...]    # optional; empty = unconditional model
 *     null_class: 10                 # label index meaning "no class" (classifier-free guidance)
 *     reference_classifier: {source: classifier.pt, sha256: ...}   # optional
 * </pre>
 *
 * The network's input is described as in bioimage.io: {@code inputs[0].axes} names the axes
 * ({@code [batch, channel, y, x]}, later {@code [batch, channel, z, y, x]}; bioimage.io 0.5
 * axis objects with {@code type}/{@code id} are read too), and {@code inputs[0].shape} is either
 * a fixed list ({@code [-1, 1, 32, 32]}) or a parametrised {@code {min: [...], step: [...]}}:
 * a fully convolutional network takes any spatial size min + k·step. Without {@code inputs}
 * the model is a fixed-size 2D model of {@code image}'s size.
 * <p>
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
	private final String axes;
	private final int[] minSize, sizeStep, tile, overlap;
	private final double dataMin, dataMax, modelMin, modelMax;
	private final double[] clipRange;
	private final List<String> classes;
	private final int nullClass;
	private final String classifierSource, classifierSha256;
	private final List<String> zeroInit;
	/** A model adapted on noisy data: its level factor, lowest trained data σ (model units) and draws; NaN/0 otherwise. */
	private final double adaptedFactor, adaptedSigmaMin;
	private final int adaptedDraws;
	private final Map<String, Object> root;
	/** The optional inference copy of the network: file, sha256, precision (null when absent). */
	private final String inferenceSource, inferenceSha256, inferencePrecision;
	/**
	 * The optional one-step network (weights.torchscript_one_step): a smaller network distilled from
	 * this one for the posterior mean at the levels σ_t in [oneStepSigma[0], oneStepSigma[1]] (model
	 * units); float32 file and its optional bfloat16 copy; null when absent.
	 */
	private final String oneStepSource, oneStepSha256, oneStepBf16Source, oneStepBf16Sha256;
	private final double[] oneStepSigma;

	private ModelDescriptor(final Path dir, final Map<String, Object> root) {
		this.dir = dir;
		this.root = root;
		final DescriptorFields f = new DescriptorFields(dir.resolve(FILE_NAME));
		name = f.string(root, "name");
		description = root.get("description") == null ? "" : String.valueOf(root.get("description"));
		final Map<String, Object> ts = f.map(f.map(root, "weights"), "torchscript");
		weightsSource = f.string(ts, "source");
		weightsSha256 = f.optString(ts, "sha256");
		// optional copy for inference only (e.g. bfloat16 convolutions), never trained
		final Object inf = f.map(root, "weights").get("torchscript_inference");
		if (inf != null) {
			if (!(inf instanceof Map)) throw f.error("weights.torchscript_inference", "must be a mapping, was '" + inf + "'");
			final Map<String, Object> im = f.cast(inf);
			inferenceSource = f.string(im, "source");
			inferenceSha256 = f.optString(im, "sha256");
			inferencePrecision = f.string(im, "precision").trim().toLowerCase(Locale.ROOT);
			if (!inferencePrecision.equals("bfloat16")) throw f.error("weights.torchscript_inference.precision",
				"unknown precision '" + inferencePrecision + "'; accepted: bfloat16");
		}
		else {
			inferenceSource = inferenceSha256 = inferencePrecision = null;
		}
		// optional distilled network for Denoise's one network call (output=mean), never trained further
		final Object os = f.map(root, "weights").get("torchscript_one_step");
		if (os != null) {
			if (!(os instanceof Map)) throw f.error("weights.torchscript_one_step", "must be a mapping, was '" + os + "'");
			final Map<String, Object> om = f.cast(os);
			oneStepSource = f.string(om, "source");
			oneStepSha256 = f.optString(om, "sha256");
			oneStepBf16Source = om.get("source_bfloat16") == null ? null : f.string(om, "source_bfloat16");
			oneStepBf16Sha256 = f.optString(om, "sha256_bfloat16");
			oneStepSigma = f.pair(om, "sigma_model");
			if (!(oneStepSigma[0] > 0 && oneStepSigma[1] > oneStepSigma[0])) throw f.error(
				"weights.torchscript_one_step.sigma_model", "needs 0 < min < max, was " + Arrays.toString(oneStepSigma));
		}
		else {
			oneStepSource = oneStepSha256 = oneStepBf16Source = oneStepBf16Sha256 = null;
			oneStepSigma = null;
		}

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

		// axes and spatial shape of the network input (bioimage.io style)
		final Object inputs = root.get("inputs");
		final Map<String, Object> in0 = inputs instanceof List && !((List<?>) inputs).isEmpty() && ((List<?>) inputs).get(
			0) instanceof Map ? f.cast(((List<?>) inputs).get(0)) : null;
		axes = in0 == null || in0.get("axes") == null ? "bcyx" : f.axes(in0.get("axes"), "inputs[0].axes");
		if (!axes.startsWith("bc") || axes.length() < 3 || !axes.substring(2).matches("z?yx")) throw f.error(
			"inputs[0].axes", "must be [batch, channel, y, x] or [batch, channel, z, y, x], was '" + in0.get("axes") + "'");
		final int n = axes.length() - 2;
		if (n != 2) throw f.error("inputs[0].axes", "this version handles 2D models (b, c, y, x); '" + axes +
			"' models are not supported yet");
		minSize = new int[n];
		sizeStep = new int[n];
		final Object shape = in0 == null ? null : in0.get("shape");
		if (shape instanceof Map) {
			final Map<String, Object> sh = f.cast(shape);
			final int[] min = f.ints(sh, "min", axes.length(), "inputs[0].shape.min");
			final int[] step = f.ints(sh, "step", axes.length(), "inputs[0].shape.step");
			for (int k = 0; k < n; k++) {
				minSize[k] = min[k + 2];
				sizeStep[k] = step[k + 2];
				if (minSize[k] < 1 || sizeStep[k] < 0) throw f.error("inputs[0].shape", "min must be >= 1 and step >= 0");
			}
		}
		else {
			// a fixed shape [-1, C, H, W] (checked against image:) or none: the image size
			if (shape instanceof List) {
				final List<?> l = (List<?>) shape;
				if (l.size() != axes.length()) throw f.error("inputs[0].shape", "needs one entry per axis of '" + axes + "'");
				if (Integer.parseInt(String.valueOf(l.get(2))) != height || Integer.parseInt(String.valueOf(l.get(3))) != width)
					throw f.error("inputs[0].shape", "disagrees with config.diffusion.image (" + height + "x" + width + ")");
			}
			minSize[0] = height;
			minSize[1] = width;
		}
		final Map<String, Object> tiling = d.get("tiling") instanceof Map ? f.cast(d.get("tiling")) : null;
		tile = new int[n];
		overlap = new int[n];
		for (int k = 0; k < n; k++) {
			if (!isResizable()) tile[k] = minSize[k];
			else tile[k] = tiling == null ? Math.max(minSize[k], 256) : f.integer(tiling, "tile");
			overlap[k] = tiling == null || tiling.get("overlap") == null ? tile[k] / 4 : f.integer(tiling, "overlap");
			if (tile[k] < minSize[k] || (isResizable() && sizeStep[k] > 0 && (tile[k] - minSize[k]) % sizeStep[k] != 0))
				throw f.error("config.diffusion.tiling.tile", tile[k] + " is not a size the network accepts (min " +
					minSize[k] + ", step " + sizeStep[k] + ")");
			if (overlap[k] < 0 || overlap[k] >= tile[k]) throw f.error("config.diffusion.tiling.overlap", "must be in [0, " +
				(tile[k] - 1) + "], was " + overlap[k]);
		}

		final Map<String, Object> range = f.map(d, "range");
		final double[] data = f.pair(range, "data"), model = f.pair(range, "model");
		dataMin = data[0];
		dataMax = data[1];
		modelMin = model[0];
		modelMax = model[1];
		if (!(dataMax > dataMin) || !(modelMax > modelMin)) throw f.error("config.diffusion.range", "each range needs min < max");
		final Object clip = d.get("clip_x0");
		if (clip instanceof List) {
			clipRange = f.pair(d, "clip_x0");
			if (!(clipRange[1] > clipRange[0])) throw f.error("config.diffusion.clip_x0", "needs min < max");
		}
		else if (clip == null || Boolean.parseBoolean(String.valueOf(clip))) clipRange = new double[] { modelMin, modelMax };
		else if (String.valueOf(clip).equalsIgnoreCase("false")) clipRange = null;
		else throw f.error("config.diffusion.clip_x0", "must be true, false or [min, max], was '" + clip + "'");

		final Object cls = d.get("classes");
		final List<String> names = new ArrayList<>();
		if (cls instanceof List) for (final Object o : (List<?>) cls)
			names.add(String.valueOf(o));
		else if (cls != null) throw f.error("config.diffusion.classes", "must be a list of class names");
		classes = Collections.unmodifiableList(names);
		nullClass = names.isEmpty() ? -1 : f.integer(d, "null_class");

		// how fresh weights of this architecture start (training from scratch): see NetworkInit
		final Object arch = d.get("architecture");
		final List<String> zero = new ArrayList<>();
		if (arch instanceof Map && f.cast(arch).get("zero_init") instanceof List) for (final Object o : (List<?>) f.cast(arch)
			.get("zero_init"))
			zero.add(String.valueOf(o));
		zeroInit = Collections.unmodifiableList(zero);

		// a prior adapted on noisy data by the ambient loss (Train data=noisy until 2026-12-07): Denoise enters above
		// the data's noise
		final Object ad = d.get("adapted");
		if (ad instanceof Map) {
			final Map<String, Object> m = f.cast(ad);
			adaptedFactor = f.number(m, "factor");
			adaptedSigmaMin = m.containsKey("sigma_model_min") ? f.number(m, "sigma_model_min") : 0;
			adaptedDraws = m.containsKey("draws") ? f.integer(m, "draws") : 4;
			if (!(adaptedFactor > 1)) throw new ModelException(dir.resolve(FILE_NAME) + ": config.diffusion.adapted.factor " +
				"must be > 1, was " + adaptedFactor);
		}
		else {
			adaptedFactor = Double.NaN;
			adaptedSigmaMin = 0;
			adaptedDraws = 0;
		}

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

	/**
	 * The inference copy of the network ({@code weights.torchscript_inference}: the same weights
	 * with its convolutions in {@link #inferencePrecision()}), checked like the main weights; null
	 * when the model has none.
	 */
	public Path verifiedInferenceWeights() {
		return inferenceSource == null ? null : verified(inferenceSource, inferenceSha256, "weights.torchscript_inference");
	}

	/**
	 * The one-step network ({@code weights.torchscript_one_step}), float32 or its bfloat16 copy,
	 * checked like the main weights; null when the model has none (or no bfloat16 copy is asked for
	 * and there is none).
	 */
	public Path verifiedOneStepWeights(final boolean bfloat16) {
		if (oneStepSource == null) return null;
		if (!bfloat16) return verified(oneStepSource, oneStepSha256, "weights.torchscript_one_step");
		return oneStepBf16Source == null ? null : verified(oneStepBf16Source, oneStepBf16Sha256,
			"weights.torchscript_one_step (bfloat16)");
	}

	/**
	 * Whether the one-step network may stand in for the network at noise level σ_t (model units):
	 * the model has one and σ_t lies in the range it was distilled on.
	 */
	public boolean oneStepCovers(final double sigmaT) {
		return oneStepSigma != null && sigmaT >= oneStepSigma[0] && sigmaT <= oneStepSigma[1];
	}

	/** Whether the model has a one-step network ({@code weights.torchscript_one_step}). */
	public boolean hasOneStep() {
		return oneStepSource != null;
	}

	/**
	 * The noise levels the one-step network covers, for the Log, in the model's data units ("noise
	 * sigma 1..80 on the model's 0..255 data scale"); null without one.
	 */
	public String oneStepRange() {
		if (oneStepSigma == null) return null;
		final double scale = (dataMax - dataMin) / (modelMax - modelMin);
		return String.format(Locale.ROOT, "noise sigma %.3g..%.3g on the model's %s..%s data scale", oneStepSigma[0] *
			scale, oneStepSigma[1] * scale, compact(dataMin), compact(dataMax));
	}

	/** A value as written in a descriptor: whole numbers without decimals. */
	private static String compact(final double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
	}

	/** The inference copy's precision ({@code bfloat16}), or null when the model has no such copy. */
	public String inferencePrecision() { return inferencePrecision; }

	/** Whether the model was adapted on noisy data (Train data=noisy). */
	public boolean isAdapted() { return !Double.isNaN(adaptedFactor); }

	/** Adapted models: levels σ_t ≥ factor × the data's σ were learned from noisy data. */
	public double adaptedFactor() { return adaptedFactor; }

	/** Adapted models: the lowest data σ (model units) trained on. */
	public double adaptedSigmaMin() { return adaptedSigmaMin; }

	/** Adapted models: draws of extra noise Denoise averages (output=mean). */
	public int adaptedDraws() { return adaptedDraws; }

	/** The reference classifier's file name in the model folder (reports only), or null. */
	public String classifierSource() { return classifierSource; }

	/** Its sha256, or null. */
	public String classifierSha256() { return classifierSha256; }

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

	/** Hex SHA-256 of a file (see {@link Sha256}). */
	public static String sha256(final Path file) {
		return Sha256.of(file);
	}

	public Path dir() { return dir; }
	public String name() { return name; }
	/** Name fragments of the parameters that start at zero in fresh weights (config.diffusion.architecture.zero_init). */
	public List<String> zeroInit() { return zeroInit; }
	/** A deep copy of the whole descriptor as read, for writing a derived model's descriptor. */
	@SuppressWarnings("unchecked")
	public Map<String, Object> copyOfYaml() {
		return (Map<String, Object>) deepCopy(root);
	}

	private static Object deepCopy(final Object o) {
		if (o instanceof Map) {
			final Map<String, Object> m = new LinkedHashMap<>();
			for (final Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet())
				m.put(String.valueOf(e.getKey()), deepCopy(e.getValue()));
			return m;
		}
		if (o instanceof List) {
			final List<Object> l = new ArrayList<>();
			for (final Object x : (List<?>) o)
				l.add(deepCopy(x));
			return l;
		}
		return o;
	}
	/** The weights' sha256 as the descriptor gives it, or null. */
	public String weightsSha256() { return weightsSha256; }
	public String description() { return description; }
	public Prediction prediction() { return prediction; }
	public NoiseSchedule schedule() { return schedule; }
	public int height() { return height; }
	public int width() { return width; }
	public int channels() { return channels; }
	/** The network input's axes as letters, e.g. {@code bcyx}. */
	public String axes() { return axes; }
	/** Whether the network takes spatial sizes other than its minimum (fully convolutional). */
	public boolean isResizable() {
		for (final int s : sizeStep)
			if (s > 0) return true;
		return false;
	}
	/** Smallest spatial input size per axis (… , y, x); a fixed-size model's only size. */
	public int[] minSize() { return minSize.clone(); }
	/** Spatial sizes grow in these steps (0: fixed); a size is min + k·step. */
	public int[] sizeStep() { return sizeStep.clone(); }
	/** Largest tile per spatial axis for big images. */
	public int[] tile() { return tile.clone(); }
	/** Overlap of neighbouring tiles per spatial axis. */
	public int[] overlap() { return overlap.clone(); }
	/** What every input size must be a multiple of, per axis (the step; 1 when fixed). */
	public int[] sizeMultiple() {
		final int[] q = new int[sizeStep.length];
		for (int k = 0; k < q.length; k++)
			q[k] = sizeStep[k] > 0 ? sizeStep[k] : 1;
		return q;
	}
	public double dataMin() { return dataMin; }
	public double dataMax() { return dataMax; }
	public double modelMin() { return modelMin; }
	public double modelMax() { return modelMax; }
	/** The range x̂_0 is clipped to while sampling (model units), or null for none. */
	public double[] clipRange() { return clipRange == null ? null : clipRange.clone(); }
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

}
