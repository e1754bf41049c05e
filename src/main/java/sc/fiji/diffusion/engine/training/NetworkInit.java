package sc.fiji.diffusion.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.util.Pair;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fresh weights for a network's architecture, so that training can start from scratch
 * ({@code base=none}) from any model's TorchScript file: PyTorch's default initialisation of
 * convolutions and linear layers (weights and biases uniform in ±1/√fan_in, fan_in = the
 * weight's size over its first axis; one-dimensional weights, the scales of normalisation layers,
 * start at 1), except the parameters the descriptor names under
 * {@code config.diffusion.architecture.zero_init} (name fragments, e.g. {@code .conv2.}),
 * which start at zero (residual branches that begin as the identity).
 */
public final class NetworkInit {

	private NetworkInit() {}

	/** Re-initialises every parameter in place (grad mode must be off). */
	public static void initialise(final ParameterList params, final List<String> zero, final long seed) {
		final SplittableRandom r = new SplittableRandom(seed);
		for (final Pair<String, Parameter> p : params) {
			final String name = p.getKey();
			final NDArray a = p.getValue().getArray();
			final Shape s = a.getShape();
			final float[] v = new float[Math.toIntExact(s.size())];
			boolean isZero = false;
			for (final String z : zero)
				isZero |= ("." + name).contains(z.startsWith(".") ? z : "." + z);
			if (!isZero && s.dimension() == 1 && name.endsWith("weight")) Arrays.fill(v, 1f); // norm layers' scale
			else if (!isZero) {
				final long fanIn = fanIn(params, name, s);
				final double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
				for (int i = 0; i < v.length; i++)
					v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
			}
			a.set(v);
		}
	}

	/** fan_in of a weight (size over its first axis), or of the weight next to a bias. */
	private static long fanIn(final ParameterList params, final String name, final Shape s) {
		if (s.dimension() >= 2) return s.size() / s.get(0);
		if (name.endsWith("bias")) {
			final String w = name.substring(0, name.length() - 4) + "weight";
			for (final Pair<String, Parameter> p : params)
				if (p.getKey().equals(w)) {
					final Shape ws = p.getValue().getArray().getShape();
					return ws.dimension() >= 2 ? ws.size() / ws.get(0) : 0;
				}
		}
		return 0;
	}
}
