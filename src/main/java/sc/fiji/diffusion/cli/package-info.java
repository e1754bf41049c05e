/** The command-line entry: the headless main job (sampling a grid) and the quality report. */
package sc.fiji.diffusion.cli;
