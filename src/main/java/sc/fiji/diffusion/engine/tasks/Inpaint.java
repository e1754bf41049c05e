package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

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
import sc.fiji.diffusion.engine.sampling.DdpmSampler;
import sc.fiji.diffusion.engine.tiling.Canvas;

/**
 * RePaint (Lugmayr et al. 2022): fills the masked pixels with content the model finds
 * plausible next to the known ones. Over the levels L_0 &gt; … &gt; L_{n−1} (n = steps) the
 * state goes down by DDPM posterior steps; after every step the known region is replaced by
 * the input noised to that level, √ᾱ y + √(1−ᾱ) z. Every {@code jumpLength} levels the state
 * is sent back up {@code jumpLength} levels by forward noising and denoised again, {@code jumps}
 * − 1 times, which lets the filled region harmonise with the known one. Pixels outside the mask
 * are returned exactly as given.
 */
public final class Inpaint extends ImageTask<Inpaint> {

	private int steps = 50;
	private int jumps = 5;
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
	 * @param mask non-zero where pixels are to be filled, same size as the image
	 */
	public float[] run(final float[] image, final float[] mask, final int w, final int h, final Monitor monitor) {
		validate();
		checkPlane(image, w, h, "image");
		if (mask.length != image.length) throw new IllegalArgumentException("mask has " + mask.length +
			" pixels but the image " + w + "x" + h + " has " + image.length + "; the mask must be the same size");
		int fill = 0;
		for (final float v : mask)
			if (v != 0) fill++;
		if (fill == 0) throw new IllegalArgumentException("the mask is empty: mark the pixels to fill with non-zero values " +
			"(or draw a selection)");
		final NoiseSchedule schedule = model.schedule();
		final int[] levels = schedule.timesteps(steps);
		final int n = levels.length;
		final int[] walk = schedule(n, jumps, jumpLength);
		final Canvas c = new Canvas(w, h, tile());
		final float[] known = new float[w * h];
		for (int i = 0; i < known.length; i++)
			known[i] = mask[i] != 0 ? 0 : 1;
		final GaussianNoise noise = new GaussianNoise(seed);
		final Shape shape = new Shape(1, 1, c.canvasHeight, c.canvasWidth);
		final DdpmSampler ddpm = new DdpmSampler(schedule, DdpmSampler.Variance.SMALL, model.clipRange());
		final float[] result;
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray y = toModel(m, c, image);
			final NDArray keep = m.create(c.pad(known), shape);
			final Denoiser d = tiled(GuidedDenoiser.uniform(model, model.descriptor().classIndex(label), guidance), c, monitor,
				m);
			NDArray x = noise.ndarray(m, 0, shape);
			x = constrain(x, y, keep, levels[0], noise, 1, m);
			for (int k = 1; k < walk.length; k++) {
				monitor.checkCanceled();
				final int from = walk[k - 1], to = walk[k];
				final long stream = 2L * k;
				try (NDManager sub = m.newSubManager()) {
					x.attach(sub);
					final NDArray next;
					if (to > from) { // down: x at L[from] → L[to] (L[n] = clean)
						ddpm.setTimestepsExplicit(levels[from], to < n ? levels[to] : -1);
						next = ddpm.step(d, 0, x, () -> noise.ndarray(sub, stream, shape));
					}
					else { // up: forward-noise L[from] → L[to]
						final double ratio = schedule.alphaBar(levels[to]) / schedule.alphaBar(levels[from]);
						next = x.mul((float) Math.sqrt(ratio)).addi(noise.ndarray(sub, stream, shape).muli((float) Math.sqrt(1 -
							ratio)));
					}
					final NDArray constrained = constrain(next, y, keep, to < n ? levels[to] : -1, noise, stream + 1, sub);
					constrained.attach(m);
					x = constrained;
				}
				monitor.progress("inpainting", k, walk.length - 1);
			}
			result = fromModel(c, x);
		}
		// the known pixels come back exactly as they were
		for (int i = 0; i < result.length; i++)
			if (mask[i] == 0) result[i] = image[i];
		return result;
	}

	/** Known region ← √ᾱ_t y + √(1−ᾱ_t) z (y itself at t = −1); the rest stays. Result attached to {@code m}. */
	private NDArray constrain(final NDArray x, final NDArray y, final NDArray keep, final int t,
		final GaussianNoise noise, final long stream, final NDManager m)
	{
		final NDArray known;
		if (t < 0) {
			known = m.zeros(x.getShape()).addi(y);
		}
		else {
			final double ab = model.schedule().alphaBar(t);
			final double a = Math.sqrt(ab), s = Math.sqrt(1 - ab);
			// z·s + y·a, built in place on z so nothing lands in y's manager
			known = noise.ndarray(m, stream, x.getShape()).muli((float) (s / a)).addi(y).muli((float) a);
		}
		// x + keep · (known − x)
		return known.subi(x).muli(keep).addi(x);
	}
}
