package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.sampling.Samplers;

/** What a Sample run is asked to draw, validated when made. */
public final class SampleSettings {

	private final int count, steps;
	private final String sampler, label;
	private final long seed;
	private final double guidance;

	public SampleSettings(final int count, final int steps, final String sampler, final long seed, final String label,
		final double guidance)
	{
		if (count < 1) throw new IllegalArgumentException("count must be at least 1, was " + count);
		if (!Double.isFinite(guidance)) throw new IllegalArgumentException("guidance must be a finite number, was " +
			guidance);
		this.count = count;
		this.steps = steps;
		this.sampler = sampler == null || sampler.trim().isEmpty() ? Samplers.defaultName() : sampler.trim();
		if (!Samplers.names().contains(this.sampler)) throw new IllegalArgumentException("Unknown sampler '" + sampler +
			"'; accepted: " + String.join(", ", Samplers.names()));
		this.seed = seed;
		this.label = label == null ? "" : label;
		this.guidance = guidance;
	}

	public int count() { return count; }
	public int steps() { return steps; }
	public String sampler() { return sampler; }
	public long seed() { return seed; }
	public String label() { return label; }
	public double guidance() { return guidance; }
}
