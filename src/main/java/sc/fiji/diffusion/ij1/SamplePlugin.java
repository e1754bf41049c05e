package sc.fiji.diffusion.ij1;

import ij.plugin.PlugIn;

import sc.fiji.diffusion.fiji.SampleCommand;

/** ImageJ 1.x entry for Plugins › Diffusion › Sample (named in plugins.config). */
public class SamplePlugin implements PlugIn {

	@Override
	public void run(final String arg) {
		CommandBridge.run(SampleCommand.class, "Sample");
	}
}
