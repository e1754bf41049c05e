/**
 * One entry point per task — {@link sc.fiji.diffusion.engine.pipeline.DenoisePipeline},
 * {@link sc.fiji.diffusion.engine.pipeline.InpaintPipeline},
 * {@link sc.fiji.diffusion.engine.pipeline.EditPipeline},
 * {@link sc.fiji.diffusion.engine.pipeline.SamplePipeline},
 * {@link sc.fiji.diffusion.engine.pipeline.TrainPipeline} — owning everything between "an image
 * and settings" and "a result": value mapping and normalisation over the stack, noise models,
 * the seed rule, tiling, the out-of-memory fallback, progress, cancel and the log. Settings are
 * immutable and validated once. Front ends (Fiji commands, ImageJ 1.x, command line, batch,
 * Spark) only gather parameters and call these.
 */
package sc.fiji.diffusion.engine.pipeline;
