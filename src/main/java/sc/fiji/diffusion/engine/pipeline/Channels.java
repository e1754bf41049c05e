package sc.fiji.diffusion.engine.pipeline;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.engine.values.ValueMap;

/** Per-channel value maps: each channel of a hyperstack normalised on its own, over all its slices and frames. */
final class Channels {

	private Channels() {}

	static ValueMap[] values(final ModelDescriptor d, final Hyperstack in, final Normalization n, final String task,
		final Monitor monitor)
	{
		final ValueMap[] out = new ValueMap[in.channels()];
		for (int c = 0; c < out.length; c++) {
			out[c] = n.map(d, in.bitDepth(), in.channel(c));
			monitor.log(task + ": " + (out.length > 1 ? "channel " + (c + 1) + ": " : "") + "normalize=" + n + ": " + out[c]);
		}
		return out;
	}

	static void checkOneChannelModel(final ModelDescriptor d, final String task) {
		if (d.channels() != 1) throw new IllegalArgumentException("Model '" + d.name() + "' has " + d.channels() +
			" channels; " + task + " works with one-channel models");
	}
}
