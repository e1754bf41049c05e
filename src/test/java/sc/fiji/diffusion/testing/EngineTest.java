package sc.fiji.diffusion.testing;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of engine tests: one CPU NDManager for the test class, closed after it. */
public abstract class EngineTest {

	protected static NDManager manager;

	@BeforeAll
	static void openManager() {
		manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
	}

	@AfterAll
	static void closeManager() {
		manager.close();
	}
}
