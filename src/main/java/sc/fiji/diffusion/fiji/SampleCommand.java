package sc.fiji.diffusion.fiji;

import net.imglib2.img.Img;
import net.imglib2.type.numeric.real.FloatType;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.tasks.Generate;
import sc.fiji.diffusion.imaging.Images;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
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

	@Parameter(persist = false, label = "Number of images", min = "1")
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

	@Parameter(persist = false, label = "Device", required = false, description = "auto, cpu or gpu")
	private String device = "auto";

	@Parameter(type = ItemIO.OUTPUT)
	private Img<FloatType> samples;

	@Override
	protected String taskName() {
		return "Sample";
	}

	@Override
	protected void execute(final Monitor monitor) throws Exception {
		{
			final DiffusionModel m = loadModel(model, device);
			final java.util.function.Function<DiffusionModel, Generate> job = model -> Generate.with(model).count(count).steps(
				steps).sampler(sampler).seed(seed).label(label).guidance(guidance);
			job.apply(m).validate();
			final long t0 = System.nanoTime();
			final float[][] images = withFallback(m, (model, batch) -> job.apply(model).batchSize(batch).run(monitor));
			final ModelDescriptor d = m.descriptor();
			samples = Images.stack(images, d.width(), d.height());
			log.info(String.format("Sample: %d image(s), %d %s steps, %.1f s", count, steps, sampler,
				(System.nanoTime() - t0) / 1e9));
		}
	}
}
