package sc.fiji.diffusion.fiji;

import net.imglib2.img.Img;
import net.imglib2.type.numeric.real.FloatType;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.pipeline.SamplePipeline;
import sc.fiji.diffusion.engine.pipeline.SampleSettings;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.sampling.Samplers;

/**
 * Plugins › Diffusion › Sample: draws new images from a model. The result is a new float
 * stack of {@code count} slices at the model's size, in the data's own value range.
 * Macro: {@code run("Sample", "model=fashion-mnist count=4 steps=50 sampler=ddim seed=1 label=Sneaker guidance=2");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Sample", headless = true)
public class SampleCommand extends DiffusionCommand {

	@Parameter(persist = false, label = "Model", description = "Name of an installed model, or the path of a model folder")
	private String model = "fashion-mnist";

	@Parameter(persist = false, label = "Number of images", description = "Images to draw (a stack)", min = "1")
	private int count = 4;

	@Parameter(persist = false, label = "Steps", description = "Network evaluations per image (1 to the model's T)", min = "1")
	private int steps = 50;

	@Parameter(persist = false, label = "Sampler", description = "A sampler of the registry (the dialog lists them)")
	private String sampler = Samplers.defaultName();

	@Parameter(persist = false, label = "Seed", description = "Same seed, same images")
	private long seed = 1;

	@Parameter(persist = false, label = "Class", required = false, description = "A class name of the model; empty for unconditional")
	private String label = "";

	@Parameter(persist = false, label = "Guidance", description = "Classifier-free guidance weight: 0 unconditional, 1 conditional, >1 stronger")
	private double guidance = 2;

	@Parameter(persist = false, label = "Device", required = false, choices = { "auto", "cpu", "gpu" },
		description = "auto: the GPU when there is one, else the CPU")
	private String device = "auto";

	@Parameter(type = ItemIO.OUTPUT)
	private Img<FloatType> samples;

	@Override
	protected String taskName() {
		return "Sample";
	}

	@Override
	protected void execute(final Monitor monitor) throws Exception {
		final Hyperstack out = SamplePipeline.run(source(model, device), SampleSettings.builder().count(count).steps(steps).sampler(
			sampler).seed(seed).label(label).guidance(guidance).build(), monitor);
		samples = Images.stack(channelPlanes(out), out.width(), out.height());
	}

	private static float[][] channelPlanes(final Hyperstack h) {
		final float[][] p = new float[h.planeCount()][];
		for (int i = 0; i < p.length; i++)
			p[i] = h.plane(i);
		return p;
	}
}
