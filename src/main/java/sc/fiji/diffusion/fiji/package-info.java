/**
 * The Fiji layer: thin SciJava {@code @Plugin} commands under Plugins › Diffusion that gather
 * parameters, run an engine task and return a new image. Nothing here touches pixels beyond
 * converting them.
 */
package sc.fiji.diffusion.fiji;
