package sc.fiji.diffusion.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.List;

/**
 * Adam (Kingma &amp; Ba 2015) exactly as PyTorch's {@code torch.optim.Adam} (no weight decay):
 * <pre>
 *   m ← β1 m + (1−β1) g,   v ← β2 v + (1−β2) g²
 *   p ← p − (lr / (1−β1^k)) · m / (√v / √(1−β2^k) + ε)
 * </pre>
 * plus the exponential moving average of the weights that is exported,
 * ema ← d·ema + (1−d)·p with d = min(decay, (1+k)/(10+k)) from fresh weights (warm-up as the
 * Python scripts: the first weights are noise, not worth remembering), and d = decay when
 * fine-tuning (the EMA starts at the trained base weights, which are worth keeping while the
 * first, still noisy steps go by).
 * The state lives in arrays of its own manager, so a checkpoint can save and restore it exactly.
 * Updates run with PyTorch's grad mode off (outside any gradient collector).
 */
final class Adam {

	private final double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
	final NDList m = new NDList(), v = new NDList(), ema = new NDList();
	private final boolean emaWarmup;

	/**
	 * Zeroed moments and the EMA started at the current weights, in {@code state}.
	 *
	 * @param emaWarmup true from fresh weights (the EMA's decay ramps up), false when fine-tuning
	 */
	Adam(final List<NDArray> params, final NDManager state, final boolean emaWarmup) {
		this.emaWarmup = emaWarmup;
		for (final NDArray p : params) {
			final NDArray mi = state.zeros(p.getShape()), vi = state.zeros(p.getShape()), e = p.duplicate();
			e.attach(state);
			m.add(mi);
			v.add(vi);
			ema.add(e);
		}
	}

	/**
	 * One update of every parameter from its gradient; k is the 1-based step. Temporaries go to
	 * {@code step}. Each parameter costs a few native calls, not a dozen: the moments and the
	 * weight are updated by PyTorch's fused Adam kernel that DJL exposes, which computes
	 * p ← p − c·m/(√v + e); with c = lr·√(1−β2^k)/(1−β1^k) and e = ε·√(1−β2^k) that is exactly
	 * the form above. The EMA step ema ← ema − (1−d)(ema − p) uses the fused SGD kernel.
	 */
	void update(final List<NDArray> params, final List<NDArray> grads, final int k, final double lr,
		final double emaDecay, final NDManager step)
	{
		final double bc1 = 1 - Math.pow(beta1, k), bc2 = 1 - Math.pow(beta2, k);
		final double d = emaWarmup ? Math.min(emaDecay, (1.0 + (k - 1)) / (10.0 + (k - 1))) : emaDecay;
		final float c = (float) (lr * Math.sqrt(bc2) / bc1), e = (float) (eps * Math.sqrt(bc2));
		for (int i = 0; i < params.size(); i++) {
			final PtNDArray p = (PtNDArray) params.get(i);
			JniUtils.adamUpdate(p, (PtNDArray) grads.get(i), (PtNDArray) m.get(i), (PtNDArray) v.get(i), (float) lr, c, 0f, 1f,
				-1f, (float) beta1, (float) beta2, e, false);
			final PtNDArray ema = (PtNDArray) this.ema.get(i);
			JniUtils.sgdUpdate(ema, (PtNDArray) tmp(ema.sub(p), step), null, (float) (1 - d), 0f, 1f, -1f, 0f);
		}
	}

	private static NDArray tmp(final NDArray a, final NDManager step) {
		a.attach(step);
		return a;
	}
}
