package sc.fiji.diffusion.fiji;

import ai.djl.engine.Engine;
import ai.djl.util.Platform;
import ai.djl.util.Utils;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.image.Hyperstack;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.ModelCache;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.pipeline.DenoisePipeline;
import sc.fiji.diffusion.engine.pipeline.DenoiseSettings;
import sc.fiji.diffusion.engine.pipeline.ModelSource;
import sc.fiji.diffusion.models.ModelLocator;
import sc.fiji.diffusion.models.Models;

/**
 * What the plugin sees on this machine, for Plugins › Diffusion › Check Setup and the
 * {@code check-setup} verb: platform, Java and heap, DJL and PyTorch, where the natives come
 * from (and whether they are this platform's), the devices (and why a GPU is not used), threads,
 * model folders and models, a timed Denoise of the default model, the largest image the heap
 * takes — each problem with a line of advice. Every line goes to {@code out}.
 */
public final class SetupCheck {

	private SetupCheck() {}

	/** Where DJL's PyTorch natives announce themselves inside a natives jar. */
	static final String NATIVES_PROPERTIES = "native/lib/pytorch.properties";

	/** Fiji's launcher's name for the platform folder of jars/ (config/jaunch/fiji.toml), or null when it has none we ship. */
	public static String fijiPlatform(final String osPrefix, final String osArch) {
		final String p = osPrefix + "-" + osArch;
		switch (p) {
			case "linux-x86_64": return "linux64";
			case "win-x86_64": return "win64";
			case "osx-aarch64": return "macos-arm64";
			default: return null;
		}
	}

	/** Runs every check; returns the number of advice lines (problems found). */
	public static int run(final ModelLocator locator, final Consumer<String> out) {
		final List<String> advice = new ArrayList<>();
		out.accept("Diffusion: Check Setup");
		// platform, Java, heap
		final Platform system = Platform.fromSystem("pytorch");
		final String classifier = system.getOsPrefix() + "-" + system.getOsArch();
		final String fiji = fijiPlatform(system.getOsPrefix(), system.getOsArch());
		out.accept(String.format(Locale.ROOT, "  platform: %s %s (%s; Fiji folder jars/%s)", System.getProperty("os.name"),
			System.getProperty("os.arch"), classifier, fiji == null ? "-" : fiji));
		if (fiji == null) advice.add("This platform (" + classifier + ") has no PyTorch CPU natives on Maven Central for " +
			"the DJL version used here; supported: Linux x86-64, Windows x86-64, macOS arm64 (Apple Silicon).");
		final Runtime rt = Runtime.getRuntime();
		out.accept(String.format(Locale.ROOT, "  Java: %s (%s), max heap %.1f GB, %d processors", System.getProperty(
			"java.version"), System.getProperty("java.vendor"), rt.maxMemory() / 1e9, rt.availableProcessors()));
		// natives on the class path
		final List<String> natives = natives(advice, classifier);
		for (final String n : natives)
			out.accept("  PyTorch natives on the class path: " + n);
		// the engine
		Engine engine = null;
		try {
			engine = Devices.engine();
			out.accept(String.format(Locale.ROOT, "  DJL %s, PyTorch %s; natives unpacked in %s", Engine.getDjlVersion(), engine
				.getVersion(), Utils.getEngineCacheDir("pytorch")));
			out.accept("  natives in use: " + Platform.detectPlatform("pytorch"));
		}
		catch (final RuntimeException | UnsatisfiedLinkError e) {
			// an engine that cannot start is exactly what this command is for: say why instead of failing
			out.accept("  PyTorch engine: FAILED to start: " + e);
			advice.add("The PyTorch engine did not start. Put this platform's natives jar (jars/" + (fiji == null ? "<platform>" :
				fiji) + "/pytorch-native-cpu-*-" + classifier + ".jar from the Diffusion Fiji.app of this platform) and " +
				"jars/pytorch-jni-*.jar in Fiji's jars folder, and restart Fiji.");
		}
		if (engine != null) {
			final int gpus = engine.getGpuCount();
			out.accept("  devices: " + (gpus > 0 ? gpus + " GPU(s); auto uses " + Devices.describe(Devices.resolve("auto")) :
				"CPU only; auto uses " + Devices.describe(Devices.resolve("auto"))));
			out.accept(String.format(Locale.ROOT, "  threads: PyTorch intra-op %d (set with -Dai.djl.pytorch.num_threads=N)",
				Devices.cpuThreads()));
			if (gpus == 0) {
				final String why = whyNoGpu(system.getOsPrefix(), natives);
				if (why != null) {
					out.accept("  GPU: " + why);
					if (why.startsWith("an NVIDIA")) advice.add("To use the NVIDIA GPU: " + gpuBuild(system.getOsPrefix()));
				}
			}
			out.accept("  a GPU build here: " + gpuBuild(system.getOsPrefix()));
		}
		// model folders and models
		for (final Path p : locator.folders()) {
			final boolean unreadable = Files.isDirectory(p) && !Files.isReadable(p);
			out.accept("  model folder searched: " + p + (Files.isDirectory(p) ? unreadable ? " (NOT readable)" : "" :
				" (absent)") + (p.equals(locator.trainingTarget()) ? "; Train writes new models here" : ""));
			if (unreadable) advice.add("Model folder " + p + " exists but cannot be read: fix its permissions.");
		}
		for (final String name : locator.available()) {
			try {
				final Path dir = locator.resolve(name);
				out.accept(String.format(Locale.ROOT, "  model '%s': %s, %.1f MB", name, dir, size(dir) / 1e6));
			}
			catch (final RuntimeException e) {
				out.accept("  model '" + name + "': " + e.getMessage());
				advice.add("Model '" + name + "' cannot be read: " + e.getMessage());
			}
		}
		// a timed Denoise of the default model, and the largest image the heap takes
		if (engine != null) timedDenoise(locator, out, advice);
		final long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
		final long side = (long) Math.sqrt(free / (double) (ImageCommand.BYTES_PER_PIXEL + 8));
		out.accept(String.format(Locale.ROOT, "  largest image Denoise takes with this heap: about %d x %d pixels (one " +
			"plane; %.1f GB free)", side, side, free / 1e9));
		if (side < 2048) advice.add(String.format(Locale.ROOT, "The heap allows only about %d x %d pixels; give " +
			"ImageJ more memory (Edit > Options > Memory & Threads) for 2048 x 2048 images and larger.", side, side));
		for (final String a : advice)
			out.accept("  ADVICE: " + a);
		out.accept(advice.isEmpty() ? "Diffusion: setup OK" : "Diffusion: " + advice.size() + " problem(s), see ADVICE " +
			"above");
		return advice.size();
	}

	/** Every natives jar DJL could pick, with its classifier; advice when none or none of them is this platform's. */
	private static List<String> natives(final List<String> advice, final String classifier) {
		final List<String> out = new ArrayList<>();
		final List<URL> urls;
		try {
			urls = Collections.list(Thread.currentThread().getContextClassLoader() != null ? Thread.currentThread()
				.getContextClassLoader().getResources(NATIVES_PROPERTIES) : SetupCheck.class.getClassLoader().getResources(
					NATIVES_PROPERTIES));
		}
		catch (final IOException e) {
			advice.add("The class path could not be read: " + e.getMessage());
			return out;
		}
		boolean mine = false;
		for (final URL u : urls) {
			final Properties p = new Properties();
			try (InputStream in = u.openStream()) {
				p.load(in);
			}
			catch (final IOException e) {
				continue;
			}
			final String c = p.getProperty("classifier", "?");
			mine |= c.equals(classifier);
			out.add(String.format(Locale.ROOT, "%s (PyTorch %s, %s, %s)%s", jarOf(u), p.getProperty("version", "?"), p
				.getProperty("flavor", "?"), c, c.equals(classifier) ? "" : " - NOT this platform's"));
		}
		if (urls.isEmpty()) advice.add("No PyTorch natives on the class path: DJL would try to download them, which the " +
			"plugin forbids. Install the Diffusion Fiji.app of this platform (its jars/<platform>/ folder holds them).");
		else if (!mine) advice.add("None of the PyTorch natives on the class path is for this platform (" + classifier +
			"): install the Diffusion Fiji.app built for it.");
		if (urls.size() > 1) advice.add("Several PyTorch natives jars are on the class path; keep only this platform's " +
			"(DJL picks the matching one, the others only take space).");
		return out;
	}

	private static String jarOf(final URL u) {
		final String s = u.toString();
		final int bang = s.indexOf("!/");
		return bang > 0 && s.startsWith("jar:") ? s.substring(4, bang).replaceFirst("^file:", "") : s;
	}

	/** Why the CPU is used although a GPU may be there; null when nothing suggests a GPU. */
	static String whyNoGpu(final String osPrefix, final List<String> natives) {
		final boolean cpuNatives = natives.stream().anyMatch(n -> n.contains(", cpu, ") || n.contains(", cpu-"));
		if (osPrefix.equals("osx")) return "none used: DJL's PyTorch natives for macOS are CPU-only (no Metal/MPS build)";
		final boolean nvidia = Files.isDirectory(Paths.get("/proc/driver/nvidia")) || onPath("nvidia-smi") || onPath(
			"nvidia-smi.exe");
		if (!nvidia) return null;
		return cpuNatives ? "an NVIDIA driver is present, but these are CPU natives" :
			"an NVIDIA driver is present but PyTorch sees no GPU (driver too old for CUDA 12.4?)";
	}

	/** What a GPU build needs on this platform. */
	static String gpuBuild(final String osPrefix) {
		if (osPrefix.equals("osx")) return "none: DJL's PyTorch natives for macOS are CPU-only";
		return "mvn package -Pgpu puts the CUDA 12.4 natives (pytorch-native-cu124, 2.5 GB) in jars/linux64/ instead of " +
			"the CPU ones; it needs an NVIDIA driver for CUDA 12.4 and nothing else (cuDNN and cuBLAS are inside)" + (osPrefix
				.equals("win") ? "; this project builds and checks it for Linux x86-64 only" : "");
	}

	private static boolean onPath(final String exe) {
		final String path = System.getenv("PATH");
		if (path == null) return false;
		for (final String d : path.split(File.pathSeparator))
			if (!d.isEmpty() && Files.isExecutable(Paths.get(d, exe))) return true;
		return false;
	}

	private static long size(final Path dir) {
		try (Stream<Path> s = Files.walk(dir)) {
			return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
		}
		catch (final IOException e) {
			return 0;
		}
	}

	/** Denoises a 512² test image twice with the default model (the first includes loading) and says how long it took. */
	private static void timedDenoise(final ModelLocator locator, final Consumer<String> out, final List<String> advice) {
		try {
			final long t0 = System.nanoTime();
			final DiffusionModel m = ModelCache.shared().get(locator.resolve(Models.DEFAULT_IMAGE), Devices.resolve("auto"));
			final double load = (System.nanoTime() - t0) / 1e9;
			final ModelSource source = ModelSource.of(m);
			final int n = 512;
			final float[] px = new float[n * n];
			final Random r = new Random(1);
			for (int i = 0; i < px.length; i++)
				px[i] = (float) (100 + 50 * Math.sin(i % n / 20.0) + 20 * r.nextGaussian());
			final DenoiseSettings s = DenoiseSettings.builder().noise(NoiseSettings.gaussian(20)).build();
			final double[] sec = new double[2];
			for (int k = 0; k < 2; k++) {
				final long t = System.nanoTime();
				DenoisePipeline.run(source, Hyperstack.of(n, n, 32, px), s, Monitor.NONE);
				sec[k] = (System.nanoTime() - t) / 1e9;
			}
			out.accept(String.format(Locale.ROOT, "  test: model '%s' loaded in %.2f s on %s; Denoise of a %dx%d image " +
				"(output=mean with its error estimate) %.2f s the first time, %.2f s the second", Models.DEFAULT_IMAGE, load,
				Devices.describe(m.device()), n, n, sec[0], sec[1]));
		}
		catch (final RuntimeException e) {
			out.accept("  test: FAILED: " + e);
			advice.add("The test Denoise of the default model failed: " + e.getMessage());
		}
	}
}
