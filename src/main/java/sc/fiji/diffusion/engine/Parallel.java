package sc.fiji.diffusion.engine;

import java.util.stream.IntStream;

/**
 * Pixel loops over all cores. The network already uses every core while it runs; the Java work
 * between its calls (noise transforms, blending) otherwise runs on one, and at 2048² it is a
 * sizeable part of a Denoise. Each index is written by exactly one chunk, so results do not
 * depend on the number of threads.
 */
public final class Parallel {

	/** Below this many elements per chunk, splitting costs more than it saves. */
	static final int CHUNK = 1 << 16;

	private Parallel() {}

	/** Body over [from, to) ranges covering [0, n), in parallel when n is large. */
	@FunctionalInterface
	public interface Range {

		void run(int from, int to);
	}

	public static void chunks(final int n, final Range body) {
		chunks(n, body, CHUNK);
	}

	/** As {@link #chunks(int, Range)} with ranges of {@code chunk} indices (rows, say, of a large image). */
	public static void chunks(final int n, final Range body, final int chunk) {
		final int k = (n + chunk - 1) / chunk;
		if (k <= 1) {
			body.run(0, n);
			return;
		}
		IntStream.range(0, k).parallel().forEach(c -> body.run(c * chunk, Math.min(n, (c + 1) * chunk)));
	}
}
