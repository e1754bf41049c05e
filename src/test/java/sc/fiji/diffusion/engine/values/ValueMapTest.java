package sc.fiji.diffusion.engine.values;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.model.ModelDescriptor;
import sc.fiji.diffusion.models.Models;

/** One map from image units to model units, chosen by the normalize key. */
class ValueMapTest {

	private static final ModelDescriptor D = ModelDescriptor.read(Models.resolve("fashion-mnist")); // data 0–255, model −1..1

	@Test
	void dataUnitsGoToTheModelRange() {
		final ValueMap m = ValueMap.data(D);
		final float[] out = m.toModel(new float[] { 0, 127.5f, 255 });
		assertEquals(-1, out[0], 1e-6);
		assertEquals(0, out[1], 1e-6);
		assertEquals(1, out[2], 1e-6);
		assertEquals(25 / 127.5, m.sigmaToModel(25), 1e-12);
		assertEquals(200, m.fromModelInPlace(m.toModel(new float[] { 200 }))[0], 1e-4);
	}

	@Test
	void autoKeepsEightBitAndStretchesSixteenBitByPercentiles() {
		final float[][] planes = { new float[1000] };
		for (int i = 0; i < 1000; i++)
			planes[0][i] = 1000 + 10 * i; // 1000 … 10990
		final ValueMap eight = Normalization.auto().map(D, 8, planes);
		assertEquals(ValueMap.data(D).scale(), eight.scale(), 1e-15);
		final ValueMap sixteen = Normalization.auto().map(D, 16, planes);
		final double[] p = Normalization.percentiles(planes, 0.5, 99.5);
		assertEquals(-1, sixteen.toModel(new float[] { (float) p[0] })[0], 1e-5);
		assertEquals(1, sixteen.toModel(new float[] { (float) p[1] })[0], 1e-5);
		// σ goes with the same scale
		assertEquals(sixteen.scale() * 30, sixteen.sigmaToModel(30), 1e-12);
		assertTrue(sixteen.toString().contains("percentiles"), sixteen.toString());
	}

	@Test
	void noneAndPercentileAndBadValues() {
		final float[][] planes = { { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 } };
		assertEquals(ValueMap.data(D).scale(), Normalization.parse("none", 0, 0).map(D, 32, planes).scale(), 0);
		final ValueMap p = Normalization.parse("percentile", 10, 90).map(D, 32, planes);
		assertEquals(-1, p.toModel(new float[] { 1 })[0], 1e-6);
		assertEquals(1, p.toModel(new float[] { 9 })[0], 1e-6);
		assertTrue(assertThrows(IllegalArgumentException.class, () -> Normalization.parse("stretch", 1, 99)).getMessage()
			.contains("auto, none, percentile"));
		assertThrows(IllegalArgumentException.class, () -> Normalization.parse("percentile", 50, 40));
	}
}
