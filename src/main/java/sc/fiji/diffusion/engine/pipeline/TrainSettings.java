package sc.fiji.diffusion.engine.pipeline;

import java.util.Locale;

import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.values.Normalization;

/**
 * What a Train run is asked to do — the Train command's, the {@code train} verb's and batch's
 * keys — validated once when built.
 */
public final class TrainSettings {

	private final String base, name, device, data;
	private final int steps, batch, patch, checkpointEvery, validationEvery;
	private final double lr, validation;
	private final long seed;
	private final boolean resume, overwrite, keepCheckpoint;
	private final Normalization normalization;
	private final NoiseSettings noise;

	private TrainSettings(final Builder b) {
		base = b.base;
		name = b.name;
		device = b.device;
		data = b.data;
		steps = b.steps;
		batch = b.batch;
		patch = b.patch;
		checkpointEvery = b.checkpointEvery;
		validationEvery = b.validationEvery;
		lr = b.lr;
		validation = b.validation;
		seed = b.seed;
		resume = b.resume;
		overwrite = b.overwrite;
		keepCheckpoint = b.keepCheckpoint;
		normalization = b.normalization;
		noise = b.noise;
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The model to start from, or "none" for fresh weights of the bundled architecture. */
	public String base() { return base; }
	public boolean fresh() { return base.equalsIgnoreCase("none"); }
	public String name() { return name; }
	public String device() { return device; }
	/** clean | noisy */
	public String data() { return data; }
	public boolean noisy() { return data.equals("noisy"); }
	public int steps() { return steps; }
	public int batch() { return batch; }
	public int patch() { return patch; }
	public int checkpointEvery() { return checkpointEvery; }
	public int validationEvery() { return validationEvery; }
	public double lr() { return lr; }
	public double validation() { return validation; }
	public long seed() { return seed; }
	public boolean resume() { return resume; }
	public boolean overwrite() { return overwrite; }
	/** Keep the checkpoint folder after a successful run (for a later resume with more steps). */
	public boolean keepCheckpoint() { return keepCheckpoint; }
	public Normalization normalization() { return normalization; }
	/** The noise of the training images (data=noisy). */
	public NoiseSettings noise() { return noise; }

	public static final class Builder {

		private String base = "grayscale", name = "", device = "auto", data = "clean";
		private int steps = 2000, batch = 16, patch = 64, checkpointEvery = 250, validationEvery = 100;
		private double lr = 2e-4, validation = 0.1;
		private long seed = 1;
		private boolean resume, overwrite, keepCheckpoint;
		private Normalization normalization = Normalization.auto();
		private NoiseSettings noise = NoiseSettings.auto();

		public Builder base(final String b) { base = b == null || b.trim().isEmpty() ? "grayscale" : b.trim(); return this; }
		public Builder name(final String n) { name = n == null ? "" : n.trim(); return this; }
		public Builder device(final String d) { device = d == null || d.trim().isEmpty() ? "auto" : d.trim(); return this; }
		public Builder data(final String d) { data = d == null || d.trim().isEmpty() ? "clean" : d.trim().toLowerCase(Locale.ROOT); return this; }
		public Builder steps(final int n) { steps = n; return this; }
		public Builder batch(final int n) { batch = n; return this; }
		public Builder patch(final int n) { patch = n; return this; }
		public Builder checkpointEvery(final int n) { checkpointEvery = n; return this; }
		public Builder validationEvery(final int n) { validationEvery = n; return this; }
		public Builder lr(final double v) { lr = v; return this; }
		public Builder validation(final double v) { validation = v; return this; }
		public Builder seed(final long s) { seed = s; return this; }
		public Builder resume(final boolean r) { resume = r; return this; }
		public Builder overwrite(final boolean o) { overwrite = o; return this; }
		public Builder keepCheckpoint(final boolean k) { keepCheckpoint = k; return this; }
		public Builder normalization(final Normalization n) { normalization = n; return this; }
		public Builder noise(final NoiseSettings n) { noise = n; return this; }

		public TrainSettings build() {
			if (name.isEmpty()) throw new IllegalArgumentException("give the new model a name (name=my-cells)");
			if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) throw new IllegalArgumentException("model name '" + name +
				"' may only hold letters, digits, '.', '_' and '-' (it becomes a folder name)");
			if (!data.equals("clean") && !data.equals("noisy")) throw new IllegalArgumentException("Unknown data '" + data +
				"'; accepted: clean (the images are clean examples), noisy (the images carry the noise to remove)");
			if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, was " + steps);
			if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, was " + batch);
			if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("lr must be a positive number, was " + lr);
			if (!(validation >= 0 && validation < 1)) throw new IllegalArgumentException("validation must be a fraction in " +
				"[0, 1), was " + validation);
			if (checkpointEvery < 1 || validationEvery < 1) throw new IllegalArgumentException(
				"checkpoint and validation intervals must be at least 1");
			if (normalization == null || noise == null) throw new IllegalArgumentException("normalize and noise are required");
			return new TrainSettings(this);
		}
	}
}
