/**
 * The user-facing tasks, each a start for the reverse process plus an optional per-step
 * constraint: {@link sc.fiji.diffusion.engine.tasks.Generate} starts from pure noise.
 */
package sc.fiji.diffusion.engine.tasks;
