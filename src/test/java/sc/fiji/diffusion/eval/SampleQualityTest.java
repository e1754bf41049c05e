package sc.fiji.diffusion.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.io.IOException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.tasks.Generate;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;

/**
 * Samples from the bundled model are not noise: the independently trained reference
 * classifier recognises the requested class far above chance (10 %).
 */
class SampleQualityTest {

	private static DiffusionModel model;
	private static ReferenceClassifier classifier;

	@BeforeAll
	static void load() {
		model = DiffusionModel.load(Models.resolve("fashion-mnist"), Device.cpu());
		classifier = new ReferenceClassifier(model.descriptor(), Device.cpu());
	}

	@AfterAll
	static void close() {
		classifier.close();
		model.close();
	}

	@Test
	void referenceClassifierKnowsTheTestSet() throws IOException {
		final FashionMnist test = sc.fiji.diffusion.testing.TestData.fashionMnist("t10k", 2000);
		final double acc = Quality.accuracy(classifier.classify(test.images).predicted, test.labels);
		assertTrue(acc > 0.88, "reference classifier accuracy " + acc);
	}

	@Test
	void guidedSamplesAreRecognisedAsTheRequestedClass() {
		final String[] labels = { "Trouser", "Sneaker", "Bag", "Ankle boot", "Dress" };
		int ok = 0, n = 0;
		for (int c = 0; c < labels.length; c++) {
			final float[][] s = Generate.with(model).count(6).steps(20).sampler("ddim").seed(100 + c).label(labels[c])
				.guidance(2).run(Monitor.NONE);
			final int want = model.descriptor().classIndex(labels[c]);
			for (final int p : classifier.classify(s).predicted) {
				if (p == want) ok++;
				n++;
			}
		}
		// chance is 10 %; a trained model gets > 90 % here
		assertTrue(ok >= 0.7 * n, ok + " of " + n + " samples recognised as the requested class");
	}

	@Test
	void unconditionalNoiseIsNotRecognisedAsAClass() {
		// the yardstick must be able to say no: pure noise mapped to pixels is not confidently a garment
		final float[][] noise = new float[20][];
		final sc.fiji.diffusion.engine.GaussianNoise g = new sc.fiji.diffusion.engine.GaussianNoise(9);
		for (int k = 0; k < noise.length; k++) {
			noise[k] = g.floats(0, k * 1024L, 1024);
			for (int i = 0; i < 1024; i++)
				noise[k][i] = (float) Math.max(0, Math.min(255, 127.5 + 60 * noise[k][i]));
		}
		final ReferenceClassifier.Result r = classifier.classify(noise);
		final float[][] s = Generate.with(model).count(20).steps(20).sampler("ddim").seed(3).label("Trouser").guidance(2)
			.run(Monitor.NONE);
		final ReferenceClassifier.Result rs = classifier.classify(s);
		double noiseTrouser = 0, sampleTrouser = 0;
		for (int k = 0; k < 20; k++) {
			noiseTrouser += r.probabilities[k][1] / 20;
			sampleTrouser += rs.probabilities[k][1] / 20;
		}
		assertTrue(sampleTrouser > noiseTrouser + 0.5, "P(trouser): samples " + sampleTrouser + ", noise " + noiseTrouser);
	}
}
