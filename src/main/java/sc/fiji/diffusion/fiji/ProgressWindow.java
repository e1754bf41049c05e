package sc.fiji.diffusion.fiji;

import java.awt.BorderLayout;
import java.awt.Button;
import java.awt.Dialog;
import java.awt.FlowLayout;
import java.awt.Frame;
import java.awt.GraphicsEnvironment;
import java.awt.Label;
import java.awt.Panel;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.util.Locale;

import javax.swing.JProgressBar;
import javax.swing.SwingUtilities;

import sc.fiji.diffusion.engine.Monitor;

/**
 * A small window with what a long run is doing, its progress, the time left and a Cancel
 * button, as CSBDeep and N2V show. Only made where there is a screen and ImageJ is not in batch
 * mode; updates come from the worker thread and are passed to the event thread, at most ten a
 * second.
 */
final class ProgressWindow {

	private final Dialog dialog;
	private final Label what = new Label("starting…");
	private final Label eta = new Label(" ");
	private final JProgressBar bar = new JProgressBar(0, 1000);
	private final long start = System.nanoTime();
	private volatile boolean canceled;
	private long last;

	private ProgressWindow(final String title) {
		final Frame owner = ij.IJ.getInstance();
		dialog = new Dialog(owner, title, false);
		dialog.setLayout(new BorderLayout(6, 6));
		final Panel text = new Panel(new BorderLayout());
		text.add(what, BorderLayout.NORTH);
		text.add(eta, BorderLayout.SOUTH);
		dialog.add(text, BorderLayout.NORTH);
		bar.setStringPainted(true);
		dialog.add(bar, BorderLayout.CENTER);
		final Button cancel = new Button("Cancel");
		cancel.addActionListener(e -> cancel());
		final Panel buttons = new Panel(new FlowLayout(FlowLayout.RIGHT));
		buttons.add(cancel);
		dialog.add(buttons, BorderLayout.SOUTH);
		dialog.addWindowListener(new WindowAdapter() {

			@Override
			public void windowClosing(final WindowEvent e) {
				cancel();
			}
		});
		dialog.setSize(420, 140);
		dialog.setLocationRelativeTo(owner);
		dialog.setVisible(true);
	}

	/** A window for a run of {@code title}, or null where none can or should be shown. */
	static ProgressWindow open(final String title) {
		if (GraphicsEnvironment.isHeadless() || ij.macro.Interpreter.isBatchMode()) return null;
		try {
			return new ProgressWindow(title);
		}
		catch (final RuntimeException e) {
			return null;
		}
	}

	private void cancel() {
		canceled = true;
		SwingUtilities.invokeLater(() -> what.setText("cancelling after the current step…"));
	}

	boolean isCanceled() {
		return canceled;
	}

	void progress(final String step, final int done, final int total) {
		final long now = System.nanoTime();
		if (now - last < 100_000_000L && done < total) return;
		last = now;
		final double f = total > 0 ? done / (double) total : 0;
		final double sec = (now - start) / 1e9;
		final String label = Monitor.label(step, done, total);
		final String left = Monitor.timeLeft(f, sec);
		SwingUtilities.invokeLater(() -> {
			if (!canceled) what.setText(label);
			bar.setValue((int) Math.round(1000 * f));
			bar.setString(String.format(Locale.ROOT, "%.0f %%", 100 * f));
			eta.setText(String.format(Locale.ROOT, "%s%.0f s so far", left.isEmpty() ? "" : left + "; ", sec));
		});
	}

	void close() {
		SwingUtilities.invokeLater(dialog::dispose);
	}
}
