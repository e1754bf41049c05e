package sc.fiji.diffusion.fiji;

import ij.ImagePlus;
import ij.gui.Plot;
import ij.gui.PlotWindow;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.module.MethodCallException;
import org.scijava.module.MutableModuleItem;
import org.scijava.plugin.Attr;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.pipeline.TrainPipeline;
import sc.fiji.diffusion.engine.pipeline.TrainSettings;
import sc.fiji.diffusion.engine.training.Trainer;
import sc.fiji.diffusion.engine.values.Normalization;
import sc.fiji.diffusion.models.Models;

/**
 * Plugins › Diffusion › Train: trains a diffusion prior on the active image (every slice is a
 * training image), fine-tuning an installed model or starting from fresh weights of the bundled
 * architecture ({@code base=none}), and installs it as a new model that Sample, Denoise, Inpaint
 * and Edit find by name at once. The status bar shows the step, loss, speed and time left; a
 * plot of the training (and validation) loss is updated in place; cancel stops within one step
 * and keeps the checkpoint, from which {@code resume=true} continues. Macro:
 * {@code run("Train", "base=grayscale name=my-cells steps=2000 batch=16 patch=64 lr=0.0002 seed=1");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Train", headless = true)
public class TrainCommand extends DiffusionCommand {

	@Parameter(label = "Training images", description = "Images of your kind (clean, or noisy with data=noisy); every " +
		"slice is one")
	private ImagePlus image;

	@Parameter(persist = false, label = "Base model", description = "An installed model to fine-tune, or 'none' for " +
		"fresh weights of the bundled architecture")
	private String base = Models.DEFAULT_IMAGE;

	@Parameter(persist = false, label = "New model name", description = "Letters, digits, '.', '_', '-'")
	private String name = "";

	@Parameter(persist = false, label = "Steps", description = "Adam steps (each on one batch of patches)", min = "1")
	private int steps = 2000;

	@Parameter(persist = false, label = "Batch", description = "Patches per step", min = "1")
	private int batch = 16;

	@Parameter(persist = false, label = "Patch size", description = "Side of the square training patches (a size the " +
		"model accepts, e.g. a multiple of 16)")
	private int patch = 64;

	@Parameter(persist = false, label = "Learning rate", description = "Adam's step size (warm-up over the first " +
		"min(200, steps/10) steps)")
	private double lr = 2e-4;

	@Parameter(persist = false, label = "Seed", description = "Same seed, same training (on the CPU)")
	private long seed = 1;

	@Parameter(persist = false, label = "Device", required = false, choices = { "auto", "cpu", "gpu" },
		description = "auto: the GPU when there is one, else the CPU")
	private String device = "auto";

	@Parameter(persist = false, label = "Data", required = false, choices = { "clean", "noisy" }, description = "clean: " +
		"the images are clean examples; noisy: they carry the noise Denoise should remove (no clean data needed)", attrs =
			@Attr(name = "group", value = "Data"))
	private String data = "clean";

	@Parameter(persist = false, label = "Noise model", required = false,
		description = "data=noisy: the images' noise, as in Denoise", attrs = { @Attr(name = "group", value = "Data"),
			@Attr(name = "hint", value = "data=noisy only") })
	private String noise = "auto";

	@Parameter(persist = false, label = "Noise sigma", required = false, description = "data=noisy: noise sigma " +
		"(gaussian) or read noise (poisson); 0 = estimate", attrs = { @Attr(name = "group", value = "Data"), @Attr(
			name = "hint", value = "data=noisy only; 0 = estimate") })
	private double sigma = 0;

	@Parameter(persist = false, label = "Gain (poisson)", required = false, description = "data=noisy, noise=poisson: " +
		"grey levels per photon; 0 = estimate", attrs = { @Attr(name = "group", value = "Data"), @Attr(name = "hint",
			value = "data=noisy poisson; 0 = estimate") })
	private double gain = 0;

	@Parameter(persist = false, label = "Camera offset (poisson)", required = false, description = "data=noisy, " +
		"noise=poisson: the value at zero light; auto = estimate", attrs = { @Attr(name = "group", value = "Data"), @Attr(
			name = "hint", value = "data=noisy poisson; auto = estimate") })
	private String offset = "auto";

	@Parameter(persist = false, label = "Keep checkpoint", required = false, description = "Keep the training " +
		"checkpoint after success (to resume later with more steps); it is removed otherwise")
	private boolean keep_checkpoint = false;

	@Parameter(persist = false, label = "Validation fraction", required = false, description = "Held out for the " +
		"validation loss: whole slices when there are at least 5, else the bottom rows of each")
	private double validation = 0.1;

	@Parameter(persist = false, label = "Resume", required = false, description = "Continue the checkpoint of a " +
		"cancelled or shorter run of the same name")
	private boolean resume = false;

	@Parameter(persist = false, label = "Overwrite", required = false, description = "Replace a model of the same name")
	private boolean overwrite = false;

	@Parameter(persist = false, label = "Normalize", required = false, choices = { "auto", "none", "percentile" },
		description = "How the images' values go onto the model's data range, as for the other commands")
	private String normalize = "auto";

	@Parameter(persist = false, label = "Low percentile", required = false, description = "For normalize=percentile")
	private double low = Normalization.DEFAULT_LOW;

	@Parameter(persist = false, label = "High percentile", required = false, description = "For normalize=percentile")
	private double high = Normalization.DEFAULT_HIGH;

	/** The new model's name, for the next command. */
	@Parameter(type = ItemIO.OUTPUT, required = false)
	private String trained;

	/** Where it was written. */
	@Parameter(type = ItemIO.OUTPUT, required = false)
	private String folder;

	@Override
	public void initialize() throws MethodCallException {
		super.initialize();
		final MutableModuleItem<String> item = getInfo().getMutableInput("base", String.class);
		final List<String> choices = new ArrayList<>(locator().available());
		choices.remove(Models.DEFAULT_IMAGE);
		choices.add(0, Models.DEFAULT_IMAGE);
		choices.add("none");
		item.setChoices(choices);
	}

	@Override
	protected String taskName() {
		return "Train";
	}

	@Override
	protected void execute(final Monitor monitor) throws Exception {
		ImagePlanes.checkGrayscale(image, "training image");
		final TrainSettings settings = settings().build();
		final LossPlot plot = new LossPlot(name, steps, settings.noisy());
		final Trainer.Listener listener = new Trainer.Listener() {

			@Override
			public void step(final int k, final int n, final double loss, final double rate) {
				if (status != null) status.showStatus(k, n, String.format(Locale.ROOT, "Train '%s': step %d/%d, loss %.4f, " +
					"%.2f steps/s, %s left", name, k, n, loss, rate, eta((n - k) / Math.max(rate, 1e-9))));
				plot.add(k, loss);
			}

			@Override
			public void validation(final int k, final double loss) {
				say(String.format(Locale.ROOT, "Train: step %d: validation loss %.5f", k, loss));
				plot.addValidation(k, loss);
			}
		};
		try {
			final Path model = TrainPipeline.run(Collections.singletonList(ImagePlanes.toHyperstack(image)), "'" +
				image.getTitle() + "' (" + image.getWidth() + "x" + image.getHeight() + ", " + image.getStackSize() +
				" slice(s), " + image.getBitDepth() + "-bit)", settings, locator(), monitor, listener);
			trained = name;
			folder = model.toString();
		}
		catch (final CancellationException e) {
			say("Train: " + e.getMessage() + "; run again with resume=true to continue");
			throw e;
		}
		finally {
			plot.finish(); // the whole curve, also of a run that was refused or cancelled
		}
	}

	/**
	 * The settings this command's inputs describe: the one place where Train's keys become
	 * {@link TrainSettings} (the command line's train builds its settings here too).
	 */
	public TrainSettings.Builder settings() {
		return TrainSettings.builder().base(base).name(name).steps(steps).batch(batch).patch(patch).lr(lr).seed(seed).device(
			device).validation(validation).resume(resume).overwrite(overwrite).keepCheckpoint(keep_checkpoint).normalization(
				Normalization.parse(normalize, low, high)).data(data).noise(NoiseSettings.parse(noise, sigma, gain, NoiseSettings
					.parseOffset(offset)));
	}

	private static String eta(final double seconds) {
		if (!Double.isFinite(seconds)) return "?";
		final long s = Math.round(seconds);
		return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60) : String.format(Locale.ROOT,
			"%dm%02ds", s / 60, s % 60);
	}

	/** The loss curves in one ImageJ plot window, redrawn in place (not shown without a display). */
	private static final class LossPlot {

		private final String title;
		private final int steps;
		private final List<Double> x = new ArrayList<>(), y = new ArrayList<>(), vx = new ArrayList<>(),
			vy = new ArrayList<>();
		private double acc;
		private int n;
		private PlotWindow window;
		private ImagePlus batchPlot;
		private long last;
		private final boolean display = !GraphicsEnvironment.isHeadless();
		/** Added to every loss before it is drawn; the axis's label. */
		private final double offset;
		private final String label;

		/**
		 * @param noisy data=noisy: the loss is Stein's estimate of the denoiser's mean squared error
		 *          over the noise variance, minus 1; drawn with the 1 added back, as that estimate
		 */
		LossPlot(final String name, final int steps, final boolean noisy) {
			this.title = "Train '" + name + "': loss";
			this.steps = steps;
			this.offset = noisy ? 1 : 0;
			this.label = noisy ? "Stein's estimate of the denoiser's MSE / noise variance" :
				"loss (mean squared error of the noise)";
		}

		/** Training loss averaged over intervals of about steps/200 steps. */
		void add(final int k, final double loss) {
			acc += loss;
			n++;
			if (n >= Math.max(1, steps / 200) || k == steps) {
				x.add((double) k);
				y.add(acc / n + offset);
				acc = 0;
				n = 0;
				redraw(false);
			}
		}

		void addValidation(final int k, final double loss) {
			vx.add((double) k);
			vy.add(loss + offset);
			redraw(false);
		}

		void finish() {
			redraw(true);
		}

		private void redraw(final boolean force) {
			if (!display || x.isEmpty()) return;
			// in batch mode a plot is an image, not a window to redraw: one plot, made at the end
			final boolean batchMode = ij.macro.Interpreter.isBatchMode();
			if (batchMode && !force) return;
			final long now = System.currentTimeMillis();
			if (!force && now - last < 1000) return; // at most once a second
			last = now;
			final Plot p = new Plot(title, "step", label);
			p.setColor(java.awt.Color.BLUE);
			p.addPoints(toArray(x), toArray(y), Plot.LINE);
			if (!vx.isEmpty()) {
				p.setColor(java.awt.Color.RED);
				p.addPoints(toArray(vx), toArray(vy), Plot.CONNECTED_CIRCLES);
				p.setColor(java.awt.Color.BLACK);
				p.addLegend("training\tvalidation");
			}
			p.setLimitsToFit(false);
			if (batchMode) {
				if (batchPlot == null) {
					batchPlot = p.getImagePlus();
					batchPlot.show();
				}
				else batchPlot.setProcessor(p.getProcessor());
				return;
			}
			if (window == null || window.isClosed()) window = p.show();
			else window.drawPlot(p);
		}

		private static double[] toArray(final List<Double> l) {
			final double[] a = new double[l.size()];
			for (int i = 0; i < a.length; i++)
				a[i] = l.get(i);
			return a;
		}
	}
}
