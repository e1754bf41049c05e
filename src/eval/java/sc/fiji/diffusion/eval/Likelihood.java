package sc.fiji.diffusion.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.ndarray.NDManager;

import sc.fiji.diffusion.engine.Denoiser;
import sc.fiji.diffusion.engine.Devices;
import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.VariationalBound;
import sc.fiji.diffusion.models.Models;
import sc.fiji.diffusion.engine.model.DiffusionModel;
import sc.fiji.diffusion.engine.model.GuidedDenoiser;
import sc.fiji.diffusion.engine.model.ModelDescriptor;

/**
 * Negative log-likelihood of test images in bits/dim from the DDPM variational bound
 * ({@link VariationalBound}), unconditional (the model's null class) and, with
 * {@code --conditional true}, given each image's true class.
 * <p>
 * Bits/dim are reported over the model's 32×32 input, and over the 784 pixels of the original
 * 28×28 images: the constant padding is discrete, so its share of −log p is ≥ 0 and the whole
 * bound divided by 784 is still an upper bound on the 28×28 images' bits/dim.
 */
public final class Likelihood {

	private Likelihood() {}

	/** Options: model, images, strata, conditional, seed, device. */
	public static void main(final Map<String, String> o) throws IOException {
		final int count = Integer.parseInt(o.getOrDefault("images", "1000"));
		final int strata = Integer.parseInt(o.getOrDefault("strata", "100"));
		final boolean conditional = Boolean.parseBoolean(o.getOrDefault("conditional", "false"));
		final long seed = Long.parseLong(o.getOrDefault("seed", "1"));
		try (DiffusionModel model = DiffusionModel.load(Models.resolve(o.get("model")), Devices.resolve(o.get("device")));
			NDManager m = model.manager().newSubManager())
		{
			final ModelDescriptor d = model.descriptor();
			System.out.println("model: " + d.name() + "; device: " + Devices.describe(model.device()));
			final FashionMnist test = FashionMnist.load("t10k", count);
			final int dims = d.channels() * d.height() * d.width();
			final long[] shape = { d.channels(), d.height(), d.width() };
			// 8-bit data: bins one grey level wide, centred on the integers of the data range
			final VariationalBound vb = new VariationalBound(model.schedule(), d.scale(), d.modelMin(), d.modelMax());
			final long t0 = System.nanoTime();
			final List<VariationalBound.Result> parts = new ArrayList<>();
			if (!conditional) {
				parts.add(vb.evaluate(GuidedDenoiser.uniform(model, -1, 1), toModel(test.images, d), shape, strata, seed, 100, m,
					Monitor.console("likelihood")));
			}
			else for (int y = 0; y < d.classes().size(); y++) {
				final List<float[]> ofClass = new ArrayList<>();
				for (int i = 0; i < test.images.length; i++)
					if (test.labels[i] == y) ofClass.add(test.images[i]);
				if (ofClass.isEmpty()) continue;
				final Denoiser den = GuidedDenoiser.uniform(model, y, 1);
				parts.add(vb.evaluate(den, toModel(ofClass.toArray(new float[0][]), d), shape, strata, seed + y, 100, m,
					Monitor.console("likelihood, class " + d.classes().get(y))));
			}
			double small = 0, large = 0, var = 0, prior = 0, decoder = 0;
			int n = 0;
			for (final VariationalBound.Result r : parts) {
				for (int i = 0; i < r.prior.length; i++) {
					small += r.total(i, true);
					large += r.total(i, false);
					prior += r.prior[i];
					decoder += r.decoder[i];
				}
				n += r.prior.length;
			}
			small /= n;
			large /= n;
			for (final VariationalBound.Result r : parts)
				for (int i = 0; i < r.prior.length; i++)
					var += Math.pow(Math.min(r.total(i, true), r.total(i, false)) - Math.min(small, large), 2);
			final double se = Math.sqrt(var / (n - 1) / n);
			final double ln2 = Math.log(2);
			final double best = Math.min(small, large);
			if (System.console() != null) System.out.println();
			System.out.println(String.format(Locale.ROOT, "%d test images, %s, %d strata over t (%d calls per image), %.0f s",
				n, conditional ? "conditional on the true class" : "unconditional", strata, parts.get(0).calls,
				(System.nanoTime() - t0) / 1e9));
			System.out.println(String.format(Locale.ROOT, "bound with σ²=β: %.4f bits/dim; with σ²=β̃: %.4f bits/dim " +
				"(over %d dims)", large / dims / ln2, small / dims / ln2, dims));
			System.out.println(String.format(Locale.ROOT, "NLL ≤ %.3f ± %.3f bits/dim over the %dx%d model input; " +
				"≤ %.3f bits/dim for the 28x28 images (784 dims)", best / dims / ln2, se / dims / ln2, d.width(), d.height(),
				best / 784 / ln2));
			System.out.println(String.format(Locale.ROOT, "terms (nats/image): prior %.3f, decoder %.1f", prior / n,
				decoder / n));
		}
	}

	private static float[][] toModel(final float[][] images, final ModelDescriptor d) {
		final float[][] out = new float[images.length][];
		final double scale = d.scale(), offset = d.offset();
		for (int k = 0; k < images.length; k++) {
			out[k] = new float[images[k].length];
			for (int i = 0; i < out[k].length; i++)
				out[k][i] = (float) (images[k][i] * scale + offset);
		}
		return out;
	}
}
