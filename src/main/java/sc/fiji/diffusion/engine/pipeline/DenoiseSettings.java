package sc.fiji.diffusion.engine.pipeline;

import java.util.Arrays;
import java.util.Locale;

import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.values.Normalization;

/**
 * What a Denoise run is asked to do, validated once when built (every message names the macro
 * key at fault), immutable afterwards. Built with {@link #builder()}:
 * <pre>
 *   DenoiseSettings s = DenoiseSettings.builder().noise(NoiseSettings.parse("auto", 0, 0, Double.NaN))
 *       .output("mean").ensemble(8).build();
 * </pre>
 */
public final class DenoiseSettings {

	public static final String[] OUTPUTS = { "mean", "sample", "std" };
	public static final String[] STACKS = { "slices", "volume" };

	private final NoiseSettings noise;
	private final Normalization normalization;
	private final String output, stack;
	private final int steps, samples, ensemble, tileBatch, adapt;
	private final long seed;
	private final double eta;

	private DenoiseSettings(final Builder b) {
		noise = b.noise;
		normalization = b.normalization;
		output = b.output;
		stack = b.stack;
		steps = b.steps;
		samples = b.samples;
		ensemble = b.ensemble;
		seed = b.seed;
		eta = b.eta;
		tileBatch = b.tileBatch;
		adapt = b.adapt;
	}

	public static Builder builder() {
		return new Builder();
	}

	/** A builder holding these settings, to change some. */
	public Builder toBuilder() {
		final Builder b = new Builder();
		b.noise = noise;
		b.normalization = normalization;
		b.output = output;
		b.stack = stack;
		b.steps = steps;
		b.samples = samples;
		b.ensemble = ensemble;
		b.seed = seed;
		b.eta = eta;
		b.tileBatch = tileBatch;
		b.adapt = adapt;
		return b;
	}

	public NoiseSettings noise() { return noise; }
	public Normalization normalization() { return normalization; }
	/** mean | sample | std */
	public String output() { return output; }
	/** slices | volume */
	public String stack() { return stack; }
	public int steps() { return steps; }
	/** Random probes of the denoiser behind output=std (more: a less noisy map, one pass each). */
	public int samples() { return samples; }
	public int ensemble() { return ensemble; }
	public long seed() { return seed; }
	public double eta() { return eta; }
	public int tileBatch() { return tileBatch; }
	/** Self-supervised fine-tuning steps on the image before denoising it (0 = none; {@link Adaptation}). */
	public int adapt() { return adapt; }

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "noise=%s output=%s%s steps=%d ensemble=%d stack=%s seed=%d normalize=%s%s",
			noise, output, output.equals("std") ? " samples=" + samples : "", steps, ensemble, stack, seed, normalization,
			adapt > 0 ? " adapt=" + adapt : "");
	}

	public static final class Builder {

		private NoiseSettings noise = NoiseSettings.auto();
		private Normalization normalization = Normalization.auto();
		private String output = "mean", stack = "slices";
		private int steps = 20, samples = 8, ensemble = 1, tileBatch = Fallback.BATCH, adapt = 0;
		private long seed = 1;
		private double eta = 0.85;

		public Builder noise(final NoiseSettings n) { noise = n; return this; }
		public Builder normalization(final Normalization n) { normalization = n; return this; }
		public Builder output(final String o) { output = lower(o, "mean"); return this; }
		public Builder stack(final String s) { stack = lower(s, "slices"); return this; }
		public Builder steps(final int n) { steps = n; return this; }
		public Builder samples(final int n) { samples = n; return this; }
		public Builder ensemble(final int e) { ensemble = e; return this; }
		public Builder seed(final long s) { seed = s; return this; }
		public Builder eta(final double e) { eta = e; return this; }
		public Builder tileBatch(final int b) { tileBatch = b; return this; }
		public Builder adapt(final int n) { adapt = n; return this; }

		private static String lower(final String s, final String dflt) {
			return s == null || s.trim().isEmpty() ? dflt : s.trim().toLowerCase(Locale.ROOT);
		}

		public DenoiseSettings build() {
			if (noise == null || normalization == null) throw new IllegalArgumentException("noise and normalize are required");
			if (!Arrays.asList(OUTPUTS).contains(output)) throw new IllegalArgumentException("Unknown output '" +
				output + "'; accepted: mean, sample, std");
			if (adapt < 0) throw new IllegalArgumentException("adapt must be 0 (off) or a number of fine-tuning steps, was " +
				adapt);
			if (adapt > 0 && stack.equals("volume")) throw new IllegalArgumentException("adapt works plane by plane; with " +
				"stack=volume use adapt=0");
			if (!Arrays.asList(STACKS).contains(stack)) throw new IllegalArgumentException("Unknown stack '" + stack +
				"'; accepted: slices (each plane on its own), volume (a z-stack as one volume)");
			if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, was " + steps);
			if (output.equals("std") && samples < 1) throw new IllegalArgumentException("samples must be at least 1 for " +
				"output=std (the random probes of the denoiser its map is made from), was " + samples);
			if (ensemble != 1 && ensemble != 8) throw new IllegalArgumentException("ensemble must be 1 or 8 (the 8 flips " +
				"and rotations averaged), was " + ensemble);
			if (ensemble == 8 && !output.equals("mean")) throw new IllegalArgumentException("ensemble=8 averages the " +
				"estimates of output=mean; use output=mean, or ensemble=1");
			if (ensemble == 8 && stack.equals("volume")) throw new IllegalArgumentException("ensemble=8 is for stack=slices; " +
				"stack=volume already combines three orientations");
			if (output.equals("std") && stack.equals("volume")) throw new IllegalArgumentException("output=std is computed " +
				"plane by plane; use stack=slices with it");
			if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("eta must be in [0, 1], was " + eta);
			if (tileBatch < 1) throw new IllegalArgumentException("tile batch must be at least 1, was " + tileBatch);
			return new DenoiseSettings(this);
		}
	}
}
