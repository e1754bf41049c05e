package sc.fiji.diffusion.fiji;

import java.util.Map;
import java.util.concurrent.Future;

import org.scijava.command.Command;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleService;

/**
 * Runs a Diffusion command programmatically, with pre- and post-processing, as Fiji's menus
 * do. The commands are {@code DynamicCommand}s (their dialog choices come from the installed
 * models), and {@code CommandService.run(Class, …)} answers null for those: its future is
 * typed for wrapped commands. The module service runs any module.
 */
public final class Commands {

	private Commands() {}

	public static Future<Module> run(final CommandService commands, final Class<? extends Command> command,
		final Map<String, Object> inputs)
	{
		final CommandInfo info = commands.getCommand(command);
		if (info == null) throw new IllegalArgumentException("not a registered command: " + command.getName());
		return commands.context().service(ModuleService.class).run(info, true, inputs);
	}
}
