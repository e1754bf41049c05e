package sc.fiji.diffusion.ij1;

import ij.IJ;
import ij.plugin.PlugIn;

import org.scijava.command.Command;

import sc.fiji.diffusion.fiji.DenoiseCommand;
import sc.fiji.diffusion.fiji.EditCommand;
import sc.fiji.diffusion.fiji.InpaintCommand;
import sc.fiji.diffusion.fiji.SampleCommand;

/**
 * The ImageJ 1.x entry for every Plugins › Diffusion command; plugins.config passes the
 * command's name as the argument, e.g. {@code DiffusionPlugin("denoise")}.
 */
public class DiffusionPlugin implements PlugIn {

	@Override
	public void run(final String arg) {
		final Class<? extends Command> command;
		final String title;
		switch (arg == null ? "" : arg) {
			case "sample":
				command = SampleCommand.class;
				title = "Sample";
				break;
			case "edit":
				command = EditCommand.class;
				title = "Edit";
				break;
			case "inpaint":
				command = InpaintCommand.class;
				title = "Inpaint";
				break;
			case "denoise":
				command = DenoiseCommand.class;
				title = "Denoise";
				break;
			default:
				IJ.error("Diffusion", "Unknown Diffusion command '" + arg + "'");
				return;
		}
		CommandBridge.run(command, title);
	}
}
