package sc.fiji.diffusion.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.junit.jupiter.api.Test;
import sc.fiji.diffusion.engine.AnalyticDenoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.sampling.Sampler;
import sc.fiji.diffusion.engine.sampling.Samplers;

/**
 * TorchScript networks that predict ε, x_0 or v exactly for Gaussian data (written by
 * src/test/python/make_gaussian_models.py): the engine turns each into the same ε, so every
 * sampler works with every prediction type.
 */
class PredictionTypeTest {

	private static Path model(final String kind) throws URISyntaxException {
		return Paths.get(PredictionTypeTest.class.getResource("/models/gauss-" + kind + "/rdf.yaml").toURI()).getParent();
	}

	@Test
	void x0AndVPredictionsBecomeTheExactEps() throws Exception {
		final NoiseSchedule schedule = NoiseSchedule.linear(1000, 1e-4, 0.02);
		final AnalyticDenoiser exact = new AnalyticDenoiser(schedule, 0.3, 0.5);
		for (final String kind : new String[] { "epsilon", "x0", "v" }) {
			try (DiffusionModel m = DiffusionModel.load(model(kind), Device.cpu());
				NDManager nd = m.manager().newSubManager())
			{
				assertEquals(kind.equals("epsilon") ? Prediction.EPSILON : kind.equals("x0") ? Prediction.X0 : Prediction.V,
					m.descriptor().prediction());
				final NDArray x = new GaussianNoise(1).ndarray(nd, 0, new Shape(2, 1, 4, 4));
				for (final int t : new int[] { 3, 100, 500, 900 }) {
					final float[] got = m.eps(x, t, new int[] { -1, -1 }).toFloatArray();
					final float[] want = exact.eps(x, t).toFloatArray();
					for (int i = 0; i < got.length; i++)
						assertEquals(want[i], got[i], 2e-3 * Math.max(1, Math.abs(want[i])), kind + " at t=" + t);
				}
			}
		}
	}

	@Test
	void everySamplerGivesTheSameResultForEveryPredictionType() throws Exception {
		for (final String sampler : Samplers.names()) {
			float[] reference = null;
			for (final String kind : new String[] { "epsilon", "x0", "v" }) {
				try (DiffusionModel m = DiffusionModel.load(model(kind), Device.cpu());
					NDManager nd = m.manager().newSubManager())
				{
					final Sampler s = Samplers.create(sampler, m.schedule(), m.clipRange());
					s.setTimesteps(20);
					final GaussianNoise noise = new GaussianNoise(4);
					final float[] out = ReverseProcess.run(s, new GuidedDenoiser(m, new int[] { -1, -1 }, 1), noise.ndarray(nd,
						0, new Shape(2, 1, 4, 4)), noise, 0, Monitor.NONE).toFloatArray();
					if (reference == null) reference = out;
					else for (int i = 0; i < out.length; i++)
						assertEquals(reference[i], out[i], 5e-3, sampler + " with " + kind + " prediction");
				}
			}
		}
	}
}
