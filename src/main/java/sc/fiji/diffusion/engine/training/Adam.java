package sc.fiji.diffusion.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * Adam (Kingma &amp; Ba 2015) exactly as PyTorch's {@code torch.optim.Adam} (no weight decay):
 * <pre>
 *   m ← β1 m + (1−β1) g,   v ← β2 v + (1−β2) g²
 *   p ← p − (lr / (1−β1^k)) · m / (√v / √(1−β2^k) + ε)
 * </pre>
 * plus the exponential moving average of the weights that is exported,
 * ema ← d·ema + (1−d)·p with d = min(decay, (1+k)/(10+k)) (warm-up as the Python scripts).
 * The state lives in arrays of its own manager, so a checkpoint can save and restore it exactly.
 * Updates run with PyTorch's grad mode off (outside any gradient collector).
 */
final class Adam {

	private final double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
	final NDList m = new NDList(), v = new NDList(), ema = new NDList();

	/** Zeroed moments and the EMA started at the current weights, in {@code state}. */
	Adam(final List<NDArray> params, final NDManager state) {
		for (final NDArray p : params) {
			final NDArray mi = state.zeros(p.getShape()), vi = state.zeros(p.getShape()), e = p.duplicate();
			e.attach(state);
			m.add(mi);
			v.add(vi);
			ema.add(e);
		}
	}

	/** One update of every parameter from its gradient; k is the 1-based step. Temporaries go to {@code step}. */
	void update(final List<NDArray> params, final List<NDArray> grads, final int k, final double lr,
		final double emaDecay, final NDManager step)
	{
		final double bc1 = 1 - Math.pow(beta1, k), bc2 = 1 - Math.pow(beta2, k);
		final double d = Math.min(emaDecay, (1.0 + (k - 1)) / (10.0 + (k - 1)));
		for (int i = 0; i < params.size(); i++) {
			final NDArray p = params.get(i), g = grads.get(i);
			m.get(i).muli((float) beta1).addi(tmp(g.mul((float) (1 - beta1)), step));
			v.get(i).muli((float) beta2).addi(tmp(g.square().muli((float) (1 - beta2)), step));
			final NDArray denom = tmp(v.get(i).sqrt(), step).divi((float) Math.sqrt(bc2)).addi((float) eps);
			p.subi(tmp(m.get(i).div(denom), step).muli((float) (lr / bc1)));
			ema.get(i).muli((float) d).addi(tmp(p.mul((float) (1 - d)), step));
		}
	}

	private static NDArray tmp(final NDArray a, final NDManager step) {
		a.attach(step);
		return a;
	}
}
