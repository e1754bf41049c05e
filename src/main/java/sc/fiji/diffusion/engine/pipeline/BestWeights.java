package sc.fiji.diffusion.engine.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Properties;

import sc.fiji.diffusion.engine.training.Objective;
import sc.fiji.diffusion.engine.training.Trainer;

/**
 * Train data=noisy: the weights with the lowest held-out estimate so far, kept in the checkpoint
 * folder. The trainer's validation loss on the held-out noisy patches estimates the one-step
 * posterior mean's squared error there up to a constant, loss = MSE/σ_y² − 1: the split-pixel
 * estimate ({@link sc.fiji.diffusion.engine.training.Objective.Split}; its MSE is against the
 * clean neighbour, so its level is above the error's) or Stein's unbiased risk estimate
 * ({@link sc.fiji.diffusion.engine.training.Objective.Sure}; may fall below 0 where the error is small). The base is measured before the first step (step 0); a step's weights are
 * kept when their estimate is lower than every one before, the base's included; the run ends
 * after {@link #PATIENCE} evaluations in a row without one. The record survives a resume.
 */
final class BestWeights {

	static final String FILE = "best-weights.pt", RECORD = "best.properties";
	/**
	 * Evaluations in a row without a new lowest estimate after which the run ends: the estimate
	 * that stopped falling for this long (500 steps at the default interval) rarely falls again,
	 * and the steps left would only be spent (in the report's σ 25 runs, all 2000 of them).
	 */
	static final int PATIENCE = 5;

	private final Trainer trainer;
	private final Path dir;
	private final double baseLoss;
	private int step, lastStep, sinceBest;
	private double loss, lastLoss = Double.NaN;
	private boolean stopped;

	private BestWeights(final Trainer trainer, final Path dir, final double baseLoss, final int step,
		final double loss)
	{
		this.trainer = trainer;
		this.dir = dir;
		this.baseLoss = baseLoss;
		this.step = step;
		this.loss = loss;
	}

	/**
	 * Measures the trainer's weights as they are (the base), or reads the record of the run being
	 * resumed.
	 *
	 * @param dir the checkpoint folder
	 */
	static BestWeights start(final Trainer trainer, final Path dir, final boolean resume) throws IOException {
		final Path record = dir.resolve(RECORD);
		if (resume && Files.isRegularFile(record)) {
			final Properties p = new Properties();
			try (Reader r = Files.newBufferedReader(record, StandardCharsets.ISO_8859_1)) {
				p.load(r);
			}
			final int step = Integer.parseInt(p.getProperty("step"));
			if (step == 0 || Files.isRegularFile(dir.resolve(FILE))) return new BestWeights(trainer, dir, Double
				.parseDouble(p.getProperty("base")), step, Double.parseDouble(p.getProperty("loss")));
		}
		final double base = trainer.validationLoss();
		Files.createDirectories(dir);
		Files.deleteIfExists(dir.resolve(FILE));
		final BestWeights b = new BestWeights(trainer, dir, base, 0, base);
		b.save();
		return b;
	}

	/** {@code inner}, with every validation also offered to this record. */
	Trainer.Listener watching(final Trainer.Listener inner) {
		return new Trainer.Listener() {

			@Override
			public void step(final int k, final int n, final double l, final double rate) {
				inner.step(k, n, l, rate);
			}

			@Override
			public void validation(final int k, final double l) {
				offer(k, l);
				inner.validation(k, l);
			}

			@Override
			public boolean stop() {
				if (inner.stop()) return true;
				stopped = sinceBest >= PATIENCE;
				return stopped;
			}
		};
	}

	/** The trainer's current weights at step k, with held-out loss l: kept when l is the lowest yet. */
	void offer(final int k, final double l) {
		lastStep = k;
		lastLoss = l;
		if (!(l < loss)) {
			sinceBest++;
			return;
		}
		sinceBest = 0;
		try {
			final Path tmp = dir.resolve(FILE + ".partial");
			try (OutputStream out = Files.newOutputStream(tmp)) {
				trainer.export(out);
			}
			Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			step = k;
			loss = l;
			save();
		}
		catch (final IOException e) {
			throw new UncheckedIOException("Train: cannot keep the best weights in " + dir + ": " + e.getMessage(), e);
		}
	}

	private void save() throws IOException {
		final Properties p = new Properties();
		p.setProperty("step", String.valueOf(step));
		p.setProperty("loss", String.valueOf(loss));
		p.setProperty("base", String.valueOf(baseLoss));
		final Path tmp = dir.resolve(RECORD + ".partial");
		try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.ISO_8859_1)) {
			p.store(w, "data=noisy: the weights with the lowest held-out estimate (step 0: the base)");
		}
		Files.move(tmp, dir.resolve(RECORD), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	/** The base's held-out loss (before the first step). */
	double baseLoss() {
		return baseLoss;
	}

	/** The step whose weights are kept; 0 when none beat the base. */
	int step() {
		return step;
	}

	/** The kept weights (TorchScript); only when {@link #step} &gt; 0. */
	Path file() {
		return dir.resolve(FILE);
	}

	/** The estimated mean squared error as a fraction of the noise variance, from a held-out loss (may fall below 0). */
	static double relativeMse(final double loss) {
		return loss + 1;
	}

	/** What was measured and kept, in words for the Log and the model card. */
	String describe() {
		final String head = String.format(Locale.ROOT, "%s of the one-step denoiser's mean squared error on the " +
			"held-out noisy patches, as a fraction of the noise variance: %.4f with the base", trainer
				.validationObjective() instanceof Objective.Split ? "the split-pixel estimate (each patch's 2x2 diagonals " +
					"denoised and compared with the other; no noise model)" : "Stein's unbiased estimate", relativeMse(
						baseLoss));
		final String last = Double.isNaN(lastLoss) || lastStep == step ? "" : String.format(Locale.ROOT,
			", %.4f at the last step (%d)", relativeMse(lastLoss), lastStep);
		final String end = stopped ? String.format(Locale.ROOT, "; stopped at step %d, %d evaluations without a lower " +
			"estimate", lastStep, PATIENCE) : "";
		if (step == 0) return head + last + "; no step's weights estimated lower than the base's" + end;
		return head + String.format(Locale.ROOT, ", %.4f at step %d (the lowest: those weights are kept)%s%s",
			relativeMse(loss), step, last, end);
	}
}
