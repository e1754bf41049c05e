package sc.fiji.diffusion.engine.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.sampling.ReverseProcess;
import sc.fiji.diffusion.engine.sampling.Sampler;
import sc.fiji.diffusion.engine.sampling.Samplers;
import sc.fiji.diffusion.engine.tiling.Canvas;

/**
 * SDEdit (Meng et al. 2022): the guide image is noised to t₀ = round(strength · (T−1)) with the
 * closed-form q(x_t₀ | x_0) and the reverse process runs from there, so the result keeps the
 * guide's coarse layout (more of it at low strength) while the model supplies plausible
 * detail. ⌈steps · strength⌉ steps are taken, as in diffusers' img2img.
 */
public final class Edit extends ImageTask<Edit> {

	private double strength = 0.5;
	private int steps = 50;
	private String sampler = Samplers.defaultName();
	private String label = "";
	private double guidance = 1;

	private Edit(final DiffusionModel model) {
		super(model);
	}

	public static Edit with(final DiffusionModel model) {
		return new Edit(model);
	}

	/** How far into the noise the guide goes: (0, 1]; 1 ignores the guide entirely. */
	public Edit strength(final double s) { strength = s; return this; }
	public Edit steps(final int n) { steps = n; return this; }
	public Edit sampler(final String s) { sampler = s; return this; }
	public Edit label(final String l) { label = l == null ? "" : l; return this; }
	public Edit guidance(final double w) { guidance = w; return this; }

	public void validate() {
		if (!(strength > 0 && strength <= 1)) throw new IllegalArgumentException("strength must be in (0, 1], was " +
			strength);
		model.schedule().checkSteps(steps);
		if (!Double.isFinite(guidance)) throw new IllegalArgumentException("guidance must be a finite number, was " +
			guidance);
		Samplers.create(sampler, model.schedule(), null);
		model.descriptor().classIndex(label);
	}

	/** The start timestep t₀ for the current strength. */
	public int startTimestep() {
		return (int) Math.round(strength * (model.schedule().T() - 1));
	}

	/** Edits a 2-D plane (image units); returns a new image. */
	public Img<FloatType> run(final RandomAccessibleInterval<? extends RealType<?>> guide, final Monitor monitor) {
		validate();
		checkImage(guide, 2, "guide image");
		final Canvas c = canvas(guide);
		final GaussianNoise noise = new GaussianNoise(seed);
		final int t0 = startTimestep();
		try (NDManager m = model.manager().newSubManager()) {
			final NDArray x0 = toModel(m, c, guide);
			final NDArray xt = model.schedule().addNoise(x0, noise.ndarray(m, 0, x0.getShape()), t0);
			final Sampler s = Samplers.create(sampler, model.schedule(), model.clipRange());
			s.setTimesteps(Math.max(1, (int) Math.ceil(steps * strength)), t0);
			final NDArray out = ReverseProcess.run(s, tiled(GuidedDenoiser.uniform(model, model.descriptor().classIndex(label),
				guidance), c, monitor.withoutProgress(), m), xt, noise, 0, monitor);
			return fromModel(c, out);
		}
	}
}
