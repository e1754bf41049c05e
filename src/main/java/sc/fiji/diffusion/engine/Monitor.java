package sc.fiji.diffusion.engine;

import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

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
	static Monitor logging(final Consumer<String> log) {
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
		return forwarding(this, (what, done, total) -> progress(prefix + what, done, total));
	}

	/** Where a derived monitor sends its progress. */
	@FunctionalInterface
	interface Progress {

		void report(String what, int done, int total);
	}

	/** A monitor whose progress goes to {@code progress}; cancel, log lines and warnings go to {@code outer}. */
	static Monitor forwarding(final Monitor outer, final Progress progress) {
		return new Monitor() {

			@Override
			public void progress(final String what, final int done, final int total) {
				progress.report(what, done, total);
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
	 * The denominator of progress reported by {@link #range}: such a report is a fraction of the
	 * whole command, done / {@value #WHOLE}.
	 */
	int WHOLE = 1_000_000;

	/**
	 * This monitor for one part of the work, the fraction {@code from} … {@code to} of this
	 * monitor's whole: the part's own progress (done of total) is reported as
	 * from + (to − from)·done/total of {@link #WHOLE}, its label carrying the part's own count
	 * ("step 17/20"), so nested parts — slices, samples, steps — give one bar for the whole
	 * command that only moves forward.
	 */
	default Monitor range(final double from, final double to) {
		if (!(from >= 0 && from <= to && to <= 1)) throw new IllegalArgumentException("a part of the work is a range " +
			"within 0..1, was " + from + ".." + to);
		return forwarding(this, (what, done, total) -> {
			final String label = label(what, done, total);
			final double f = total > 0 ? Math.min(1, Math.max(0, done / (double) total)) : 1;
			progress(label, (int) Math.round(WHOLE * (from + (to - from) * f)), WHOLE);
		});
	}

	/**
	 * A progress report's label with its count ("step 17/20"); a fraction of the whole from
	 * {@link #range} already carries its counts in the label.
	 */
	static String label(final String what, final int done, final int total) {
		return total == WHOLE ? what : what + " " + done + "/" + total;
	}

	/** Part {@code index} (0-based) of {@code count} equal parts of the work (see {@link #range}). */
	default Monitor share(final int index, final int count) {
		return range(index / (double) count, (index + 1) / (double) count);
	}

	/** This monitor without progress reports (cancel and log lines pass through): for work inside a step. */
	default Monitor withoutProgress() {
		return forwarding(this, (what, done, total) -> {});
	}

	/**
	 * How long the rest of the work will take at the pace so far ("about 2 min 10 s left"), or ""
	 * when too little is done to tell (under 2 % or under 2 s).
	 */
	static String timeLeft(final double fraction, final double elapsedSeconds) {
		if (!(fraction >= 0.02) || elapsedSeconds < 2 || fraction >= 1) return "";
		final long left = Math.round(elapsedSeconds * (1 - fraction) / fraction);
		return left >= 60 ? String.format(Locale.ROOT, "about %d min %02d s left", left / 60, left % 60) :
			String.format(Locale.ROOT, "about %d s left", Math.max(1, left));
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
