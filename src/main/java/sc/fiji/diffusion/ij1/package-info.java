/**
 * ImageJ 1.x entry points named in {@code plugins.config}; each runs the same SciJava command
 * as the Fiji menu, with the macro options as its inputs.
 */
package sc.fiji.diffusion.ij1;
