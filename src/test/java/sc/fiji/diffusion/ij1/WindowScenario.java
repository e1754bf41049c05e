package sc.fiji.diffusion.ij1;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.process.FloatProcessor;

/**
 * Run by {@link WindowTest} in a JVM with a (virtual) display and a real ImageJ instance: where a
 * menu user reads the messages (ImageJ's Log window, not the terminal) and how many loss plots a
 * Train run in batch mode leaves behind. Prints what it saw for the test to check.
 */
public final class WindowScenario {

	private WindowScenario() {}

	public static void main(final String[] args) {
		new ImageJ(ImageJ.NO_SHOW);
		Thread.currentThread().setName("Run$_window");
		// 1. Denoise from the menu's route: its messages go to the Log window
		final float[] px = new float[64 * 64];
		final java.util.Random r = new java.util.Random(1);
		for (int i = 0; i < px.length; i++)
			px[i] = (float) (100 + 50 * Math.sin(i / 300.0) + 20 * r.nextGaussian());
		final ImagePlus imp = new ImagePlus("noisy", new FloatProcessor(64, 64, px));
		imp.show();
		Macro.setOptions("model=" + args[0] + " sigma=20 output=mean seed=1");
		try {
			new DiffusionPlugin().run("denoise");
		}
		finally {
			Macro.setOptions(null);
		}
		final String log = IJ.getLog();
		System.out.println("LOG_HAS_DENOISE: " + (log != null && log.contains("Denoise: normalize=")));
		// 2. Train in batch mode: at most one loss plot, however many steps (400 take several seconds: a plot
		// redrawn once a second used to leave a new image each time)
		Interpreter.batchMode = true;
		final int before = Interpreter.getBatchModeImageCount();
		final ImagePlus train = new ImagePlus("train", new FloatProcessor(64, 64, px.clone()));
		Interpreter.addBatchModeImage(train);
		WindowManager.setTempCurrentImage(train);
		Macro.setOptions("base=[" + args[0] + "] name=window-test steps=400 batch=2 patch=32 validation=0 overwrite=true");
		try {
			new DiffusionPlugin().run("train");
		}
		finally {
			Macro.setOptions(null);
		}
		int plots = 0;
		for (final int id : Interpreter.getBatchModeImageIDs())
			if (WindowManager.getImage(id) != null && WindowManager.getImage(id).getTitle().contains("loss")) plots++;
		System.out.println("LOSS_PLOTS: " + plots);
		System.out.println("IMAGES_ADDED: " + (Interpreter.getBatchModeImageCount() - before));
		System.exit(0);
	}
}
