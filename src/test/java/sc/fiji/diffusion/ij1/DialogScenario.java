package sc.fiji.diffusion.ij1;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;

import java.awt.Component;
import java.awt.Container;
import java.awt.Label;
import java.awt.Rectangle;
import java.awt.TextField;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.util.Random;

/**
 * Run by {@link DialogTest} in a JVM with a (virtual) display: opens Denoise's real dialog on a
 * small noisy image, checks where the hint of the {@code offset} text field is, chooses noise=poisson,
 * types an offset into that field and clicks OK, then prints what it saw and what the command logged.
 */
public final class DialogScenario {

	private DialogScenario() {}

	public static void main(final String[] args) throws Exception {
		final Random r = new Random(3);
		final ImagePlus imp = IJ.createImage("photons", "16-bit black", 64, 64, 1);
		final short[] px = (short[]) imp.getProcessor().getPixels();
		for (int i = 0; i < px.length; i++)
		{
			// a camera image: 2 grey levels per photon over an offset of 100, 5 to 200 photons from left to right
			final double photons = 5 + 3 * (i % 64) + 50 * ((i / 64) / 32);
			px[i] = (short) Math.max(0, Math.round(100 + 2 * photons + 2 * Math.sqrt(photons) * r.nextGaussian()));
		}
		imp.show();
		IJ.wait(500);
		final Thread clicker = new Thread(DialogScenario::answer, "dialog-clicker");
		clicker.setDaemon(true);
		clicker.start();
		new DiffusionPlugin().run("denoise");
		final ImagePlus out = WindowManager.getCurrentImage();
		System.out.println("RESULT: " + (out == null ? "none" : out.getTitle()));
		System.exit(0);
	}

	/** Waits for the dialog, reports the offset field's hint, types 90 into it and presses OK. */
	private static void answer() {
		GenericDialog gd = null;
		for (int k = 0; k < 600 && gd == null; k++) {
			for (final Window w : Window.getWindows())
				if (w instanceof GenericDialog && w.isShowing()) gd = (GenericDialog) w;
			if (gd == null) IJ.wait(100);
		}
		if (gd == null) {
			System.out.println("NO_DIALOG");
			System.exit(2);
		}
		IJ.wait(500);
		TextField offset = null;
		for (final Object o : gd.getStringFields())
			if ("auto".equals(((TextField) o).getText())) offset = (TextField) o;
		Label hint = null;
		for (final Label l : labels(gd))
			if (l.getText().contains("auto = estimate")) hint = l;
		System.out.println("OFFSET_FIELD: " + (offset != null));
		System.out.println("HINT: " + (hint == null ? "none" : hint.getText().trim()));
		if (hint != null && offset != null) {
			final Rectangle h = bounds(hint, gd), f = bounds(offset, gd);
			System.out.println("HINT_INSIDE: " + (h.x >= 0 && h.x + h.width <= gd.getWidth()));
			System.out.println("HINT_RIGHT_OF_FIELD: " + (h.x >= f.x + f.width && h.x - (f.x + f.width) < 30 &&
				Math.abs(h.y + h.height / 2 - (f.y + f.height / 2)) < f.height));
		}
		if (offset != null) offset.setText("90");
		for (final Object o : gd.getChoices()) {
			final java.awt.Choice c = (java.awt.Choice) o;
			for (int i = 0; i < c.getItemCount(); i++)
				if (c.getItem(i).equals("poisson")) c.select(i);
		}
		gd.actionPerformed(new ActionEvent(gd.getButtons()[0], ActionEvent.ACTION_PERFORMED, "OK"));
	}

	private static java.util.List<Label> labels(final Container c) {
		final java.util.List<Label> out = new java.util.ArrayList<>();
		for (final Component k : c.getComponents()) {
			if (k instanceof Label) out.add((Label) k);
			if (k instanceof Container) out.addAll(labels((Container) k));
		}
		return out;
	}

	/** A component's bounds in the coordinates of {@code top}. */
	private static Rectangle bounds(final Component c, final Container top) {
		final Rectangle b = new Rectangle(c.getBounds());
		for (Container p = c.getParent(); p != null && p != top; p = p.getParent())
			b.translate(p.getX(), p.getY());
		return b;
	}
}
