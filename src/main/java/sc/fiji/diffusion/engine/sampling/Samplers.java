package sc.fiji.diffusion.engine.sampling;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import sc.fiji.diffusion.engine.NoiseSchedule;

/** Creates samplers by their public names (the values of the {@code sampler} macro key). */
public final class Samplers {

	/** Every accepted sampler name. */
	public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList("ddpm", "ddim", "dpmpp2m", "heun", "pc", "langevin"));

	private Samplers() {}

	/**
	 * A fresh sampler for one run on {@code model}: {@code ddpm} is ancestral sampling with
	 * σ² = β̃ (the lower-variance choice, diffusers' default); {@code ddim} is deterministic
	 * DDIM (η = 0); {@code dpmpp2m} DPM-Solver++(2M); {@code heun} Heun's method on the
	 * probability-flow ODE; {@code pc} reverse-SDE Euler–Maruyama with a Langevin corrector;
	 * {@code langevin} annealed Langevin dynamics (2 iterations per noise level).
	 */
	public static Sampler create(final String name, final NoiseSchedule schedule, final double[] clip) {
		final String n = name == null ? "" : name.trim().toLowerCase();
		switch (n) {
			case "ddpm":
				return new DdpmSampler(schedule, DdpmSampler.Variance.SMALL, clip);
			case "ddim":
				return new DdimSampler(schedule, 0, clip);
			case "dpmpp2m":
				return new DpmSolverPlusPlus(schedule, clip);
			case "heun":
				return new HeunSampler(schedule, clip);
			case "pc":
				return new PredictorCorrectorSampler(schedule, 0.16, clip);
			case "langevin":
				return new AnnealedLangevinSampler(schedule, 2, 0.1, clip);
			default:
				throw new IllegalArgumentException("Unknown sampler '" + name + "'; accepted: " + String.join(", ", NAMES));
		}
	}
}
