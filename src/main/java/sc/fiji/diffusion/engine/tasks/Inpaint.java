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

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.tiling.Canvas;
import sc.fiji.diffusion.engine.sampling.Constraint;
import sc.fiji.diffusion.engine.sampling.KnownRegion;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.sampling.Sampler;
import sc.fiji.diffusion.engine.sampling.DdpmSampler;

/**
 * RePaint (Lugmayr et al. 2022): fills the masked pixels with content the model finds
 * plausible next to the known ones. A run of the one reverse loop: the start is pure noise with
 * the known pixels in place; the walk goes down DDPM's levels L_0 &gt; … &gt; L_{n−1} (n = steps)
 * and, every {@code jumpLength} levels, back up {@code jumpLength} levels by forward noising
 * ({@code jumps} − 1 times), which lets the filled region harmonise with the known one; the
 * constraint ({@link KnownRegion}) puts the input noised to the new level back into the known
 * region after every move. Pixels outside the mask are returned exactly as given.
 */
public final class Inpaint extends ImageTask<Inpaint> {

	private int steps = 200;
	private int jumps = 1;
	private int jumpLength = 5;
	private String label = "";
	private double guidance = 1;
	/** The variance interpolation v (see {@link DdpmSampler}); NaN = by the number of steps ({@link #varianceFor}). */
	private double variance = Double.NaN;

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
	/** The ancestral steps' variance: σ² = β̃ (SMALL) or β (LARGE). */
	public Inpaint variance(final DdpmSampler.Variance v) { variance = v == DdpmSampler.Variance.LARGE ? 1 : 0; return this; }

	/**
	 * The variance for a number of steps: log σ² moves from β̃ at 50 steps or fewer to β at 200 or
	 * more. Measured on held-out photographs and EM (the {@code inpaint-texture} report): with σ² = β̃
	 * the fill is smoother than its surroundings (high-pass std 0.64 of the ring's at 50 steps with
	 * jumps, 0.75 at 200), with σ² = β too noisy at 50 steps (1.52) and as textured as the
	 * surroundings at 200 (1.00; the truth's own ratio is 1.02). Strided ancestral steps need more
	 * noise the closer they come to the full chain.
	 */
	public static double varianceFor(final int steps) {
		return Math.max(0, Math.min(1, (steps - 50) / 150.0));
	}

	public void validate() {
		model.schedule().checkSteps(steps);
		if (jumps < 1) throw new IllegalArgumentException("jumps must be at least 1 (1 = no resampling), was " + jumps);
		if (jumpLength < 1 || jumpLength > steps) throw new IllegalArgumentException("jump_length must be between 1 and " +
			"steps (" + steps + "), was " + jumpLength);
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
	 * The walk over timesteps: the RePaint schedule over DDPM's levels, ending at −1 (clean).
	 */
	public int[] walk() {
		final int[] levels = model.schedule().timesteps(steps);
		final int n = levels.length;
		final int[] idx = schedule(n, jumps, jumpLength);
		final int[] walk = new int[idx.length];
		for (int k = 0; k < idx.length; k++)
			walk[k] = idx[k] < n ? levels[idx[k]] : -1;
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
		final int[] walk = walk();
		final Canvas c = canvas(image);
		final GaussianNoise noise = new GaussianNoise(seed);
		final Img<FloatType> result;
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray y = toModel(m, c, image);
			final Shape shape = y.getShape();
			final NDArray keep = m.create(c.pad(known), shape);
			final Constraint constraint = new KnownRegion(schedule, y, keep);
			final Denoiser d = tiled(GuidedDenoiser.uniform(model, model.descriptor().classIndex(label), guidance), c, monitor,
				m);
			// start: pure noise at the first level, with the known pixels already in place
			final NDArray xStart = constraint.apply(noise.ndarray(m, 0, shape), walk[0], () -> noise.ndarray(m,
				ReverseProcess.startStream(1), shape));
			// RePaint is defined on ancestral DDPM steps (σ² = β̃)
			final Sampler ddpm = new DdpmSampler(schedule, Double.isNaN(variance) ? varianceFor(steps) : variance, model
				.clipRange());
			final NDArray x = ReverseProcess.run(ddpm, schedule, d, walk, xStart, noise, 0, constraint, monitor);
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
}
