package sc.fiji.diffusion.engine.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import sc.fiji.diffusion.engine.model.ModelDescriptor;

/**
 * {@link Trainer.Settings#trainable}: only the parameters it names train (Denoise's adapt=N
 * tunes the FiLM biases alone); the others leave the run with the file's values, bit for bit.
 */
class TrainableParametersTest {

	@TempDir
	Path tmp;

	@Test
	void onlyTheNamedParametersTrain() throws Exception {
		final ModelDescriptor tiny = TrainTest.tiny();
		final Path base = tiny.verifiedWeights();
		final Trainer.Settings ts = settings(3, 1e-2);
		ts.emaDecay = 0;
		ts.trainable = Collections.singletonList("film.bias");
		final Patches patches = blobs(2, 3);
		final Path out = tmp.resolve("tuned.pt");
		final long expected;
		try (Trainer trainer = new Trainer(base, Device.cpu(), tiny.schedule(), ts, patches, null, null)) {
			trainer.run(sc.fiji.diffusion.engine.Monitor.NONE, new Trainer.Listener() {}, null);
			try (OutputStream o = Files.newOutputStream(out)) {
				trainer.export(o);
			}
			expected = trainer.parameterCount();
		}
		final Map<String, float[]> before = parameters(base), after = parameters(out);
		assertEquals(before.keySet(), after.keySet());
		long film = 0;
		int changed = 0;
		for (final String name : before.keySet()) {
			if (name.contains("film.bias")) {
				film += before.get(name).length;
				for (int i = 0; i < before.get(name).length; i++)
					if (before.get(name)[i] != after.get(name)[i]) changed++;
			}
			else assertArrayEquals(before.get(name), after.get(name), 0f, name + " is not trainable and must not move");
		}
		assertEquals(film, expected, "the trainer counts the FiLM biases alone");
		assertTrue(changed > film / 2, "the FiLM biases trained: " + changed + " of " + film + " moved");
	}

	/** A listener's stop() ends the run after that step, as if its steps were done (adapt's early stop). */
	@Test
	void aListenerCanEndTheRunEarly() throws Exception {
		final ModelDescriptor tiny = TrainTest.tiny();
		final Trainer.Settings ts = settings(10, 1e-3);
		final Patches patches = blobs(1, 4);
		final int[] seen = { 0 };
		try (Trainer trainer = new Trainer(tiny.verifiedWeights(), Device.cpu(), tiny.schedule(), ts, patches, null, null)) {
			trainer.run(sc.fiji.diffusion.engine.Monitor.NONE, new Trainer.Listener() {

				@Override
				public void step(final int step, final int steps, final double loss, final double rate) {
					seen[0] = step;
				}

				@Override
				public boolean stop() {
					return seen[0] >= 3;
				}
			}, null);
			assertEquals(3, trainer.step());
			assertEquals(3, seen[0]);
		}
	}

	/** Batches of 2 patches of 32² at learning rate lr. */
	private static Trainer.Settings settings(final int steps, final double lr) {
		final Trainer.Settings ts = new Trainer.Settings();
		ts.steps = steps;
		ts.batch = 2;
		ts.patch = 32;
		ts.lr = lr;
		return ts;
	}

	/** Patches of n 48² blob images in model units. */
	private static Patches blobs(final int n, final long seed) {
		final Patches patches = new Patches(32);
		for (final float[] px : sc.fiji.diffusion.testing.TestData.blobs(n, 48, 48, seed)) {
			for (int i = 0; i < px.length; i++)
				px[i] = px[i] / 127.5f - 1;
			patches.add(px, 48, 48, 0, 48);
		}
		return patches;
	}

	/** Every parameter of a TorchScript file by name. */
	private static Map<String, float[]> parameters(final Path file) throws Exception {
		final Map<String, float[]> out = new LinkedHashMap<>();
		try (Model m = Model.newInstance("read", Device.cpu(), "PyTorch")) {
			final Map<String, String> options = new HashMap<>();
			options.put("trainParam", "true");
			m.load(file.getParent(), file.getFileName().toString(), options);
			for (final Pair<String, Parameter> p : m.getBlock().getParameters())
				out.put(p.getKey(), p.getValue().getArray().toFloatArray());
		}
		return out;
	}
}
