package sc.fiji.diffusion.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

import java.util.Arrays;

import sc.fiji.diffusion.engine.Denoiser;

/**
 * Classifier-free guidance (Ho &amp; Salimans 2022): ε̂ = ε(x, ∅) + w · (ε(x, y) − ε(x, ∅)).
 * w = 0 is the unconditional model, w = 1 the conditional one, w &gt; 1 pushes harder toward y.
 * Both predictions come from one batched forward pass of [x; x] with labels [y; ∅].
 */
public final class GuidedDenoiser implements Denoiser {

	private final DiffusionModel model;
	private final int[] labels;
	private final double w;
	private final boolean conditional;

	/**
	 * @param labels one class index per batch element, −1 for none; all −1 gives the plain
	 *          unconditional model in one pass
	 */
	public GuidedDenoiser(final DiffusionModel model, final int[] labels, final double w) {
		if (!Double.isFinite(w)) throw new IllegalArgumentException("guidance must be a finite number, was " + w);
		this.model = model;
		this.labels = labels.clone();
		this.w = w;
		boolean any = false;
		for (final int y : labels)
			any |= y >= 0;
		this.conditional = any && model.descriptor().isConditional();
	}

	/** The same label (or −1 for none) for every image of any batch, e.g. for the tiles of one image. */
	public static Denoiser uniform(final DiffusionModel model, final int label, final double w) {
		return (x, t) -> new GuidedDenoiser(model, filled((int) x.getShape().get(0), label), w).eps(x, t);
	}

	private static int[] filled(final int n, final int v) {
		final int[] a = new int[n];
		Arrays.fill(a, v);
		return a;
	}

	@Override
	public NDArray eps(final NDArray x, final double t) {
		if (!conditional) return model.eps(x, t, nulls(labels.length));
		// w = 1 is exactly the conditional model: one forward instead of two
		if (w == 1) return model.eps(x, t, labels);
		final int b = labels.length;
		final int[] both = new int[2 * b];
		System.arraycopy(labels, 0, both, 0, b);
		System.arraycopy(nulls(b), 0, both, b, b);
		final NDArray out = model.eps(NDArrays.concat(new NDList(x, x), 0), t, both);
		final NDList halves = out.split(2, 0);
		final NDArray cond = halves.get(0), uncond = halves.get(1);
		// ε∅ + w (ε_y − ε∅)
		return cond.sub(uncond).muli((float) w).addi(uncond);
	}

	private static int[] nulls(final int n) {
		return filled(n, -1);
	}
}
