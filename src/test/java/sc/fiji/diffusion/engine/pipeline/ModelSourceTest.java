package sc.fiji.diffusion.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.models.Models;

/** A lazy model source: the descriptor without the networks, one load, the load in the background. */
class ModelSourceTest {

	@Test
	void theDescriptorNeedsNoLoadAndTheModelLoadsOnce() throws Exception {
		final Path dir = Models.resolve("grayscale");
		final AtomicInteger loads = new AtomicInteger();
		final CountDownLatch release = new CountDownLatch(1);
		try (DiffusionModel real = DiffusionModel.load(dir, Device.cpu())) {
			final ModelSource s = ModelSource.lazy(() -> {
				loads.incrementAndGet();
				try {
					// a slow load: the descriptor must not wait for it
					assertTrue(release.await(30, TimeUnit.SECONDS));
				}
				catch (final InterruptedException e) {
					throw new IllegalStateException(e);
				}
				return real;
			}, () -> ModelDescriptor.read(dir), m -> m);
			final CountDownLatch more = new CountDownLatch(1);
			s.prefetch(m -> more.countDown());
			assertEquals("grayscale", s.descriptor().name(), "read while the load is still running");
			assertEquals(1, more.getCount(), "the prefetch's work waits for its load");
			release.countDown();
			assertSame(real, s.model());
			assertTrue(more.await(30, TimeUnit.SECONDS));
			assertSame(real, s.model());
			assertEquals(1, loads.get(), "the background load and the two calls share one load");
		}
	}

	@Test
	void aFailedBackgroundLoadIsReportedByTheCaller() {
		final AtomicInteger loads = new AtomicInteger();
		final ModelSource s = ModelSource.lazy(() -> {
			loads.incrementAndGet();
			throw new ModelException("weights do not match their sha256");
		}, () -> ModelDescriptor.read(Models.resolve("grayscale")), m -> m);
		s.prefetch(m -> {});
		final ModelException e = assertThrows(ModelException.class, s::model);
		assertTrue(e.getMessage().contains("sha256"), e.getMessage());
		assertTrue(loads.get() >= 1);
	}

	@Test
	void denoiseThroughALazySourceEqualsTheLoadedModel() {
		final Path dir = Models.resolve("grayscale");
		final int n = 96;
		final float[] px = new float[n * n];
		final Random r = new Random(3);
		for (int i = 0; i < px.length; i++)
			px[i] = (float) (100 + 60 * Math.sin(i % n / 9.0) + 15 * r.nextGaussian());
		final DenoiseSettings settings = DenoiseSettings.builder().noise(NoiseSettings.gaussian(15)).build();
		try (DiffusionModel a = DiffusionModel.load(dir, Device.cpu()); DiffusionModel b = DiffusionModel.load(dir, Device
			.cpu()))
		{
			final float[] eager = DenoisePipeline.run(ModelSource.of(a), Hyperstack.of(n, n, 32, px.clone()),
				settings, Monitor.NONE).image.plane(0);
			final float[] lazy = DenoisePipeline.run(ModelSource.lazy(() -> b, () -> ModelDescriptor.read(
				dir), m -> m), Hyperstack.of(n, n, 32, px.clone()), settings, Monitor.NONE).image.plane(0);
			assertArrayEquals(eager, lazy);
		}
	}
}
