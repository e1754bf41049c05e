package sc.fiji.diffusion.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.models.Models;

/**
 * The bfloat16 inference copy of {@code grayscale}: declared and checked like the weights,
 * the same network within bfloat16 rounding, chosen only on CPUs that compute bfloat16, and
 * never handed to what needs float32.
 */
class InferenceCopyTest {

	@Test
	void grayscaleDeclaresABfloat16CopyWithItsChecksum() {
		final ModelDescriptor d = ModelDescriptor.read(Models.resolve("grayscale"));
		assertEquals("bfloat16", d.inferencePrecision());
		final Path p = d.verifiedInferenceWeights();
		assertEquals("weights-bf16.pt", p.getFileName().toString());
		assertNull(ModelDescriptor.read(Models.resolve("fashion-mnist")).verifiedInferenceWeights());
	}

	@Test
	void aCorruptOrUnknownCopyIsRefusedWithTheField(@TempDir final Path dir) throws Exception {
		final Path src = Models.resolve("grayscale");
		Files.copy(src.resolve("weights.pt"), dir.resolve("weights.pt"));
		Files.write(dir.resolve("weights-bf16.pt"), new byte[] { 1, 2, 3 });
		final String rdf = new String(Files.readAllBytes(src.resolve("rdf.yaml")), StandardCharsets.UTF_8);
		Files.write(dir.resolve("rdf.yaml"), rdf.getBytes(StandardCharsets.UTF_8));
		final ModelException e = assertThrows(ModelException.class, () -> ModelDescriptor.read(dir)
			.verifiedInferenceWeights());
		assertTrue(e.getMessage().contains("weights.torchscript_inference.sha256"), e.getMessage());
		Files.write(dir.resolve("rdf.yaml"), rdf.replace("precision: bfloat16", "precision: int4").getBytes(
			StandardCharsets.UTF_8));
		final ModelException u = assertThrows(ModelException.class, () -> ModelDescriptor.read(dir));
		assertTrue(u.getMessage().contains("int4") && u.getMessage().contains("bfloat16"), u.getMessage());
	}

	@Test
	void theCopyComputesTheSameNetworkWithinBfloat16Rounding() {
		final ModelDescriptor d = ModelDescriptor.read(Models.resolve("grayscale"));
		try (TorchScriptNet a = TorchScriptNet.load(d.verifiedWeights(), Device.cpu());
			TorchScriptNet b = TorchScriptNet.load(d.verifiedInferenceWeights(), Device.cpu());
			NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch"))
		{
			// a smooth image with noise at t = 100 (as Denoise enters at an image's noise level)
			final int n = 64;
			final float[] x = new float[n * n];
			final Random r = new Random(3);
			final double ab = d.schedule().alphaBar(100);
			for (int i = 0; i < x.length; i++)
				x[i] = (float) (Math.sqrt(ab) * Math.sin((i % n) / 7.0) * Math.cos((i / n) / 5.0) + Math.sqrt(1 - ab) * r
					.nextGaussian());
			final NDArray in = m.create(x, new Shape(1, 1, n, n));
			final NDList args = new NDList(in, m.create(new float[] { 100f }), m.create(new long[] { 0 }));
			final float[] ea = a.forward(args).singletonOrThrow().toFloatArray();
			final float[] eb = b.forward(args).singletonOrThrow().toFloatArray();
			double num = 0, den = 0;
			for (int i = 0; i < ea.length; i++) {
				num += (ea[i] - eb[i]) * (ea[i] - eb[i]);
				den += ea[i] * ea[i];
			}
			final double rel = Math.sqrt(num / den);
			assertTrue(rel < 0.03, "bfloat16 copy differs from float32 by " + rel + " (relative RMS)");
			assertTrue(rel > 1e-5, "the copy should be a reduced-precision network, not the float32 one: " + rel);
		}
	}

	@Test
	void theCopyRunsOnlyWhereTheCpuHasBfloat16AndFloat32IsAtHand() {
		try (DiffusionModel model = DiffusionModel.load(Models.resolve("grayscale"), Device.cpu())) {
			assertEquals(Devices.cpuHasBfloat16() ? "bfloat16" : "float32", model.precision());
			final DiffusionModel exact = model.float32();
			assertNotNull(exact);
			assertEquals("float32", exact.precision());
			assertSame(exact, model.float32(), "loaded once");
			assertSame(exact, exact.float32());
		}
	}

	@Test
	void cpuFlagsAreReadFromCpuinfo(@TempDir final Path dir) throws Exception {
		final Path yes = dir.resolve("yes"), no = dir.resolve("no");
		Files.write(yes, "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n".getBytes(
			StandardCharsets.UTF_8));
		Files.write(no, "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n".getBytes(StandardCharsets.UTF_8));
		assertTrue(Devices.cpuFlagsHaveBfloat16(yes));
		assertEquals(false, Devices.cpuFlagsHaveBfloat16(no));
		assertEquals(false, Devices.cpuFlagsHaveBfloat16(dir.resolve("missing")));
	}
}
