package sc.fiji.diffusion.engine;

/**
 * Keeps DJL from going online: natives come from the jars on the class path, models from
 * disk. Must run before DJL's engine first starts.
 */
public final class Offline {

	private Offline() {}

	public static synchronized void ensure() {
		if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
		// DJL reads OPT_OUT_TRACKING from the environment or this property
		if (System.getProperty("OPT_OUT_TRACKING") == null) System.setProperty("OPT_OUT_TRACKING", "true");
	}
}
