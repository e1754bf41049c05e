package sc.fiji.diffusion.engine.pipeline;

import java.util.Locale;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.image.Images;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tasks.Edit;
import sc.fiji.diffusion.engine.values.ValueMap;

/** Edit (SDEdit), from a guide image and settings to the result, for every front end: plane by plane, each channel normalised on its own. */
public final class EditPipeline {

	private EditPipeline() {}

	public static Hyperstack run(final ModelSource models, final Hyperstack in, final EditSettings s,
		final Monitor monitor)
	{
		final ModelDescriptor d = models.model().descriptor();
		Channels.checkOneChannelModel(d, "Edit");
		in.checkFinite("Edit", null);
		d.classIndex(s.label());
		d.schedule().checkSteps(s.steps());
		final ValueMap[] values = Channels.values(d, in, s.normalization(), "Edit", monitor);
		final Fallback fallback = new Fallback(models, monitor, "Edit");
		final float[][] out = new float[in.planeCount()][];
		final long t0 = System.nanoTime();
		for (int i = 0; i < in.planeCount(); i++) {
			final int index = i, c = i % in.channels();
			final Monitor perPlane = DenoisePipeline.prefixed(monitor.share(i, in.planeCount()), in.planeCount() > 1 ? "slice " + (i + 1) + "/" + in
				.planeCount() + " " : "");
			final float[] plane = in.plane(i);
			out[i] = Images.array(fallback.run((m, batch) -> Edit.with(m).values(values[c]).strength(s.strength()).steps(s
				.steps()).sampler(s.sampler()).label(s.label()).guidance(s.guidance()).seed(Seeds.plane(s.seed(), index))
				.tileBatch(Math.min(batch, s.tileBatch())).run(Images.plane(plane, in.width(), in.height()), perPlane)));
		}
		final Hyperstack r = in.withPlanes(out, 32, in.title() + "-edited");
		monitor.log(String.format(Locale.ROOT, "Edit: %s (%s) in %.1f s", r.title(), r.describe(), (System.nanoTime() -
			t0) / 1e9));
		return r;
	}
}
