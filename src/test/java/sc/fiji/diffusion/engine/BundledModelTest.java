package sc.fiji.diffusion.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.tasks.Generate;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.model.Prediction;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.sampling.Sampler;
import sc.fiji.diffusion.engine.sampling.Samplers;

/** The real bundled network through the engine: descriptor, guidance, determinism, batching. */
class BundledModelTest {

	private static DiffusionModel model;

	@BeforeAll
	static void load() {
		model = DiffusionModel.load(Models.resolve("fashion-mnist"), Device.cpu());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	@Test
	void descriptorDescribesTheModel() {
		final ModelDescriptor d = model.descriptor();
		assertEquals("fashion-mnist", d.name());
		assertEquals(Prediction.EPSILON, d.prediction());
		assertEquals(1000, d.schedule().T());
		assertEquals(4.035829765375676e-05, d.schedule().alphaBar(999), 1e-12);
		assertEquals(32, d.width());
		assertEquals(32, d.height());
		assertEquals(1, d.channels());
		assertEquals(10, d.classes().size());
		assertEquals(7, d.classIndex("Sneaker"));
		assertEquals(7, d.classIndex("sneaker"));
		assertEquals(-1, d.classIndex(""));
		assertEquals(10, d.nullClass());
		assertEquals(-1.0, 0 * d.scale() + d.offset(), 1e-12);
		assertEquals(1.0, 255 * d.scale() + d.offset(), 1e-12);
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.classIndex("Hat"));
		assertTrue(e.getMessage().contains("Hat") && e.getMessage().contains("Ankle boot"), e.getMessage());
		assertEquals("CPU", model.device().getDeviceType().toUpperCase());
		assertTrue(Devices.describe(model.device()).startsWith("CPU ("));
	}

	private static float[] eps(final float[] x, final double t, final int[] labels, final double w) {
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray in = m.create(x, new Shape(labels.length, 1, 32, 32));
			final Denoiser d = w < 0 ? (xx, tt) -> model.eps(xx, tt, labels) : new GuidedDenoiser(model, labels, w);
			return d.eps(in, t).toFloatArray();
		}
	}

	private static float[] input(final int b) {
		return new GaussianNoise(3).floats(0, 0, b * 32 * 32);
	}

	@Test
	void guidanceZeroIsTheUnconditionalAndOneTheConditionalPrediction() {
		final int[] y = { 7, 0 };
		final float[] x = input(2);
		final float[] uncond = eps(x, 500, new int[] { -1, -1 }, -1);
		final float[] cond = eps(x, 500, y, -1);
		final float[] w0 = eps(x, 500, y, 0);
		final float[] w1 = eps(x, 500, y, 1);
		final float[] w3 = eps(x, 500, y, 3);
		double diff = 0;
		for (int i = 0; i < x.length; i++) {
			assertEquals(uncond[i], w0[i], 1e-4);
			assertEquals(cond[i], w1[i], 1e-4);
			assertEquals(uncond[i] + 3 * (cond[i] - uncond[i]), w3[i], 1e-4);
			diff += Math.abs(cond[i] - uncond[i]);
		}
		assertTrue(diff / x.length > 1e-3, "the label must change the prediction");
	}

	@Test
	void batchedPredictionEqualsOneByOne() {
		final float[] x = input(3);
		final float[] batched = eps(x, 250, new int[] { 1, 5, -1 }, -1);
		for (int k = 0; k < 3; k++) {
			final float[] one = eps(java.util.Arrays.copyOfRange(x, k * 1024, (k + 1) * 1024), 250,
				new int[] { new int[] { 1, 5, -1 }[k] }, -1);
			for (int i = 0; i < 1024; i++)
				assertEquals(one[i], batched[k * 1024 + i], 1e-4);
		}
	}

	@Test
	void sameSeedGivesBitwiseTheSameSamplesWhateverTheBatchSize() {
		final float[][] a = Generate.with(model).count(3).steps(8).sampler("ddpm").seed(42).label("Trouser").guidance(2)
			.batchSize(3).run(Monitor.NONE);
		final float[][] b = Generate.with(model).count(3).steps(8).sampler("ddpm").seed(42).label("Trouser").guidance(2)
			.batchSize(3).run(Monitor.NONE);
		final float[][] c = Generate.with(model).count(3).steps(8).sampler("ddpm").seed(43).label("Trouser").guidance(2)
			.batchSize(3).run(Monitor.NONE);
		final float[][] single = Generate.with(model).count(3).steps(8).sampler("ddpm").seed(42).label("Trouser")
			.guidance(2).batchSize(1).run(Monitor.NONE);
		for (int k = 0; k < 3; k++) {
			assertArrayEquals(a[k], b[k]);
			assertFalse(java.util.Arrays.equals(a[k], c[k]));
			for (int i = 0; i < a[k].length; i++) // batch size changes float rounding inside the network only
				assertEquals(a[k][i], single[k][i], 0.05);
		}
	}

	@Test
	void ddimIsDeterministicGivenTheStartingNoise() {
		final Sampler s1 = Samplers.create("ddim", model.schedule(), model.clipRange());
		final Sampler s2 = Samplers.create("ddim", model.schedule(), model.clipRange());
		s1.setTimesteps(6);
		s2.setTimesteps(6);
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray xT = new GaussianNoise(5).ndarray(m, 0, new Shape(2, 1, 32, 32));
			final Denoiser d = new GuidedDenoiser(model, new int[] { 3, 3 }, 2);
			final float[] a = ReverseProcess.run(s1, d, xT, new GaussianNoise(1), 0, Monitor.NONE).toFloatArray();
			final float[] b = ReverseProcess.run(s2, d, xT, new GaussianNoise(2), 0, Monitor.NONE).toFloatArray();
			assertArrayEquals(a, b);
		}
	}

	@Test
	void everySamplerRunsOnTheRealNetwork() {
		for (final String name : Samplers.names()) {
			final float[][] s = Generate.with(model).count(2).steps(4).sampler(name).seed(1).label("Bag").guidance(2)
				.run(Monitor.NONE);
			for (final float[] img : s)
				for (final float v : img)
					assertTrue(Float.isFinite(v) && v >= -1e-3 && v <= 255 + 1e-3, name + ": pixel " + v);
		}
	}

	@Test
	void samplesStayInTheDataRange() {
		final float[][] s = Generate.with(model).count(2).steps(10).sampler("ddim").seed(1).label("").guidance(0)
			.run(Monitor.NONE);
		for (final float[] img : s)
			for (final float v : img)
				assertTrue(v >= -1e-3 && v <= 255 + 1e-3, "pixel " + v);
	}

	@Test
	void badParametersGetClearMessages() {
		assertMessage(() -> Generate.with(model).steps(0).validate(), "steps", "1000");
		assertMessage(() -> Generate.with(model).steps(1001).validate(), "steps", "1000");
		assertMessage(() -> Generate.with(model).count(0).validate(), "count");
		assertMessage(() -> Generate.with(model).sampler("fast").validate(), "fast", "ddim");
		assertMessage(() -> Generate.with(model).label("Hat").validate(), "Hat", "Sneaker");
		assertMessage(() -> Generate.with(model).guidance(Double.NaN).validate(), "guidance");
	}

	static void assertMessage(final Runnable r, final String... parts) {
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
		for (final String p : parts)
			assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should mention " + p);
	}

	@Test
	void modelFolderIsFound() {
		final Path p = Models.resolve("fashion-mnist");
		assertTrue(p.resolve("rdf.yaml").toFile().isFile());
		assertTrue(Models.available().contains("fashion-mnist"));
		final ModelException e = assertThrows(ModelException.class, () -> Models.resolve("no-such-model"));
		assertTrue(e.getMessage().contains("no-such-model") && e.getMessage().contains("fashion-mnist"), e.getMessage());
	}
}
