/**
 * Block-wise runs on Apache Spark for images too big for one machine (the {@code spark} CLI
 * verb, built with {@code -Pspark}): OME-Zarr in and out ({@link sc.fiji.diffusion.spark.ZarrArray},
 * {@link sc.fiji.diffusion.spark.OmeZarr}), one Spark task per block, the engine's
 * {@link sc.fiji.diffusion.engine.tasks.BlockDenoise} in each, so the result equals the
 * single-machine result whatever the block layout.
 */
package sc.fiji.diffusion.spark;
