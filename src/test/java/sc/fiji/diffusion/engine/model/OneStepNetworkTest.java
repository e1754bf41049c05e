package sc.fiji.diffusion.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.tasks.Denoise;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.testing.TestData;

/**
 * A model's one-step network ({@code weights.torchscript_one_step}): declared and checked like
 * the weights, and used for exactly one thing, the one network call of output=mean at the levels
 * it covers. The network standing in here is the float32 {@code weights.pt} of {@code grayscale}
 * itself, declared as the one-step network of a copy of the model: where the CPU runs the model's
 * bfloat16 copy, every result then says which network computed it (it equals the float32
 * network's bit for bit, or the bfloat16 copy's).
 */
class OneStepNetworkTest {

	/** A copy of grayscale whose one-step network is its own float32 weights, for σ_t in [0.01, 1] (model units). */
	private static Path withOneStep(final Path dir, final String range) throws IOException {
		final Path src = Models.resolve("grayscale");
		for (final String f : new String[] { "weights.pt", "weights-bf16.pt" })
			Files.copy(src.resolve(f), dir.resolve(f));
		final String rdf = withoutOneStep(new String(Files.readAllBytes(src.resolve("rdf.yaml")), StandardCharsets.UTF_8));
		final String block = "  torchscript_one_step:\n    source: weights.pt\n    sha256: " + ModelDescriptor.sha256(
			dir.resolve("weights.pt")) + "\n    sigma_model: " + range + "\n";
		final String with = rdf.replaceFirst("\nconfig:\n", "\n" + block + "config:\n");
		assertTrue(with.contains(block));
		Files.write(dir.resolve("rdf.yaml"), with.getBytes(StandardCharsets.UTF_8));
		return dir;
	}

	/** The descriptor text without its one-step network. */
	static String withoutOneStep(final String rdf) {
		final String out = rdf.replaceFirst("(?s)\n  torchscript_one_step:\n.*?\n(?=  [a-z_]+:\n|[a-z]+:)", "\n");
		assertFalse(out.contains("torchscript_one_step"), "the one-step block was not removed");
		return out;
	}

	@Test
	void grayscaleShipsOneDistilledForTheLevelsDenoiseMeetsMost() {
		final ModelDescriptor d = ModelDescriptor.read(Models.resolve("grayscale"));
		assertTrue(d.hasOneStep());
		assertEquals("weights-one-step.pt", d.verifiedOneStepWeights(false).getFileName().toString());
		assertEquals("weights-one-step-bf16.pt", d.verifiedOneStepWeights(true).getFileName().toString());
		assertTrue(d.oneStepCovers(25 / 127.5) && d.oneStepCovers(2 / 127.5));
		assertFalse(d.oneStepCovers(120 / 127.5), "above 80 grey levels the full network");
	}

	/**
	 * Each network loads when it first runs: output=mean's path (the one-step network, and its
	 * float32 copy for the error estimate) never loads the model's own networks; the model's
	 * first own call loads its own, and only that one.
	 */
	@Test
	void networksLoadWhenTheyFirstRun() {
		try (DiffusionModel m = DiffusionModel.load(Models.resolve("grayscale"), Device.cpu())) {
			final DiffusionModel one = m.oneStep(Double.NaN), one32 = one.float32();
			assertNotSame(m, one);
			assertFalse(m.networkLoaded() || one.networkLoaded() || one32.networkLoaded(), "nothing runs before a call");
			try (ai.djl.ndarray.NDManager nd = m.manager().newSubManager()) {
				final ai.djl.ndarray.NDArray x = nd.zeros(new ai.djl.ndarray.types.Shape(1, 1, 32, 32));
				one.eps(x, 10, new int[] { -1 });
				one32.eps(x, 10, new int[] { -1 });
				assertTrue(one.networkLoaded() && one32.networkLoaded());
				assertFalse(m.networkLoaded(), "the one-step path needs none of the model's own networks");
				assertFalse(m.float32().networkLoaded());
				final float[] eps = m.eps(x, 10, new int[] { -1 }).toFloatArray();
				assertTrue(m.networkLoaded() && eps.length == 32 * 32);
				assertEquals(m.precision().equals("float32"), m.float32().networkLoaded(), "a bfloat16 model's float32 copy " +
					"stays unloaded");
			}
		}
	}

	/** A network not yet loaded whose file was replaced since (a retrained folder) is refused, not loaded unverified. */
	@Test
	void aNetworkWhoseFileChangedIsNotLoadedLate(@TempDir final Path dir) throws IOException {
		plainCopy(dir);
		try (DiffusionModel m = DiffusionModel.load(dir, Device.cpu());
			ai.djl.ndarray.NDManager nd = m.manager().newSubManager())
		{
			final Path file = dir.resolve(m.precision().equals("float32") ? "weights.pt" : "weights-bf16.pt");
			Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(file)
				.toMillis() - 60_000));
			final ai.djl.ndarray.NDArray x = nd.zeros(new ai.djl.ndarray.types.Shape(1, 1, 32, 32));
			final ModelException e = assertThrows(ModelException.class, () -> m.eps(x, 10, new int[] { -1 }));
			assertTrue(e.getMessage().contains("changed on disk"), e.getMessage());
		}
	}

	/** The bundled one-step network against the full network on real images out of its domain (Fashion-MNIST test garments, σ 15 and 40). */
	@Test
	void theBundledOneIsAsGoodAsTheFullNetwork(@TempDir final Path dir) throws IOException {
		final sc.fiji.diffusion.eval.FashionMnist test = TestData.fashionMnist("t10k", 64);
		final Path src = Models.resolve("grayscale");
		plainCopy(dir);
		final int w = 128, h = 128;
		final float[] clean = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				clean[y * w + x] = test.images[(y / 32) * 4 + x / 32][(y % 32) * 32 + x % 32];
		try (DiffusionModel fast = DiffusionModel.load(src, Device.cpu()); DiffusionModel full = DiffusionModel.load(dir,
			Device.cpu()))
		{
			for (final double sigma : new double[] { 15, 40 }) {
				final float[] y = TestData.gaussian(clean, sigma, 7);
				final double pa = psnr(clean, mean(fast, y, sigma, w, h)), pb = psnr(clean, mean(full, y, sigma, w, h));
				assertTrue(pb > psnr(clean, y) + 3, "the full network denoises: " + pb + " dB");
				assertTrue(Math.abs(pa - pb) > 1e-4, "the one-step network did not run");
				// garments are outside what it was distilled on (photographs and micrographs, where held-out images move by
				// −0.04…+0.03 dB, results/one-step.md): measured −0.37 / −0.43 dB at σ 15 / 40 here (the 24-48-96 network
				// it replaced: −0.23 / −0.21); a broken export or the wrong network loses several dB
				assertTrue(pa > pb - 0.5, "sigma " + sigma + ": one-step network " + pa + " dB, full network " + pb + " dB");
			}
		}
	}

	static double psnr(final float[] a, final float[] b) {
		double mse = 0;
		for (int i = 0; i < a.length; i++)
			mse += (a[i] - b[i]) * (double) (a[i] - b[i]) / a.length;
		return 10 * Math.log10(255.0 * 255.0 / mse);
	}

	@Test
	void itIsDeclaredWithItsRangeAndChecksum(@TempDir final Path dir) throws IOException {
		final ModelDescriptor d = ModelDescriptor.read(withOneStep(dir, "[0.01, 1.0]"));
		assertTrue(d.hasOneStep());
		assertEquals("weights.pt", d.verifiedOneStepWeights(false).getFileName().toString());
		assertNull(d.verifiedOneStepWeights(true), "no bfloat16 copy declared");
		assertTrue(d.oneStepCovers(25 / 127.5));
		assertFalse(d.oneStepCovers(1.5));
		assertFalse(d.oneStepCovers(0.005));
		// [0.01, 1] model units on grayscale's 0..255 data over −1..1 model range: 1.275..127.5 grey levels
		assertTrue(d.oneStepRange().matches("noise sigma 1\\.2[78]\\.\\.128 on the model.s 0\\.\\.255 data scale"), d
			.oneStepRange());
		assertFalse(ModelDescriptor.read(Models.resolve("fashion-mnist")).hasOneStep());
	}

	@Test
	void aCorruptFileOrABadRangeIsRefusedWithTheField(@TempDir final Path dir) throws IOException {
		withOneStep(dir, "[0.01, 1.0]");
		final String rdf = new String(Files.readAllBytes(dir.resolve("rdf.yaml")), StandardCharsets.UTF_8);
		Files.write(dir.resolve("rdf.yaml"), rdf.replaceFirst("(torchscript_one_step:\n    source: weights.pt\n    sha256: )" +
			"[0-9a-f]+", "$1" + "00").getBytes(StandardCharsets.UTF_8));
		final ModelException e = assertThrows(ModelException.class, () -> ModelDescriptor.read(dir).verifiedOneStepWeights(
			false));
		assertTrue(e.getMessage().contains("weights.torchscript_one_step.sha256"), e.getMessage());
		Files.write(dir.resolve("rdf.yaml"), rdf.replace("sigma_model: [0.01, 1.0]", "sigma_model: [2, 1]").getBytes(
			StandardCharsets.UTF_8));
		final ModelException r = assertThrows(ModelException.class, () -> ModelDescriptor.read(dir));
		assertTrue(r.getMessage().contains("sigma_model") && r.getMessage().contains("0 < min < max"), r.getMessage());
	}

	@Test
	void itStandsInOnlyWithinItsRangeAndOnlyForTheWeightsItWasMadeFrom(@TempDir final Path dir) throws IOException {
		try (DiffusionModel model = DiffusionModel.load(withOneStep(dir, "[0.01, 1.0]"), Device.cpu())) {
			final DiffusionModel one = model.oneStep(25 / 127.5);
			assertNotSame(model, one);
			assertTrue(one.isOneStep());
			assertEquals("float32", one.precision(), "only a float32 file is declared");
			assertSame(one, model.oneStep(10 / 127.5), "loaded once");
			assertSame(one, one.oneStep(1.5), "a one-step network is its own");
			assertSame(model, model.oneStep(1.5), "outside its range the network itself");
			// the float32 side (the error estimate's finite differences) uses the same one-step network
			assertSame(one, model.float32().oneStep(25 / 127.5));
			assertSame(one, one.float32());
			// other weights (adapted to an image) never get a network made from the model's own
			final Path copy = dir.resolve("other.pt");
			Files.copy(model.descriptor().verifiedWeights(), copy);
			try (DiffusionModel other = model.withWeights(copy)) {
				assertSame(other, other.oneStep(25 / 127.5));
				assertNull(other.oneStep(Double.NaN));
			}
		}
	}

	@Test
	void denoiseRunsItForTheOneCallOfOutputMeanOnly(@TempDir final Path dir) throws IOException {
		final int w = 64, h = 64;
		final float[] clean = new float[w * h];
		for (int i = 0; i < clean.length; i++)
			clean[i] = (float) (128 + 60 * Math.sin(i % w / 5.0) * Math.cos(i / w / 7.0));
		try (DiffusionModel with = DiffusionModel.load(withOneStep(dir, "[0.01, 1.0]"), Device.cpu());
			DiffusionModel plain = DiffusionModel.load(plainCopy(dir.resolve("plain")), Device.cpu()))
		{
			final boolean reduced = !plain.precision().equals("float32");
			// σ 25 grey levels: inside the range, so output=mean is the one-step network's (here the float32 weights)
			final float[] y = TestData.gaussian(clean, 25, 3);
			final float[] one = mean(with, y, 25, w, h);
			assertArrayEquals(mean(plain.float32(), y, 25, w, h), one, "output=mean in range: the one-step network");
			if (reduced) assertFalse(Arrays.equals(mean(plain, y, 25, w, h), one), "the one-step network did not run");
			// σ 200 grey levels (1.57 model units): outside it, the model's own network as before
			final float[] loud = TestData.gaussian(clean, 200, 4);
			assertArrayEquals(mean(plain, loud, 200, w, h), mean(with, loud, 200, w, h), "out of range: the network itself");
			// a sample walks many levels: the model's own network at every one of them
			final float[] sw = Denoise.with(with).sigma(25).output("sample").steps(4).seed(5).run(Images.plane(y, w, h),
				Monitor.NONE).pixels();
			final float[] sp = Denoise.with(plain).sigma(25).output("sample").steps(4).seed(5).run(Images.plane(y, w, h),
				Monitor.NONE).pixels();
			assertArrayEquals(sp, sw, "output=sample never runs the one-step network");
			if (reduced) assertTrue(Devices.cpuHasBfloat16());
		}
	}

	/** grayscale without its one-step network. */
	private static Path plainCopy(final Path dir) throws IOException {
		Files.createDirectories(dir);
		final Path src = Models.resolve("grayscale");
		for (final String f : new String[] { "weights.pt", "weights-bf16.pt" })
			Files.copy(src.resolve(f), dir.resolve(f));
		Files.write(dir.resolve("rdf.yaml"), withoutOneStep(new String(Files.readAllBytes(src.resolve("rdf.yaml")),
			StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
		return dir;
	}

	private static float[] mean(final DiffusionModel m, final float[] y, final double sigma, final int w, final int h) {
		return Denoise.with(m).sigma(sigma).output("mean").run(Images.plane(y, w, h), Monitor.NONE).pixels();
	}

	/**
	 * A one-step network's {@code float32()} asks its model, and {@code close()} of the model closes
	 * the network while it holds the model's lock: the network must not hold its own lock while it
	 * waits for the model's. (It did: a batch whose files were all refused closed the model while
	 * the background load was still asking for the float32 copy, and never exited.) Nothing here
	 * runs a network, so the bfloat16 copy is taken whatever the CPU.
	 */
	@Test
	void aOneStepNetworkWaitsForItsModelWithoutHoldingItsOwnLock() throws InterruptedException {
		try (DiffusionModel m = DiffusionModel.load(Models.resolve("grayscale"), Device.cpu(), true)) {
			final DiffusionModel one = m.oneStep(Double.NaN);
			assertTrue(one != null && one.isOneStep() && !one.precision().equals("float32"), "a reduced-precision one-step " +
				"network");
			final DiffusionModel[] copy = new DiffusionModel[1];
			final Thread asking = new Thread(() -> copy[0] = one.float32(), "asking");
			final Thread locking = new Thread(() -> {
				synchronized (one) {
					// what the model's close() does next while holding the model's lock
				}
			}, "locking");
			final Thread.State waiting;
			final boolean lockFree;
			synchronized (m) { // as close() does
				asking.start();
				final long until = System.nanoTime() + 10_000_000_000L;
				while (asking.getState() != Thread.State.BLOCKED && asking.isAlive() && System.nanoTime() < until)
					Thread.sleep(5);
				waiting = asking.getState();
				locking.start();
				locking.join(2000);
				lockFree = !locking.isAlive();
			}
			// both threads end once the model's lock is free; only then may the model close (with the fault, closing it
			// while the asking thread held the network's lock is the very deadlock)
			asking.join(10000);
			locking.join(10000);
			assertFalse(asking.isAlive() || locking.isAlive(), "the threads ended");
			assertEquals(Thread.State.BLOCKED, waiting, "float32() waited for the model's lock");
			assertTrue(lockFree, "the one-step network's lock is held while it waits for its model's: the model's close() " +
				"would deadlock");
			assertSame(m.float32().oneStep(Double.NaN), copy[0], "the float32 copy of the model's float32 copy");
		}
	}
}
