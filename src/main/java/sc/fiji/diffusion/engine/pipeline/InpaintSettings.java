package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.values.Normalization;

/** What an Inpaint run is asked to do (RePaint), validated when made. */
public final class InpaintSettings extends ImageSettings {

	/** Context kept around a hole: at least this many pixels (and half the hole's larger side). */
	public static final int MIN_CONTEXT = 64;

	private final int steps, jumps, jumpLength, context;

	/**
	 * @param context pixels of known image kept around the hole's bounding box; −1 = automatic
	 *          (max({@value #MIN_CONTEXT}, half the hole's larger side)); 0 or more = that many
	 */
	public InpaintSettings(final int steps, final int jumps, final int jumpLength, final int context, final long seed,
		final Normalization normalization, final String label, final double guidance, final int tileBatch)
	{
		super(normalization, seed, label, guidance, tileBatch);
		if (jumps < 1) throw new IllegalArgumentException("jumps must be at least 1 (1 = no resampling), was " + jumps);
		if (jumpLength < 1 || jumpLength > Math.max(1, steps)) throw new IllegalArgumentException("jump_length must be between 1 and " +
			"steps (" + steps + "), was " + jumpLength);
		if (context < -1) throw new IllegalArgumentException("context must be >= 0 pixels (or -1 = automatic), was " +
			context);
		this.steps = steps;
		this.jumps = jumps;
		this.jumpLength = jumpLength;
		this.context = context;
	}

	public int steps() { return steps; }
	public int jumps() { return jumps; }
	public int jumpLength() { return jumpLength; }
	public int context() { return context; }
}
