package sc.fiji.diffusion.eval;

import sc.fiji.diffusion.engine.image.Images;

import ij.ImagePlus;
import ij.io.Opener;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.Module;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.tasks.Edit;
import sc.fiji.diffusion.engine.tasks.Inpaint;
import sc.fiji.diffusion.fiji.Commands;
import sc.fiji.diffusion.fiji.DenoiseCommand;
import sc.fiji.diffusion.fiji.DiffusionModelService;
import sc.fiji.diffusion.engine.sampling.Samplers;

/**
 * The quality of the image commands on real images that no model was trained on (the
 * held-out images of models/training/grayscale_data.py), side by side with what a Fiji user
 * already has, in one run, printed as Markdown:
 * <ol>
 * <li>Denoise, σ ∈ {15, 25, 50}, 8-bit noisy inputs (Gaussian noise rounded and clipped):
 * noisy, ImageJ Gaussian Blur and Median (tuned per σ on separate training images), non-local
 * means (scikit-image, h tuned on the same separate images, see tools/nlm_baseline.py), Denoise
 * with the {@code grayscale} model (mean and sample) and with {@code fashion-mnist}.</li>
 * <li>Photon-limited images (peak 5, 10, 30, 100 photons, gain 1, read noise 1.5, offset 100,
 * 16-bit): noisy, tuned Gaussian Blur, Denoise noise=gaussian (σ estimated) and noise=poisson
 * (gain and read noise estimated, offset given).</li>
 * <li>Inpaint on 256² crops: PSNR inside the hole, harmonic fill vs Inpaint, and the average of
 * several Inpaint samples; a picture (results/inpaint-camera.png).</li>
 * <li>Edit: a picture (results/edit-camera.png) from a blocky guide.</li>
 * </ol>
 * Denoise runs through the Fiji command, as a user runs it.
 */
public final class RealImageQuality {

	private static final double OFFSET = 100, READ = 1.5;

	private RealImageQuality() {}

	private static final class Img {

		final String name;
		final float[] px;
		final int w, h;

		Img(final String name, final float[] px, final int w, final int h) {
			this.name = name;
			this.px = px;
			this.w = w;
			this.h = h;
		}
	}

	/**
	 * Options: data, sigmas, peaks, steps, seed, tune, parts (denoise,poisson,inpaint,edit), python, out, images,
	 * inpaint-samples, inpaint-picture, picture.
	 */
	public static void main(final Map<String, String> o) throws Exception {
		final Path data = Paths.get(o.getOrDefault("data", "data/grayscale"));
		final String python = o.getOrDefault("python", "/usr/bin/python3");
		ensureData(data, python);
		final List<Img> test = load(data.resolve("validation"), null);
		final int limit = Integer.parseInt(o.getOrDefault("images", String.valueOf(test.size())));
		final List<Img> held = test.subList(0, Math.min(limit, test.size()));
		final List<String> tuneNames = java.util.Arrays.asList(o.getOrDefault("tune", "ascent,coins,pywt_aero").split(","));
		final List<Img> tune = load(data.resolve("train"), tuneNames);
		final long seed = Long.parseLong(o.getOrDefault("seed", "1"));
		final int steps = Integer.parseInt(o.getOrDefault("steps", "20"));
		final List<String> parts = java.util.Arrays.asList(o.getOrDefault("parts", "denoise,poisson,inpaint,edit").split(","));
		final List<String> md = new ArrayList<>();
		md.add("Held-out images (never trained on): " + held.stream().map(i -> i.name + " " + i.w + "×" + i.h).collect(
			Collectors.joining(", ")) + ". Classical parameters tuned on: " + String.join(", ", tuneNames) +
			" (training images). Seed " + seed + ".");
		final Context context = new Context(CommandService.class, DiffusionModelService.class);
		try {
			final CommandService cs = context.service(CommandService.class);
			if (parts.contains("denoise")) denoise(md, cs, held, tune, o, steps, seed, python);
			if (parts.contains("poisson")) poisson(md, cs, held, tune, o, seed);
			final DiffusionModel gray = context.service(DiffusionModelService.class).get("grayscale", o.getOrDefault("device",
				"auto"));
			if (parts.contains("inpaint")) inpaint(md, gray, held, seed, Integer.parseInt(o.getOrDefault("inpaint-samples", "8")),
				Paths.get(o.getOrDefault("inpaint-picture", "results/inpaint-camera.png")));
			if (parts.contains("edit")) edit(md, gray, held, seed, Paths.get(o.getOrDefault("picture",
				"results/edit-camera.png")));
		}
		finally {
			context.dispose();
		}
		final String text = String.join("\n", md) + "\n";
		if (o.containsKey("out")) {
			final Path out = Paths.get(o.get("out"));
			if (out.getParent() != null) Files.createDirectories(out.getParent());
			Files.write(out, text.getBytes(StandardCharsets.UTF_8));
			System.out.println("wrote " + out);
		}
	}

	private static void say(final List<String> md, final String line) {
		md.add(line);
		System.out.println(line);
	}

	/** Writes the offline images as TIFFs with the project's own script when they are not there yet. */
	private static void ensureData(final Path data, final String python) throws IOException, InterruptedException {
		if (Files.isDirectory(data.resolve("validation")) && Files.isDirectory(data.resolve("train"))) return;
		System.out.println("writing the offline real images to " + data + " (models/training/grayscale_data.py)");
		final Process p = new ProcessBuilder(python, "models/training/grayscale_data.py", "--out", data.toString())
			.inheritIO().start();
		if (p.waitFor() != 0) throw new IllegalArgumentException("could not write the real images with " + python +
			" models/training/grayscale_data.py: install python3-skimage, python3-pywt and python3-scipy");
	}

	private static List<Img> load(final Path dir, final List<String> names) throws IOException {
		final List<Path> files;
		try (Stream<Path> s = Files.list(dir)) {
			files = s.filter(p -> p.toString().endsWith(".tif")).sorted().collect(Collectors.toList());
		}
		final List<Img> out = new ArrayList<>();
		for (final Path f : files) {
			final String name = f.getFileName().toString().replace(".tif", "");
			if (names != null && !names.contains(name)) continue;
			final ImagePlus imp = new Opener().openImage(f.toString());
			final ImageProcessor ip = imp.getProcessor();
			final float[] px = new float[ip.getPixelCount()];
			for (int i = 0; i < px.length; i++)
				px[i] = ip.getf(i);
			out.add(new Img(name, px, imp.getWidth(), imp.getHeight()));
		}
		if (names != null && out.size() != names.size()) throw new IllegalArgumentException("tuning images " + names +
			" not all found in " + dir);
		return out;
	}

	private static float[] run(final CommandService cs, final ImageProcessor ip, final Map<String, Object> keys)
		throws Exception
	{
		final Map<String, Object> in = new HashMap<>(keys);
		in.put("image", new ImagePlus("input", ip));
		final Module m = Commands.run(cs, DenoiseCommand.class, in).get();
		if (((Cancelable) m).isCanceled()) throw new IllegalStateException("Denoise failed: " + ((Cancelable) m)
			.getCancelReason());
		return (float[]) ((ImagePlus) m.getOutput("result")).getProcessor().getPixels();
	}

	private static ByteProcessor bytes(final float[] px, final int w, final int h) {
		final byte[] b = new byte[px.length];
		for (int i = 0; i < b.length; i++)
			b[i] = (byte) Math.round(px[i]);
		return new ByteProcessor(w, h, b, null);
	}

	private static void denoise(final List<String> md, final CommandService cs, final List<Img> held, final List<Img> tune,
		final Map<String, String> o, final int steps, final long seed, final String python) throws Exception
	{
		final float[][] tuneClean = tune.stream().map(i -> i.px).toArray(float[][]::new);
		final int[] tw = tune.stream().mapToInt(i -> i.w).toArray(), th = tune.stream().mapToInt(i -> i.h).toArray();
		say(md, "");
		say(md, "#### Denoise on held-out real images, 8-bit noisy inputs (PSNR dB / SSIM, mean over images)");
		say(md, "");
		say(md, "| σ | noisy | Gaussian blur (tuned) | Median (tuned) | non-local means (tuned) | Denoise `grayscale` mean | " +
			"Denoise `grayscale` sample (" + steps + " steps) | Denoise `fashion-mnist` mean |");
		say(md, "|---|---|---|---|---|---|---|---|");
		final List<String> perImage = new ArrayList<>();
		for (final String sv : o.getOrDefault("sigmas", "15,25,50").split(",")) {
			final double sigma = Double.parseDouble(sv.trim());
			final double gs = Filters.tune(tuneClean, tw, th, new double[] { 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3 },
				Filters::gaussian, (x, r) -> Filters.noisy8bit(x, sigma, r), 255, seed + 1000);
			final double mr = Filters.tune(tuneClean, tw, th, new double[] { 0.5, 1, 1.5, 2, 2.5, 3, 4 }, Filters::median, (x,
				r) -> Filters.noisy8bit(x, sigma, r), 255, seed + 1000);
			// the noisy test images, and non-local means on them (tuned by the script on the same tuning images)
			final Path tmp = Files.createTempDirectory("real-quality-");
			final Random r = new Random(seed + (long) sigma);
			final List<float[]> noisy = new ArrayList<>();
			for (final Img img : held) {
				final float[] y = Filters.noisy8bit(img.px, sigma, r);
				noisy.add(y);
				Files.createDirectories(tmp.resolve("noisy"));
				new ij.io.FileSaver(new ImagePlus(img.name, bytes(y, img.w, img.h))).saveAsTiff(tmp.resolve("noisy").resolve(
					img.name + ".tif").toString());
			}
			Files.createDirectories(tmp.resolve("tune"));
			for (final Img t : tune)
				new ij.io.FileSaver(new ImagePlus(t.name, bytes(t.px, t.w, t.h))).saveAsTiff(tmp.resolve("tune").resolve(t.name +
					".tif").toString());
			final Process p = new ProcessBuilder(python, "tools/nlm_baseline.py", "--sigma", sv.trim(), "--tune", tmp
				.resolve("tune").toString(), "--noisy", tmp.resolve("noisy").toString(), "--out", tmp.resolve("nlm").toString(),
				"--seed", String.valueOf(seed)).redirectErrorStream(true).start();
			final String nlmSays = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			if (p.waitFor() != 0) throw new IllegalStateException("non-local means failed: " + nlmSays);
			final double[][] acc = new double[7][2];
			for (int k = 0; k < held.size(); k++) {
				final Img img = held.get(k);
				final float[] y = noisy.get(k);
				final Map<String, Object> keys = new HashMap<>();
				keys.put("sigma", sigma);
				keys.put("seed", seed + k);
				keys.put("model", "grayscale");
				keys.put("output", "mean");
				final float[] mean = run(cs, bytes(y, img.w, img.h), keys);
				keys.put("output", "sample");
				keys.put("steps", steps);
				final float[] sample = run(cs, bytes(y, img.w, img.h), keys);
				keys.put("output", "mean");
				keys.put("model", "fashion-mnist");
				final float[] fashion = run(cs, bytes(y, img.w, img.h), keys);
				final float[] nlm = (float[]) new Opener().openImage(tmp.resolve("nlm").resolve(img.name + ".tif").toString())
					.getProcessor().convertToFloat().getPixels();
				final float[][] outs = { y, Filters.gaussian(y, img.w, img.h, gs), Filters.median(y, img.w, img.h, mr), nlm, mean,
					sample, fashion };
				final StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.0f |", img.name, sigma));
				for (int j = 0; j < outs.length; j++) {
					final double ps = ImageMetrics.psnr(img.px, outs[j], null), ss = ImageMetrics.ssim(img.px, outs[j], img.w,
						img.h);
					acc[j][0] += ps / held.size();
					acc[j][1] += ss / held.size();
					row.append(String.format(Locale.ROOT, " %.2f |", ps));
				}
				perImage.add(row.toString());
			}
			say(md, String.format(Locale.ROOT, "| %.0f | %.2f / %.3f | %.2f / %.3f (σ=%.2g) | %.2f / %.3f (r=%.2g) | " +
				"%.2f / %.3f (%s) | **%.2f** / %.3f | %.2f / %.3f | %.2f / %.3f |", sigma, acc[0][0], acc[0][1], acc[1][0],
				acc[1][1], gs, acc[2][0], acc[2][1], mr, acc[3][0], acc[3][1], nlmSays.replaceAll(".*h = ", "h = ").replaceAll(
					" \\(.*", ""), acc[4][0], acc[4][1], acc[5][0], acc[5][1], acc[6][0], acc[6][1]));
		}
		say(md, "");
		say(md, "Per image (PSNR dB): noisy, Gaussian, median, NLM, grayscale mean, grayscale sample, fashion-mnist mean");
		say(md, "");
		say(md, "| image | σ | noisy | Gaussian | median | NLM | grayscale mean | grayscale sample | fashion-mnist |");
		say(md, "|---|---|---|---|---|---|---|---|---|");
		for (final String row : perImage)
			say(md, row);
	}

	/** Knuth's Poisson sampler: exact, fine for the means ≤ 100 used here. */
	private static int poissonSample(final double lambda, final Random r) {
		if (lambda <= 0) return 0;
		final double l = Math.exp(-lambda);
		int k = 0;
		double p = 1;
		do {
			k++;
			p *= r.nextDouble();
		}
		while (p > l);
		return k - 1;
	}

	/** A camera image: Poisson(peak·x/255) photons, gain 1, offset 100, read noise 1.5, rounded to 16-bit. */
	private static float[] photons(final float[] x, final double peak, final Random r) {
		final float[] z = new float[x.length];
		for (int i = 0; i < z.length; i++)
			z[i] = (float) Math.max(0, Math.rint(poissonSample(peak * x[i] / 255, r) + OFFSET + READ * r.nextGaussian()));
		return z;
	}

	private static float[] signal(final float[] x, final double peak) {
		final float[] s = new float[x.length];
		for (int i = 0; i < s.length; i++)
			s[i] = (float) (peak * x[i] / 255 + OFFSET);
		return s;
	}

	private static ShortProcessor shorts(final float[] z, final int w, final int h) {
		final short[] s = new short[z.length];
		for (int i = 0; i < s.length; i++)
			s[i] = (short) Math.round(z[i]);
		return new ShortProcessor(w, h, s, null);
	}

	private static void poisson(final List<String> md, final CommandService cs, final List<Img> held, final List<Img> tune,
		final Map<String, String> o, final long seed) throws Exception
	{
		say(md, "");
		say(md, String.format(Locale.ROOT, "#### Photon-limited images (Poisson photons at the given peak, gain 1, read noise " +
			"%.1f, offset %.0f, 16-bit; PSNR dB against the expected signal, peak = the photon peak; mean over images)",
			READ, OFFSET));
		say(md, "");
		say(md, "| peak photons | noisy | Gaussian blur (tuned) | Denoise noise=gaussian (σ estimated) | Denoise noise=poisson " +
			"(gain, read noise estimated; offset 100) | noise=poisson with the true gain and read noise | estimated gain / read " +
			"noise (true: 1 / " + READ + ") |");
		say(md, "|---|---|---|---|---|---|---|");
		final float[][] tuneClean = new float[tune.size()][];
		final int[] tw = tune.stream().mapToInt(i -> i.w).toArray(), th = tune.stream().mapToInt(i -> i.h).toArray();
		for (final String pv : o.getOrDefault("peaks", "5,10,30,100").split(",")) {
			final double peak = Double.parseDouble(pv.trim());
			for (int k = 0; k < tune.size(); k++)
				tuneClean[k] = signal(tune.get(k).px, peak);
			// tuning: the signal is what the filter should recover from the photons drawn from it
			final double gs = Filters.tune(tuneClean, tw, th, new double[] { 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5 },
				Filters::gaussian, (s, r) -> {
					final float[] x = new float[s.length];
					for (int i = 0; i < x.length; i++)
						x[i] = (float) ((s[i] - OFFSET) * 255 / peak);
					return photons(x, peak, r);
				}, peak, seed + 2000);
			final Random r = new Random(seed + 3000 + (long) peak);
			final double[] acc = new double[5];
			double gain = 0, read = 0;
			for (int k = 0; k < held.size(); k++) {
				final Img img = held.get(k);
				final float[] z = photons(img.px, peak, r), s = signal(img.px, peak);
				final Map<String, Object> keys = new HashMap<>();
				keys.put("model", "grayscale");
				keys.put("output", "mean");
				keys.put("sigma", 0.0);
				keys.put("noise", "gaussian");
				final float[] gauss = run(cs, shorts(z, img.w, img.h), keys);
				keys.put("noise", "poisson");
				keys.put("gain", 0.0);
				keys.put("offset", OFFSET);
				final float[] pois = run(cs, shorts(z, img.w, img.h), keys);
				keys.put("gain", 1.0);
				keys.put("sigma", READ);
				final float[] known = run(cs, shorts(z, img.w, img.h), keys);
				final sc.fiji.diffusion.engine.noise.PoissonGaussian est = (sc.fiji.diffusion.engine.noise.PoissonGaussian)
					sc.fiji.diffusion.engine.noise.NoiseSettings.parse("poisson", 0, 0, OFFSET).model(new float[][] { z }, img.w,
						s2 -> {}).get(0);
				gain += est.gain() / held.size();
				read += est.sigma() / held.size();
				final float[][] outs = { z, Filters.gaussian(z, img.w, img.h, gs), gauss, pois, known };
				for (int j = 0; j < outs.length; j++)
					acc[j] += ImageMetrics.psnr(s, outs[j], null, peak) / held.size();
			}
			say(md, String.format(Locale.ROOT, "| %.0f | %.2f | %.2f (σ=%.2g) | %.2f | **%.2f** | %.2f | %.2f / %.2f |", peak,
				acc[0], acc[1], gs, acc[2], acc[3], acc[4], gain, read));
		}
	}

	/** A 256² crop from the centre (the whole image when smaller). */
	private static Img centre(final Img img, final int size) {
		final int w = Math.min(size, img.w), h = Math.min(size, img.h), x0 = (img.w - w) / 2, y0 = (img.h - h) / 2;
		final float[] px = new float[w * h];
		for (int y = 0; y < h; y++)
			System.arraycopy(img.px, (y + y0) * img.w + x0, px, y * w, w);
		return new Img(img.name, px, w, h);
	}

	/**
	 * Inpaint against a harmonic fill, plus the average of several Inpaint samples: not a
	 * product feature but a check of the prior, since PSNR rewards the posterior mean and one
	 * sample of even a perfect prior has twice its error. Writes a picture of the camera crop.
	 */
	private static void inpaint(final List<String> md, final DiffusionModel model, final List<Img> held, final long seed,
		final int samples, final Path picture) throws IOException
	{
		say(md, "");
		say(md, "#### Inpaint on held-out real images (256² centre crops; PSNR dB inside the hole, mean over images)");
		say(md, "");
		say(md, "| hole | harmonic fill | Inpaint `grayscale`, no resampling (50 steps) | Inpaint `grayscale`, jumps 3 × length 5 " +
			"(50 steps) | average of " + samples + " Inpaint samples (jumps 3 × 5, " + samples + " seeds) |");
		say(md, "|---|---|---|---|---|");
		for (final int side : new int[] { 32, 64 }) {
			final double[] acc = new double[4];
			for (int k = 0; k < held.size(); k++) {
				final Img img = centre(held.get(k), 256);
				final float[] mask = new float[img.px.length];
				for (int y = (img.h - side) / 2; y < (img.h + side) / 2; y++)
					for (int x = (img.w - side) / 2; x < (img.w + side) / 2; x++)
						mask[y * img.w + x] = 1;
				final float[] holed = img.px.clone();
				for (int i = 0; i < holed.length; i++)
					if (mask[i] != 0) holed[i] = 0;
				final float[] harmonic = Filters.harmonic(holed, mask, img.w, img.h);
				acc[0] += ImageMetrics.psnr(img.px, harmonic, mask) / held.size();
				acc[1] += ImageMetrics.psnr(img.px, Images.array(Inpaint.with(model).steps(50).jumps(1).jumpLength(1).seed(seed + k).run(
					Images.plane(holed, img.w, img.h), Images.plane(mask, img.w, img.h), Monitor.NONE)), mask) / held.size();
				final float[] mean = new float[img.px.length];
				float[] first = null;
				for (int r = 0; r < samples; r++) {
					// sample r = 0 uses the seed of the jumps column, so that column is one of the averaged samples
					final float[] one = Images.array(Inpaint.with(model).steps(50).jumps(3).jumpLength(5).seed(seed + k + 1000L * r)
						.run(Images.plane(holed, img.w, img.h), Images.plane(mask, img.w, img.h), Monitor.NONE));
					if (r == 0) first = one;
					for (int i = 0; i < mean.length; i++)
						mean[i] += one[i] / samples;
				}
				acc[2] += ImageMetrics.psnr(img.px, first, mask) / held.size();
				acc[3] += ImageMetrics.psnr(img.px, mean, mask) / held.size();
				if (side == 64 && img.name.equals("camera")) {
					final float[] shown = holed.clone();
					for (int i = 0; i < shown.length; i++)
						if (mask[i] != 0) shown[i] = 255;
					strip(java.util.Arrays.asList(img.px, shown, harmonic, first, mean), img.w, img.h, picture);
				}
			}
			say(md, String.format(Locale.ROOT, "| centred %d×%d square | %.2f | %.2f | %.2f | %.2f |", side, side, acc[0], acc[1],
				acc[2], acc[3]));
		}
		say(md, "");
		say(md, "Picture: " + picture + " — left to right: camera (256² centre crop), the 64×64 hole (white), harmonic fill, " +
			"one Inpaint sample (jumps 3 × 5), the average of " + samples + " samples");
	}

	/** Panels of equal size side by side (4 px apart) as an 8-bit PNG, values clamped to 0–255. */
	private static void strip(final List<float[]> panels, final int w, final int h, final Path picture) throws IOException {
		final BufferedImage strip = new BufferedImage(panels.size() * (w + 4) - 4, h, BufferedImage.TYPE_BYTE_GRAY);
		for (int k = 0; k < panels.size(); k++)
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					strip.getRaster().setSample(k * (w + 4) + x, y, 0, (int) Math.max(0, Math.min(255, Math.round(panels.get(k)[y *
						w + x]))));
		if (picture.getParent() != null) Files.createDirectories(picture.getParent());
		ImageIO.write(strip, "png", new File(picture.toString()));
	}

	/** SDEdit from a blocky guide (the camera image averaged in 16×16 blocks), at three strengths, as one PNG strip. */
	private static void edit(final List<String> md, final DiffusionModel model, final List<Img> held, final long seed,
		final Path picture) throws IOException
	{
		final Img src = held.stream().filter(i -> i.name.equals("camera")).findFirst().orElse(held.get(0));
		final Img img = centre(src, 512);
		final int w = img.w / 2, h = img.h / 2, b = 8;
		final float[] small = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				small[y * w + x] = (img.px[2 * y * img.w + 2 * x] + img.px[2 * y * img.w + 2 * x + 1] + img.px[(2 * y + 1) * img.w +
					2 * x] + img.px[(2 * y + 1) * img.w + 2 * x + 1]) / 4;
		final float[] guide = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double s = 0;
				int n = 0;
				for (int yy = y / b * b; yy < Math.min(h, y / b * b + b); yy++)
					for (int xx = x / b * b; xx < Math.min(w, x / b * b + b); xx++) {
						s += small[yy * w + xx];
						n++;
					}
				guide[y * w + x] = (float) (s / n);
			}
		final double[] strengths = { 0.3, 0.5, 0.7 };
		final List<float[]> panels = new ArrayList<>();
		panels.add(small);
		panels.add(guide);
		for (final double s : strengths)
			panels.add(Images.array(Edit.with(model).strength(s).steps(50).sampler(Samplers.defaultName()).seed(seed).run(Images.plane(guide, w, h), Monitor.NONE)));
		strip(panels, w, h, picture);
		say(md, "");
		say(md, "#### Edit (SDEdit) from a rough guide: " + picture + " — left to right: the image (" + img.name +
			", halved), the guide (8×8-pixel blocks), Edit `grayscale` at strength 0.3, 0.5, 0.7 (DDIM 50 steps, seed " + seed +
			")");
	}
}
