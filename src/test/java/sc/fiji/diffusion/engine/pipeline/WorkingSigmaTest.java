package sc.fiji.diffusion.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import sc.fiji.diffusion.engine.Monitor;
import sc.fiji.diffusion.engine.noise.CameraFit;
import sc.fiji.diffusion.engine.noise.NoiseModel;
import sc.fiji.diffusion.engine.noise.NoiseSettings;
import sc.fiji.diffusion.engine.noise.PoissonGaussian;
import sc.fiji.diffusion.testing.TestData;

/**
 * The σ left after the Anscombe transform is measured over the whole plane when the camera did
 * not clip: the transform's own floor (max(·, 0), hit wherever read noise dips below the offset
 * in a dark background) is not a clip. Reading it as one left the dark background out and told
 * the denoiser a σ too high at a few photons (−0.4 dB at peak 5 on the held-out fluorescence).
 */
class WorkingSigmaTest {

	@Test
	void theTransformsFloorIsNotTakenForAClip() {
		final int w = 256, h = 256;
		final float[] z = new float[w * h];
		final Random r = new Random(11);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				// a dark background with a few bright blobs, peak 5 photons, gain 2, offset 100, read noise 2
				final double blob = Math.exp(-(Math.pow((x % 64) - 32, 2) + Math.pow((y % 64) - 32, 2)) / 120.0);
				final double lambda = 5 * blob;
				z[y * w + x] = (float) Math.rint(2 * TestData.poisson(r, lambda) + 100 + 2 * r.nextGaussian());
			}
		final PoissonGaussian camera = PoissonGaussian.of(2, 100, 2);
		final float[] t = camera.forward(z);
		int floor = 0;
		for (final float v : t)
			if (v == 0) floor++;
		assertTrue(floor > w * h / 50, "the test needs pixels at the transform's floor: " + floor);
		final double[] rawClip = CameraFit.clipValues(z);
		assertTrue(Double.isNaN(rawClip[0]) && Double.isNaN(rawClip[1]), "the camera did not clip");
		// the floor looks like a clip to the transformed plane's own clip detection ...
		final double[] own = CameraFit.clipValues(t);
		assertEquals(0, own[0], 0, "the transformed plane's floor reads as a low clip");
		// ... but the measured σ is that of all blocks, as for any unclipped plane
		final double all = NoiseSettings.estimateSigma(t, w, h, null, new double[] { Double.NaN, Double.NaN }, false);
		final float[][] transformed = new float[1][];
		final List<NoiseModel> measured = DenoisePipeline.measured(Collections.singletonList(camera), new float[][] { z }, w,
			transformed, Monitor.NONE, "");
		assertEquals(all, measured.get(0).workingSigma(), 1e-9);
		// the plane it measured on is the one the run denoises (kept, not transformed twice)
		org.junit.jupiter.api.Assertions.assertArrayEquals(t, transformed[0]);
		org.junit.jupiter.api.Assertions.assertArrayEquals(t, measured.get(0).forward(z));
		assertTrue(Math.abs(all - NoiseSettings.estimateSigma(t, w, h)) > 1e-3,
			"excluding the floor's blocks gives another σ (what this test guards against)");
	}
}
