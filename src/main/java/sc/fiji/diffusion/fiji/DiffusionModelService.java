package sc.fiji.diffusion.fiji;

import ai.djl.Device;

import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.service.AbstractService;
import org.scijava.service.SciJavaService;
import org.scijava.service.Service;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelCache;
import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.engine.pipeline.ModelSource;
import sc.fiji.diffusion.models.ModelLocator;

/**
 * The loaded diffusion models of a SciJava context: each (model, device) is loaded and its
 * weights' sha256 checked once, then shared by every command run (a batch over a folder loads
 * its model once); the GPU → CPU fallback goes through here too. Closed with the context.
 */
@Plugin(type = Service.class)
public class DiffusionModelService extends AbstractService implements SciJavaService {

	@Parameter(required = false)
	private LogService log;

	private ModelCache cache;

	/** Where models are found and trained ones written; null = this JVM's settings, read at each use. */
	private ModelLocator locator;

	/** Where this context finds models and writes trained ones. */
	public ModelLocator locator() {
		return locator != null ? locator : ModelLocator.fromEnvironment();
	}

	/** Sets where this context finds models (e.g. a test's own folders); null = this JVM's settings. */
	public void setLocator(final ModelLocator l) {
		locator = l;
	}

	private synchronized ModelCache cache() {
		if (cache == null) cache = new ModelCache(msg -> {
			if (log != null) log.info(msg);
			else System.out.println(msg);
		});
		return cache;
	}

	/** The model called {@code nameOrPath} (see {@link ModelLocator#resolve}) on the chosen device. */
	public DiffusionModel get(final String nameOrPath, final String device) {
		return get(nameOrPath, Devices.resolve(device));
	}

	public DiffusionModel get(final String nameOrPath, final Device device) {
		return cache().get(locator().resolve(nameOrPath), device);
	}

	/**
	 * The model called {@code nameOrPath} on the chosen device, as a pipeline's model source (with
	 * the CPU fallback): loaded on the pipeline's first use or its {@link ModelSource#prefetch}, its
	 * descriptor read without loading it.
	 */
	public ModelSource source(final String nameOrPath, final String device) {
		return ModelSource.lazy(() -> get(nameOrPath, device), () -> ModelDescriptor.read(locator().resolve(nameOrPath)),
			this::onCpu);
	}

	/** The same model on the CPU (after a GPU ran out of memory). */
	public DiffusionModel onCpu(final DiffusionModel m) {
		return cache().onCpu(m);
	}

	@Override
	public synchronized void dispose() {
		if (cache != null) cache.close();
		cache = null;
	}
}
