package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.sampling.Samplers;
import sc.fiji.diffusion.engine.values.Normalization;

/** What an Edit run (SDEdit) is asked to do, validated when made. */
public final class EditSettings extends ImageSettings {

	private final double strength;
	private final int steps;
	private final String sampler;

	public EditSettings(final double strength, final int steps, final String sampler, final long seed,
		final Normalization normalization, final String label, final double guidance, final int tileBatch)
	{
		super(normalization, seed, label, guidance, tileBatch);
		if (!(strength > 0 && strength <= 1)) throw new IllegalArgumentException("strength must be in (0, 1], was " +
			strength);
		this.strength = strength;
		this.steps = steps;
		this.sampler = sampler == null || sampler.trim().isEmpty() ? Samplers.defaultName() : sampler.trim();
		if (!Samplers.names().contains(this.sampler)) throw new IllegalArgumentException("Unknown sampler '" + sampler +
			"'; accepted: " + String.join(", ", Samplers.names()));
	}

	public double strength() { return strength; }
	public int steps() { return steps; }
	public String sampler() { return sampler; }
}
