package sc.fiji.diffusion.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;

import sc.fiji.diffusion.eval.FashionMnist;

/**
 * Test data from Debian packages. Missing data is a clear skip on a developer's machine but a
 * failure in CI ({@code CI} set, as .ci/run does), where the packages are installed first.
 */
public final class TestData {

	private TestData() {}

	/** Whether this run is CI. */
	public static boolean inCi() {
		final String ci = System.getenv("CI");
		return ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false");
	}

	/** Skips (locally) or fails (CI) unless Debian's dataset-fashion-mnist is installed. */
	public static void requireFashionMnist() {
		if (FashionMnist.available()) return;
		final String why = "Fashion-MNIST test images not found in " + FashionMnist.DEFAULT_DIR +
			" (apt-get install dataset-fashion-mnist)";
		if (inCi()) fail(why + "; .ci/run installs it, so CI must have it");
		assumeTrue(false, why);
	}

	/** The first {@code n} images of a split, after {@link #requireFashionMnist()}. */
	public static FashionMnist fashionMnist(final String split, final int n) throws IOException {
		requireFashionMnist();
		return FashionMnist.load(split, n);
	}
}
