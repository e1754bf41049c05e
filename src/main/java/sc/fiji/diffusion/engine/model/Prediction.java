package sc.fiji.diffusion.engine.model;

/** What the network outputs; the engine converts every kind to ε once, in {@link DiffusionModel}. */
public enum Prediction {
	/** The added noise ε (Ho et al. 2020). */
	EPSILON,
	/** The clean image x_0. */
	X0,
	/** The velocity v = √ᾱ ε − √(1−ᾱ) x_0 (Salimans &amp; Ho 2022). */
	V;

	static Prediction parse(final String s) {
		switch (s.toLowerCase()) {
			case "epsilon":
			case "eps":
				return EPSILON;
			case "x0":
			case "sample":
				return X0;
			case "v":
			case "v_prediction":
				return V;
			default:
				return null;
		}
	}
}
