package sc.fiji.diffusion.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.Module;

import sc.fiji.diffusion.engine.pipeline.TrainPipeline;
import sc.fiji.diffusion.models.ModelLocator;
import sc.fiji.diffusion.models.Models;

/** Plugins › Diffusion › Train as Fiji runs it: the model it makes is offered and used at once. */
class TrainCommandTest {

	@TempDir
	Path tmp;
	private Context context;
	private ModelLocator locator;

	/** The context's models live in the test's own folder: set on the model service, no global property. */
	@BeforeEach
	void open() {
		context = new Context(CommandService.class, DiffusionModelService.class);
		locator = ModelLocator.of(java.util.Collections.singletonList(tmp), tmp);
		context.service(DiffusionModelService.class).setLocator(locator);
	}

	@AfterEach
	void close() {
		context.dispose();
	}

	private Module run(final Class<? extends org.scijava.command.Command> c, final Map<String, Object> in)
		throws Exception
	{
		return Commands.run(context.service(CommandService.class), c, in).get();
	}

	private static ImagePlus stack() {
		final List<float[]> imgs = sc.fiji.diffusion.testing.TestData.blobs(3, 64, 64, 5);
		final ImageStack st = new ImageStack(64, 64);
		for (final float[] px : imgs)
			st.addSlice(new FloatProcessor(64, 64, px.clone()));
		return new ImagePlus("cells", st);
	}

	@Test
	void trainsAModelThatTheOtherCommandsFindByName() throws Exception {
		final Path base = Paths.get(TrainCommandTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI()).getParent();
		final Map<String, Object> in = new HashMap<>();
		final ImagePlus imp = stack();
		final float[] px = ((float[]) imp.getStack().getPixels(2)).clone();
		in.put("image", imp);
		in.put("base", base.toString());
		in.put("name", "my-cells");
		in.put("steps", 6);
		in.put("batch", 2);
		in.put("patch", 32);
		in.put("validation", 0.25);
		final Module m = run(TrainCommand.class, in);
		assertFalse(((Cancelable) m).isCanceled(), ((Cancelable) m).getCancelReason());
		assertEquals("my-cells", m.getOutput("trained"));
		assertTrue(locator.available().contains("my-cells"), locator.available().toString());
		assertFalse(Models.available().contains("my-cells"), "nothing was written where this JVM's settings look");
		assertTrue(java.util.Arrays.equals(px, (float[]) imp.getStack().getPixels(2)), "the training image is only read");
		// the model is used by name right after, in the same context, and offered in the dialogs
		final Map<String, Object> dn = new HashMap<>();
		dn.put("image", new ImagePlus("noisy", new FloatProcessor(48, 40, sc.fiji.diffusion.testing.TestData.blobs(1, 48, 40, 6).get(0))));
		dn.put("model", "my-cells");
		dn.put("sigma", 15.0);
		final Module d = run(DenoiseCommand.class, dn);
		assertFalse(((Cancelable) d).isCanceled(), ((Cancelable) d).getCancelReason());
		assertNotNull(d.getOutput("result"));
		// an existing name is refused with how to proceed, and no half-written model appears
		final Module again = run(TrainCommand.class, in);
		assertTrue(((Cancelable) again).isCanceled());
		assertTrue(((Cancelable) again).getCancelReason().contains("overwrite=true"), ((Cancelable) again).getCancelReason());
		try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
			assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("partial")));
		}
	}

	/** The bundled names are protected: a model called grayscale would silently replace the default of every command. */
	@Test
	void aBundledNameIsRefusedUnlessOverwriteSaysSo() throws Exception {
		final Map<String, Object> in = new HashMap<>();
		in.put("image", stack());
		in.put("base", Paths.get(TrainCommandTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI()).getParent()
			.toString());
		in.put("name", "grayscale");
		in.put("steps", 2);
		in.put("batch", 2);
		in.put("patch", 32);
		in.put("validation", 0.0);
		final Module m = run(TrainCommand.class, in);
		assertTrue(((Cancelable) m).isCanceled());
		assertTrue(((Cancelable) m).getCancelReason().contains("bundled"), ((Cancelable) m).getCancelReason());
		assertFalse(Files.exists(tmp.resolve("grayscale")));
		in.put("overwrite", true);
		final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
		final java.io.PrintStream out = System.out;
		System.setOut(new java.io.PrintStream(buf, true, "UTF-8"));
		final Module ok;
		try {
			ok = run(TrainCommand.class, in);
		}
		finally {
			System.setOut(out);
		}
		assertFalse(((Cancelable) ok).isCanceled(), ((Cancelable) ok).getCancelReason());
		final String log = buf.toString("UTF-8");
		assertTrue(log.contains("shadow the bundled model"), log);
		// from now on the user's model is found by that name, and the log says which folder it came from
		assertEquals(tmp.resolve("grayscale"), locator.resolve("grayscale"));
	}

	/**
	 * data=noisy: the prior adapts to noisy images alone, trained on its own posterior means of
	 * them; the model is one Denoise reads as any other (no entering above the noise), and its
	 * record says what was trained on what.
	 */
	@Test
	void trainsOnNoisyImagesAtTheirOwnNoiseLevel() throws Exception {
		final ImagePlus noisy = stack();
		final java.util.Random r = new java.util.Random(3);
		for (int z = 1; z <= noisy.getStackSize(); z++) {
			final float[] p = (float[]) noisy.getStack().getPixels(z);
			for (int i = 0; i < p.length; i++)
				p[i] += (float) (20 * r.nextGaussian());
		}
		final Map<String, Object> in = new HashMap<>();
		in.put("image", noisy);
		in.put("base", Paths.get(TrainCommandTest.class.getResource("/models/tiny-gray/rdf.yaml").toURI()).getParent()
			.toString());
		in.put("name", "noisy-cells");
		in.put("steps", 4);
		in.put("batch", 2);
		in.put("patch", 32);
		in.put("validation", 0.0);
		in.put("data", "noisy");
		in.put("noise", "gaussian");
		in.put("sigma", 0.0);
		final Module m = run(TrainCommand.class, in);
		assertFalse(((Cancelable) m).isCanceled(), ((Cancelable) m).getCancelReason());
		final sc.fiji.diffusion.engine.model.ModelDescriptor d = sc.fiji.diffusion.engine.model.ModelDescriptor.read(tmp
			.resolve("noisy-cells"));
		assertFalse(d.isAdapted(), "Denoise reads it at the image's own noise level, as any model");
		@SuppressWarnings("unchecked")
		final Map<String, Object> training = (Map<String, Object>) d.copyOfYaml().get("training");
		assertTrue(String.valueOf(training.get("loss")).contains("simple"), "the simple loss on the posterior means: " +
			training);
		assertTrue(String.valueOf(training.get("validation_loss")).contains("split-pixel"), "held out by the split-pixel " +
			"measure: " + training);
		assertEquals(null, training.get("trainable"), "every weight trains");
		@SuppressWarnings("unchecked")
		final Map<String, Object> adapted = (Map<String, Object>) training.get("adapted");
		assertEquals("noisy", adapted.get("data"));
		assertTrue(String.valueOf(adapted.get("trained_on")).contains("posterior means"), adapted.toString());
		assertEquals(20, ((Number) adapted.get("sigma_model_min")).doubleValue() * 127.5, 4,
			"the data's sigma, in model units, recorded");
		assertTrue(String.valueOf(adapted.get("weights_kept")).contains("last"), "no held-out data: the last weights");
		// clean images have no noise to adapt to: refused before any step
		in.put("image", stack());
		in.put("name", "clean-as-noisy");
		final Module c = run(TrainCommand.class, in);
		assertTrue(((Cancelable) c).isCanceled());
		assertTrue(((Cancelable) c).getCancelReason().contains("no measurable noise"), ((Cancelable) c).getCancelReason());
		assertFalse(Files.exists(tmp.resolve("clean-as-noisy")));
	}

	/**
	 * data=noisy with held-out images: an adaptation that made the prior worse (a learning rate
	 * far too high) is not put in place; the command says so with the held-out estimates, and the
	 * adapted model waits in the checkpoint folder.
	 */
	@Test
	void anAdaptationThatDoesNotHelpIsNotSaved() throws Exception {
		final List<float[]> imgs = sc.fiji.diffusion.testing.TestData.blobs(5, 64, 64, 8);
		final ImageStack st = new ImageStack(64, 64);
		final java.util.Random r = new java.util.Random(4);
		final List<float[]> noisy = new java.util.ArrayList<>();
		for (final float[] px : imgs) {
			final float[] p = px.clone();
			for (int i = 0; i < p.length; i++)
				p[i] += (float) (20 * r.nextGaussian());
			st.addSlice(new FloatProcessor(64, 64, p.clone()));
			noisy.add(p);
		}
		final Map<String, Object> in = new HashMap<>();
		in.put("image", new ImagePlus("noisy", st));
		in.put("base", "grayscale");
		in.put("name", "ruined");
		in.put("steps", 6);
		in.put("batch", 2);
		in.put("patch", 32);
		in.put("lr", 0.02);
		in.put("validation", 0.2);
		in.put("data", "noisy");
		in.put("noise", "gaussian");
		in.put("sigma", 0.0);
		final Module m = run(TrainCommand.class, in);
		assertTrue(((Cancelable) m).isCanceled(), "a worse model must not be reported as trained");
		final String why = ((Cancelable) m).getCancelReason();
		assertTrue(why.contains("did not make it better") && why.contains("held-out noisy patches"), why);
		assertTrue(why.contains("no step's weights estimated lower than the base's"), "no step beat the base: " + why);
		assertFalse(Files.exists(tmp.resolve("ruined")), "no model in place");
		final Path aside = TrainPipeline.checkpoint(tmp, "ruined").resolve("not-better-ruined");
		assertTrue(Files.isRegularFile(aside.resolve("weights.pt")), "the adapted model is kept aside");
		// the verdict (made without clean images) agrees with the truth: against the clean images, Denoise with the
		// adapted model is worse than with its base
		final Path base = Models.resolve("grayscale");
		assertTrue(trueMse(aside, imgs, noisy) > trueMse(base, imgs, noisy), "the rejected model is really worse");
		// what was trained is the base's own network; the one-step network distilled from the base's weights is dropped
		final sc.fiji.diffusion.engine.model.ModelDescriptor a = sc.fiji.diffusion.engine.model.ModelDescriptor.read(aside);
		final sc.fiji.diffusion.engine.model.ModelDescriptor gray = sc.fiji.diffusion.engine.model.ModelDescriptor.read(base);
		assertFalse(sc.fiji.diffusion.engine.model.ModelDescriptor.sha256(gray.verifiedWeights()).equals(
			sc.fiji.diffusion.engine.model.ModelDescriptor.sha256(a.verifiedWeights())), "the network trained");
		assertFalse(a.hasOneStep(), "no one-step network distilled from other weights");
		// the same images and settings with a sane learning rate: whatever the verdict, the log states it
		in.put("lr", 1e-5);
		in.put("name", "gentle");
		final Module g = run(TrainCommand.class, in);
		final boolean kept = Files.exists(tmp.resolve("gentle"));
		assertEquals(kept, !((Cancelable) g).isCanceled(), ((Cancelable) g).getCancelReason());
	}

	/** Denoise output=mean (noise=gaussian, σ estimated, as the training's keys) with a model: MSE against the clean images. */
	private static double trueMse(final Path model, final List<float[]> clean, final List<float[]> noisy) {
		double se = 0;
		long n = 0;
		try (sc.fiji.diffusion.engine.model.DiffusionModel m = sc.fiji.diffusion.engine.model.DiffusionModel.load(model,
			ai.djl.Device.cpu()))
		{
			for (int k = 0; k < clean.size(); k++) {
				final float[] out = sc.fiji.diffusion.engine.pipeline.DenoisePipeline.run(sc.fiji.diffusion.engine.pipeline.ModelSource
					.of(m), sc.fiji.diffusion.engine.image.Hyperstack.of(64, 64, 32, noisy.get(k)), sc.fiji.diffusion.engine.pipeline
						.DenoiseSettings.builder().noise(sc.fiji.diffusion.engine.noise.NoiseSettings.gaussian(0)).build(),
					sc.fiji.diffusion.engine.Monitor.NONE).image.plane(0);
				for (int i = 0; i < out.length; i++, n++)
					se += Math.pow(out[i] - clean.get(k)[i], 2);
			}
		}
		return se / n;
	}

	@Test
	void colourAndTooSmallImagesAreRefused() throws Exception {
		final Map<String, Object> in = new HashMap<>();
		in.put("image", new ImagePlus("rgb", new ColorProcessor(64, 64)));
		in.put("name", "x");
		final Module m = run(TrainCommand.class, in);
		assertTrue(((Cancelable) m).getCancelReason().contains("RGB"), ((Cancelable) m).getCancelReason());
		in.put("image", new ImagePlus("tiny", new FloatProcessor(20, 20)));
		final Module small = run(TrainCommand.class, in);
		assertTrue(((Cancelable) small).getCancelReason().contains("smaller than the patch"), ((Cancelable) small)
			.getCancelReason());
	}
}
