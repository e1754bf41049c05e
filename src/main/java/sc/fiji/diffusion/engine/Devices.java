package sc.fiji.diffusion.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Choosing the device to run on and describing it truthfully. */
public final class Devices {

	private Devices() {}

	/** The DJL engine this project runs on. */
	public static Engine engine() {
		Offline.ensure();
		return Engine.getEngine("PyTorch");
	}

	/**
	 * Resolves a user's device choice: {@code auto} (or empty) takes the first GPU when DJL sees
	 * one and the CPU otherwise; {@code cpu}; {@code gpu} or {@code gpuN}.
	 */
	public static Device resolve(final String choice) {
		final String c = choice == null ? "auto" : choice.trim().toLowerCase();
		final int gpus = engine().getGpuCount();
		if (c.isEmpty() || c.equals("auto")) return gpus > 0 ? Device.gpu() : Device.cpu();
		if (c.equals("cpu")) return Device.cpu();
		if (c.startsWith("gpu") || c.startsWith("cuda")) {
			final String n = c.replaceAll("^(gpu|cuda):?", "");
			final int id;
			try {
				id = n.isEmpty() ? 0 : Integer.parseInt(n);
			}
			catch (final NumberFormatException e) {
				throw new IllegalArgumentException("Unknown device '" + choice + "'; accepted: auto, cpu, gpu, gpu0, gpu1, ...");
			}
			if (id >= gpus) throw new IllegalArgumentException("Device '" + choice + "' requested but " +
				(gpus == 0 ? "no GPU is visible to PyTorch (CPU build, or no NVIDIA driver)" : "only " + gpus + " GPU(s) are visible"));
			return Device.gpu(id);
		}
		throw new IllegalArgumentException("Unknown device '" + choice + "'; accepted: auto, cpu, gpu, gpu0, gpu1, ...");
	}

	/** "CPU (2 threads)" or "GPU 0 (NVIDIA H100 80GB HBM3, CUDA, compute capability 9.0, 79 GB)". */
	public static String describe(final Device device) {
		if (device.isGpu()) {
			String cc = "";
			String mem = "";
			try {
				cc = ", compute capability " + CudaUtils.getComputeCapability(device.getDeviceId());
				mem = ", " + CudaUtils.getGpuMemory(device).getMax() / (1L << 30) + " GB";
			}
			catch (final RuntimeException | LinkageError e) {
				// information only: a driver or natives without these queries still run the model
			}
			final String name = gpuName(Paths.get("/proc/driver/nvidia/gpus"));
			return "GPU " + device.getDeviceId() + " (" + (name == null ? "" : name + ", ") + "CUDA" + cc + mem + ")";
		}
		return "CPU (" + cpuThreads() + " threads)";
	}

	/**
	 * The GPU model as the NVIDIA driver reports it ({@code Model:} in
	 * {@code /proc/driver/nvidia/gpus/<bus>/information}), or null when unknown. With several
	 * GPUs of different models the driver's bus order need not be CUDA's order, so a name is
	 * only given when it is the same for all.
	 */
	static String gpuName(final Path root) {
		final Set<String> names = new TreeSet<>();
		try (Stream<Path> gpus = Files.list(root)) {
			for (final Path g : (Iterable<Path>) gpus::iterator) {
				final Path info = g.resolve("information");
				if (!Files.isReadable(info)) continue;
				for (final String line : Files.readAllLines(info))
					if (line.startsWith("Model:")) names.add(line.substring(6).trim());
			}
		}
		catch (final IOException | RuntimeException e) {
			return null;
		}
		return names.size() == 1 ? names.iterator().next() : null;
	}

	/** PyTorch's intra-op thread count, as PyTorch itself reports it. */
	public static int cpuThreads() {
		engine();
		return JniUtils.getNumThreads();
	}

	/**
	 * Whether this CPU computes in bfloat16 natively (AVX-512 BF16 or AMX, as Linux reports in
	 * {@code /proc/cpuinfo}); only then does a model's bfloat16 inference copy run faster than
	 * float32 (2.2× for {@code grayscale} on this project's AVX-512 BF16 CPU). False where the
	 * flags cannot be read (macOS, Windows), so those keep float32.
	 */
	public static boolean cpuHasBfloat16() {
		Boolean b = bf16;
		if (b == null) bf16 = b = cpuFlagsHaveBfloat16(Paths.get("/proc/cpuinfo"));
		return b;
	}

	private static volatile Boolean bf16;

	/** Whether the first {@code flags} line of a cpuinfo file names avx512_bf16 or amx_bf16; false when unreadable. */
	public static boolean cpuFlagsHaveBfloat16(final Path cpuinfo) {
		try (Stream<String> lines = Files.lines(cpuinfo)) {
			return lines.filter(l -> l.startsWith("flags")).findFirst().map(l -> (" " + l.substring(l.indexOf(':') + 1) + " ")
				.matches(".*\\s(avx512_bf16|amx_bf16)\\s.*")).orElse(false);
		}
		catch (final IOException | RuntimeException e) {
			return false; // unknown CPU: float32 is always correct
		}
	}
}
