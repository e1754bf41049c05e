package sc.fiji.diffusion.engine.pipeline;

/**
 * The seed rule of every task on a stack: plane i (ImageJ order: c fastest, then z, then t)
 * draws its noise from {@code seed + i}, so a slice gives the same result whether it is run
 * alone (as plane 0 with seed + i) or inside its stack, and the same seed gives the same result.
 */
public final class Seeds {

	private Seeds() {}

	/** The seed of plane {@code index} of a stack. */
	public static long plane(final long seed, final int index) {
		return seed + index;
	}

	/** The seed of sample or probe k of a plane (output=std's probes): far from every plane's own seed. */
	public static long sample(final long seed, final int index, final int k) {
		return plane(seed, index) + 0x9E3779B97F4A7C15L * (k + 1);
	}
}
