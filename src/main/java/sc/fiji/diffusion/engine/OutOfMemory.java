package sc.fiji.diffusion.engine;

import java.util.function.Consumer;

/**
 * Out-of-memory handling for the network: a CUDA (or native CPU allocator) out-of-memory error
 * is answered by retrying with half the batch, down to one image or tile; what is left after
 * that is the caller's to handle (the Fiji commands then move to the CPU). Batch size never
 * changes results: every image and tile has its own noise.
 */
public final class OutOfMemory {

	private OutOfMemory() {}

	/** One attempt at the work with a given batch size. */
	@FunctionalInterface
	public interface Attempt<T> {

		T run(int batch);
	}

	/** Whether {@code t} (or a cause) is PyTorch running out of device or native memory. */
	public static boolean is(final Throwable t) {
		for (Throwable c = t; c != null; c = c.getCause()) {
			final String m = c.getMessage();
			if (m != null && (m.contains("CUDA out of memory") || m.contains("CUDA error: out of memory") ||
				m.contains("can't allocate memory") || m.contains("not enough memory"))) return true;
		}
		return false;
	}

	/**
	 * Runs {@code attempt} with {@code batch}; on out-of-memory halves the batch and tries again,
	 * telling {@code say} each time. Throws the last error when even a batch of 1 fails.
	 */
	public static <T> T retry(final int batch, final Attempt<T> attempt, final Consumer<String> say) {
		int b = Math.max(1, batch);
		while (true) {
			try {
				return attempt.run(b);
			}
			catch (final RuntimeException e) {
				if (!is(e) || b == 1) throw e;
				b = Math.max(1, b / 2);
				say.accept("out of memory: retrying with batches of " + b);
			}
		}
	}
}
