/** Moving pixels between imglib2 images and the engine, and into the model's value range and back. */
package sc.fiji.diffusion.imaging;
