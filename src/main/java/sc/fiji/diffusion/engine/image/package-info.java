/**
 * Images as the pipelines see them: {@link sc.fiji.diffusion.engine.image.Hyperstack} (float
 * X·Y·C·Z·T with voxel size and source bit depth) and conversions between imglib2 images and the
 * flat arrays tensors are made of.
 */
package sc.fiji.diffusion.engine.image;
