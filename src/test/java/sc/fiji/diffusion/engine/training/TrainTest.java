package sc.fiji.diffusion.engine.training;

import sc.fiji.diffusion.engine.image.Images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tasks.Denoise;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.pipeline.ModelFolders;
import sc.fiji.diffusion.engine.pipeline.TrainPipeline;
import sc.fiji.diffusion.engine.pipeline.TrainSettings;

/** Training in Java through the pipeline every front end calls: the loop, checkpoints, export, and what a user can get wrong. */
class TrainTest {

	@TempDir
	Path tmp;

	static ModelDescriptor tiny() throws Exception {
		return ModelDescriptor.read(Paths.get(TrainTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI()).getParent());
	}

	/** n one-plane 32-bit images of smooth blobs. */
	static List<Hyperstack> images(final int n, final int w, final int h, final long seed) {
		final List<Hyperstack> out = new ArrayList<>();
		for (final float[] px : sc.fiji.diffusion.testing.TestData.blobs(n, w, h, seed))
			out.add(Hyperstack.of(w, h, 32, px));
		return out;
	}

	private static TrainSettings.Builder task(final String name, final int steps, final long seed) throws Exception {
		return TrainSettings.builder().base(tiny().dir().toString()).name(name).steps(steps).batch(4).patch(32).lr(1e-3)
			.seed(seed).validation(0.2).validationEvery(5).checkpointEvery(5).device("cpu");
	}

	/** Trains into {@code folder} as every front end does. */
	private static Path train(final TrainSettings.Builder settings, final List<Hyperstack> images, final Path folder,
		final Monitor monitor, final Trainer.Listener listener) throws Exception
	{
		return TrainPipeline.run(images, "", settings.build(), ModelFolders.of(folder, tiny().dir()), monitor, listener);
	}

	private static Path train(final TrainSettings.Builder settings, final List<Hyperstack> images, final Path folder)
		throws Exception
	{
		return train(settings, images, folder, Monitor.NONE, new Trainer.Listener() {});
	}

	/** The network's output on a fixed input: equal outputs, equal weights (the files also hold archive names). */
	static float[] outputs(final Path model) {
		try (DiffusionModel m = DiffusionModel.load(model, Device.cpu());
			ai.djl.ndarray.NDManager nd = m.manager().newSubManager())
		{
			final ai.djl.ndarray.NDArray x = new sc.fiji.diffusion.engine.GaussianNoise(1).ndarray(nd, 0,
				new ai.djl.ndarray.types.Shape(2, 1, 32, 48));
			return m.eps(x, 300, new int[] { -1, -1 }).toFloatArray();
		}
	}

	private static byte[] weights(final Path model) throws IOException {
		return Files.readAllBytes(model.resolve("weights.pt"));
	}

	/** A base's one-step network was made from the base's weights: the trained model does not inherit it. */
	@Test
	void aTrainedModelDropsItsBasesOneStepNetwork() throws Exception {
		final Path base = Files.createDirectories(tmp.resolve("base-with-one-step"));
		final Path src = tiny().dir();
		try (Stream<Path> files = Files.list(src)) {
			for (final Path f : files.collect(Collectors.toList()))
				Files.copy(f, base.resolve(f.getFileName()));
		}
		final String rdf = new String(Files.readAllBytes(base.resolve("rdf.yaml")), java.nio.charset.StandardCharsets.UTF_8);
		final String block = "  torchscript_one_step:\n    source: " + tiny().verifiedWeights().getFileName() +
			"\n    sigma_model: [0.01, 1.0]\n";
		assertTrue(rdf.contains("\nconfig:\n"));
		Files.write(base.resolve("rdf.yaml"), rdf.replaceFirst("\nconfig:\n", "\n" + block + "config:\n").getBytes(
			java.nio.charset.StandardCharsets.UTF_8));
		assertTrue(ModelDescriptor.read(base).hasOneStep());
		final Path out = Files.createDirectories(tmp.resolve("out"));
		final Path m = train(TrainSettings.builder().base(base.toString()).name("from-base").steps(2).batch(2).patch(32).lr(
			1e-3).seed(1).validation(0).device("cpu"), images(3, 48, 48, 2), out);
		assertFalse(ModelDescriptor.read(m).hasOneStep());
		assertFalse(new String(Files.readAllBytes(m.resolve("rdf.yaml")), java.nio.charset.StandardCharsets.UTF_8).contains(
			"torchscript_one_step"));
	}

	@Test
	void sameSeedSameModelAndTheModelWorksByName() throws Exception {
		final Path a = Files.createDirectories(tmp.resolve("a")), b = Files.createDirectories(tmp.resolve("b"));
		final List<String> said = new ArrayList<>();
		final Path ma = train(task("mine", 8, 3), images(6, 64, 48, 1), a, Monitor.logging(said::add),
			new Trainer.Listener() {});
		final Path mb = train(task("mine", 8, 3), images(6, 64, 48, 1), b);
		final Path mc = train(task("other", 8, 4), images(6, 64, 48, 1), b);
		assertEquals(ModelDescriptor.read(ma).weightsSha256(), ModelDescriptor.read(mb).weightsSha256(), "same seed, same weights");
		assertTrue(!ModelDescriptor.read(ma).weightsSha256().equals(ModelDescriptor.read(mc).weightsSha256()));
		assertTrue(said.stream().anyMatch(s -> s.contains("1 of 6 images held out")), said.toString());
		// the result is a model like any other: its descriptor reads, its weights load, Denoise runs on it
		final ModelDescriptor d = ModelDescriptor.read(ma);
		assertEquals("mine", d.name());
		try (DiffusionModel m = DiffusionModel.load(ma, Device.cpu())) {
			final float[] img = images(1, 40, 40, 9).get(0).plane(0);
			final float[] out = Denoise.with(m).sigma(20).run(Images.plane(img, 40, 40), Monitor.NONE).pixels();
			assertEquals(img.length, out.length);
		}
		final String rdf = new String(Files.readAllBytes(ma.resolve("rdf.yaml")), java.nio.charset.StandardCharsets.UTF_8);
		assertTrue(rdf.contains("loss_history") && rdf.contains("validation_loss_history") && rdf.contains("seed: 3") && rdf
			.contains("base: tiny-gray"), rdf);
		// nothing hidden is left: the checkpoint is removed after success unless asked to keep it
		try (Stream<Path> s = Files.list(a)) {
			assertEquals("[mine]", s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()).toString());
		}
		assertTrue(said.stream().anyMatch(s -> s.contains("removed the checkpoint")), said.toString());
		// the folder has a model card and is readable by everyone (a shared Fiji.app), not only its owner
		assertTrue(Files.isRegularFile(ma.resolve("README.md")) && rdf.contains("documentation: README.md"), rdf);
		if (ma.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(ma)));
			assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(ma
				.resolve("weights.pt"))));
		}
		// the PyTorch that wrote the weights, not the base model's exporter
		assertTrue(!rdf.contains("1.13.0a0"), rdf);
		final Path kept = train(task("kept", 4, 3).keepCheckpoint(true), images(6, 64, 48, 1), a);
		assertTrue(Files.isRegularFile(TrainPipeline.checkpoint(a, "kept").resolve("checkpoint.properties")), "kept on request");
		assertTrue(Files.isDirectory(kept));
	}

	/** Cancel keeps the checkpoint and no model; resume then ends exactly where an uninterrupted run does. */
	@Test
	void cancelThenResumeEqualsOneRun() throws Exception {
		final Path one = Files.createDirectories(tmp.resolve("one")), two = Files.createDirectories(tmp.resolve("two"));
		final Path straight = train(task("m", 12, 5), images(2, 64, 64, 2), one);
		final int[] steps = { 0 };
		final Monitor cancelAt7 = new Monitor() {

			@Override
			public void progress(final String what, final int done, final int total) {
				steps[0] = done;
			}

			@Override
			public boolean isCanceled() {
				return steps[0] >= 7;
			}
		};
		assertThrows(CancellationException.class, () -> train(task("m", 12, 5), images(2, 64, 64, 2), two, cancelAt7,
			new Trainer.Listener() {}));
		assertFalse(Files.exists(two.resolve("m")), "a cancelled run leaves no model");
		assertTrue(Files.exists(TrainPipeline.checkpoint(two, "m").resolve("state.ndlist")));
		final Path resumed = train(task("m", 12, 5).resume(true), images(2, 64, 64, 2), two);
		assertArrayEquals(outputs(straight), outputs(resumed), "resumed run = uninterrupted run, bit for bit");
	}

	@Test
	void freshWeightsStartAsTheIdentityResidualsSay() throws Exception {
		final double[] first = { Double.NaN };
		// base=none: fresh weights of the default model's architecture (here the tiny one's)
		train(TrainSettings.builder().base("none").name("fresh").steps(1).batch(8).patch(32).seed(1).validation(0).device(
			"cpu"), images(1, 64, 64, 3), Files.createDirectories(tmp.resolve("f")), Monitor.NONE, new Trainer.Listener() {

				@Override
				public void step(final int step, final int steps, final double loss, final double rate) {
					first[0] = loss;
				}
			});
		// conv_out starts at zero, so the first prediction is 0 and the loss is E[ε²] ≈ 1
		assertEquals(1, first[0], 0.15);
	}

	@Test
	void badInputGetsClearMessagesAndLeavesNoModel() throws Exception {
		final Path dir = Files.createDirectories(tmp.resolve("bad"));
		assertMessage(() -> train(task("small", 2, 1), images(1, 20, 20, 1), dir), "smaller than the patch");
		assertMessage(() -> train(task("", 2, 1), images(1, 64, 64, 1), dir), "name");
		assertMessage(() -> train(task("a/b", 2, 1), images(1, 64, 64, 1), dir), "letters, digits");
		assertMessage(() -> train(task("odd", 2, 1).patch(40), images(1, 64, 64, 1), dir), "steps of 16");
		assertMessage(() -> train(task("empty", 2, 1), new ArrayList<>(), dir), "empty");
		final List<Hyperstack> nan = images(1, 64, 64, 1);
		nan.get(0).plane(0)[5] = Float.NaN;
		assertMessage(() -> train(task("nan", 2, 1), nan, dir), "NaN");
		assertMessage(() -> train(task("nothing", 2, 1).resume(true), images(1, 64, 64, 1), dir), "nothing to resume");
		train(task("taken", 1, 1).validation(0), images(1, 64, 64, 1), dir);
		assertMessage(() -> train(task("taken", 1, 1), images(1, 64, 64, 1), dir), "overwrite=true");
		final byte[] before = weights(dir.resolve("taken"));
		train(task("taken", 2, 9).validation(0).overwrite(true).keepCheckpoint(true), images(1, 64, 64, 1), dir);
		assertTrue(!java.util.Arrays.equals(before, weights(dir.resolve("taken"))), "overwrite replaces the model");
		// a checkpoint of another network cannot be resumed
		final Path other = TrainPipeline.checkpoint(dir, "taken");
		final String props = new String(Files.readAllBytes(other.resolve("checkpoint.properties")), "ISO-8859-1");
		Files.write(other.resolve("checkpoint.properties"), props.replace("parameters=", "parameters=extra,").getBytes(
			"ISO-8859-1"));
		assertMessage(() -> train(task("taken", 4, 9).resume(true), images(1, 64, 64, 1), dir), "another network");
		// an unwritable models folder
		final Path ro = Files.createDirectories(tmp.resolve("ro"));
		ro.toFile().setWritable(false);
		if (!Files.isWritable(ro)) assertMessage(() -> train(task("x", 1, 1), images(1, 64, 64, 1), ro), "cannot write");
		ro.toFile().setWritable(true);
		try (Stream<Path> s = Files.list(dir)) {
			assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("partial")), "no half-written model folders");
		}
	}

	private interface Run {

		void run() throws Exception;
	}

	private static void assertMessage(final Run r, final String part) {
		final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
		assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should mention " + part);
	}
}
