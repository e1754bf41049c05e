package sc.fiji.diffusion.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The out-of-memory policy with PyTorch's own error: an allocation far beyond this machine's
 * memory fails in the engine exactly as a too-large batch does on a GPU (there is no GPU in
 * CI to fill); the retry halves the batch until the work fits.
 */
class OutOfMemoryTest {

	/** A real allocation failure from the engine (16 TB of floats). */
	private static RuntimeException realAllocationFailure() {
		try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
			return assertThrows(RuntimeException.class, () -> m.zeros(new Shape(1L << 42), DataType.FLOAT32));
		}
	}

	@Test
	void recognisesTheEnginesOwnErrorAndNothingElse() {
		final RuntimeException oom = realAllocationFailure();
		assertTrue(OutOfMemory.is(oom), "not recognised: " + oom.getMessage());
		assertTrue(OutOfMemory.is(new RuntimeException("wrapped", oom)));
		assertTrue(OutOfMemory.is(new ai.djl.engine.EngineException(
			"CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.10 GiB total capacity)")));
		assertFalse(OutOfMemory.is(new IllegalArgumentException("steps must be between 1 and 1000")));
	}

	@Test
	void halvesTheBatchUntilItFitsAndSaysSo() {
		final RuntimeException oom = realAllocationFailure();
		final List<Integer> tried = new ArrayList<>();
		final List<String> said = new ArrayList<>();
		final String result = OutOfMemory.retry(16, b -> {
			tried.add(b);
			if (b > 3) throw oom;
			return "done with " + b;
		}, said::add);
		assertEquals("done with 2", result);
		assertEquals(java.util.Arrays.asList(16, 8, 4, 2), tried);
		assertEquals(3, said.size());
		assertTrue(said.get(2).contains("batches of 2"), said.get(2));
	}

	@Test
	void givesUpAtOneAndPassesOtherErrorsThrough() {
		final RuntimeException oom = realAllocationFailure();
		final List<Integer> tried = new ArrayList<>();
		assertSame(oom, assertThrows(RuntimeException.class, () -> OutOfMemory.retry(4, b -> {
			tried.add(b);
			throw oom;
		}, s -> {})));
		assertEquals(java.util.Arrays.asList(4, 2, 1), tried);
		final IllegalArgumentException bad = new IllegalArgumentException("bad");
		tried.clear();
		assertSame(bad, assertThrows(IllegalArgumentException.class, () -> OutOfMemory.retry(4, b -> {
			tried.add(b);
			throw bad;
		}, s -> {})));
		assertEquals(1, tried.size());
	}
}
