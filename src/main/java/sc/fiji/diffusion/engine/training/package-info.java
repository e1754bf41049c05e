/**
 * Training and fine-tuning a diffusion prior in Java, on DJL's PyTorch engine: a TorchScript
 * network loaded with trainable parameters, the simple ε-prediction loss at uniformly drawn t,
 * Adam, EMA weights, random patches with flips and 90° rotations, checkpoints that resume
 * exactly, and export as TorchScript that the engine (and Python) loads. No ImageJ imports:
 * Fiji's Train command, the CLI and cluster runs use the same {@link sc.fiji.diffusion.engine.training.Trainer}.
 */
package sc.fiji.diffusion.engine.training;
