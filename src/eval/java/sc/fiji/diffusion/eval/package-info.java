/** Measuring sample quality: the reference classifier, test data, and metrics built on them. */
package sc.fiji.diffusion.eval;
