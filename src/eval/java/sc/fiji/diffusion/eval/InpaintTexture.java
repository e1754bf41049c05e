package sc.fiji.diffusion.eval;

import ai.djl.Device;

import ij.ImagePlus;
import ij.io.Opener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.sampling.DdpmSampler;
import sc.fiji.diffusion.engine.tasks.Inpaint;
import sc.fiji.diffusion.engine.values.ValueMap;
import sc.fiji.diffusion.models.Models;

/**
 * {@code inpaint-texture [--data data/micro-report/held] [--hole 48] [--steps 50] [--out FILE]}: is
 * an inpainted hole as textured as what surrounds it? On held-out photographs and EM slices
 * (tools/micro_testset.py), a square hole in the middle is filled by Inpaint under several
 * settings; the texture of the fill is compared with a ring of the same area around the hole:
 * the standard deviation of a high-pass (image minus its 3×3 mean) inside each, and their ratio
 * (1 = as textured as the surroundings; below 1 = smoother). The truth's own ratio is given too.
 */
public final class InpaintTexture {

	private InpaintTexture() {}

	public static void main(final Map<String, String> o) throws IOException {
		final Path data = Paths.get(o.getOrDefault("data", "data/micro-report/held"));
		final int hole = Integer.parseInt(o.getOrDefault("hole", "48"));
		final int steps = Integer.parseInt(o.getOrDefault("steps", "50"));
		final List<Path> files = new ArrayList<>();
		for (final String mod : new String[] { "photo", "em" }) {
			try (Stream<Path> s = Files.list(data.resolve(mod))) {
				files.addAll(s.filter(p -> p.toString().endsWith(".tif")).sorted().limit(mod.equals("em") ? 3 : 5).collect(
					Collectors.toList()));
			}
		}
		final String[][] variants = { { "small", String.valueOf(steps), "5" }, { "small", String.valueOf(steps), "1" }, {
			"large", String.valueOf(steps), "5" }, { "small", String.valueOf(4 * steps), "1" }, { "large", String.valueOf(4 *
				steps), "1" }, { "default", "200", "1" } };
		final StringBuilder md = new StringBuilder("| image | truth | " + String.join(" | ", java.util.Arrays.stream(variants)
			.map(v -> v[0] + " σ², " + v[1] + " steps, jumps " + v[2]).toArray(String[]::new)) + " |\n|---|---|" + "---|"
				.repeat(variants.length) + "\n");
		final double[] mean = new double[variants.length + 1];
		try (DiffusionModel model = DiffusionModel.load(Models.resolve(o.getOrDefault("model", "grayscale")), Device.cpu())) {
			for (final Path f : files) {
				final ImagePlus imp = new Opener().openImage(f.toString());
				final int w = imp.getWidth(), h = imp.getHeight();
				final float[] img = (float[]) imp.getProcessor().convertToFloat().getPixels();
				final float[] mask = new float[w * h];
				final int x0 = (w - hole) / 2, y0 = (h - hole) / 2;
				for (int y = y0; y < y0 + hole; y++)
					for (int x = x0; x < x0 + hole; x++)
						mask[y * w + x] = 1;
				final double truth = ratio(img, mask, w, h);
				mean[0] += truth / files.size();
				md.append(String.format(Locale.ROOT, "| %s | %.2f |", f.getFileName(), truth));
				for (int v = 0; v < variants.length; v++) {
					final Inpaint task = Inpaint.with(model).values(ValueMap.data(model.descriptor())).steps(Integer.parseInt(
						variants[v][1])).jumps(Integer.parseInt(variants[v][2])).jumpLength(5).seed(1);
					if (!variants[v][0].equals("default")) task.variance(variants[v][0].equals("large") ? DdpmSampler.Variance.LARGE :
						DdpmSampler.Variance.SMALL);
					final float[] out = Images.array(task.run(Images.plane(img, w, h), Images.plane(mask, w, h), Monitor.NONE));
					final double r = ratio(out, mask, w, h);
					mean[v + 1] += r / files.size();
					md.append(String.format(Locale.ROOT, " %.2f |", r));
				}
				md.append("\n");
				System.out.println(md.substring(md.lastIndexOf("| " + f.getFileName())));
			}
		}
		md.append("| **mean** |");
		for (final double m : mean)
			md.append(String.format(Locale.ROOT, " **%.2f** |", m));
		md.append("\n");
		final String text = "Texture of the fill: std of the high-pass inside the " + hole + "² hole / in a ring of equal " +
			"area around it (1 = as textured as the surroundings). Held-out images, 256² crops.\n\n" + md;
		System.out.println(text);
		if (o.containsKey("out")) Files.write(Paths.get(o.get("out")), text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
	}

	/** std of (image − 3×3 mean) inside the mask / in the ring of equal area around it. */
	static double ratio(final float[] img, final float[] mask, final int w, final int h) {
		final long[] box = sc.fiji.diffusion.engine.pipeline.InpaintPipeline.box(mask, w, h, 0);
		final int x0 = (int) box[0], y0 = (int) box[1], x1 = (int) box[2], y1 = (int) box[3];
		final int side = x1 - x0 + 1;
		// a ring as wide as needed for the same area as the hole: (side + 2r)² − side² = side²
		final int r = (int) Math.round((Math.sqrt(2) - 1) * side / 2);
		double si = 0, si2 = 0, so = 0, so2 = 0;
		int ni = 0, no = 0;
		for (int y = Math.max(1, y0 - r); y <= Math.min(h - 2, y1 + r); y++)
			for (int x = Math.max(1, x0 - r); x <= Math.min(w - 2, x1 + r); x++) {
				double m = 0;
				for (int dy = -1; dy <= 1; dy++)
					for (int dx = -1; dx <= 1; dx++)
						m += img[(y + dy) * w + x + dx] / 9.0;
				final double d = img[y * w + x] - m;
				// high-pass at the hole's border mixes inside and outside: leave a 1-pixel band out
				final boolean in = x > x0 && x < x1 && y > y0 && y < y1;
				final boolean out = x < x0 - 1 || x > x1 + 1 || y < y0 - 1 || y > y1 + 1;
				if (in) {
					si += d;
					si2 += d * d;
					ni++;
				}
				else if (out) {
					so += d;
					so2 += d * d;
					no++;
				}
			}
		final double vi = si2 / ni - (si / ni) * (si / ni), vo = so2 / no - (so / no) * (so / no);
		return Math.sqrt(vi / Math.max(vo, 1e-12));
	}
}
