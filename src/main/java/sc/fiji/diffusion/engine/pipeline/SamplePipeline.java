package sc.fiji.diffusion.engine.pipeline;

import java.util.Locale;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.tasks.Generate;

/**
 * Sample, from settings to a stack of new images in the model's data range, for every front end:
 * sample k of a seed is the same whatever the batch (its noise is indexed by k), and the batch
 * is halved (then the CPU used) when the network runs out of memory.
 */
public final class SamplePipeline {

	private SamplePipeline() {}

	public static Hyperstack run(final ModelSource models, final SampleSettings s, final Monitor monitor) {
		final ModelDescriptor d = models.model().descriptor();
		if (d.channels() != 1) throw new IllegalArgumentException("Sample makes one-channel images; model '" + d.name() +
			"' has " + d.channels() + " channels");
		d.schedule().checkSteps(s.steps());
		d.classIndex(s.label());
		final long t0 = System.nanoTime();
		final float[][] images = new Fallback(models, monitor, "Sample").run((m, batch) -> Generate.with(m).count(s.count())
			.steps(s.steps()).sampler(s.sampler()).seed(s.seed()).label(s.label()).guidance(s.guidance()).batchSize(batch).run(
				monitor));
		final Hyperstack out = Hyperstack.wrap(images, d.width(), d.height(), 1, images.length, 1, new double[] { 1, 1, 1 },
			"pixel", 32, d.name() + " samples" + (s.label().isEmpty() ? "" : " (" + s.label() + ")"));
		monitor.log(String.format(Locale.ROOT, "Sample: %d image(s) of '%s', %d %s steps%s, %.1f s", s.count(), d.name(),
			s.steps(), s.sampler(), s.label().isEmpty() ? "" : ", class " + s.label() + ", guidance " + s.guidance(), (System
				.nanoTime() - t0) / 1e9));
		return out;
	}
}
