package sc.fiji.diffusion.spark;

import java.nio.file.Files;
import java.nio.file.Paths;

/** Runs the CLI's main and then prints this JVM's peak resident memory (for the Spark benchmark). */
public final class RunAndMeasure {

	private RunAndMeasure() {}

	public static void main(final String[] args) throws Exception {
		final Thread exit = new Thread(() -> {
			try {
				for (final String line : Files.readAllLines(Paths.get("/proc/self/status")))
					if (line.startsWith("VmHWM:")) System.out.println("peak RSS " + Long.parseLong(line.replaceAll("\\D", "")) /
						1024 + " MB");
			}
			catch (final Exception e) {
				// not Linux
			}
		});
		Runtime.getRuntime().addShutdownHook(exit);
		sc.fiji.diffusion.cli.Main.main(args);
	}
}
