package sc.fiji.diffusion.engine.pipeline;

/** What an Inpaint run is asked to do (RePaint), validated when built. */
public final class InpaintSettings extends ImageSettings {

	/** Context kept around a hole: at least this many pixels (and half the hole's larger side). */
	public static final int MIN_CONTEXT = 64;

	private final int steps, jumps, jumpLength, context;

	private InpaintSettings(final Builder b) {
		super(b);
		if (b.jumps < 1) throw new IllegalArgumentException("jumps must be at least 1 (1 = no resampling), was " + b.jumps);
		// jump_length only matters when there are jumps: steps=1 with the default jump_length (5) is fine
		if (b.jumpLength < 1 || b.jumps > 1 && b.jumpLength > Math.max(1, b.steps)) throw new IllegalArgumentException(
			"jump_length must be between 1 and steps (" + b.steps + ") when jumps > 1, was " + b.jumpLength);
		if (b.context < -1) throw new IllegalArgumentException("context must be >= 0 pixels (or -1 = automatic), was " +
			b.context);
		this.steps = b.steps;
		this.jumps = b.jumps;
		this.jumpLength = b.jumpLength;
		this.context = b.context;
	}

	public static Builder builder() {
		return new Builder();
	}

	public int steps() { return steps; }
	public int jumps() { return jumps; }
	public int jumpLength() { return jumpLength; }
	public int context() { return context; }

	public static final class Builder extends ImageSettings.Builder<Builder> {

		private int steps = 100, jumps = 1, jumpLength = 1, context = -1;

		public Builder steps(final int n) { steps = n; return this; }
		/** RePaint's resampling: 1 = none. */
		public Builder jumps(final int n) { jumps = n; return this; }
		public Builder jumpLength(final int n) { jumpLength = n; return this; }
		/**
		 * Pixels of known image kept around the hole's bounding box; −1 = automatic
		 * (max({@value #MIN_CONTEXT}, half the hole's larger side)); 0 or more = that many.
		 */
		public Builder context(final int c) { context = c; return this; }

		public InpaintSettings build() {
			return new InpaintSettings(this);
		}
	}
}
