package sc.fiji.diffusion.fiji;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import sc.fiji.diffusion.engine.Monitor;

/**
 * Plugins › Diffusion › Check Setup: what the plugin sees on this machine (see
 * {@link SetupCheck}), in ImageJ's Log window, or on stdout headless. Macro:
 * {@code run("Check Setup");}
 */
@Plugin(type = Command.class, menuPath = "Plugins>Diffusion>Check Setup", headless = true)
public class CheckSetupCommand extends DiffusionCommand {

	/** How many problems were found (each with advice in the log). */
	@Parameter(type = ItemIO.OUTPUT, required = false)
	private int problems;

	@Override
	protected String taskName() {
		return "Check Setup";
	}

	@Override
	protected boolean progressWindow() {
		return false;
	}

	@Override
	protected void execute(final Monitor monitor) {
		problems = SetupCheck.run(locator(), this::say);
	}
}
