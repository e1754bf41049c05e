package sc.fiji.diffusion.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.Command;
import org.scijava.command.CommandService;
import org.scijava.module.Module;

import sc.fiji.diffusion.eval.FashionMnist;

/** Edit, Inpaint and Denoise through SciJava's CommandService on ImagePlus inputs of every kind. */
class ImageCommandsTest {

	private static Context context;
	private static CommandService commands;
	private static float[] clean;

	@BeforeAll
	static void start() throws IOException {
		context = new Context(CommandService.class);
		commands = context.service(CommandService.class);
		final FashionMnist t = sc.fiji.diffusion.testing.TestData.fashionMnist("t10k", 4);
		clean = new float[64 * 64];
		for (int y = 0; y < 64; y++)
			for (int x = 0; x < 64; x++)
				clean[y * 64 + x] = t.images[(y / 32) * 2 + x / 32][(y % 32) * 32 + x % 32];
	}

	@AfterAll
	static void stop() {
		context.dispose();
	}

	static Module run(final Class<? extends Command> c, final Object... kv) throws Exception {
		final Map<String, Object> m = new HashMap<>();
		for (int i = 0; i < kv.length; i += 2)
			m.put((String) kv[i], kv[i + 1]);
		return Commands.run(commands, c, m).get();
	}

	static ImagePlus ok(final Module m) {
		assertFalse(((Cancelable) m).isCanceled(), ((Cancelable) m).getCancelReason());
		return (ImagePlus) m.getOutput("result");
	}

	static String refused(final Module m) {
		assertTrue(((Cancelable) m).isCanceled(), "should have been refused");
		assertNull(m.getOutput("result"));
		return ((Cancelable) m).getCancelReason();
	}

	static float[] noisy(final double sigma, final long seed) {
		final Random r = new Random(seed);
		final float[] n = clean.clone();
		for (int i = 0; i < n.length; i++)
			n[i] += sigma * r.nextGaussian();
		return n;
	}

	static double rms(final float[] a, final float[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++)
			s += (a[i] - b[i]) * (double) (a[i] - b[i]);
		return Math.sqrt(s / a.length);
	}

	static float[] floats(final ImageProcessor ip) {
		final float[] f = new float[ip.getPixelCount()];
		for (int i = 0; i < f.length; i++)
			f[i] = ip.getf(i);
		return f;
	}

	@Test
	void denoiseWorksOnEveryBitDepthAndKeepsTitleCalibrationAndSource() throws Exception {
		// the garments squeezed into 40–215 so that σ = 25 noise is not clipped by the 8-bit and
		// 16-bit conversions (clipping adds a bias no denoiser can remove)
		final float[] ref = new float[clean.length], n = new float[clean.length];
		final Random r = new Random(1);
		for (int i = 0; i < n.length; i++) {
			ref[i] = 40 + clean[i] * 175 / 255f;
			n[i] = (float) (ref[i] + 25 * r.nextGaussian());
		}
		final ImageProcessor[] kinds = { new FloatProcessor(64, 64, n.clone()),
			new FloatProcessor(64, 64, n.clone()).convertToByte(false),
			new FloatProcessor(64, 64, n.clone()).convertToShort(false) };
		for (final ImageProcessor ip : kinds) {
			final ImagePlus imp = new ImagePlus("cells", ip);
			final Calibration cal = imp.getCalibration();
			cal.pixelWidth = 0.25;
			cal.setUnit("mm");
			final float[] before = floats(imp.getProcessor());
			final ImagePlus out = ok(run(DenoiseCommand.class, "image", imp, "sigma", "25", "output", "mean"));
			assertArrayEquals(before, floats(imp.getProcessor()), "source changed");
			assertEquals("cells-denoised", out.getTitle());
			assertEquals(32, out.getBitDepth());
			assertEquals(0.25, out.getCalibration().pixelWidth);
			assertEquals("mm", out.getCalibration().getUnit());
			final float[] d = floats(out.getProcessor());
			assertTrue(rms(d, ref) < 0.7 * rms(before, ref), ip.getBitDepth() + "-bit: rms to clean " + rms(d, ref) +
				" vs input " + rms(before, ref));
		}
	}

	@Test
	void sixteenBitValuesComeBackInTheirOwnUnits() throws Exception {
		// the same picture on a 16-bit scale (×100 + 1000): the result must be on that scale too
		final float[] n = noisy(25, 2);
		final short[] px = new short[n.length];
		for (int i = 0; i < n.length; i++)
			px[i] = (short) Math.max(0, Math.min(65535, Math.round(1000 + 100 * n[i])));
		final ImagePlus imp = new ImagePlus("scaled", new ShortProcessor(64, 64, px, null));
		final ImagePlus out = ok(run(DenoiseCommand.class, "image", imp, "sigma", "2500"));
		final float[] d = floats(out.getProcessor());
		final float[] ref = clean.clone();
		for (int i = 0; i < ref.length; i++)
			ref[i] = 1000 + 100 * ref[i];
		final float[] in = floats(imp.getProcessor());
		assertTrue(rms(d, ref) < 0.7 * rms(in, ref), "rms " + rms(d, ref) + " vs " + rms(in, ref));
	}

	@Test
	void largeImagesAndStacks() throws Exception {
		// 1024 x 1024 16-bit, tiled
		final ShortProcessor big = new ShortProcessor(1024, 1024);
		final Random r = new Random(3);
		for (int i = 0; i < 1024 * 1024; i++)
			big.set(i, (int) Math.max(0, Math.min(65535, 3000 + 400 * clean[((i / 1024) % 64) * 64 + (i % 1024) % 64] / 255 +
				50 * r.nextGaussian())));
		final ImagePlus out = ok(run(DenoiseCommand.class, "image", new ImagePlus("big", big), "sigma", "50"));
		assertEquals(1024, out.getWidth());
		assertEquals(1024, out.getHeight());
		// the model's own data size, 28 x 28 8-bit: mirror-padded to a tile and cropped back
		final ImagePlus small = new ImagePlus("small", new FloatProcessor(28, 28, java.util.Arrays.copyOf(noisy(25, 5), 784))
			.convertToByte(false));
		final ImagePlus so28 = ok(run(DenoiseCommand.class, "image", small, "sigma", "25"));
		assertEquals(28, so28.getWidth());
		assertEquals(28, so28.getHeight());
		// a 3-slice stack, slice by slice
		final ImageStack st = new ImageStack(64, 64);
		for (int z = 0; z < 3; z++)
			st.addSlice(new FloatProcessor(64, 64, noisy(25, 10 + z)));
		final ImagePlus stack = new ImagePlus("stack", st);
		final ImagePlus so = ok(run(DenoiseCommand.class, "image", stack, "sigma", "25"));
		assertEquals(3, so.getStackSize());
		for (int z = 1; z <= 3; z++)
			assertTrue(rms(floats(so.getStack().getProcessor(z)), clean) < 0.7 * rms(floats(st.getProcessor(z)), clean));
	}

	@Test
	void sigmaZeroIsEstimatedAndReported() throws Exception {
		final Module m = run(DenoiseCommand.class, "image", new ImagePlus("n", new FloatProcessor(64, 64, noisy(30, 4))),
			"sigma", "0");
		ok(m);
		final double est = Double.parseDouble((String) m.getOutput("sigmaUsed"));
		assertEquals(30, est, 6);
	}

	@Test
	void editAndInpaintMakeNewImages() throws Exception {
		final ImagePlus guide = new ImagePlus("guide", new FloatProcessor(64, 64, clean.clone()).convertToByte(false));
		final ImagePlus e = ok(run(EditCommand.class, "image", guide, "strength", "0.3", "steps", "10", "seed", "2"));
		assertEquals("guide-edited", e.getTitle());
		final ImagePlus e2 = ok(run(EditCommand.class, "image", guide, "strength", "0.3", "steps", "10", "seed", "2"));
		assertArrayEquals(floats(e.getProcessor()), floats(e2.getProcessor()), "same seed, same image");

		final ImagePlus pic = new ImagePlus("pic", new FloatProcessor(64, 64, clean.clone()));
		pic.setRoi(new Roi(20, 20, 10, 10));
		final ImagePlus in = ok(run(InpaintCommand.class, "image", pic, "steps", "10", "jumps", "1", "jump_length", "1"));
		final float[] o = floats(in.getProcessor());
		for (int y = 0; y < 64; y++)
			for (int x = 0; x < 64; x++)
				if (!(x >= 20 && x < 30 && y >= 20 && y < 30)) assertEquals(Float.floatToIntBits(clean[y * 64 + x]), Float
					.floatToIntBits(o[y * 64 + x]));
		// the user's image keeps every pixel, the hole's too, and its selection
		assertArrayEquals(clean, floats(pic.getProcessor()), "Inpaint does not touch its input");
		assertNotNull(pic.getRoi(), "the selection stays");
	}

	@Test
	void inpaintTakesAMaskImage() throws Exception {
		final ImagePlus pic = new ImagePlus("pic16", new FloatProcessor(64, 64, clean.clone()).convertToShort(false));
		final ByteProcessor mp = new ByteProcessor(64, 64);
		mp.setRoi(40, 0, 10, 64);
		mp.setValue(255);
		mp.fill();
		final ImagePlus mask = new ImagePlus("stripe mask", mp);
		final ImagePlus out = ok(run(InpaintCommand.class, "image", pic, "mask", mask, "steps", "8", "jumps", "1",
			"jump_length", "1"));
		final float[] src = floats(pic.getProcessor()), o = floats(out.getProcessor());
		for (int i = 0; i < src.length; i++)
			if (i % 64 < 40 || i % 64 >= 50) assertEquals(Float.floatToIntBits(src[i]), Float.floatToIntBits(o[i]));
		final ImagePlus small = new ImagePlus("small mask", new ByteProcessor(32, 32));
		assertTrue(refused(run(InpaintCommand.class, "image", pic, "mask", small)).contains("same size"));
	}

	@Test
	void badInputIsRefusedWithAMessageAndTheSourceStaysAsItWas() throws Exception {
		final ImagePlus rgb = new ImagePlus("photo", new ColorProcessor(32, 32));
		assertTrue(refused(run(DenoiseCommand.class, "image", rgb, "sigma", "10")).contains("RGB"));
		final ImageStack st = new ImageStack(32, 32);
		st.addSlice(new ByteProcessor(32, 32));
		st.addSlice(new ByteProcessor(32, 32));
		final ImagePlus twoChannels = new ImagePlus("two", st);
		twoChannels.setDimensions(2, 1, 1);
		// channels are denoised one by one now (each its own grayscale image); the layout is kept
		final ImagePlus two = ok(run(DenoiseCommand.class, "image", twoChannels, "sigma", "10"));
		assertEquals(2, two.getNChannels());
		final float[] px = clean.clone();
		px[100] = Float.NaN;
		final ImagePlus nan = new ImagePlus("nan", new FloatProcessor(64, 64, px));
		assertTrue(refused(run(DenoiseCommand.class, "image", nan, "sigma", "10")).contains("NaN"));
		assertTrue(Float.isNaN(((float[]) nan.getProcessor().getPixels())[100]));
		final ImagePlus ok = new ImagePlus("fine", new FloatProcessor(64, 64, clean.clone()));
		assertTrue(refused(run(DenoiseCommand.class, "image", ok, "sigma", "-1")).contains("sigma"));
		assertTrue(refused(run(DenoiseCommand.class, "image", ok, "output", "median")).contains("mean, sample"));
		assertTrue(refused(run(EditCommand.class, "image", ok, "strength", "0")).contains("strength"));
		assertTrue(refused(run(EditCommand.class, "image", ok, "strength", "1.2")).contains("strength"));
		assertTrue(refused(run(EditCommand.class, "image", ok, "sampler", "rk4")).contains("rk4"));
		assertTrue(refused(run(InpaintCommand.class, "image", ok)).contains("selection"));
		ok.setRoi(new Roi(0, 0, 5, 5));
		assertTrue(refused(run(InpaintCommand.class, "image", ok, "jumps", "0")).contains("jumps"));
		assertArrayEquals(clean, floats(ok.getProcessor()));
	}

	/** type=[same as input]: an 8-bit or 16-bit result (rounded, clipped) instead of 32-bit; the layout is kept. */
	@Test
	void theResultCanHaveTheInputsType() throws Exception {
		final float[] n = noisy(25, 12);
		final byte[] b = new byte[n.length];
		for (int i = 0; i < n.length; i++)
			b[i] = (byte) Math.max(0, Math.min(255, Math.round(n[i])));
		final ImagePlus eight = new ImagePlus("eight", new ByteProcessor(64, 64, b));
		final ImagePlus same = ok(run(DenoiseCommand.class, "image", eight, "model", "fashion-mnist", "sigma", 25.0, "type",
			"same as input"));
		assertEquals(8, same.getBitDepth());
		final ImagePlus flt = ok(run(DenoiseCommand.class, "image", eight, "model", "fashion-mnist", "sigma", 25.0));
		assertEquals(32, flt.getBitDepth());
		final float[] f = (float[]) flt.getProcessor().getPixels();
		for (int i = 0; i < f.length; i++)
			assertEquals(Math.max(0, Math.min(255, Math.round(f[i]))), same.getProcessor().get(i), "pixel " + i);
		final ImagePlus sixteen = new ImagePlus("sixteen", new ByteProcessor(64, 64, b).convertToShort(false));
		assertEquals(16, ok(run(DenoiseCommand.class, "image", sixteen, "model", "fashion-mnist", "sigma", 25.0, "type",
			"same as input")).getBitDepth());
		assertTrue(refused(run(DenoiseCommand.class, "image", eight, "sigma", 25.0, "type", "64-bit")).contains("type"));
	}

	/** normalize=none: a 32-bit image of 0–255 values is denoised exactly as the same 8-bit image. */
	@Test
	void normalizeNoneKeepsThirtyTwoBitValuesOnTheModelsScale() throws Exception {
		final float[] n = noisy(25, 11);
		final byte[] b = new byte[n.length];
		final float[] f = new float[n.length];
		for (int i = 0; i < n.length; i++) {
			final int v = (int) Math.max(0, Math.min(255, Math.round(n[i])));
			b[i] = (byte) v;
			f[i] = v;
		}
		final float[] eight = (float[]) ok(run(DenoiseCommand.class, "image", new ImagePlus("b", new ij.process.ByteProcessor(
			64, 64, b)), "model", "fashion-mnist", "sigma", 25.0)).getProcessor().getPixels();
		final float[] none = (float[]) ok(run(DenoiseCommand.class, "image", new ImagePlus("f", new FloatProcessor(64, 64, f)),
			"model", "fashion-mnist", "sigma", 25.0, "normalize", "none")).getProcessor().getPixels();
		org.junit.jupiter.api.Assertions.assertArrayEquals(eight, none, "none = the 8-bit path");
		// a dim 32-bit image (0–127): none keeps it dim for the model, auto stretches it by its percentiles
		final float[] dim = f.clone();
		for (int i = 0; i < dim.length; i++)
			dim[i] /= 2;
		final float[] dimNone = (float[]) ok(run(DenoiseCommand.class, "image", new ImagePlus("d", new FloatProcessor(64, 64,
			dim.clone())), "model", "fashion-mnist", "sigma", 12.5, "normalize", "none")).getProcessor().getPixels();
		final float[] dimAuto = (float[]) ok(run(DenoiseCommand.class, "image", new ImagePlus("d", new FloatProcessor(64, 64,
			dim.clone())), "model", "fashion-mnist", "sigma", 12.5)).getProcessor().getPixels();
		assertTrue(!java.util.Arrays.equals(dimNone, dimAuto), "auto stretches a 32-bit image by its percentiles");
		assertTrue(refused(run(DenoiseCommand.class, "image", new ImagePlus("f", new FloatProcessor(64, 64, f)), "normalize",
			"stretch")).contains("auto, none, percentile"));
	}

	/** noise=poisson on a photon-limited 16-bit image: estimated gain, stabilised, better than the input. */
	@Test
	void poissonNoiseThroughTheCommand() throws Exception {
		final Random r = new Random(4);
		final short[] z = new short[128 * 128];
		final float[] truth = new float[z.length];
		for (int y = 0; y < 128; y++)
			for (int x = 0; x < 128; x++) {
				final double lambda = 2 + 40 * clean[(y % 64) * 64 + x % 64] / 255; // 2 … 42 photons
				int k = 0;
				double p = 1;
				final double l = Math.exp(-lambda);
				do {
					k++;
					p *= r.nextDouble();
				}
				while (p > l);
				truth[y * 128 + x] = (float) (2 * lambda + 100);
				z[y * 128 + x] = (short) Math.round(2 * (k - 1) + 100 + 1.5 * r.nextGaussian());
			}
		final ImagePlus imp = new ImagePlus("photons", new ij.process.ShortProcessor(128, 128, z, null));
		final Module m = run(DenoiseCommand.class, "image", imp, "noise", "poisson", "gain", 0.0, "sigma", 0.0, "offset", 100.0);
		final float[] out = (float[]) ok(m).getProcessor().getPixels();
		double before = 0, after = 0;
		for (int i = 0; i < z.length; i++) {
			before += ((z[i] & 0xffff) - truth[i]) * ((z[i] & 0xffff) - truth[i]);
			after += (out[i] - truth[i]) * (out[i] - truth[i]);
		}
		assertTrue(after < 0.75 * before, "squared error: " + after + " vs noisy " + before);
		assertTrue(refused(run(DenoiseCommand.class, "image", imp, "noise", "shot")).contains("gaussian, poisson"));
	}
}
