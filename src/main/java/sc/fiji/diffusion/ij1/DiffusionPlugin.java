package sc.fiji.diffusion.ij1;

import ij.IJ;
import ij.plugin.PlugIn;

import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;

import sc.fiji.diffusion.fiji.DiffusionCommands;

/**
 * The ImageJ 1.x entry for every Plugins › Diffusion command; plugins.config passes the
 * command's menu label as the argument, e.g. {@code DiffusionPlugin("denoise")}, and the
 * command is looked up in the SciJava command index (no list of commands here).
 */
public class DiffusionPlugin implements PlugIn {

	@Override
	public void run(final String arg) {
		final CommandInfo info;
		try {
			info = DiffusionCommands.get(CommandBridge.context().service(CommandService.class), arg);
		}
		catch (final IllegalArgumentException e) {
			IJ.error("Diffusion", e.getMessage());
			return;
		}
		CommandBridge.run(info, DiffusionCommands.label(info));
	}
}
