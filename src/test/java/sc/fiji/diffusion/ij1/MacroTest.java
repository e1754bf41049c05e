package sc.fiji.diffusion.ij1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

import sc.fiji.diffusion.eval.ReferenceClassifier;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.ModelDescriptor;

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

	/** A 64×64 mosaic of four Fashion-MNIST test images, 0–255. */
	static float[] mosaic() throws java.io.IOException {
		final sc.fiji.diffusion.eval.FashionMnist t = sc.fiji.diffusion.testing.TestData.fashionMnist("t10k", 4);
		final float[] m = new float[64 * 64];
		for (int y = 0; y < 64; y++)
			for (int x = 0; x < 64; x++)
				m[y * 64 + x] = t.images[(y / 32) * 2 + x / 32][(y % 32) * 32 + x % 32];
		return m;
	}

	static Path save(final ImageProcessor ip, final String name) {
		final Path p = tmp.resolve(name + ".tif");
		new ij.io.FileSaver(new ImagePlus(name, ip)).saveAsTiff(p.toString());
		return p;
	}

	static float[] pixels(final Path p) {
		final ImagePlus imp = new Opener().openImage(p.toString());
		assertNotNull(imp, "no image at " + p);
		return (float[]) imp.getProcessor().convertToFloat().getPixels();
	}

	static ImagePlus runOn(final String macro, final Path input, final String expect) throws Exception {
		final Path out = tmp.resolve(macro + "-result.tif"), after = tmp.resolve(macro + "-source-after.tif");
		final HeadlessImageJ.Result r = HeadlessImageJ.runMacro(plugins, Paths.get("macros", macro + ".ijm"), input + "|" +
			out + "|" + after);
		assertEquals(0, r.exitCode, r.output);
		assertTrue(r.output.contains(expect), r.output);
		assertArrayEquals(pixels(input), pixels(after), macro + ": the source image must not change");
		final ImagePlus imp = new Opener().openImage(out.toString());
		assertNotNull(imp, r.output);
		assertEquals(32, imp.getBitDepth());
		return imp;
	}

	static double rms(final float[] a, final float[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++)
			s += (a[i] - b[i]) * (double) (a[i] - b[i]);
		return Math.sqrt(s / a.length);
	}

	@Test
	void denoiseMacroRemovesNoise() throws Exception {
		final float[] clean = mosaic();
		final float[] noisy = clean.clone();
		final java.util.Random r = new java.util.Random(1);
		for (int i = 0; i < noisy.length; i++)
			noisy[i] += 25 * r.nextGaussian();
		final Path in = save(new ij.process.FloatProcessor(64, 64, noisy), "noisy");
		final ImagePlus out = runOn("denoise", in, "Denoise: noisy-denoised, 64x64x1, 32-bit");
		final float[] d = (float[]) out.getProcessor().getPixels();
		assertTrue(rms(d, clean) < 0.6 * rms(noisy, clean), "rms to clean: denoised " + rms(d, clean) + ", noisy " +
			rms(noisy, clean));
	}

	@Test
	void editMacroMakesANewImage() throws Exception {
		final float[] guide = mosaic();
		final Path in = save(new ij.process.FloatProcessor(64, 64, guide).convertToByte(false), "guide");
		final ImagePlus out = runOn("edit", in, "Edit: guide-edited, 64x64x1, 32-bit");
		final float[] e = (float[]) out.getProcessor().getPixels();
		final double d = rms(e, guide);
		assertTrue(d > 1 && d < 90, "an edit changes the image but keeps its layout: rms " + d);
	}

	@Test
	void inpaintMacroFillsOnlyTheSelection() throws Exception {
		final float[] img = mosaic();
		final Path in = save(new ij.process.FloatProcessor(64, 64, img).convertToByte(false), "picture");
		final ImagePlus out = runOn("inpaint", in, "Inpaint: picture-inpainted, 64x64x1, 32-bit");
		final float[] o = (float[]) out.getProcessor().getPixels();
		final float[] src = pixels(in);
		int changed = 0;
		for (int y = 0; y < 64; y++)
			for (int x = 0; x < 64; x++) {
				final boolean inside = x >= 26 && x < 38 && y >= 26 && y < 38;
				if (!inside) assertEquals(src[y * 64 + x], o[y * 64 + x], 0.0, "outside the selection at " + x + "," + y);
				else if (o[y * 64 + x] != src[y * 64 + x]) changed++;
			}
		assertTrue(changed > 50, changed + " pixels changed inside the selection");
	}

	/** Train from a macro, then the new model by name in the same ImageJ. */
	@Test
	void trainMacroMakesAModelUsableByName() throws Exception {
		final float[] img = mosaic();
		final Path in = save(new ij.process.FloatProcessor(64, 64, img).convertToByte(false), "cells");
		final ImagePlus out = runOn("train", in, "Train: model macro-cells, then Denoise: cells-denoised, 64x64, 32-bit");
		assertEquals(64, out.getWidth());
		final Path model = tmp.resolve("models").resolve("macro-cells");
		assertTrue(Files.isRegularFile(model.resolve("rdf.yaml")), "the model folder is written where diffusion.models says");
		final String rdf = new String(Files.readAllBytes(model.resolve("rdf.yaml")), StandardCharsets.UTF_8);
		assertTrue(rdf.contains("steps_done: 4") && rdf.contains("base: grayscale"), rdf);
	}

	/** The normalize and noise keys from a macro: a 32-bit image in the model's units, and a photon-limited 16-bit one. */
	@Test
	void normalizeAndPoissonKeysFromAMacro() throws Exception {
		final float[] img = mosaic();
		final Path f32 = save(new ij.process.FloatProcessor(64, 64, img.clone()), "units");
		final java.util.Random r = new java.util.Random(2);
		final short[] z = new short[64 * 64];
		for (int i = 0; i < z.length; i++)
			z[i] = (short) Math.round(100 + 2 * (img[i] / 10 + Math.sqrt(img[i] / 10 + 1) * r.nextGaussian()));
		final Path photons = save(new ij.process.ShortProcessor(64, 64, z, null), "photons");
		final Path macro = tmp.resolve("keys.ijm");
		Files.write(macro, ("open(\"" + f32 + "\");\n" +
			"run(\"Denoise\", \"model=grayscale sigma=25 steps=20 output=mean seed=1 normalize=none\");\n" +
			"print(\"normalize: \" + getTitle() + \", \" + bitDepth() + \"-bit\");\n" +
			"open(\"" + photons + "\");\n" +
			"run(\"Denoise\", \"model=grayscale noise=poisson gain=0 sigma=0 offset=100 output=mean\");\n" +
			"print(\"poisson: \" + getTitle() + \", \" + bitDepth() + \"-bit\");\n").getBytes(StandardCharsets.UTF_8));
		final HeadlessImageJ.Result res = HeadlessImageJ.runMacro(plugins, macro, null);
		assertEquals(0, res.exitCode, res.output);
		assertTrue(res.output.contains("normalize: units-denoised, 32-bit"), res.output);
		assertTrue(res.output.contains("poisson: photons-denoised, 32-bit"), res.output);
	}

	/**
	 * The new keys from a headless macro: noise=auto, ensemble=8, output=std, stack=volume, offset not
	 * given; Train data=noisy on a photon-limited image with the camera unknown, then its model by name;
	 * a value that is not a number stops the macro with the key named.
	 */
	@Test
	void newKeysFromAMacro() throws Exception {
		final float[] img = mosaic();
		final java.util.Random r = new java.util.Random(3);
		final ij.ImageStack st = new ij.ImageStack(64, 64);
		for (int k = 0; k < 3; k++) {
			final short[] z = new short[64 * 64];
			for (int i = 0; i < z.length; i++) {
				final double lambda = img[i] / 8 + 1;
				z[i] = (short) Math.round(100 + 2 * lambda + 2 * Math.sqrt(lambda + 1) * r.nextGaussian());
			}
			st.addSlice(new ij.process.ShortProcessor(64, 64, z, null));
		}
		final ImagePlus stack = new ImagePlus("photons3", st);
		final Path photons = tmp.resolve("photons3.tif");
		new ij.io.FileSaver(stack).saveAsTiffStack(photons.toString());
		final Path macro = tmp.resolve("newkeys.ijm");
		Files.write(macro, ("open(\"" + photons + "\");\n" +
			"src = getTitle();\n" +
			"run(\"Denoise\", \"noise=auto output=mean ensemble=8\");\n" +
			"print(\"ensemble: \" + getTitle() + \", \" + nSlices);\n" +
			"selectImage(src);\n" +
			"run(\"Denoise\", \"noise=poisson gain=0 sigma=0 output=std samples=2 steps=2\");\n" +
			"print(\"std: \" + getTitle());\n" +
			"selectImage(src);\n" +
			"run(\"Denoise\", \"noise=gaussian sigma=0 stack=volume\");\n" +
			"print(\"volume: \" + getTitle() + \", \" + nSlices);\n" +
			"selectImage(src);\n" +
			"run(\"Train\", \"base=grayscale name=macro-noisy steps=3 batch=2 patch=32 validation=0 overwrite=true " +
			"data=noisy noise=poisson gain=0 sigma=0 offset=auto\");\n" +
			"selectImage(src);\n" +
			"run(\"Denoise\", \"model=macro-noisy noise=poisson gain=0 sigma=0\");\n" +
			"print(\"adapted: \" + getTitle());\n" +
			"selectImage(src);\n" +
			"run(\"Denoise\", \"sigma=abc\");\n" +
			"print(\"still running\");\n").getBytes(StandardCharsets.UTF_8));
		final HeadlessImageJ.Result res = HeadlessImageJ.runMacro(plugins, macro, null);
		for (final String line : new String[] { "ensemble: photons3-denoised, 3", "std: photons3-std", "volume: " +
			"photons3-denoised, 3", "adapted: photons3-denoised", "noise=auto: the noise variance grows",
			"as one volume", "model 'macro-noisy'", "sigma=abc" })
			assertTrue(res.output.contains(line), line + " missing from\n" + res.output);
		assertTrue(!res.output.contains("still running"), "sigma=abc must stop the macro:\n" + res.output);
		final String rdf = new String(Files.readAllBytes(tmp.resolve("models").resolve("macro-noisy").resolve("rdf.yaml")),
			StandardCharsets.UTF_8);
		assertTrue(rdf.contains("data: noisy") && rdf.contains("poisson"), rdf);
	}

	/** Check Setup from a headless macro: what the plugin sees, and the test Denoise, on stdout. */
	@Test
	void checkSetupFromAHeadlessMacro() throws Exception {
		final HeadlessImageJ.Result r = HeadlessImageJ.runMacro(plugins, Paths.get("macros", "check-setup.ijm"), null);
		for (final String line : new String[] { "Diffusion: Check Setup", "platform: Linux", "pytorch-native-cpu-2.5.1-" +
			"linux-x86_64.jar", "DJL 0.32.0, PyTorch 2.5.1", "Denoise of a 512x512 image", "Diffusion: setup OK" })
			assertTrue(r.output.contains(line), line + " missing from\n" + r.output);
	}

	/** The estimated error of a Denoise result, read back by a macro as an image property. */
	@Test
	void aMacroReadsTheEstimatedError() throws Exception {
		final float[] clean = mosaic(), noisy = sc.fiji.diffusion.testing.TestData.gaussian(clean, 25, 4);
		final Path in = save(new ij.process.FloatProcessor(64, 64, noisy), "garments");
		final Path macro = tmp.resolve("rmse.ijm");
		final Path result = tmp.resolve("garments-result.tif");
		Files.write(macro, ("open(\"" + in + "\");\n" +
			"run(\"Denoise\", \"model=fashion-mnist sigma=25\");\n" +
			"print(\"estimated: \" + Property.get(\"diffusion.estimated_rmse\"));\n" +
			"saveAs(\"Tiff\", \"" + result + "\");\n").getBytes(StandardCharsets.UTF_8));
		final HeadlessImageJ.Result r = HeadlessImageJ.runMacro(plugins, macro, null);
		final java.util.regex.Matcher m = java.util.regex.Pattern.compile("estimated: ([0-9.eE+-]+)").matcher(r.output);
		assertTrue(m.find(), r.output);
		final float[] out = (float[]) new ij.io.Opener().openImage(result.toString()).getProcessor().getPixels();
		double mse = 0;
		for (int i = 0; i < out.length; i++)
			mse += (out[i] - clean[i]) * (double) (out[i] - clean[i]) / out.length;
		// 64x64 pixels: the estimate is loose (its standard error is said in the log), within a third of the truth
		assertEquals(Math.sqrt(mse), Double.parseDouble(m.group(1)), Math.sqrt(mse) / 3, r.output);
		assertTrue(r.output.contains("estimated RMS error of the result"), r.output);
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
