package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.sampling.Samplers;

/** What a Sample run is asked to draw, validated when built. */
public final class SampleSettings {

	private final int count, steps;
	private final String sampler, label;
	private final long seed;
	private final double guidance;

	private SampleSettings(final Builder b) {
		if (b.count < 1) throw new IllegalArgumentException("count must be at least 1, was " + b.count);
		if (!Double.isFinite(b.guidance)) throw new IllegalArgumentException("guidance must be a finite number, was " +
			b.guidance);
		this.count = b.count;
		this.steps = b.steps;
		this.sampler = b.sampler == null || b.sampler.trim().isEmpty() ? Samplers.defaultName() : b.sampler.trim();
		if (!Samplers.names().contains(this.sampler)) throw new IllegalArgumentException("Unknown sampler '" + b.sampler +
			"'; accepted: " + String.join(", ", Samplers.names()));
		this.seed = b.seed;
		this.label = b.label == null ? "" : b.label;
		this.guidance = b.guidance;
	}

	public static Builder builder() {
		return new Builder();
	}

	public int count() { return count; }
	public int steps() { return steps; }
	public String sampler() { return sampler; }
	public long seed() { return seed; }
	public String label() { return label; }
	public double guidance() { return guidance; }

	public static final class Builder {

		private int count = 4, steps = 50;
		private String sampler = "", label = "";
		private long seed = 1;
		private double guidance = 2;

		public Builder count(final int n) { count = n; return this; }
		public Builder steps(final int n) { steps = n; return this; }
		/** A sampler's name ("" = the default one). */
		public Builder sampler(final String s) { sampler = s; return this; }
		public Builder seed(final long s) { seed = s; return this; }
		/** The class to draw ("" = unconditional). */
		public Builder label(final String l) { label = l; return this; }
		public Builder guidance(final double g) { guidance = g; return this; }

		public SampleSettings build() {
			return new SampleSettings(this);
		}
	}
}
