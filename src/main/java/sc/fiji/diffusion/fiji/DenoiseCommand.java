package sc.fiji.diffusion.fiji;

import ij.ImagePlus;

import java.util.Locale;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Attr;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.pipeline.DenoisePipeline;
import sc.fiji.diffusion.engine.pipeline.DenoiseSettings;
import sc.fiji.diffusion.engine.pipeline.ModelSource;
import sc.fiji.diffusion.engine.values.Normalization;

/**
 * Plugins › Diffusion › Denoise: removes noise from the active image (see
 * {@link DenoisePipeline}). {@code noise=gaussian}: constant σ ({@code sigma}, 0 = estimate);
 * {@code noise=poisson}: Poisson–Gaussian camera noise, var = gain·(E[z] − offset) + sigma²,
 * each estimated when 0 / auto; {@code noise=auto}: decided from the image. Macros:
 * {@code run("Denoise", "model=grayscale sigma=25 output=mean seed=1");}
 * {@code run("Denoise", "noise=poisson gain=0 sigma=0 offset=auto output=mean ensemble=8");}
 * {@code run("Denoise", "noise=auto output=std samples=8");}
 * {@code run("Denoise", "stack=volume");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Denoise", headless = true)
public class DenoiseCommand extends ImageCommand {

	@Parameter(persist = false, label = "Noise model", required = false,
		description = "gaussian: constant sigma; poisson: photon noise plus read noise (variance grows with the signal); " +
			"auto: decided from the image", attrs = @Attr(name = "group", value = "Noise"))
	private String noise = "auto";

	@Parameter(persist = false, label = "Noise sigma", description = "gaussian: standard deviation of the noise in " +
		"pixel units; poisson: of the camera's read noise; 0 = estimate it", attrs = { @Attr(name = "group",
			value = "Noise"), @Attr(name = "hint", value = "0 = estimate") })
	private double sigma = 0;

	@Parameter(persist = false, label = "Gain (poisson)", required = false,
		description = "Grey levels per photon; 0 = estimate it from the image", attrs = { @Attr(name = "group",
			value = "Noise"), @Attr(name = "hint", value = "poisson/auto only; 0 = estimate") })
	private double gain = 0;

	@Parameter(persist = false, label = "Camera offset (poisson)", required = false,
		description = "The image's value at zero photons (the camera's dark level); auto = estimate it", attrs = {
			@Attr(name = "group", value = "Noise"), @Attr(name = "hint", value = "poisson/auto only; auto = estimate") })
	private String offset = "auto";

	@Parameter(persist = false, label = "Output", choices = { "mean", "sample", "std" }, description = "mean: the " +
		"posterior mean (best PSNR, one network pass); sample: one posterior sample (sharper); std: the expected error " +
		"of output=mean at each pixel, in the image's units (an error bar, from 'samples' random probes)", attrs = @Attr(name = "group",
			value = "Output"))
	private String output = "mean";

	@Parameter(persist = false, label = "Ensemble", required = false, choices = { "1", "8" }, description = "8: average " +
		"output=mean over the 8 flips and rotations (better, 8x the time)", attrs = @Attr(name = "group", value = "Output"))
	private String ensemble = "1";

	@Parameter(persist = false, label = "Samples", required = false, min = "1", description = "Random probes " +
		"behind output=std (more: a less noisy map; one network pass each)", attrs = { @Attr(name = "group", value = "Output"), @Attr(name = "hint",
			value = "output=std only") })
	private int samples = 8;

	@Parameter(persist = false, label = "Steps", description = "Reverse steps for output=sample", min = "1",
		attrs = { @Attr(name = "group", value = "Output"), @Attr(name = "hint", value = "output=sample only") })
	private int steps = 20;

	@Parameter(persist = false, label = "Stack", required = false, choices = { "slices", "volume" }, description =
		"slices: each plane on its own; volume: a z-stack as one volume (the prior also sees its xz and yz planes, " +
			"weighted by the voxel aspect)", attrs = @Attr(name = "group", value = "Output"))
	private String stack = "slices";

	@Parameter(persist = false, label = "Adapt (experimental)", required = false, min = "0", description =
		"Experimental: fine-tune the prior on this image for up to so many steps first (self-distillation: it " +
			"learns to give its own estimate of the image back from that estimate plus fresh noise of the image's " +
			"level; no clean image; about 0.04-0.08 s per step), stopping where the error measured on rows it did not " +
			"see stops falling; the adapted prior denoises only where that measure finds it better (measured: about " +
			"+1 dB on EM without grain, +0.1-0.3 dB on fluorescence; costs 5-25 s per " +
			"image at 300 steps); nothing is written to the model folder; 0 = off (see the Denoise docs)", attrs = {
				@Attr(name = "group", value = "Output"), @Attr(name = "hint", value = "steps; 0 = off") })
	private int adapt = 0;

	@Parameter(persist = false, label = "Seed", description = "Same seed, same result", attrs = @Attr(name = "group",
		value = "Output"))
	private long seed = 1;

	/** σ used per slice, in image units (the estimate when sigma = 0): reported and recorded. */
	@Parameter(type = ItemIO.OUTPUT, required = false)
	private String sigmaUsed;

	/**
	 * The estimated RMS error of the result against the unknown clean image, in image units (NaN
	 * where none is made): also the result's image property {@value #RMSE_PROPERTY}.
	 */
	@Parameter(type = ItemIO.OUTPUT, required = false)
	private double estimatedRmse = Double.NaN;

	/** The image property a macro reads with {@code Property.get("diffusion.estimated_rmse")}. */
	public static final String RMSE_PROPERTY = "diffusion.estimated_rmse";

	/**
	 * The estimate's range, {@value #RANGE_PROPERTY} = "low high": two standard errors either side,
	 * widened to cover Stein's estimate too where the noise was estimated (see Sure.Estimate#rmseRange).
	 */
	public static final String RANGE_PROPERTY = "diffusion.estimated_rmse_range";

	private double[] rmseRange;

	@Override
	protected void annotate(final ImagePlus shown) {
		if (Double.isFinite(estimatedRmse)) shown.setProp(RMSE_PROPERTY, String.format(Locale.ROOT, "%.6g",
			estimatedRmse));
		if (rmseRange != null && Double.isFinite(rmseRange[1])) shown.setProp(RANGE_PROPERTY, String.format(Locale.ROOT,
			"%.6g %.6g", rmseRange[0], rmseRange[1]));
	}

	@Override
	protected String taskName() {
		return "Denoise";
	}

	@Override
	protected String suffix() {
		return output != null && output.trim().equalsIgnoreCase("std") ? "std" : "denoised";
	}

	@Override
	protected Hyperstack run(final ModelSource models, final Hyperstack in, final Normalization normalization,
		final Monitor monitor)
	{
		final DenoisePipeline.Result r = DenoisePipeline.run(models, in, settings(), monitor);
		sigmaUsed = r.sigmaUsed;
		estimatedRmse = r.estimatedRmse();
		rmseRange = r.errorEstimate() == null ? null : r.errorEstimate().rmseRange();
		return r.image;
	}

	/**
	 * The settings this command's inputs describe: the one place where Denoise's keys become
	 * {@link DenoiseSettings} (Spark's denoise builds its settings here too).
	 */
	public DenoiseSettings settings() {
		final int e;
		try {
			e = Integer.parseInt(ensemble == null || ensemble.trim().isEmpty() ? "1" : ensemble.trim());
		}
		catch (final NumberFormatException x) {
			throw new IllegalArgumentException("ensemble must be 1 or 8, was '" + ensemble + "'");
		}
		return DenoiseSettings.builder().noise(NoiseSettings.parse(noise, sigma, gain, NoiseSettings.parseOffset(offset)))
			.normalization(Normalization.parse(normalize, low, high)).output(output).ensemble(e).samples(samples).steps(steps)
			.stack(stack).adapt(adapt).seed(seed).build();
	}

	/** The model and device keys (Spark loads the model itself). */
	public String model() {
		return model;
	}

	public String device() {
		return device;
	}
}
