package sc.fiji.diffusion.engine.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.testing.TestData;

/** Noise models are found like samplers: a new one is its factory (one file) and its test. */
class NoiseModelsTest {

	/**
	 * A noise model that exists only on the test class path: constant noise of twice the given
	 * sigma (a stand-in for, say, a camera with a known excess-noise factor).
	 */
	@Plugin(type = NoiseModelFactory.class, name = "doubled", priority = 1, description = "test only: gaussian of 2 sigma")
	public static final class Doubled implements NoiseModelFactory {

		@Override
		public List<NoiseModel> models(final float[][] planes, final int width, final NoiseSettings keys,
			final CameraFit fit, final Consumer<String> say)
		{
			final List<NoiseModel> out = new ArrayList<>();
			for (int i = 0; i < planes.length; i++)
				out.add(new AdditiveGaussian(2 * keys.sigma(), false, 0));
			say.accept("doubled: sigma " + 2 * keys.sigma());
			return out;
		}
	}

	@Test
	void theRegistryListsTheNoiseModelsAndAutoComesFirst() {
		final List<String> names = NoiseModels.names();
		assertTrue(names.indexOf("gaussian") >= 0 && names.indexOf("poisson") > names.indexOf("gaussian"), names
			.toString());
		assertEquals("auto", NoiseModels.choices().get(0));
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoiseSettings.parse("speckle",
			0, 0, Double.NaN));
		assertTrue(e.getMessage().contains("Unknown noise 'speckle'") && e.getMessage().contains("gaussian, poisson"), e
			.getMessage());
		assertEquals("gaussian", NoiseSettings.parse(" Gaussian ", 0, 0, Double.NaN).name());
	}

	@Test
	void aNewNoiseModelIsOneFile() {
		assertTrue(NoiseModels.names().contains("doubled"), NoiseModels.names().toString());
		final float[] plane = new float[64 * 64];
		for (int i = 0; i < plane.length; i++)
			plane[i] = i % 64;
		final List<String> said = new ArrayList<>();
		final List<NoiseModel> m = NoiseSettings.parse("doubled", 7, 0, Double.NaN).model(new float[][] { plane, plane }, 64,
			said::add);
		assertEquals(2, m.size());
		assertEquals(14, m.get(0).workingSigma(), 1e-9);
		assertTrue(said.contains("doubled: sigma 14.0"), said.toString());
	}

	@Test
	void gaussianAndPoissonGiveWhatTheyDid() {
		final java.util.Random r = new java.util.Random(3);
		final float[] g = new float[128 * 128], p = new float[128 * 128];
		for (int i = 0; i < g.length; i++) {
			final double x = 50 + 40 * Math.sin(i % 128 / 9.0) * Math.cos(i / 128 / 11.0);
			g[i] = (float) (x + 5 * r.nextGaussian());
			// a camera: gain 2, offset 100, read noise 2, λ between 1 and 45 photons
			p[i] = (float) (2 * TestData.poisson(r, (x - 5) / 2) + 100 + 2 * r.nextGaussian());
		}
		final NoiseModel gm = NoiseSettings.parse("gaussian", 0, 0, Double.NaN).model(new float[][] { g }, 128, s -> {}).get(0);
		assertEquals(5, gm.workingSigma(), 0.5);
		final NoiseModel pm = NoiseSettings.parse("poisson", 0, 0, Double.NaN).model(new float[][] { p }, 128, s -> {}).get(0);
		assertTrue(pm.isStabilised());
		// the variance at a pixel of value z is a·z + b with a ≈ the gain
		assertEquals(2, (pm.variance(300) - pm.variance(200)) / 100, 0.4);
		final NoiseModel given = NoiseSettings.parse("poisson", 2, 2, 100).model(new float[][] { p }, 128, s -> {}).get(0);
		assertEquals(2 * (200 - 100) + 4, given.variance(200), 1e-6);
	}
}
