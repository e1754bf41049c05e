package sc.fiji.diffusion.ij1;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Runs an ImageJ 1.x macro the way a user's headless ImageJ would: a separate JVM with
 * ij.jar patched by ij1-patcher, the plugin as a jar (name with an underscore) in the
 * plugins folder, and {@code ImageJ -batch macro arg}.
 */
final class HeadlessImageJ {

	private HeadlessImageJ() {}

	/** The output of one run. */
	static final class Result {

		final int exitCode;
		final String output;

		Result(final int exitCode, final String output) {
			this.exitCode = exitCode;
			this.output = output;
		}
	}

	/** Jars target/classes into {@code plugins/Diffusion_Fiji.jar}, as {@code mvn package} would. */
	static Path pluginsDir(final Path tmp) throws IOException {
		final Path classes = Paths.get("target", "classes").toAbsolutePath();
		final Path plugins = Files.createDirectories(tmp.resolve("plugins"));
		final Path jar = plugins.resolve("Diffusion_Fiji.jar");
		try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
			for (final Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
				out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(File.separatorChar, '/')));
				Files.copy(p, out);
				out.closeEntry();
			}
		}
		return plugins;
	}

	static Result runMacro(final Path plugins, final Path macro, final String arg) throws IOException,
		InterruptedException
	{
		final String jar = plugins.resolve("Diffusion_Fiji.jar").toString();
		final List<String> cp = new ArrayList<>();
		cp.add(jar);
		String patcher = null;
		for (final String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
			if (e.endsWith("classes") || e.endsWith("test-classes")) continue; // the plugin comes from its jar
			if (e.contains("ij1-patcher")) patcher = e;
			cp.add(e);
		}
		if (patcher == null) throw new IllegalStateException("ij1-patcher is not on the test class path");
		final List<String> cmd = new ArrayList<>();
		cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
		cmd.add("-Djava.awt.headless=true");
		cmd.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
		cmd.add("-javaagent:" + patcher + "=init");
		cmd.add("-Dplugins.dir=" + plugins);
		cmd.add("-Dai.djl.offline=true");
		cmd.add("-Dai.djl.pytorch.num_threads=2");
		cmd.add("-Djava.util.prefs.userRoot=" + plugins.getParent().resolve("prefs"));
		// models trained by a macro go to the test's own folder, not the user's
		cmd.add("-Ddiffusion.models=" + plugins.getParent().resolve("models"));
		cmd.add("-cp");
		cmd.add(String.join(File.pathSeparator, cp));
		cmd.add("ij.ImageJ");
		cmd.add("-batch");
		cmd.add(macro.toAbsolutePath().toString());
		if (arg != null) cmd.add(arg);
		final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
		pb.environment().put("OPT_OUT_TRACKING", "true");
		final Process p = pb.start();
		try (OutputStream stdin = p.getOutputStream()) {
			// nothing to say
		}
		final byte[] out = p.getInputStream().readAllBytes();
		if (!p.waitFor(10, TimeUnit.MINUTES)) p.destroyForcibly();
		return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
	}
}
