package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.values.Normalization;

/**
 * Settings shared by the tasks that make an image from an image (Inpaint, Edit): how the values
 * go onto the model's range, the seed, the conditioning and the network batch.
 */
abstract class ImageSettings {

	final Normalization normalization;
	final long seed;
	final String label;
	final double guidance;
	final int tileBatch;

	ImageSettings(final Builder<?> b) {
		if (b.normalization == null) throw new IllegalArgumentException("normalize is required");
		if (!Double.isFinite(b.guidance)) throw new IllegalArgumentException("guidance must be a finite number, was " +
			b.guidance);
		if (b.tileBatch < 1) throw new IllegalArgumentException("tile batch must be at least 1, was " + b.tileBatch);
		this.normalization = b.normalization;
		this.seed = b.seed;
		this.label = b.label == null ? "" : b.label;
		this.guidance = b.guidance;
		this.tileBatch = b.tileBatch;
	}

	public Normalization normalization() { return normalization; }
	public long seed() { return seed; }
	public String label() { return label; }
	public double guidance() { return guidance; }
	public int tileBatch() { return tileBatch; }

	/** The shared part of the builders; {@code B} is the concrete builder, so that calls chain. */
	@SuppressWarnings("unchecked")
	abstract static class Builder<B extends Builder<B>> {

		Normalization normalization = Normalization.auto();
		long seed = 1;
		String label = "";
		double guidance = 1;
		int tileBatch = Fallback.BATCH;

		public B normalization(final Normalization n) { normalization = n; return (B) this; }
		public B seed(final long s) { seed = s; return (B) this; }
		/** The class to condition on ("" = none). */
		public B label(final String l) { label = l; return (B) this; }
		public B guidance(final double g) { guidance = g; return (B) this; }
		public B tileBatch(final int b) { tileBatch = b; return (B) this; }
	}
}
