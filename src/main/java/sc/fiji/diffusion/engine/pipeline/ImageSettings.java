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

	ImageSettings(final Normalization normalization, final long seed, final String label, final double guidance,
		final int tileBatch)
	{
		if (normalization == null) throw new IllegalArgumentException("normalize is required");
		if (!Double.isFinite(guidance)) throw new IllegalArgumentException("guidance must be a finite number, was " +
			guidance);
		if (tileBatch < 1) throw new IllegalArgumentException("tile batch must be at least 1, was " + tileBatch);
		this.normalization = normalization;
		this.seed = seed;
		this.label = label == null ? "" : label;
		this.guidance = guidance;
		this.tileBatch = tileBatch;
	}

	public Normalization normalization() { return normalization; }
	public long seed() { return seed; }
	public String label() { return label; }
	public double guidance() { return guidance; }
	public int tileBatch() { return tileBatch; }
}
