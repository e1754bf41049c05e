/**
 * The noise of an image: {@link sc.fiji.diffusion.engine.noise.NoiseModel} (a transform to
 * working units where the noise is Gaussian, and back), its kinds
 * ({@link sc.fiji.diffusion.engine.noise.AdditiveGaussian},
 * {@link sc.fiji.diffusion.engine.noise.PoissonGaussian} with the generalised Anscombe transform,
 * {@link sc.fiji.diffusion.engine.noise.Clipped} for a file that clipped its values), how they are
 * told or estimated ({@link sc.fiji.diffusion.engine.noise.NoiseSettings},
 * {@link sc.fiji.diffusion.engine.noise.CameraFit}), and Stein's estimate of a denoiser's error
 * without the clean image ({@link sc.fiji.diffusion.engine.noise.Sure}).
 */
package sc.fiji.diffusion.engine.noise;
