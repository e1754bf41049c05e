package sc.fiji.diffusion.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.tasks.Denoise;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.noise.PoissonGaussian;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * Plugins › Diffusion › Denoise: removes noise from the active image. {@code noise=gaussian}:
 * constant σ ({@code sigma}, 0 = estimate). {@code noise=poisson}: Poisson–Gaussian camera noise,
 * var = gain·(E[z] − offset) + sigma², gain and sigma estimated when 0; the image is stabilised
 * by the generalised Anscombe transform, denoised at σ = 1 and mapped back by the exact unbiased
 * inverse (see {@link PoissonGaussian}). Macros:
 * {@code run("Denoise", "model=grayscale sigma=25 steps=20 output=mean seed=1");}
 * {@code run("Denoise", "model=grayscale noise=poisson gain=0 sigma=0 offset=100 output=mean");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Denoise", headless = true)
public class DenoiseCommand extends ImageCommand {

	@Parameter(persist = false, label = "Noise sigma", description = "gaussian: standard deviation of the noise in " +
		"pixel units; poisson: of the camera's read noise; 0 = estimate it")
	private double sigma = 0;

	@Parameter(persist = false, label = "Steps", description = "Reverse steps for output=sample", min = "1")
	private int steps = 20;

	@Parameter(persist = false, label = "Output", choices = { "mean", "sample" })
	private String output = "mean";

	@Parameter(persist = false, label = "Seed")
	private long seed = 1;

	@Parameter(persist = false, label = "Noise model", choices = { "gaussian", "poisson" }, required = false,
		description = "gaussian: constant sigma; poisson: photon noise plus read noise (variance grows with the signal)")
	private String noise = "gaussian";

	@Parameter(persist = false, label = "Gain (poisson)", required = false,
		description = "Grey levels per photon; 0 = estimate it from the image")
	private double gain = 0;

	@Parameter(persist = false, label = "Camera offset (poisson)", required = false,
		description = "The image's value at zero photons (the camera's dark level)")
	private double offset = 0;

	/** The Poisson–Gaussian model of this run (noise=poisson). */
	private PoissonGaussian camera;

	/** σ used per slice, in image units (the estimate when sigma = 0): reported and recorded. */
	@Parameter(type = org.scijava.ItemIO.OUTPUT, required = false)
	private String sigmaUsed;

	@Override
	protected String taskName() {
		return "Denoise";
	}

	@Override
	protected String suffix() {
		return "denoised";
	}

	private boolean poisson() {
		final String n = noise == null ? "" : noise.trim().toLowerCase(java.util.Locale.ROOT);
		if (n.isEmpty() || n.equals("gaussian")) return false;
		if (n.equals("poisson")) return true;
		throw new IllegalArgumentException("Unknown noise '" + noise + "'; accepted: gaussian, poisson");
	}

	@Override
	protected void validate(final DiffusionModel m) {
		Denoise.with(m).sigma(sigma).steps(steps).output(output).validate();
		if (poisson() && (gain < 0 || !Double.isFinite(gain) || !Double.isFinite(offset))) throw new IllegalArgumentException(
			"gain must be >= 0 (0 = estimate) and offset a number, were " + gain + ", " + offset);
		sigmaUsed = "";
		camera = null;
	}

	/** noise=poisson: the whole stack through the generalised Anscombe transform, with one noise model. */
	@Override
	protected float[][] toWorkingUnits(final DiffusionModel m, final float[][] planes) {
		if (!poisson()) return planes;
		camera = (PoissonGaussian) NoiseSettings.parse("poisson", sigma, gain, offset).model(planes, image.getWidth(), s -> {})
			.get(0);
		log.info("Denoise: noise=poisson: " + camera + "; denoising the stabilised image at sigma = 1");
		final float[][] out = new float[planes.length][];
		for (int z = 0; z < planes.length; z++)
			out[z] = camera.forward(planes[z]);
		return out;
	}

	@Override
	protected int workingBitDepth() {
		return camera != null ? 32 : super.workingBitDepth();
	}

	@Override
	protected float[] fromWorkingUnits(final int slice, final float[] p) {
		return camera == null ? p : camera.inverse(p);
	}

	@Override
	protected float[] process(final DiffusionModel m, final float[] plane, final int w, final int h, final int slice,
		final int batch, final ValueMap values, final Monitor monitor)
	{
		final Denoise.Result r = Denoise.with(m).values(values).sigma(camera != null ? 1 : sigma).steps(steps).output(output)
			.seed(seed + slice).tileBatch(batch).run(plane, w, h, monitor);
		if (camera != null) {
			sigmaUsed += (sigmaUsed.isEmpty() ? "" : " ") + String.format(java.util.Locale.ROOT, "%.4g", camera.sigma());
			log.info(String.format(java.util.Locale.ROOT, "Denoise: slice %d: stabilised, entering at t* = %d", slice + 1,
				r.tStar));
			return r.image;
		}
		sigmaUsed += (sigmaUsed.isEmpty() ? "" : " ") + String.format(java.util.Locale.ROOT, "%.4g", r.sigma);
		log.info(String.format(java.util.Locale.ROOT, "Denoise: slice %d: sigma %.4g%s (image units), entering at t* = %d",
			slice + 1, r.sigma, r.estimated ? " estimated" : "", r.tStar));
		return r.image;
	}
}
