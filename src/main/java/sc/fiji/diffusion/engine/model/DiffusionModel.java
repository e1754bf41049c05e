package sc.fiji.diffusion.engine.model;

import java.nio.file.Path;
import java.util.Arrays;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.Offline;

/**
 * A diffusion network loaded from its descriptor onto a device. Whatever the network predicts
 * (ε, x_0 or v, per the descriptor), {@link #eps} returns ε:
 * <pre>
 *   from x_0:  ε = (x_t − √ᾱ x_0) / √(1−ᾱ)
 *   from v:    ε = √ᾱ v + √(1−ᾱ) x_t          (v = √ᾱ ε − √(1−ᾱ) x_0)
 * </pre>
 * The network's TorchScript signature is {@code forward(x [B,C,H,W] float, t [B] float,
 * y [B] long) -> [B,C,H,W]}; unconditional models ignore y.
 */
public final class DiffusionModel implements AutoCloseable {

	private final ModelDescriptor descriptor;
	private final Device device;
	/** Loaded on the first call ({@link #net()}): a model only some of whose copies run loads only those. */
	private TorchScriptNet net;
	/** The parent of every run's sub-manager; the model's own, not the network's, so that it needs no network. */
	private final NDManager manager;
	/** "float32", or the inference copy's precision when that copy is what runs. */
	private final String precision;
	/** The TorchScript file the network was loaded from. */
	private final Path weightsFile;
	/** For a one-step network: the model it stands in for; null for the model's own network. */
	private final DiffusionModel standsFor;
	/** Whether the descriptor's one-step network may stand in for this one (not for other weights). */
	private final boolean distilled;

	private DiffusionModel(final ModelDescriptor descriptor, final Device device, final Path weightsFile,
		final String precision, final DiffusionModel standsFor, final boolean distilled)
	{
		this.descriptor = descriptor;
		this.device = device;
		this.weightsFile = weightsFile;
		this.weightsStamp = stamp(weightsFile);
		Offline.ensure();
		this.manager = NDManager.newBaseManager(device, "PyTorch");
		this.precision = precision;
		this.standsFor = standsFor;
		this.distilled = distilled;
	}

	/**
	 * Reads the descriptor in {@code dir}, verifies the weights' sha256 and loads them onto
	 * {@code device}: the model's bfloat16 inference copy where it has one and the device is a CPU
	 * that computes bfloat16 natively ({@link Devices#cpuHasBfloat16}), the float32 weights
	 * otherwise. Training never uses this object's network (it loads the float32 weights itself).
	 */
	public static DiffusionModel load(final Path dir, final Device device) {
		return load(dir, device, !device.isGpu() && Devices.cpuHasBfloat16());
	}

	/** As {@link #load(Path, Device)}, the inference copy taken where it exists and {@code inferenceCopy} holds. */
	static DiffusionModel load(final Path dir, final Device device, final boolean inferenceCopy) {
		final ModelDescriptor d = ModelDescriptor.read(dir);
		final Path inference = d.verifiedInferenceWeights();
		if (inference != null && inferenceCopy) return new DiffusionModel(d, device, inference, d.inferencePrecision(), null,
			true);
		return new DiffusionModel(d, device, d.verifiedWeights(), "float32", null, true);
	}

	/**
	 * The same model with other weights of the same network (e.g. adapted to an image), loaded
	 * from {@code weights} onto this model's device; a new model, to be closed by the caller.
	 */
	public DiffusionModel withWeights(final Path weights) {
		// loaded now: such weights are often a temporary file, deleted once loaded
		final DiffusionModel m = new DiffusionModel(descriptor, device, weights, "float32", null, false);
		try {
			m.net();
		}
		catch (final RuntimeException e) {
			m.close();
			throw e;
		}
		return m;
	}

	/**
	 * The same model (its own float32 weights) with another one-step network of the same
	 * architecture (e.g. the descriptor's one-step network adapted to an image), loaded from
	 * {@code oneStepWeights} now; a new model, to be closed by the caller.
	 */
	public DiffusionModel withOneStepWeights(final Path oneStepWeights) {
		final DiffusionModel m = new DiffusionModel(descriptor, device, descriptor.verifiedWeights(), "float32", null, true);
		try {
			final DiffusionModel o = new DiffusionModel(descriptor, device, oneStepWeights, "float32", m, false);
			synchronized (m) {
				m.oneStep = o;
			}
			o.net();
		}
		catch (final RuntimeException e) {
			m.close();
			throw e;
		}
		return m;
	}

	/** The TorchScript file the network runs from (the inference copy, or the weights themselves). */
	public Path weightsFile() {
		return weightsFile;
	}

	/** The precision the network runs in: {@code float32}, or {@code bfloat16} (the inference copy). */
	public String precision() {
		return precision;
	}

	private DiffusionModel float32;

	/**
	 * This model in float32: itself when it runs in float32, else its float32 weights on the same
	 * device, loaded on first use and closed with this model. For what needs finite differences of
	 * the network (the error estimate's divergence), which bfloat16 rounding would swamp.
	 */
	public DiffusionModel float32() {
		if (precision.equals("float32")) return this;
		// a one-step network's float32 copy is the one its model's float32 copy uses (loaded once). Asked without this
		// network's lock: locks go from a model to its one-step network (close() holds the model's while it closes the
		// network), never back — a background load asking this while the model was closed deadlocked
		if (standsFor != null) return standsFor.float32().oneStep(Double.NaN);
		synchronized (this) {
			if (float32 == null) float32 = new DiffusionModel(descriptor, device, descriptor.verifiedWeights(), "float32",
				null, distilled);
			return float32;
		}
	}

	private DiffusionModel oneStep;

	/**
	 * The network for one call at noise level σ_t (model units): the descriptor's one-step network
	 * ({@code weights.torchscript_one_step}, distilled from this one, a fraction of its cost) when
	 * the model has one that covers σ_t, in this model's precision where a copy in it exists;
	 * otherwise this model. Loaded on first use and closed with this model. Weights other than the
	 * descriptor's own ({@link #withWeights}) never get it: it was distilled from those. σ_t = NaN
	 * asks for it whatever the level (null when there is none).
	 */
	public synchronized DiffusionModel oneStep(final double sigmaT) {
		if (standsFor != null) return this;
		final boolean any = Double.isNaN(sigmaT);
		if (!distilled || !(any || descriptor.oneStepCovers(sigmaT))) return any ? null : this;
		if (oneStep == null) {
			final Path p = descriptor.verifiedOneStepWeights(!precision.equals("float32"));
			if (p == null && !precision.equals("float32")) {
				// only a float32 file: the one of this model's float32 copy (loaded once, closed with it)
				final DiffusionModel f = float32(), o = f.oneStep(sigmaT);
				return o != null && o != f ? o : any ? null : this;
			}
			if (p == null) return any ? null : this;
			oneStep = new DiffusionModel(descriptor, device, p, precision, this, false);
		}
		return oneStep;
	}

	/** Whether this is a one-step network standing in for the model's own ({@link #oneStep}). */
	public boolean isOneStep() {
		return standsFor != null;
	}

	public ModelDescriptor descriptor() {
		return descriptor;
	}

	public NoiseSchedule schedule() {
		return descriptor.schedule();
	}

	/** The device the network actually runs on. */
	public Device device() {
		return device;
	}

	/** The model's own manager; open a sub-manager of it for each run. */
	public NDManager manager() {
		return manager;
	}

	/** This model with its network loaded now (what a background load does ahead of the first call). */
	public DiffusionModel loaded() {
		net();
		return this;
	}

	/** Whether this model's own network is loaded yet (not its copies'). */
	synchronized boolean networkLoaded() {
		return net != null;
	}

	/**
	 * The network, loaded from its (already verified) file on first use: Denoise's default path
	 * runs only the one-step network and its float32 copy, and loading the model's own networks
	 * beside them cost a fifth of a second of the first image and their memory for nothing.
	 */
	private synchronized TorchScriptNet net() {
		if (net != null) return net;
		if (closed) throw new IllegalStateException("model '" + descriptor.name() + "' was closed");
		// the file was verified when this model was made: a retrained model folder may have replaced it since
		if (!stamp(weightsFile).equals(weightsStamp)) throw new ModelException("The weights " + weightsFile + " changed " +
			"on disk after model '" + descriptor.name() + "' was loaded (retrained?); run the command again to load them anew");
		net = TorchScriptNet.load(weightsFile, device);
		return net;
	}

	private boolean closed;

	/** The weights file's size and modification time at construction, checked before a late load. */
	private final String weightsStamp;

	private static String stamp(final Path f) {
		try {
			return java.nio.file.Files.size(f) + "@" + java.nio.file.Files.getLastModifiedTime(f).toMillis();
		}
		catch (final java.io.IOException e) {
			return "missing";
		}
	}

	/**
	 * ε̂(x, t, y) for one timestep t shared by the batch.
	 *
	 * @param labels one class index per batch element; −1 (or the null class) for "no class"
	 */
	public NDArray eps(final NDArray x, final double t, final int[] labels) {
		final int b = (int) x.getShape().get(0);
		if (labels.length != b) throw new IllegalArgumentException(labels.length + " labels for a batch of " + b);
		final NDManager m = x.getManager();
		final float[] ts = new float[b];
		Arrays.fill(ts, (float) t);
		final long[] ys = new long[b];
		for (int i = 0; i < b; i++)
			ys[i] = labels[i] < 0 ? Math.max(descriptor.nullClass(), 0) : labels[i];
		final NDArray out = net().forward(new NDList(x, m.create(ts), m.create(ys))).singletonOrThrow();
		if (!out.getShape().equals(x.getShape())) throw new ModelException("Model '" + descriptor.name() + "' returned " +
			out.getShape() + " for an input of " + x.getShape() + "; a noise predictor must return its input's shape");
		switch (descriptor.prediction()) {
			case EPSILON:
				return out;
			case X0:
				return schedule().epsFromX0(x, out, t);
			case V:
				return schedule().epsFromV(x, out, t);
			default:
				throw new IllegalStateException();
		}
	}

	/** The x̂_0-clipping range for samplers: the model range, or null when the descriptor turns clipping off. */
	public double[] clipRange() {
		return descriptor.clipRange();
	}

	@Override
	public synchronized void close() {
		if (oneStep != null) oneStep.close();
		if (float32 != null) float32.close();
		if (net != null) net.close();
		net = null;
		closed = true;
		manager.close();
	}
}
