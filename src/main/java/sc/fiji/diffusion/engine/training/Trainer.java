package sc.fiji.diffusion.engine.training;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.concurrent.CancellationException;

import sc.fiji.diffusion.engine.GaussianNoise;
import sc.fiji.diffusion.engine.ModelException;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.NoiseSchedule;
import sc.fiji.diffusion.engine.Offline;

/**
 * Trains a TorchScript noise predictor with the simple DDPM loss
 * L = ‖ε − ε_θ(√ᾱ_t x_0 + √(1−ᾱ_t) ε, t)‖², t uniform on {0 … T−1}, with {@link Adam} and an
 * EMA of the weights, on random patches of the training images. Deterministic for a seed on
 * the CPU: step k draws its patches, timesteps and noise from generators keyed by (seed, k)
 * alone, so a run resumed from a checkpoint continues exactly as an uninterrupted one. Each
 * step's arrays live in a sub-manager closed at the end of the step; gradients are zeroed in
 * place (no arrays accumulate).
 * <p>
 * A checkpoint (a folder) holds the network file trained from, every parameter, Adam's
 * moments, the EMA, and the step with the loss history; {@link #export} writes the EMA weights
 * as TorchScript that the engine and Python load.
 */
public final class Trainer implements AutoCloseable {

	/** Told about progress; called on the training thread. */
	public interface Listener {

		/** After every step: the step's loss and the running speed. */
		default void step(final int step, final int steps, final double loss, final double stepsPerSecond) {}

		/** After each validation: the loss on the held-out patches. */
		default void validation(final int step, final double loss) {}

		/**
		 * Asked after every step: true ends the run there, as if its steps were done (e.g. a
		 * held-out estimate stopped improving). A cancel is the monitor's, not this.
		 */
		default boolean stop() {
			return false;
		}
	}

	/** All settings of a run; they are recorded with the trained model. */
	public static final class Settings {

		public int steps = 2000, batch = 16, patch = 64, warmup = -1, checkpointEvery = 250, validationEvery = 100,
			validationPatches = 16;
		public double lr = 2e-4, emaDecay = 0.999;
		public long seed = 1;

		/** The warm-up used: as set, else min(200, steps / 10). */
		public int warmupSteps() {
			return warmup >= 0 ? warmup : Math.min(200, steps / 10);
		}

		void validate() {
			if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, was " + steps);
			if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, was " + batch);
			if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("lr must be a positive number, was " +
				lr);
			if (!(emaDecay >= 0 && emaDecay < 1)) throw new IllegalArgumentException("ema decay must be in [0, 1), was " +
				emaDecay);
		}

		/** The class label the network is given (the null class of a conditional model; 0 otherwise). */
		public long label = 0;

		/**
		 * Name fragments of the parameters that train (a parameter trains when its name contains
		 * one); null: all. The others keep the file's values.
		 */
		public List<String> trainable = null;

		/** The settings as recorded in a model's {@code training:} section. */
		public Map<String, Object> asMap() {
			final Map<String, Object> m = new LinkedHashMap<>();
			m.put("steps", steps);
			m.put("batch_size", batch);
			m.put("patch", patch);
			m.put("learning_rate", lr);
			m.put("warmup_steps", warmupSteps());
			m.put("ema_decay", emaDecay);
			m.put("seed", seed);
			if (trainable != null) m.put("trainable", String.join(",", trainable));
			m.put("loss", "simple epsilon loss, t uniform on 0..T-1"); // replaced by the objective's own description
			m.put("optimizer", "Adam (beta1 0.9, beta2 0.999, eps 1e-8)");
			m.put("augmentation", "random crops, flips and 90-degree rotations");
			return m;
		}
	}

	private final Model model;
	private final Block block;
	private final List<String> names = new ArrayList<>();
	private final List<NDArray> params = new ArrayList<>();
	private final NDManager state;
	private final Adam adam;
	/** Trained from fresh weights (not fine-tuning a base). */
	private final boolean freshStart;
	private final NoiseSchedule schedule;
	private final Settings settings;
	private final Patches train, validation;
	private final Path network;
	private final Objective objective;
	private int step;
	private double seconds;
	private final List<double[]> lossHistory = new ArrayList<>(), validationHistory = new ArrayList<>();

	/**
	 * @param network the TorchScript file to train (a model's weights, or a checkpoint's network file)
	 * @param freshInit name fragments of parameters that start at zero when starting from fresh
	 *          weights; null to keep the file's weights (fine-tuning)
	 * @param validation held-out patches for the validation loss, or null
	 */
	public Trainer(final Path network, final Device device, final NoiseSchedule schedule, final Settings settings,
		final Patches train, final Patches validation, final List<String> freshInit)
	{
		this(network, device, schedule, settings, train, validation, freshInit, new Objective.Clean());
	}

	/** @param objective what the network learns from the patches ({@link Objective.Clean}, {@link Objective.Sure}) */
	public Trainer(final Path network, final Device device, final NoiseSchedule schedule, final Settings settings,
		final Patches train, final Patches validation, final List<String> freshInit, final Objective objective)
	{
		this.objective = objective;
		settings.validate();
		if (train.patch() != (validation == null ? train.patch() : validation.patch())) throw new IllegalArgumentException(
			"training and validation patches differ in size");
		this.network = network;
		this.schedule = schedule;
		this.settings = settings;
		this.train = train;
		this.validation = validation;
		Offline.ensure();
		model = Model.newInstance("train", device, "PyTorch");
		try {
			final Map<String, String> options = new HashMap<>();
			options.put("trainParam", "true");
			options.put("mapLocation", "true");
			model.load(network.getParent(), network.getFileName().toString(), options);
		}
		catch (final IOException | MalformedModelException | RuntimeException e) {
			model.close();
			throw new ModelException("Cannot load " + network + " for training: " + e.getMessage(), e);
		}
		block = model.getBlock();
		block.freezeParameters(false);
		final ParameterList list = block.getParameters();
		if (freshInit != null) NetworkInit.initialise(list, freshInit, settings.seed);
		for (final Pair<String, Parameter> p : list) {
			if (settings.trainable != null && settings.trainable.stream().noneMatch(p.getKey()::contains)) {
				p.getValue().freeze(true);
				continue;
			}
			names.add(p.getKey());
			params.add(p.getValue().getArray());
		}
		if (params.isEmpty()) {
			model.close();
			throw new ModelException(network + " has no trainable parameters");
		}
		state = model.getNDManager().newSubManager();
		freshStart = freshInit != null;
		adam = new Adam(params, state, freshStart);
	}

	public int step() {
		return step;
	}

	/** Training seconds so far (over resumed runs too). */
	public double seconds() {
		return seconds;
	}

	public int parameterCount() {
		long n = 0;
		for (final NDArray p : params)
			n += p.size();
		return Math.toIntExact(n);
	}

	/** [step, mean training loss over the last interval] rows. */
	public List<double[]> lossHistory() {
		return Collections.unmodifiableList(lossHistory);
	}

	/** [step, validation loss] rows. */
	public List<double[]> validationHistory() {
		return Collections.unmodifiableList(validationHistory);
	}

	public Settings settings() {
		return settings;
	}

	/** What the network was trained to predict. */
	public Objective objective() {
		return objective;
	}

	/** What {@link #validationLoss} measures on the held-out patches: the training objective unless set. */
	private Objective validationObjective;

	/**
	 * Measures the held-out patches by {@code o} instead of the training objective (Train
	 * data=noisy: it trains on the noisy images' posterior means with the simple loss, and is
	 * judged by Stein's estimate on held-out noisy patches, which need no clean image).
	 */
	public Trainer validateWith(final Objective o) {
		validationObjective = o;
		return this;
	}

	/** The objective of {@link #validationLoss}. */
	public Objective validationObjective() {
		return validationObjective != null ? validationObjective : objective;
	}

	/**
	 * Trains up to {@code settings.steps} steps in all. Saves a checkpoint to {@code checkpoint}
	 * (when not null) every {@code checkpointEvery} steps, at the end, and when cancelled.
	 *
	 * @throws CancellationException when the monitor cancels (checked before every step)
	 */
	public void run(final Monitor monitor, final Listener listener, final Path checkpoint) throws IOException {
		final NDManager base = model.getNDManager();
		final ParameterStore store = new ParameterStore(base, false);
		// TorchScript's profiling executor would compile fused kernels for every new shape it sees
		// (seconds each on a CPU) and gains little for training; the setting is per thread
		JniUtils.setGraphExecutorOptimize(false);
		final int b = settings.batch, p = train.patch(), n = b * p * p;
		final float[] buf = new float[n], sigmaBuf = new float[b];
		final float[] twinBuf = train.hasTwins() ? new float[n] : null;
		final Objective.Batch one = new Objective.Batch(b, p * p);
		final GaussianNoise noise = new GaussianNoise(settings.seed);
		double intervalLoss = 0;
		int intervalSteps = 0;
		final long runStart = System.nanoTime();
		final double secondsBefore = seconds;
		final int firstStep = step;
		try {
			while (step < settings.steps) {
				if (monitor.isCanceled()) {
					if (checkpoint != null) save(checkpoint);
					throw new CancellationException("training cancelled at step " + step + (checkpoint != null ? "; the " +
						"checkpoint keeps it" : ""));
				}
				final int k = step + 1;
				final double loss;
				try (NDManager sub = base.newSubManager()) {
					final SplittableRandom r = new SplittableRandom(settings.seed * 0x9E3779B97F4A7C15L + k);
					train.batch(r, b, buf, twinBuf, sigmaBuf);
					objective.batch(buf, twinBuf, sigmaBuf, b, p * p, schedule, r, noise, k, one);
					final NDArray lossArray;
					try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
						lossArray = objective.loss((xt, t) -> block.forward(store, new NDList(xt, t, labels(sub, b)), true)
							.singletonOrThrow(), sub, one, b, p);
						gc.backward(lossArray);
					}
					loss = lossArray.getFloat();
					if (!Double.isFinite(loss)) throw new IllegalStateException("the loss became " + loss + " at step " + k +
						": the learning rate is too high for this network (try a lower lr)");
					final List<NDArray> grads = new ArrayList<>(params.size());
					for (final NDArray w : params) {
						final NDArray g = w.getGradient();
						g.attach(sub);
						grads.add(g);
					}
					adam.update(params, grads, k, settings.lr * Math.min(1.0, k / (double) Math.max(1, settings
						.warmupSteps())), emaDecay(), sub);
					for (final NDArray w : params)
						JniUtils.zeroGrad((PtNDArray) w);
				}
				step = k;
				seconds = secondsBefore + (System.nanoTime() - runStart) / 1e9;
				intervalLoss += loss;
				intervalSteps++;
				final double rate = (step - firstStep) / Math.max(1e-9, (System.nanoTime() - runStart) / 1e9);
				listener.step(step, settings.steps, loss, rate);
				monitor.progress("training step", step, settings.steps);
				if (step % 50 == 0 || step == settings.steps) {
					lossHistory.add(new double[] { step, intervalLoss / intervalSteps });
					intervalLoss = 0;
					intervalSteps = 0;
				}
				if (validation != null && (step % settings.validationEvery == 0 || step == settings.steps)) {
					final double v = validationLoss();
					validationHistory.add(new double[] { step, v });
					listener.validation(step, v);
				}
				if (checkpoint != null && (step % settings.checkpointEvery == 0 || step == settings.steps)) save(checkpoint);
				if (listener.stop()) break;
			}
		}
		finally {
			seconds = secondsBefore + (System.nanoTime() - runStart) / 1e9;
		}
	}

	/**
	 * The loss of the current weights on fixed held-out patches: the same patches, timesteps
	 * (spread evenly over 0 … T−1) and noise at every evaluation, so the curve compares like with like.
	 */
	public double validationLoss() {
		final int v = settings.validationPatches, p = validation.patch(), n = v * p * p;
		final float[] buf = new float[n], sigma = new float[v];
		final float[] twin = validation.hasTwins() ? new float[n] : null;
		final DoubleUnaryOperator[] fileMean = new DoubleUnaryOperator[v];
		validation.batch(new SplittableRandom(settings.seed + 77), v, buf, twin, sigma, fileMean);
		final Objective.Batch one = new Objective.Batch(v, p * p);
		// the same draws at every evaluation, so the curve compares like with like
		final Objective objective = validationObjective();
		objective.batch(buf, twin, sigma, v, p * p, schedule, new SplittableRandom(settings.seed + 78), new GaussianNoise(
			settings.seed + 1), 0, one);
		one.fileMean = fileMean;
		// the weights measured are the ones exported (the EMA; the same as trained when its decay is 0)
		final List<float[]> current = new ArrayList<>(params.size());
		for (int i = 0; i < params.size(); i++) {
			current.add(params.get(i).toFloatArray());
			params.get(i).set(adam.ema.get(i).toFloatArray());
		}
		try (NDManager sub = model.getNDManager().newSubManager()) {
			// the objective's own loss; training = true keeps PyTorch out of inference mode, whose tensors the
			// trainable parameters cannot mix with; no gradient collector is open, so nothing is recorded
			final ParameterStore store = new ParameterStore(sub, false);
			return objective.loss((xt, t) -> block.forward(store, new NDList(xt, t, labels(sub, v)), true).singletonOrThrow(),
				sub, one, v, p).getFloat();
		}
		finally {
			for (int i = 0; i < params.size(); i++)
				params.get(i).set(current.get(i));
		}
	}

	private NDArray labels(final NDManager m, final int n) {
		final long[] y = new long[n];
		Arrays.fill(y, settings.label);
		return m.create(y);
	}

	/**
	 * The EMA's decay. From fresh weights, {@code emaDecay} (Adam ramps it up over the first
	 * steps). When fine-tuning, the EMA starts at the base weights, so the decay also bounds how
	 * much of the run it forgets: its horizon 1/(1−d) is at most a tenth of the run's steps
	 * (250 steps: d = 0.96; 2000: 0.995; 10 000 and more: {@code emaDecay}). With 0.999 a short
	 * fine-tuning would export weights still 78 % base after 250 steps.
	 */
	private double emaDecay() {
		if (freshStart) return settings.emaDecay;
		return Math.min(settings.emaDecay, 1 - 1.0 / Math.max(10, settings.steps / 10.0));
	}

	/** Writes the EMA weights as TorchScript (the training weights are put back afterwards). */
	public void export(final OutputStream out) {
		final List<float[]> current = new ArrayList<>(params.size());
		for (int i = 0; i < params.size(); i++) {
			current.add(params.get(i).toFloatArray());
			params.get(i).set(adam.ema.get(i).toFloatArray());
		}
		try {
			JniUtils.writeModule((PtSymbolBlock) block, out, false);
		}
		finally {
			for (int i = 0; i < params.size(); i++)
				params.get(i).set(current.get(i));
		}
	}

	/** Saves the full training state to {@code dir} (see {@link Checkpoint}). */
	public void save(final Path dir) throws IOException {
		Checkpoint.save(dir, network, names, params, adam, step, seconds, lossHistory, validationHistory, settings);
	}

	/**
	 * Restores the state saved by {@link #save} into this trainer, which must have been made on
	 * the checkpoint's {@code network.pt} with the same architecture.
	 */
	public void restore(final Path dir) throws IOException {
		final Checkpoint.State st = Checkpoint.restore(dir, names, params, adam, state);
		step = st.step;
		seconds = st.seconds;
		lossHistory.clear();
		lossHistory.addAll(st.loss);
		validationHistory.clear();
		validationHistory.addAll(st.validation);
		if (step > settings.steps) throw new IllegalArgumentException("the checkpoint is at step " + step +
			", beyond the " + settings.steps + " steps asked for; ask for more steps to continue");
	}

	public Device device() {
		return model.getNDManager().getDevice();
	}

	@Override
	public void close() {
		state.close();
		model.close();
	}
}
