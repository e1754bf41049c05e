package sc.fiji.diffusion.engine.sampling;

import ai.djl.ndarray.NDArray;

import sc.fiji.diffusion.engine.NoiseSchedule;

/**
 * RePaint's constraint (Lugmayr et al. 2022): where the observation is known, the state at
 * level t is replaced by the observation noised to that level, √ᾱ_t y + √(1−ᾱ_t) z (y itself
 * at t = −1); elsewhere the sampler's state is kept. An observation that already carries
 * Gaussian noise σ_y (y = x_0 + σ_y ε) gets only the noise it lacks: √ᾱ_t (y + √(σ_t² − σ_y²) z),
 * and √ᾱ_t y at the levels where σ_t ≤ σ_y.
 * x ← keep · known_t + (1 − keep) · x, keep = 1 on known pixels and 0 on those to fill (exact
 * for 0/1 masks: the clean image gets y's values bit for bit).
 */
public final class KnownRegion implements Constraint {

	private final NoiseSchedule schedule;
	private final NDArray y, keep, fill;
	private final double sigmaY;

	/**
	 * @param y the observation in the model range, shaped like the state
	 * @param keep 1 where y is known, 0 where the model fills in
	 */
	public KnownRegion(final NoiseSchedule schedule, final NDArray y, final NDArray keep) {
		this(schedule, y, keep, 0);
	}

	/** @param sigmaY the noise σ the observation already carries, in model units (0 = clean) */
	public KnownRegion(final NoiseSchedule schedule, final NDArray y, final NDArray keep, final double sigmaY) {
		if (!(sigmaY >= 0)) throw new IllegalArgumentException("the observation's noise must be >= 0, was " + sigmaY);
		this.sigmaY = sigmaY;
		this.schedule = schedule;
		this.y = y;
		this.keep = keep;
		this.fill = keep.neg().addi(1f);
	}

	@Override
	public NDArray apply(final NDArray x, final int t, final Sampler.NoiseSupplier noise) {
		final NDArray known;
		if (t < 0) known = x.zerosLike().addi(y);
		else {
			final double ab = schedule.alphaBar(t);
			final double a = Math.sqrt(ab), s = Math.sqrt(Math.max(0, 1 - ab - ab * sigmaY * sigmaY));
			// (z·s/a + y)·a built in place on z, so nothing lands in y's manager
			known = noise.next().muli((float) (s / a)).addi(y).muli((float) a);
		}
		return known.muli(keep).addi(x.mul(fill));
	}
}
