package sc.fiji.diffusion.engine;

import java.util.concurrent.CancellationException;

/** Receives progress of long work and says whether it should stop. */
public interface Monitor {

	/** Called after each unit of work: {@code done} of {@code total} are finished. */
	void progress(String what, int done, int total);

	/** Checked between steps; when true the work stops with a {@link CancellationException}. */
	boolean isCanceled();

	/** A line for the user's log (what was estimated, decided, how long it took); ignored by default. */
	default void log(final String message) {}

	/** A warning for the user's log; by default a log line. */
	default void warn(final String message) {
		log(message);
	}

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

	/** A monitor that sends log lines (and warnings) to {@code log}, reports no progress and never cancels. */
	static Monitor logging(final java.util.function.Consumer<String> log) {
		return new Monitor() {

			@Override
			public void progress(final String what, final int done, final int total) {}

			@Override
			public boolean isCanceled() {
				return false;
			}

			@Override
			public void log(final String message) {
				log.accept(message);
			}
		};
	}

	/** This monitor with {@code prefix} before every progress label (log lines and cancel pass through). */
	default Monitor prefixed(final String prefix) {
		if (prefix.isEmpty()) return this;
		final Monitor outer = this;
		return new Monitor() {

			@Override
			public void progress(final String what, final int done, final int total) {
				outer.progress(prefix + what, done, total);
			}

			@Override
			public boolean isCanceled() {
				return outer.isCanceled();
			}

			@Override
			public void log(final String message) {
				outer.log(message);
			}

			@Override
			public void warn(final String message) {
				outer.warn(message);
			}
		};
	}

	/**
	 * Progress for a command line: on a terminal one line updated in place, in a log file a line
	 * every 25 %; never cancels.
	 */
	static Monitor console(final String what) {
		return new Monitor() {

			private int last = -1;
			private final boolean tty = System.console() != null;

			@Override
			public void progress(final String step, final int done, final int total) {
				final int pct = 100 * done / total;
				if (tty && pct != last) {
					System.out.print("\r" + what + ": " + pct + "%   ");
					System.out.flush();
				}
				else if (!tty && pct / 25 != last / 25) System.out.println(what + ": " + pct + "%");
				last = pct;
			}

			@Override
			public boolean isCanceled() {
				return false;
			}
		};
	}
}
