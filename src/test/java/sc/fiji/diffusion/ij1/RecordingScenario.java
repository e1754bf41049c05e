package sc.fiji.diffusion.ij1;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.plugin.frame.Recorder;

import java.util.Arrays;

/**
 * Run by {@link RecordingTest} in a JVM with a (virtual) display, where ImageJ's real
 * GenericDialog and Recorder work: records a Sample run, replays the recorded options, and
 * prints what it saw for the test to check.
 */
public final class RecordingScenario {

	private RecordingScenario() {}

	public static void main(final String[] args) {
		// ImageJ hands macro options only to macro threads, whose names start with "Run$_"
		Thread.currentThread().setName("Run$_recording");
		Interpreter.batchMode = true;
		Recorder.record = true;
		Recorder.recordInMacros = true; // a run with options records like one from the menu
		Recorder.resetCommandOptions();
		final float[] first = runSample(args[0]);
		final String recorded = Recorder.getCommandOptions();
		Recorder.record = false;
		System.out.println("RECORDED: " + recorded);
		if (recorded != null) {
			final float[] replay = runSample(recorded.trim());
			System.out.println("REPLAY_SAME: " + Arrays.equals(first, replay));
			final float[] other = runSample(recorded.trim().replace("seed=" + args[1], "seed=" + (Long.parseLong(args[1]) + 1)));
			System.out.println("OTHER_SEED_SAME: " + Arrays.equals(first, other));
		}
		System.exit(0);
	}

	private static float[] runSample(final String options) {
		Macro.setOptions(options);
		try {
			new DiffusionPlugin().run("sample");
		}
		finally {
			Macro.setOptions(null);
		}
		final ImagePlus out = WindowManager.getCurrentImage();
		if (out == null) throw new IllegalStateException("Sample showed no image for '" + options + "'");
		final int n = out.getStackSize(), wh = out.getWidth() * out.getHeight();
		final float[] pixels = new float[n * wh];
		for (int z = 0; z < n; z++)
			System.arraycopy((float[]) out.getStack().getProcessor(z + 1).convertToFloat().getPixels(), 0, pixels, z * wh, wh);
		Interpreter.removeBatchModeImage(out);
		return pixels;
	}
}
