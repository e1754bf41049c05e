package sc.fiji.diffusion.fiji;

import org.scijava.log.LogService;

/**
 * Where a command's messages go: ImageJ's Log window when ImageJ 1.x is there (Fiji and plain
 * ImageJ: what a menu user reads; headless, ImageJ prints the same lines on stdout, which is
 * the command line's log), else the context's {@link LogService}.
 */
final class UserLog {

	private static final boolean IJ1;
	static {
		boolean ij;
		try {
			Class.forName("ij.IJ", false, UserLog.class.getClassLoader());
			ij = true;
		}
		catch (final ClassNotFoundException | LinkageError e) {
			ij = false;
		}
		IJ1 = ij;
	}

	private UserLog() {}

	static void info(final LogService log, final String message) {
		if (IJ1) ij.IJ.log(message);
		else if (log != null) log.info(message);
		else System.out.println(message);
	}

	static void warn(final LogService log, final String message) {
		if (IJ1) ij.IJ.log("WARNING: " + message);
		else if (log != null) log.warn(message);
		else System.out.println("WARNING: " + message);
	}
}
