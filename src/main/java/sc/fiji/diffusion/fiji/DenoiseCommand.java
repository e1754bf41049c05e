package sc.fiji.diffusion.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.tasks.Denoise;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.values.ValueMap;

/**
 * Plugins › Diffusion › Denoise: removes Gaussian noise from the active image.
 * Macro: {@code run("Denoise", "model=fashion-mnist sigma=25 steps=20 output=mean seed=1");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Denoise", headless = true)
public class DenoiseCommand extends ImageCommand {

	@Parameter(persist = false, label = "Noise sigma", description = "Standard deviation of the noise in pixel units; 0 = estimate it")
	private double sigma = 0;

	@Parameter(persist = false, label = "Steps", description = "Reverse steps for output=sample", min = "1")
	private int steps = 20;

	@Parameter(persist = false, label = "Output", choices = { "mean", "sample" })
	private String output = "mean";

	@Parameter(persist = false, label = "Seed")
	private long seed = 1;

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

	@Override
	protected void validate(final DiffusionModel m) {
		Denoise.with(m).sigma(sigma).steps(steps).output(output).validate();
		sigmaUsed = "";
	}

	@Override
	protected float[] process(final DiffusionModel m, final float[] plane, final int w, final int h, final int slice,
		final int batch, final ValueMap values, final Monitor monitor)
	{
		final Denoise.Result r = Denoise.with(m).values(values).sigma(sigma).steps(steps).output(output).seed(seed + slice)
			.tileBatch(batch).run(plane, w, h, monitor);
		sigmaUsed += (sigmaUsed.isEmpty() ? "" : " ") + String.format(java.util.Locale.ROOT, "%.4g", r.sigma);
		log.info(String.format(java.util.Locale.ROOT, "Denoise: slice %d: sigma %.4g%s (image units), entering at t* = %d",
			slice + 1, r.sigma, r.estimated ? " estimated" : "", r.tStar));
		return r.image;
	}
}
