package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.sampling.Samplers;

/** What an Edit run (SDEdit) is asked to do, validated when built. */
public final class EditSettings extends ImageSettings {

	private final double strength;
	private final int steps;
	private final String sampler;

	private EditSettings(final Builder b) {
		super(b);
		if (!(b.strength > 0 && b.strength <= 1)) throw new IllegalArgumentException("strength must be in (0, 1], was " +
			b.strength);
		this.strength = b.strength;
		this.steps = b.steps;
		this.sampler = b.sampler == null || b.sampler.trim().isEmpty() ? Samplers.defaultName() : b.sampler.trim();
		if (!Samplers.names().contains(this.sampler)) throw new IllegalArgumentException("Unknown sampler '" + b.sampler +
			"'; accepted: " + String.join(", ", Samplers.names()));
	}

	public static Builder builder() {
		return new Builder();
	}

	public double strength() { return strength; }
	public int steps() { return steps; }
	public String sampler() { return sampler; }

	public static final class Builder extends ImageSettings.Builder<Builder> {

		private double strength = 0.5;
		private int steps = 50;
		private String sampler = "";

		/** How far into the noise the guide is taken before it is denoised back: (0, 1]. */
		public Builder strength(final double s) { strength = s; return this; }
		public Builder steps(final int n) { steps = n; return this; }
		/** A sampler's name ("" = the default one). */
		public Builder sampler(final String s) { sampler = s; return this; }

		public EditSettings build() {
			return new EditSettings(this);
		}
	}
}
