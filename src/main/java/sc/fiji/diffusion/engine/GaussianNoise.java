package sc.fiji.diffusion.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Counter-based standard normal noise: the value at (seed, stream, index) is a pure function
 * of those three numbers. That makes runs reproducible bit for bit on any device and in any
 * thread, independent of DJL's global random state (two runs in one JVM cannot disturb each
 * other), and lets overlapping tiles of a large image draw the same noise for the same pixel.
 * <p>
 * Each value is one Box–Muller draw from two 64-bit hashes (SplitMix64 finaliser).
 */
public final class GaussianNoise {

	private final long seed;

	public GaussianNoise(final long seed) {
		this.seed = seed;
	}

	public long seed() {
		return seed;
	}

	/** One standard normal value. */
	public double at(final long stream, final long index) {
		final long base = mix(seed ^ mix(stream + 0x632BE59BD9B4E019L)) + 2 * index;
		final double u1 = ((mix(base) >>> 11) + 1) * 0x1.0p-53; // (0, 1]: log is finite
		final double u2 = (mix(base + 1) >>> 11) * 0x1.0p-53;
		return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
	}

	/** A fair random sign (±1) at (stream, index): one hash, for probes that need no normal values. */
	public float sign(final long stream, final long index) {
		return (mix(seed ^ mix(stream + 0x632BE59BD9B4E019L) + index) & 1) == 0 ? 1f : -1f;
	}

	/** {@code count} values at indices {@code offset … offset + count − 1} of a stream. */
	public float[] floats(final long stream, final long offset, final int count) {
		final float[] out = new float[count];
		for (int i = 0; i < count; i++)
			out[i] = (float) at(stream, offset + i);
		return out;
	}

	/** An array of the given shape filled with stream {@code stream}, indices 0 … size−1. */
	public NDArray ndarray(final NDManager manager, final long stream, final Shape shape) {
		return manager.create(floats(stream, 0, Math.toIntExact(shape.size())), shape);
	}

	private static long mix(long z) {
		z += 0x9E3779B97F4A7C15L;
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}
}
