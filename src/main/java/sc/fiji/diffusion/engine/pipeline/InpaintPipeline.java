package sc.fiji.diffusion.engine.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import net.imglib2.FinalInterval;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tasks.Inpaint;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * Inpaint, from an image, a mask and settings to the result, for every front end. Each plane is
 * filled where its mask is non-zero (a mask of one plane serves every plane); every other pixel
 * comes back exactly as it was. Only a crop around the hole is processed: the hole's bounding
 * box grown by the context (RePaint harmonises the fill with what surrounds it; pixels farther
 * away hardly matter and cost as much as the hole's own). The result is exactly what Inpaint
 * gives on that crop as an image of its own.
 */
public final class InpaintPipeline {

	private InpaintPipeline() {}

	public static Hyperstack run(final ModelSource models, final Hyperstack in, final Hyperstack mask,
		final InpaintSettings s, final Monitor monitor)
	{
		final ModelDescriptor d = models.model().descriptor();
		Channels.checkOneChannelModel(d, "Inpaint");
		d.classIndex(s.label());
		d.schedule().checkSteps(s.steps());
		if (mask.width() != in.width() || mask.height() != in.height()) throw new IllegalArgumentException("the mask is " +
			mask.width() + "x" + mask.height() + " but the image is " + in.width() + "x" + in.height() +
			"; the mask must be the same size");
		if (mask.planeCount() != 1 && mask.planeCount() != in.planeCount()) throw new IllegalArgumentException("the mask " +
			"has " + mask.planeCount() + " planes; give one plane or one per image plane (" + in.planeCount() + ")");
		in.checkFinite("Inpaint", mask);
		final ValueMap[] values = knownValues(d, in, mask, s, monitor);
		final Fallback fallback = new Fallback(models, monitor, "Inpaint");
		final float[][] out = new float[in.planeCount()][];
		final long t0 = System.nanoTime();
		for (int t = 0; t < in.frames(); t++)
			for (int z = 0; z < in.slices(); z++)
				for (int c = 0; c < in.channels(); c++) {
					final int index = in.index(c, z, t);
					final float[] m = mask.plane(mask.planeCount() == 1 ? 0 : index);
					final float[] src = in.plane(index);
					final long[] box = box(m, in.width(), in.height(), s.context());
					if (box == null) throw new IllegalArgumentException("the mask is empty" + (in.planeCount() > 1 ?
						" for slice " + (index + 1) : "") + ": mark the pixels to fill with non-zero values (or draw a selection)");
					final boolean whole = box[2] - box[0] + 1 == in.width() && box[3] - box[1] + 1 == in.height();
					monitor.log(String.format(Locale.ROOT, "Inpaint: slice %d: %s", index + 1, whole ?
						"the whole image is context" : String.format(Locale.ROOT, "working on the %dx%d crop at (%d, %d) around the " +
							"hole; the rest of the image is unchanged", box[2] - box[0] + 1, box[3] - box[1] + 1, box[0], box[1])));
					final FinalInterval crop = new FinalInterval(new long[] { box[0], box[1] }, new long[] { box[2], box[3] });
					// the hole's own values never matter (and may be NaN: filling those is a use of Inpaint)
					final float[] known = src.clone();
					for (int i = 0; i < known.length; i++)
						if (m[i] != 0) known[i] = 0;
					final RandomAccessibleInterval<FloatType> image = Views.zeroMin(Views.interval(Images.plane(known, in.width(),
						in.height()), crop));
					final RandomAccessibleInterval<FloatType> hole = Views.zeroMin(Views.interval(Images.plane(m, in.width(), in
						.height()), crop));
					final Monitor perPlane = DenoisePipeline.prefixed(monitor.share(index, in.planeCount()), in.planeCount() > 1 ?
						"slice " + (index + 1) + "/" + in.planeCount() + " " : "");
					final ValueMap v = values[c];
					final Img<FloatType> filled = fallback.run((model, batch) -> Inpaint.with(model).values(v).steps(s.steps())
						.jumps(s.jumps()).jumpLength(s.jumpLength()).label(s.label()).guidance(s.guidance()).seed(Seeds.plane(s
							.seed(), index)).tileBatch(Math.min(batch, s.tileBatch())).run(image, hole, perPlane));
					final float[] result = src.clone();
					final float[] f = Images.array(filled);
					final int cw = (int) (box[2] - box[0] + 1);
					for (int y = (int) box[1]; y <= box[3]; y++)
						for (int x = (int) box[0]; x <= box[2]; x++)
							if (m[y * in.width() + x] != 0) result[y * in.width() + x] = f[(int) ((y - box[1]) * cw + (x - box[0]))];
					out[index] = result;
				}
		final Hyperstack r = in.withPlanes(out, 32, in.title() + "-inpainted");
		monitor.log(String.format(Locale.ROOT, "Inpaint: %s (%s) in %.1f s", r.title(), r.describe(), (System.nanoTime() -
			t0) / 1e9));
		return r;
	}

	/**
	 * Each channel's value map from its known pixels only: the hole's pixels are whatever the
	 * user left there (often zeros), and counting them would stretch the map toward them.
	 */
	static ValueMap[] knownValues(final ModelDescriptor d, final Hyperstack in, final Hyperstack mask,
		final InpaintSettings s, final Monitor monitor)
	{
		final ValueMap[] out = new ValueMap[in.channels()];
		for (int c = 0; c < out.length; c++) {
			final List<float[]> known = new ArrayList<>();
			for (int t = 0; t < in.frames(); t++)
				for (int z = 0; z < in.slices(); z++) {
					final int index = in.index(c, z, t);
					final float[] p = in.plane(index), m = mask.plane(mask.planeCount() == 1 ? 0 : index);
					int n = 0;
					for (final float v : m)
						if (v == 0) n++;
					final float[] k = new float[n];
					n = 0;
					for (int i = 0; i < p.length; i++)
						if (m[i] == 0) k[n++] = p[i];
					if (n > 0) known.add(k);
				}
			if (known.isEmpty()) throw new IllegalArgumentException("the mask covers the whole image" + (out.length > 1 ?
				" in channel " + (c + 1) : "") + ": leave some pixels unmasked as context for the fill");
			final float[][] planes = known.toArray(new float[0][]);
			out[c] = s.normalization().map(d, in.bitDepth(), (lo, hi) -> Normalization.percentiles(planes, lo, hi));
			monitor.log("Inpaint: " + (out.length > 1 ? "channel " + (c + 1) + ": " : "") + "normalize=" + s.normalization() +
				" (known pixels only): " + out[c]);
		}
		return out;
	}

	/**
	 * The crop [x0, y0, x1, y1] (inclusive) around the mask's non-zero pixels, grown by the
	 * context and kept inside the image; null when the mask is empty.
	 */
	public static long[] box(final float[] mask, final int w, final int h, final int context) {
		int x0 = w, y0 = h, x1 = -1, y1 = -1;
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				if (mask[y * w + x] != 0) {
					x0 = Math.min(x0, x);
					x1 = Math.max(x1, x);
					y0 = Math.min(y0, y);
					y1 = Math.max(y1, y);
				}
		if (x1 < 0) return null;
		final int m = context >= 0 ? context : Math.max(InpaintSettings.MIN_CONTEXT, Math.max(x1 - x0 + 1, y1 - y0 + 1) / 2);
		return new long[] { Math.max(0, x0 - m), Math.max(0, y0 - m), Math.min(w - 1, x1 + m), Math.min(h - 1, y1 + m) };
	}
}
