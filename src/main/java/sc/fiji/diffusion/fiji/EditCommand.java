package sc.fiji.diffusion.fiji;

import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.values.ValueMap;
import sc.fiji.diffusion.engine.tasks.Edit;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.sampling.Samplers;

/**
 * Plugins › Diffusion › Edit: SDEdit, a plausible image of the model's domain that follows the
 * active image's layout. Macro:
 * {@code run("Edit", "model=fashion-mnist strength=0.5 steps=50 sampler=ddim seed=1 label=Sneaker guidance=2");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Edit", headless = true)
public class EditCommand extends ImageCommand {

	@Parameter(persist = false, label = "Strength", description = "0 < strength <= 1: how much the model may change (1 ignores the guide)")
	private double strength = 0.5;

	@Parameter(persist = false, label = "Steps", min = "1")
	private int steps = 50;

	@Parameter(persist = false, label = "Sampler", description = "A sampler of the registry (the dialog lists them)")
	private String sampler = Samplers.defaultName();

	@Parameter(persist = false, label = "Seed")
	private long seed = 1;

	@Parameter(persist = false, label = "Class", required = false, description = "A class name of the model; empty for none")
	private String label = "";

	@Parameter(persist = false, label = "Guidance")
	private double guidance = 1;

	@Override
	protected String taskName() {
		return "Edit";
	}

	@Override
	protected String suffix() {
		return "edited";
	}

	private Edit task(final DiffusionModel m) {
		return Edit.with(m).strength(strength).steps(steps).sampler(sampler).label(label).guidance(guidance);
	}

	@Override
	protected void validate(final DiffusionModel m) {
		task(m).validate();
	}

	@Override
	protected float[] process(final DiffusionModel m, final float[] plane, final int w, final int h, final int slice,
		final int batch, final ValueMap values, final Monitor monitor)
	{
		return task(m).values(values).seed(seed + slice).tileBatch(batch).run(plane, w, h, monitor);
	}
}
