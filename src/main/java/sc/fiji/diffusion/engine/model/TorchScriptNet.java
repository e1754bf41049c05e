package sc.fiji.diffusion.engine.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.Offline;

/**
 * A TorchScript network on one device, called through its block directly: outputs attach
 * to the manager of the first input, so callers scope them with a sub-manager per step.
 */
public final class TorchScriptNet implements AutoCloseable {

	private final Model model;
	private final Block block;
	private final ParameterStore store;

	private TorchScriptNet(final Model model) {
		this.model = model;
		this.block = model.getBlock();
		this.store = new ParameterStore(model.getNDManager(), false);
	}

	/** Loads a TorchScript file (as written by {@code torch.jit.save}) onto {@code device}. */
	public static TorchScriptNet load(final Path file, final Device device) {
		Offline.ensure();
		final Model m = Model.newInstance(file.getFileName().toString(), device, "PyTorch");
		try {
			// mapLocation: put the weights on the requested device whatever device they were saved from
			m.load(file.getParent(), file.getFileName().toString(), Collections.singletonMap("mapLocation", "true"));
			return new TorchScriptNet(m);
		}
		catch (final IOException | MalformedModelException | RuntimeException e) {
			m.close();
			throw new ModelException("Cannot load TorchScript weights " + file + ": " + e.getMessage(), e);
		}
	}

	public NDList forward(final NDList inputs) {
		return block.forward(store, inputs, false);
	}

	public Model model() {
		return model;
	}

	@Override
	public void close() {
		model.close();
	}
}
