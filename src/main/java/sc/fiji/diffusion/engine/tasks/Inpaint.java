package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import net.imglib2.Cursor;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.util.Intervals;
import net.imglib2.view.Views;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import java.util.Locale;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.image.Biharmonic;
import sc.fiji.diffusion.engine.image.Exemplar;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.tiling.Canvas;
import sc.fiji.diffusion.engine.values.OrderStatistics;
import sc.fiji.diffusion.engine.sampling.Constraint;
import sc.fiji.diffusion.engine.sampling.KnownRegion;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.sampling.Sampler;
import sc.fiji.diffusion.engine.sampling.DdpmSampler;

/**
 * RePaint (Lugmayr et al. 2022) started from a copied fill: fills the masked pixels with content
 * the model finds plausible next to the known ones. One run of the reverse loop:
 * <ol>
 * <li>the hole is first filled by copying patches of its surroundings into it, most similar
 * first, along the edges that reach it first ({@link Exemplar}, Criminisi et al. 2004) — or,
 * where the image has no patch to copy from, the hole is huge or the model is one of fixed-size
 * whole objects ({@link #copiesPatches}), by the smooth biharmonic continuation ({@link Biharmonic})
 * noised to {@link #SMOOTH_START} — and that fill is noised to level {@link #START} (σ_t ≈ 0.17 in model
 * units): SDEdit's start, as in Chung et al.'s "come closer, diffuse faster". The copied fill
 * brings real edges and texture of the surroundings (a diffusion walk from a smooth fill left
 * grainy, structureless patches: structure PSNR 16.67 dB against this start's 17.77 on the
 * validation images); the walk makes it one image with them. A copied fill of a noisy image
 * carries its noise already and is noised only by what it lacks, as the known pixels are; in a
 * very noisy one ({@link #NOISY}) it keeps only its detail, on the smooth fill's large structure;</li>
 * <li>the walk goes down DDPM's levels from there, {@code steps} of them, and every
 * {@code jumpLength} levels back up {@code jumpLength} levels by forward noising
 * ({@code jumps} − 1 times); the constraint ({@link KnownRegion}) puts the input, noised to the
 * new level, back into the known region after every move;</li>
 * <li>x̂_0 is kept within the known pixels' range (0.5–99.5 %) widened by {@link #CLIP_MARGIN}
 * of it on each side, so no step can blow the fill out beyond its surroundings' tones;</li>
 * <li>ancestral steps use σ² = β̃ above level {@link #TEXTURE_LEVEL} and β (at most 1 − ᾱ_s) below
 * it, so 50 steps keep about the texture 100 have;</li>
 * <li>where the image is noisy (σ̂ of its known pixels, {@link NoiseSettings#estimateSigma}), the
 * walk stops at the level whose σ_t matches σ̂ and returns x_t/√ᾱ_t there: the fill is a sample
 * of the <em>noisy</em> image, carrying the same amount of Gaussian noise as its surroundings,
 * and the known region is constrained as an observation with that noise (at level t it gets
 * √ᾱ_t (y + √(σ_t² − σ̂²) z));</li>
 * <li>a fill whose fine detail is weaker than that of the pixels around the hole gets its own
 * detail raised to theirs ({@link #matchDetail}), so few steps or an unfamiliar image do not
 * leave a smooth patch.</li>
 * </ol>
 * Pixels outside the mask are returned exactly as given.
 */
public final class Inpaint extends ImageTask<Inpaint> {

	/**
	 * The level the walk starts from, as a fraction of T (100 of 1000: σ_t ≈ 0.17 in model units
	 * for the cosine schedule, about 22 grey levels of 255). The copied fill ({@link Exemplar})
	 * already has the surroundings' edges and texture; the walk from this level harmonises it
	 * with them (seams between copied patches, tones) without inventing it anew. Chosen on the
	 * validation images of tools/inpaint_report.py (never on its test images), by the structure
	 * PSNR of the default over all clean images: of 0.1, 0.15, 0.2, 0.3, 0.45, 0.1 gave 17.77 dB
	 * (0.15: 17.59, 0.2: 17.45, 0.45: 16.75; Telea 15.88) with texture ratio 1.05, and 17.56 dB
	 * with 50 steps and 5 jumps. (With the smooth biharmonic start it replaced, 0.45 was best.)
	 */
	public static final double START = 0.1;
	/**
	 * The start level where the fill is the smooth biharmonic one (no patch to copy from, or a hole
	 * larger than {@link Exemplar#MAX_PIXELS}): 0.45 (σ_t ≈ 0.87), where only the smooth fill's large
	 * structure survives and the walk invents the rest; chosen on the same validation images when
	 * that was the only start (of 0.4, 0.45, 0.5 and 0.6–0.8).
	 */
	public static final double SMOOTH_START = 0.45;
	/** Below this fraction of T the ancestral steps use σ² = β (fine detail), above it β̃. */
	public static final double TEXTURE_LEVEL = 0.2;
	/** x̂_0 is clipped to the known pixels' 0.5–99.5 % range widened by this fraction of it on each side. */
	public static final double CLIP_MARGIN = 0.1;

	private int steps = 100;
	private int jumps = 1;
	private int jumpLength = 5;
	private String label = "";
	private double guidance = 1;

	private Inpaint(final DiffusionModel model) {
		super(model);
	}

	public static Inpaint with(final DiffusionModel model) {
		return new Inpaint(model);
	}

	public Inpaint steps(final int n) { steps = n; return this; }
	/** How many times each stretch of levels is sampled (1 = no resampling). */
	public Inpaint jumps(final int r) { jumps = r; return this; }
	/** How many levels a jump goes back up. */
	public Inpaint jumpLength(final int j) { jumpLength = j; return this; }
	public Inpaint label(final String l) { label = l == null ? "" : l; return this; }
	public Inpaint guidance(final double w) { guidance = w; return this; }

	public void validate() {
		model.schedule().checkSteps(steps);
		if (jumps < 1) throw new IllegalArgumentException("jumps must be at least 1 (1 = no resampling), was " + jumps);
		// jump_length only matters when there are jumps (the walk takes at most the steps it has)
		if (jumpLength < 1 || jumps > 1 && jumpLength > steps) throw new IllegalArgumentException("jump_length must be " +
			"between 1 and steps (" + steps + ") when jumps > 1, was " + jumpLength);
		model.descriptor().classIndex(label);
	}

	/**
	 * The RePaint walk over level indices 0 (noisiest) … n (clean): one entry per state visited.
	 */
	public static int[] schedule(final int n, final int jumps, final int jumpLength) {
		final Map<Integer, Integer> left = new HashMap<>();
		for (int k = jumpLength; k < n; k += jumpLength)
			left.put(k, jumps - 1);
		final List<Integer> walk = new ArrayList<>();
		int i = 0;
		walk.add(i);
		while (i < n) {
			walk.add(++i);
			final int l = left.getOrDefault(i, 0);
			if (l > 0 && i < n) {
				left.put(i, l - 1);
				for (int r = 0; r < jumpLength; r++)
					walk.add(--i);
			}
		}
		return walk.stream().mapToInt(Integer::intValue).toArray();
	}

	/**
	 * Whether the fill starts from copied patches ({@link Exemplar}): for a model that takes images
	 * of any size (in steps), trained on crops of larger images, whose statistics repeat across an
	 * image — micrographs, photographs. A model of fixed-size images (one object per image, such as
	 * {@code fashion-mnist}) completes the object from its own prior, from the smooth fill: copying
	 * the background around a garment into it would not.
	 */
	public static boolean copiesPatches(final ModelDescriptor d) {
		for (final int step : d.sizeStep())
			if (step <= 0) return false;
		return true;
	}

	/** Why the fill of {@code hole} starts smooth instead of copied, for the Log. */
	private String whySmooth(final boolean[] hole) {
		if (!copiesPatches(model.descriptor())) return "this model completes whole objects";
		int n = 0;
		for (final boolean b : hole)
			if (b) n++;
		return n > Exemplar.MAX_PIXELS ? "the hole is too large to copy into: " + n + " pixels, more than " +
			Exemplar.MAX_PIXELS : "no " + Exemplar.PATCH + "x" + Exemplar.PATCH + " patch of known pixels to copy from";
	}

	/** The level the walk starts from, for this model's schedule, from a copied fill. */
	public int startLevel() {
		return startLevel(true);
	}

	/** The level the walk starts from: from a copied fill, or from a smooth one. */
	public int startLevel(final boolean copied) {
		return (int) Math.round((copied ? START : SMOOTH_START) * (model.schedule().T() - 1));
	}

	/**
	 * The walk over timesteps: the RePaint schedule over {@code steps} levels evenly spaced from
	 * {@code t0} down to {@code end}, then {@code end} itself (−1 = the clean image;
	 * a level ≥ 0 = a noisy image). Fewer levels when there are not that many between the two.
	 */
	public int[] walk(final int t0, final int end) {
		if (end >= t0) throw new IllegalArgumentException("the walk ends at level " + end + ", above its start " + t0);
		final int n = Math.min(steps, t0 - end);
		final int[] levels = new int[n];
		for (int k = 0; k < n; k++)
			levels[k] = end + (int) Math.round((t0 - end) * (double) (n - k) / n);
		final int[] idx = schedule(n, Math.max(1, jumps), Math.min(jumpLength, n));
		final int[] walk = new int[idx.length];
		for (int k = 0; k < idx.length; k++)
			walk[k] = idx[k] < n ? levels[idx[k]] : end;
		return walk;
	}

	/**
	 * @param image a 2-D plane in image units
	 * @param mask non-zero where pixels are to be filled, same size as the image
	 * @return a new image: the filled pixels from the model, every other pixel exactly the input's
	 */
	public Img<FloatType> run(final RandomAccessibleInterval<? extends RealType<?>> image,
		final RandomAccessibleInterval<? extends RealType<?>> mask, final Monitor monitor)
	{
		validate();
		checkImage(image, 2, "image");
		if (!Intervals.equalDimensions(image, mask)) throw new IllegalArgumentException("mask is " + mask.dimension(0) +
			"x" + mask.dimension(1) + " but the image is " + image.dimension(0) + "x" + image.dimension(1) +
			"; the mask must be the same size");
		final long px = Intervals.numElements(image);
		final Img<FloatType> known = ArrayImgs.floats(image.dimension(0), image.dimension(1));
		long fill = 0;
		final Cursor<? extends RealType<?>> mc = Views.flatIterable(mask).cursor();
		for (final FloatType k : known) {
			final boolean hole = mc.next().getRealDouble() != 0;
			k.set(hole ? 0 : 1);
			if (hole) fill++;
		}
		if (fill == 0) throw new IllegalArgumentException("the mask is empty: mark the pixels to fill with non-zero values " +
			"(or draw a selection)");
		final NoiseSchedule schedule = model.schedule();
		final Canvas c = canvas(image);
		final GaussianNoise noise = new GaussianNoise(seed);
		final Img<FloatType> result;
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray y = toModel(m, c, image);
			final Shape shape = y.getShape();
			final float[] keepPx = c.pad(known), yPx = y.toFloatArray();
			final long[] size = c.size(); // (y, x)
			final int cw = (int) size[1], ch = (int) size[0];
			final boolean[] hole = new boolean[keepPx.length];
			for (int i = 0; i < hole.length; i++)
				hole[i] = keepPx[i] == 0;
			// a mask over everything: a sample of the prior, from pure noise
			final boolean nothingKnown = fill == px;
			// the start: patches of the surroundings copied in (edges and texture carried across), or where the image has
			// no patch to copy from, its smooth biharmonic continuation
			final float[] exemplarPx = nothingKnown || !copiesPatches(model.descriptor()) ? null : Exemplar.fill(yPx, hole, cw,
				ch);
			final boolean copied = exemplarPx != null;
			float[] startPx = nothingKnown ? new float[yPx.length] : copied ? exemplarPx : Biharmonic.fill(yPx, hole, cw,
				ch);
			// (on the filled canvas, so the hole's own values are not taken for a clipped tail)
			final double sigmaY = nothingKnown ? 0 : NoiseSettings.estimateSigma(startPx, cw, ch, hole);
			final int end = Math.min(endLevel(schedule, sigmaY), schedule.T() - 2);
			// a noisy image: the copy's large structure or the smooth fill's, whichever predicts a band of known pixels
			// around the hole better when that band is filled the same way
			final double[] band = copied && sigmaY >= NOISY ? bandCheck(yPx, hole, cw, ch) : null;
			final boolean hybrid = band != null && band[1] < band[0];
			if (hybrid) startPx = hybrid(startPx, smoothFill(yPx, hole, cw, ch), hole, cw, ch, DETAIL_SCALE);
			if (band != null) monitor.log(String.format(Locale.ROOT, "Inpaint: the image is noisy (sigma %.3g model units): " +
				"filling a %d px band of known pixels around the hole the same way, the copied patches miss it by %.4g (RMS), " +
				"their detail on the smooth fill's large structure by %.4g: %s", sigmaY, BAND, Math.sqrt(band[0]), Math.sqrt(
					band[1]), hybrid ? "the latter" : "the patches as copied"));
			// an image noisier than the start level: start above its noise (a copied fill already carries that noise; a
			// smooth one needs more of the walk to gain it: halfway between the image's noise and pure noise)
			final int from = startLevel(copied);
			final int t0 = nothingKnown ? schedule.T() - 1 : end < from - 10 ? from : Math.min(schedule.T() - 1, end + (copied ?
				Math.max(10, from / 2) : Math.max(10, (schedule.T() - 1 - end) / 2)));
			final int[] walk = walk(t0, end);
			final double[] clip = nothingKnown ? model.clipRange() : knownRange(yPx, hole);
			monitor.log(String.format(Locale.ROOT, "Inpaint: from %s noised to level %d, %d moves down to %s; x0 kept within " +
				"%.3f..%.3f (model units)", nothingKnown ? "nothing (the mask covers the image)" : hybrid ?
					"patches of the surroundings copied into the hole, their large structure the smooth fill's (the image is " +
						"noisy: patches matched through its noise carry the wrong large structure too often)" : copied ?
						"patches of the surroundings copied into the hole" : "a smooth fill (" + whySmooth(hole) + ")", walk[0],
				walk.length - 1, end < 0 ? "the clean image" : String.format(Locale.ROOT, "level %d (the image's noise, sigma " +
					"%.3g model units: the fill carries it too)", end, sigmaY), clip == null ? Double.NEGATIVE_INFINITY : clip[0],
				clip == null ? Double.POSITIVE_INFINITY : clip[1]));
			final NDArray keep = m.create(keepPx, shape);
			final Constraint constraint = new KnownRegion(schedule, y, keep, end < 0 ? 0 : sigmaY);
			// the walk's moves are the progress, not the tiles within a move
			final Denoiser d = tiled(GuidedDenoiser.uniform(model, model.descriptor().classIndex(label), guidance), c, monitor
				.withoutProgress(), m);
			// start: the fill noised to the first level — a copied fill, which carries the image's noise already, only by
			// the noise it lacks, as the known pixels are — and the known pixels in place
			final NDArray start = m.create(startPx, shape);
			final NDArray noised = copied && end >= 0 ? new KnownRegion(schedule, start, start.onesLike(), sigmaY).apply(start,
				walk[0], () -> noise.ndarray(m, 0, shape)) : schedule.addNoise(start, noise.ndarray(m, 0, shape), walk[0]);
			final NDArray xStart = constraint.apply(noised, walk[0], () -> noise.ndarray(m, ReverseProcess.startStream(1),
				shape));
			final Sampler ddpm = new DdpmSampler(schedule, DdpmSampler.Variance.SMALL, clip).largeBelow((int) Math.round(
				TEXTURE_LEVEL * (schedule.T() - 1)));
			NDArray x = ReverseProcess.run(ddpm, schedule, d, walk, xStart, noise, 0, constraint, monitor);
			// a noisy image's sample: x_t / √ᾱ_t = x_0 + σ_t ε
			if (end >= 0) x = x.div((float) Math.sqrt(schedule.alphaBar(end)));
			if (!nothingKnown) {
				final float[] xPx = x.toFloatArray();
				final double gain = matchDetail(xPx, yPx, hole, cw, ch, clip);
				if (gain > 1) monitor.log(String.format(Locale.ROOT, "Inpaint: the fill's fine detail raised %.2fx to that of " +
					"the %d px around the hole", gain, DETAIL_RING));
				x = m.create(xPx, shape);
			}
			result = fromModel(c, x);
		}
		// the known pixels come back exactly as they were
		final Cursor<FloatType> r = result.cursor(), k = known.cursor();
		final Cursor<? extends RealType<?>> in = Views.flatIterable(image).cursor();
		while (r.hasNext()) {
			r.fwd();
			final double v = in.next().getRealDouble();
			if (k.next().get() != 0) r.get().setReal(v);
		}
		assert px == Intervals.numElements(result);
		return result;
	}

	/**
	 * A noise σ (model units; 0.1 is about 13 grey levels of 255) from which the copied fill may
	 * keep only its detail and take its large structure from the smooth fill ({@link #hybrid}):
	 * patches matched through that much noise continue the wrong structure too often, though not
	 * always (a strong edge they carry across well), so {@link #bandCheck} decides. Chosen on the
	 * validation images of tools/inpaint_report.py (3 holes each); images with less noise than
	 * this (the photographs, ≤ 0.05) lost up to 17 dB with the smooth structure, as their copies
	 * are right.
	 */
	static final double NOISY = 0.1;

	/** Width (px) of the band of known pixels around a noisy image's hole that {@link #bandCheck} fills. */
	static final int BAND = 16;

	/**
	 * How well each start of a noisy image predicts known pixels: the hole grown by {@link #BAND}
	 * px (the band's known values set aside) is filled by copied patches ({@link Exemplar}) and by
	 * those patches' detail on the smooth fill's large structure ({@link #hybrid}); returned are
	 * the mean squared differences from the band's known values, {copied, hybrid}, or null when
	 * nothing could be copied. Both fills share the copied detail, and neither saw the band's noise,
	 * so the difference of the two is that of their large structures' errors.
	 */
	static double[] bandCheck(final float[] y, final boolean[] hole, final int w, final int h) {
		final boolean[] grown = new boolean[hole.length];
		final boolean[] band = new boolean[hole.length];
		for (int yy = 0; yy < h; yy++)
			for (int x = 0; x < w; x++) {
				if (!hole[yy * w + x]) continue;
				for (int dy = -BAND; dy <= BAND; dy++)
					for (int dx = -BAND; dx <= BAND; dx++) {
						final int u = x + dx, v = yy + dy;
						if (u >= 0 && u < w && v >= 0 && v < h) grown[v * w + u] = true;
					}
			}
		long n = 0;
		for (int i = 0; i < grown.length; i++)
			if (grown[i] && !hole[i]) {
				band[i] = true;
				n++;
			}
		if (n == 0) return null;
		final float[] copied = Exemplar.fill(y, grown, w, h);
		if (copied == null) return null;
		final float[] mixed = hybrid(copied, smoothFill(y, grown, w, h), grown, w, h, DETAIL_SCALE);
		double c = 0, m = 0;
		for (int i = 0; i < band.length; i++)
			if (band[i]) {
				c += (copied[i] - y[i]) * (copied[i] - y[i]);
				m += (mixed[i] - y[i]) * (mixed[i] - y[i]);
			}
		return new double[] { c / n, m / n };
	}

	/**
	 * The biharmonic fill of a noisy image from its known pixels blurred first (by
	 * {@link #DETAIL_SCALE} px, within the known pixels only): the biharmonic continuation follows
	 * the boundary's slope as well as its values, and from raw noisy pixels it swings far (RMS 29
	 * grey levels off a smooth field under noise of 20, InpaintTest).
	 */
	static float[] smoothFill(final float[] y, final boolean[] hole, final int w, final int h) {
		final double[] num = new double[y.length], den = new double[y.length];
		for (int i = 0; i < y.length; i++)
			if (!hole[i]) {
				num[i] = y[i];
				den[i] = 1;
			}
		final double[] bn = sc.fiji.diffusion.engine.image.Images.blur(num, w, h, DETAIL_SCALE), bd = sc.fiji.diffusion.engine
			.image.Images.blur(den, w, h, DETAIL_SCALE);
		final float[] known = y.clone();
		for (int i = 0; i < y.length; i++)
			if (!hole[i] && bd[i] > 0) known[i] = (float) (bn[i] / bd[i]);
		return Biharmonic.fill(known, hole, w, h);
	}

	/**
	 * In the hole: the smooth fill's large structure (Gaussian blur of σ px) and the copied fill's
	 * detail above it, copied − blur(copied) + blur(smooth).
	 */
	static float[] hybrid(final float[] copied, final float[] smooth, final boolean[] hole, final int w, final int h,
		final double sigma)
	{
		final double[] c = new double[copied.length], s = new double[smooth.length];
		for (int i = 0; i < c.length; i++) {
			c[i] = copied[i];
			s[i] = smooth[i];
		}
		final double[] cl = sc.fiji.diffusion.engine.image.Images.blur(c, w, h, sigma), sl = sc.fiji.diffusion.engine.image
			.Images.blur(s, w, h, sigma);
		final float[] out = copied.clone();
		for (int i = 0; i < out.length; i++)
			if (hole[i]) out[i] = (float) (sl[i] + c[i] - cl[i]);
		return out;
	}

	/** Gaussian σ (px) whose residual is the fine detail {@link #matchDetail} compares. */
	public static final double DETAIL_SCALE = 2;
	/** How far (px, city-block) from the hole the known pixels count as its surroundings. */
	public static final int DETAIL_RING = 16;
	/** The most {@link #matchDetail} raises the fill's detail by. */
	public static final double MAX_DETAIL_GAIN = 3;

	/**
	 * Raises the fill's fine detail to that of its surroundings: a reverse walk of few steps (and
	 * the prior on images unlike its training data) leaves a fill smoother than what surrounds
	 * it. With d = x − G_hole(x) the detail of the result (G a Gaussian of {@link #DETAIL_SCALE} px)
	 * over the hole and d_ring = y − G_known(y) that of the known pixels within {@link #DETAIL_RING}
	 * px of it (each Gaussian normalised over its own pixels only, G(y·k)/G(k) with k the known
	 * pixels' indicator and likewise for the hole: the hole's placeholder values are not the
	 * surroundings' detail, and the seam between fill and surroundings is not the fill's), the hole
	 * gets
	 * <pre>
	 *   x ← G_hole(x) + g · d,   g = clamp(std(d_ring) / std(d), 1, MAX_DETAIL_GAIN)
	 * </pre>
	 * kept within the ring's tones (its 0.5–99.5 % range widened by {@link #CLIP_MARGIN} of it, and
	 * within {@code clip}) unless the walk had the pixel beyond them already, which it then does not
	 * push further: the fill keeps its large structure (G_hole(x)) and its own detail, only
	 * stronger, never weaker (a fill as detailed as its surroundings is left alone), and no blob
	 * grows. (That bound came after the test images of tools/inpaint_report.py showed a raised
	 * fill pass its surroundings' range on one photograph.) Chosen on the
	 * validation images of tools/inpaint_report.py; detail gains there 1.0–1.45.
	 *
	 * @param x the result over the canvas (model units), changed in the hole
	 * @param y the input over the canvas (model units; hole pixels ignored)
	 * @return the gain g applied
	 */
	static double matchDetail(final float[] x, final float[] y, final boolean[] hole, final int w, final int h,
		final double[] clip)
	{
		final int n = w * h;
		final double[] k = new double[n], yk = new double[n], hk = new double[n], xh = new double[n];
		for (int i = 0; i < n; i++) {
			k[i] = hole[i] ? 0 : 1;
			yk[i] = hole[i] ? 0 : y[i];
			hk[i] = 1 - k[i];
			xh[i] = hole[i] ? x[i] : 0;
		}
		final double[] gk = Images.blur(k, w, h, DETAIL_SCALE), gy = Images.blur(yk, w, h, DETAIL_SCALE);
		// the fill's own low-pass, over hole pixels only: the seam with the known pixels is not detail to raise
		final double[] gh = Images.blur(hk, w, h, DETAIL_SCALE), gx = Images.blur(xh, w, h, DETAIL_SCALE);
		for (int i = 0; i < n; i++)
			gx[i] = hole[i] ? gx[i] / Math.max(gh[i], 1e-12) : 0;
		final int[] dist = cityBlockDistance(hole, w, h);
		double rs = 0, rss = 0, fs = 0, fss = 0;
		long rn = 0, fn = 0;
		for (int i = 0; i < n; i++) {
			if (hole[i]) {
				final double d = x[i] - gx[i];
				fs += d;
				fss += d * d;
				fn++;
			}
			else if (dist[i] <= DETAIL_RING && gk[i] > 1e-6) {
				final double d = y[i] - gy[i] / gk[i];
				rs += d;
				rss += d * d;
				rn++;
			}
		}
		if (rn < 2 || fn < 2) return 1;
		final double ringVar = rss / rn - (rs / rn) * (rs / rn), fillVar = fss / fn - (fs / fn) * (fs / fn);
		if (!(fillVar > 0)) return 1;
		final double gain = Math.min(MAX_DETAIL_GAIN, Math.max(1, Math.sqrt(Math.max(0, ringVar) / fillVar)));
		if (gain == 1) return 1;
		// the surroundings' tones (0.5–99.5 % of the ring, widened by CLIP_MARGIN): raising the detail never takes a
		// pixel past them, nor further past them than the walk already had it
		final float[] ring = new float[(int) rn];
		int r = 0;
		for (int i = 0; i < n; i++)
			if (!hole[i] && dist[i] <= DETAIL_RING && gk[i] > 1e-6) ring[r++] = y[i];
		final double[] range = knownRange(ring, new boolean[ring.length]);
		final double lo = Math.max(range[0], clip == null ? Double.NEGATIVE_INFINITY : clip[0]);
		final double hi = Math.min(range[1], clip == null ? Double.POSITIVE_INFINITY : clip[1]);
		for (int i = 0; i < n; i++)
			if (hole[i]) x[i] = (float) Math.min(Math.max(hi, x[i]), Math.max(Math.min(lo, x[i]), gx[i] + gain * (x[i] -
				gx[i])));
		return gain;
	}

	/** City-block distance of every pixel to the nearest {@code true} one (two passes). */
	static int[] cityBlockDistance(final boolean[] set, final int w, final int h) {
		final int far = w + h + 1;
		final int[] d = new int[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				final int i = y * w + x;
				int v = set[i] ? 0 : far;
				if (x > 0) v = Math.min(v, d[i - 1] + 1);
				if (y > 0) v = Math.min(v, d[i - w] + 1);
				d[i] = v;
			}
		for (int y = h - 1; y >= 0; y--)
			for (int x = w - 1; x >= 0; x--) {
				final int i = y * w + x;
				int v = d[i];
				if (x < w - 1) v = Math.min(v, d[i + 1] + 1);
				if (y < h - 1) v = Math.min(v, d[i + w] + 1);
				d[i] = v;
			}
		return d;
	}

	/**
	 * The level a noisy image's fill ends at: the highest with σ_t ≤ σ̂ (so the fill never gets more
	 * noise than its surroundings), or −1 (the clean image) when σ̂ is below every level's.
	 */
	static int endLevel(final NoiseSchedule schedule, final double sigmaY) {
		int end = -1;
		for (int t = 0; t < schedule.T() && schedule.sigma(t) <= sigmaY; t++)
			end = t;
		return end;
	}

	/** The known pixels' 0.5–99.5 % range, widened by {@link #CLIP_MARGIN} of it on each side. */
	static double[] knownRange(final float[] px, final boolean[] hole) {
		int n = 0;
		for (final boolean h : hole)
			if (!h) n++;
		final float[] k = new float[n];
		n = 0;
		for (int i = 0; i < px.length; i++)
			if (!hole[i]) k[n++] = px[i];
		final double lo = OrderStatistics.select(k.clone(), (int) Math.floor(0.005 * (n - 1)));
		final double hi = OrderStatistics.select(k, (int) Math.ceil(0.995 * (n - 1)));
		final double margin = CLIP_MARGIN * Math.max(hi - lo, 1e-6);
		return new double[] { lo - margin, hi + margin };
	}
}
