package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import ij.ImagePlus;
import ij.io.Opener;
import ij.process.ImageProcessor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sc.fiji.diffusion.engine.ModelDescriptor;
import sc.fiji.diffusion.eval.ReferenceClassifier;
import sc.fiji.diffusion.models.Models;

/** The example macros, run headless through plain ImageJ 1.x with the plugin jar installed. */
class MacroTest {

	@TempDir
	static Path tmp;
	private static Path plugins;

	@BeforeAll
	static void install() throws Exception {
		plugins = HeadlessImageJ.pluginsDir(tmp);
	}

	@Test
	void sampleMacroProducesFourSneakers() throws Exception {
		final Path out = tmp.resolve("sample.tif");
		final HeadlessImageJ.Result r = HeadlessImageJ.runMacro(plugins, Paths.get("macros", "sample.ijm"), out.toString());
		assertEquals(0, r.exitCode, r.output);
		assertTrue(r.output.contains("Sample: Sample, 32x32x4, 32-bit"), r.output);
		final ImagePlus imp = new Opener().openImage(out.toString());
		assertNotNull(imp, "macro should have saved " + out + "\n" + r.output);
		assertEquals(32, imp.getWidth());
		assertEquals(32, imp.getHeight());
		assertEquals(4, imp.getStackSize());
		assertEquals(32, imp.getBitDepth());
		final float[][] images = new float[4][];
		for (int k = 0; k < 4; k++) {
			final ImageProcessor ip = imp.getStack().getProcessor(k + 1);
			images[k] = (float[]) ip.convertToFloat().getPixels();
			for (final float v : images[k])
				assertTrue(v >= -1e-3 && v <= 255 + 1e-3);
		}
		try (ReferenceClassifier c = new ReferenceClassifier(ModelDescriptor.read(Models.resolve("fashion-mnist")),
			Device.cpu()))
		{
			int sneakers = 0;
			for (final int p : c.classify(images).predicted)
				if (p == 7) sneakers++;
			assertTrue(sneakers >= 3, sneakers + " of 4 recognised as sneakers");
		}
	}

	@Test
	void badMacroOptionsAbortWithTheMessage() throws Exception {
		final Path macro = tmp.resolve("bad.ijm");
		Files.write(macro, ("run(\"Sample\", \"count=1 steps=2 sampler=warp\");\nprint(\"still running\");\n")
			.getBytes(StandardCharsets.UTF_8));
		final HeadlessImageJ.Result r = HeadlessImageJ.runMacro(plugins, macro, null);
		assertTrue(r.output.contains("Unknown sampler 'warp'"), r.output);
		assertTrue(!r.output.contains("still running"), "the macro must stop at the error:\n" + r.output);
	}
}
