package sc.fiji.diffusion.engine;

import java.util.concurrent.CancellationException;

/** Receives progress of long work and says whether it should stop. */
public interface Monitor {

	/** Called after each unit of work: {@code done} of {@code total} are finished. */
	void progress(String what, int done, int total);

	/** Checked between steps; when true the work stops with a {@link CancellationException}. */
	boolean isCanceled();

	/** Throws {@link CancellationException} when {@link #isCanceled()}. */
	default void checkCanceled() {
		if (isCanceled()) throw new CancellationException("cancelled by the user");
	}

	/** A monitor that reports nothing and never cancels. */
	Monitor NONE = new Monitor() {

		@Override
		public void progress(final String what, final int done, final int total) {}

		@Override
		public boolean isCanceled() {
			return false;
		}
	};
}
