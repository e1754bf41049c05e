/**
 * The diffusion engine: noise schedules, model loading, samplers and the reverse loop. Plain
 * Java on DJL with no ImageJ imports, so it can be tested and reused on its own.
 * <p>
 * Conventions: timesteps t ∈ {0 … T−1} as in diffusers; images are NDArrays [B, C, H, W] in
 * the model's value range; ε is the standard normal noise of q(x_t | x_0) = N(√ᾱ_t x_0, (1−ᾱ_t) I).
 */
package sc.fiji.diffusion.engine;
