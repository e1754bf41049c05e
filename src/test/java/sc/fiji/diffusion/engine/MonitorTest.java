package sc.fiji.diffusion.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Parts of the work report fractions of the whole command. */
class MonitorTest {

	/** A monitor that records (label, fraction) pairs. */
	static final class Recording implements Monitor {

		final List<String> labels = new ArrayList<>();
		final List<Double> fractions = new ArrayList<>();

		@Override
		public void progress(final String what, final int done, final int total) {
			labels.add(what);
			fractions.add(done / (double) total);
		}

		@Override
		public boolean isCanceled() {
			return false;
		}
	}

	@Test
	void nestedPartsGiveFractionsOfTheWhole() {
		final Recording r = new Recording();
		// slice 2 of 2, sample 1 of 4, step 5 of 10: (1 + (0 + 0.5) / 4) / 2
		r.share(1, 2).prefixed("slice 2/2 ").share(0, 4).prefixed("sample 1/4 ").progress("step", 5, 10);
		assertEquals(0.5625, r.fractions.get(0), 1e-6);
		assertEquals("slice 2/2 sample 1/4 step 5/10", r.labels.get(0));
		r.range(0.2, 0.6).progress("tile", 3, 3);
		assertEquals(0.6, r.fractions.get(1), 1e-6);
		assertThrows(IllegalArgumentException.class, () -> r.range(0.5, 0.4));
	}

	@Test
	void withoutProgressPassesCancelAndLogOnly() {
		final Recording r = new Recording();
		r.withoutProgress().progress("tile", 1, 2);
		assertTrue(r.fractions.isEmpty());
	}

	@Test
	void timeLeftFollowsThePaceSoFar() {
		assertEquals("", Monitor.timeLeft(0.01, 10), "too little done to tell");
		assertEquals("about 30 s left", Monitor.timeLeft(0.25, 10));
		assertEquals("about 2 min 30 s left", Monitor.timeLeft(0.5, 150));
		assertEquals("", Monitor.timeLeft(1, 150));
	}
}
