#!/usr/bin/env python3
"""Exports the EMA weights of the grayscale training checkpoint as TorchScript plus rdf.yaml.

    /usr/bin/python3 models/training/export_grayscale.py --ckpt models/training/ckpt-grayscale/grayscale.ckpt --out models/grayscale

Writes <out>/weights.pt (TorchScript: forward(x [B,1,H,W] float, t [B] float, y [B] long) -> eps,
H and W multiples of 16; y is ignored) and <out>/rdf.yaml with the training record and sha256.
Run it with Debian's torch 1.13 so every libtorch DJL ships can load the result.
"""
import argparse
import json
import os

import torch

from export import sha256
from grayscale import GrayscaleUNet
import grayscale_data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="models/training/ckpt-grayscale/grayscale.ckpt")
    ap.add_argument("--out", default="models/grayscale")
    args = ap.parse_args()
    ck = torch.load(args.ckpt, map_location="cpu")
    a = ck["args"]
    c1, c2, c3 = (int(c) for c in a["channels"].split(","))
    model = GrayscaleUNet(c1, c2, c3)
    model.load_state_dict(ck["ema"])
    model.eval()
    scripted = torch.jit.script(model)
    x = torch.randn(2, 1, 48, 80)
    t = torch.tensor([3.0, 640.0])
    y = torch.zeros(2, dtype=torch.long)
    with torch.no_grad():
        assert torch.allclose(scripted(x, t, y), model(x, t, y), atol=1e-5)
    os.makedirs(args.out, exist_ok=True)
    weights = os.path.join(args.out, "weights.pt")
    scripted.save(weights)
    params = sum(p.numel() for p in model.parameters())
    minutes = ck["seconds"] / 60
    val = ck["validation"][-1] if ck["validation"] else {}
    history = ck["history"]
    # the loss history, thinned to at most 100 points, for the model card
    stride = max(1, len(history) // 100)
    loss = ", ".join(f"[{h['step']}, {h['loss']:.4f}]" for h in history[::stride])
    rdf = f"""# Diffusion for Fiji model descriptor (bioimage.io-style rdf.yaml; diffusion specifics under config.diffusion)
format_version: 0.5.3
type: model
name: grayscale
description: >-
  Unconditional DDPM prior of real grayscale images (photographs and micrographs), epsilon
  prediction, fully convolutional: any image size through overlapping tiles. The default model
  of Denoise, Inpaint and Edit.
authors:
  - name: Diffusion for Fiji developers
license: BSD-2-Clause
documentation: README.md
tags: [diffusion, ddpm, denoising, grayscale, microscopy, prior]
inputs:
  - {{id: x, description: noisy images in the model range, axes: [batch, channel, y, x], shape: {{min: [1, 1, 16, 16], step: [0, 0, 16, 16]}}, data_type: float32}}
  - {{id: t, description: timestep (0..T-1; may be fractional), axes: [batch], data_type: float32}}
  - {{id: y, description: ignored (unconditional model), axes: [batch], data_type: int64}}
outputs:
  - {{id: eps, description: predicted noise, axes: [batch, channel, y, x], data_type: float32}}
training:
  data: "{len(ck['train_images'])} real grayscale images from Debian python3-skimage 0.19, python3-pywt and python3-scipy (colour to BT.709 luminance), {sum(grayscale_data.load(n).size for n in ck['train_images']) / 1e6:.2f} Mpx: {', '.join(ck['train_images'])}"
  held_out: [{', '.join(ck['validation_images'])}]
  patches: "random {a['patch']}x{a['patch']} crops, flips/90-degree rotations, gamma, inversion, contrast/brightness, percentile stretch (see models/training/grayscale.py)"
  network: "GrayscaleUNet channels {a['channels']}, {params} parameters, pixel-unshuffle 2x2 then 4 levels (1/2..1/16), residual blocks with FiLM time conditioning, no normalisation layers"
  loss: simple epsilon loss, t uniform on 0..999
  steps: {ck['step']}
  batch_size: {a['batch']}
  learning_rate: {a['lr']}
  warmup_steps: {a['warmup']}
  ema_decay: {a['ema']}
  seed: {a['seed']}
  wall_time_minutes: {minutes:.1f}
  device: {a['device']}
  threads: {a['threads']}
  validation_last: {json.dumps(val)}
  loss_history: [{loss}]
  command: /usr/bin/python3 models/training/train_grayscale.py --out models/training/ckpt-grayscale
weights:
  torchscript:
    source: weights.pt
    sha256: {sha256(weights)}
    pytorch_version: "{torch.__version__}"
config:
  diffusion:
    prediction: epsilon
    schedule: {{kind: cosine, timesteps: 1000, s: 0.008, max_beta: 0.999}}
    image: {{height: 256, width: 256, channels: 1}}
    tiling: {{tile: 768, overlap: 32}}
    range: {{data: [0, 255], model: [-1, 1]}}
    clip_x0: [-1.5, 1.5]
    architecture: {{name: GrayscaleUNet, zero_init: [.conv2., conv_out.]}}
"""
    with open(os.path.join(args.out, "rdf.yaml"), "w") as f:
        f.write(rdf)
    rows = "\n".join(f"| {v['step']} | {v['psnr_sigma15']:.2f} | {v['psnr_sigma25']:.2f} | {v['psnr_sigma50']:.2f} |"
                     for v in ck["validation"])
    card = f"""# grayscale — the bundled prior of real grayscale images

An unconditional denoising diffusion prior of real grayscale images (photographs and
micrographs), the default model of Denoise, Inpaint, Edit and Train in Diffusion for Fiji.

| | |
|---|---|
| network | `GrayscaleUNet` ({params} parameters): 2×2 pixel unshuffle to 4 channels, UNet at 1/2, 1/4, 1/8, 1/16 resolution with {a['channels']}, 128 channels, residual blocks with FiLM time conditioning (second convolution zero-initialised), no normalisation layers; fully convolutional, input sides multiples of 16 |
| prediction | ε, simple loss at t uniform on 0..999 |
| schedule | cosine (Nichol & Dhariwal), T = 1000 |
| data | {len(ck['train_images'])} images, {sum(grayscale_data.load(n).size for n in ck['train_images']) / 1e6:.2f} Mpx: {', '.join(ck['train_images'])} (Debian python3-skimage 0.19, python3-pywt, python3-scipy; colour → BT.709 luminance) |
| held out (never trained on) | {', '.join(ck['validation_images'])} |
| patches | random {a['patch']}×{a['patch']} crops, 8 flips/rotations, gamma (30 %), inversion (20 %), contrast/brightness, percentile stretch (25 %) |
| optimiser | Adam, lr {a['lr']} with {a['warmup']} warm-up steps, batch {a['batch']}, EMA {a['ema']} (exported), seed {a['seed']} |
| training | {ck['step']} steps, {minutes:.0f} min of training time on a 2-core CPU (Debian torch 1.13; the time shared the machine with other work) |
| range | pixel p ↦ p/127.5 − 1 (data 0–255); x̂₀ clipped to [−1.5, 1.5] while sampling |

Held-out Tweedie PSNR during training (the one-network-call posterior mean that Denoise
output=mean computes; Gaussian noise, not clipped; mean over the 3 held-out images, dB):

| step | σ = 15 | σ = 25 | σ = 50 |
|---|---|---|---|
{rows}

Reproduce from the repository root:

```sh
apt-get install python3-torch python3-skimage python3-pywt python3-scipy
/usr/bin/python3 models/training/train_grayscale.py --out models/training/ckpt-grayscale --minutes 240   # resumable
/usr/bin/python3 models/training/export_grayscale.py
```

The quality tables on the held-out images (Denoise against tuned classical filters and
non-local means, photon-limited images, Inpaint, Edit) are in the repository's README, printed by
`mvn -q compile exec:java -Ddiffusion.args="real-quality --out results/real-quality.md"`.
"""
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(card)
    print(f"exported step {ck['step']} ({minutes:.1f} min of training, {params} parameters) to {args.out}; "
          f"last validation {val}")


if __name__ == "__main__":
    main()
