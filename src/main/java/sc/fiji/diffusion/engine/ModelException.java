package sc.fiji.diffusion.engine;

/** A model that cannot be used: missing files, a bad descriptor, weights that do not match. */
public class ModelException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public ModelException(final String message) {
		super(message);
	}

	public ModelException(final String message, final Throwable cause) {
		super(message, cause);
	}
}
