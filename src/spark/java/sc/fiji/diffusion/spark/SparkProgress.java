package sc.fiji.diffusion.spark;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/** Logs a line per 5 % of a pass's tasks with blocks/s and the time left (on the driver). */
final class SparkProgress extends SparkListener {

	private volatile String what = "";
	private volatile int total;
	private final AtomicInteger done = new AtomicInteger();
	private volatile long start;
	private volatile int lastStep = -1;

	void start(final String what, final int total) {
		this.what = what;
		this.total = total;
		done.set(0);
		lastStep = -1;
		start = System.nanoTime();
	}

	@Override
	public void onTaskEnd(final SparkListenerTaskEnd e) {
		if (e.taskInfo() == null || !e.taskInfo().successful()) return;
		final int d = done.incrementAndGet();
		final int step = total == 0 ? 20 : 20 * d / total;
		if (step == lastStep) return;
		lastStep = step;
		final double s = (System.nanoTime() - start) / 1e9, rate = d / Math.max(s, 1e-9);
		System.out.println(String.format(Locale.ROOT, "spark %s: %d/%d blocks (%d%%), %.2f blocks/s, %.0f s left", what, d,
			total, 100 * d / Math.max(1, total), rate, (total - d) / Math.max(rate, 1e-9)));
	}
}
