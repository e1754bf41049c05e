package sc.fiji.diffusion.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Attr;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.pipeline.EditPipeline;
import sc.fiji.diffusion.engine.pipeline.EditSettings;
import sc.fiji.diffusion.engine.pipeline.ModelSource;
import sc.fiji.diffusion.engine.sampling.Samplers;
import sc.fiji.diffusion.engine.values.Normalization;

/**
 * Plugins › Diffusion › Edit: SDEdit, a plausible image of the model's domain that follows the
 * active image's layout (see {@link EditPipeline}). Macro:
 * {@code run("Edit", "model=fashion-mnist strength=0.5 steps=50 sampler=ddim seed=1 label=Sneaker guidance=2");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Edit", headless = true)
public class EditCommand extends ImageCommand {

	@Parameter(persist = false, label = "Strength", description = "0 < strength <= 1: how much the model may change " +
		"(1 ignores the guide)", attrs = { @Attr(name = "group", value = "Sampling"), @Attr(name = "hint",
			value = "0..1; 1 ignores the guide") })
	private double strength = 0.5;

	@Parameter(persist = false, label = "Steps", description = "Network evaluations from the noised guide back to an " +
		"image (of the part strength leaves)", min = "1", attrs = @Attr(name = "group", value = "Sampling"))
	private int steps = 50;

	@Parameter(persist = false, label = "Sampler", description = "A sampler of the registry (the dialog lists them)",
		attrs = @Attr(name = "group", value = "Sampling"))
	private String sampler = Samplers.defaultName();

	@Parameter(persist = false, label = "Seed", description = "Same seed, same result", attrs = @Attr(name = "group",
		value = "Sampling"))
	private long seed = 1;

	@Parameter(persist = false, label = "Class", required = false, description = "A class name of the model; empty for " +
		"none", attrs = @Attr(name = "group", value = "Sampling"))
	private String label = "";

	@Parameter(persist = false, label = "Guidance", description = "Classifier-free guidance scale when a class is " +
		"given (1 = plain conditional, more = more of the class)", attrs = { @Attr(name = "group", value = "Sampling"), @Attr(
		name = "hint", value = "1 = plain conditional") })
	private double guidance = 1;

	@Override
	protected String taskName() {
		return "Edit";
	}

	@Override
	protected String suffix() {
		return "edited";
	}

	@Override
	protected Hyperstack run(final ModelSource models, final Hyperstack in, final Normalization normalization,
		final Monitor monitor)
	{
		return EditPipeline.run(models, in, EditSettings.builder().strength(strength).steps(steps).sampler(sampler).seed(seed)
			.normalization(normalization).label(label).guidance(guidance).build(), monitor);
	}
}
