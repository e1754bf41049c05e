/**
 * Values between an image and a model: {@link sc.fiji.diffusion.engine.values.ValueMap} (image
 * units ⇄ model units, one affine map), {@link sc.fiji.diffusion.engine.values.Normalization}
 * (how a user's image is put onto the model's data range).
 */
package sc.fiji.diffusion.engine.values;
