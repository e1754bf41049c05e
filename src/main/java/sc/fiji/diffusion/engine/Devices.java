package sc.fiji.diffusion.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;

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

	/** "CPU (2 threads)" or "GPU 0 (CUDA, compute capability 9.0, 80 GB)". */
	public static String describe(final Device device) {
		if (device.isGpu()) {
			String cc = "";
			String mem = "";
			try {
				cc = ", compute capability " + CudaUtils.getComputeCapability(device.getDeviceId());
				mem = ", " + CudaUtils.getGpuMemory(device).getMax() / (1L << 30) + " GB";
			}
			catch (final RuntimeException | Error e) {
				// information only
			}
			return "GPU " + device.getDeviceId() + " (CUDA" + cc + mem + ")";
		}
		return "CPU (" + cpuThreads() + " threads)";
	}

	/** PyTorch's intra-op thread count, as PyTorch itself reports it. */
	public static int cpuThreads() {
		engine();
		return ai.djl.pytorch.jni.JniUtils.getNumThreads();
	}
}
