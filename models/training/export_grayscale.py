#!/usr/bin/env python3
"""Exports the EMA weights of the grayscale training checkpoint as TorchScript plus rdf.yaml and
the model card (README.md).

    /usr/bin/python3 models/training/export_grayscale.py --ckpt models/training/ckpt-grayscale2/grayscale.ckpt --out models/grayscale

Writes <out>/weights.pt (TorchScript: forward(x [B,1,H,W] float, t [B] float, y [B] long) -> eps,
H and W multiples of 16; y is ignored), <out>/rdf.yaml with the training record and sha256, and
<out>/README.md, the model card: every source image (repository, path, git blob, licence), the
held-out split, the recipe, the validation history. Run it with Debian's torch 1.13 so every
libtorch DJL ships can load the result.
"""
import argparse
import json
import os

import torch

from export import sha256
from grayscale import GrayscaleUNet
import grayscale_data

PREVIOUS = {"steps": 11250, "minutes": 161.5, "commit": "b3b1366",
            "data": "19 photographs of Debian python3-skimage/pywt/scipy"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="models/training/ckpt-grayscale2/grayscale.ckpt")
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
    stride = max(1, len(history) // 100)
    loss = ", ".join(f"[{h['step']}, {h['loss']:.4f}]" for h in history[::stride])
    micro = ck.get("micrographs", [])
    sources = sorted({m[1] for m in micro})
    photos = ck["train_images"]
    held_photos = ck["validation_images"]
    command = (f"/usr/bin/python3 models/training/train_grayscale.py --out models/training/ckpt-grayscale2 "
               f"--micrographs ../shared/data/micrographs --init photos.pt --batch {a['batch']} --patch {a['patch']} "
               f"--sigma-fraction {a.get('sigma_fraction')} --micro-fraction {a.get('micro_fraction')} --warmup 200 --lr <1e-4, then 5e-5>")
    shell = (f"# the photo-only prior this training started from\n"
             f"git show {PREVIOUS['commit']}:models/grayscale/weights.pt > photos.pt\n"
             f"# --lr 1e-4 until step 4000, then --lr 5e-5 (the second command resumes from grayscale.ckpt);\n"
             f"# stopped at step {ck['step']} (a fixed time budget, not the best validation)\n"
             + command.replace("--lr <1e-4, then 5e-5>", "--lr 1e-4 --steps 4000") + "\n"
             + command.replace("--lr <1e-4, then 5e-5>", f"--lr 5e-5 --steps {ck['step']}") + "\n"
             f"/usr/bin/python3 models/training/export_grayscale.py --ckpt models/training/ckpt-grayscale2/grayscale.ckpt --out models/grayscale")
    rdf = f"""# Diffusion for Fiji model descriptor (bioimage.io-style rdf.yaml; diffusion specifics under config.diffusion)
format_version: 0.5.3
type: model
name: grayscale
description: >-
  Unconditional DDPM prior of real grayscale images (photographs and micrographs: fluorescence,
  EM, brightfield, phase contrast), epsilon prediction, fully convolutional: any image size
  through overlapping tiles. The default model of Denoise, Inpaint, Edit and Train.
authors:
  - name: Diffusion for Fiji developers
license: BSD-2-Clause (weights); training images under their own licences, see README.md
documentation: README.md
tags: [diffusion, ddpm, denoising, grayscale, microscopy, fluorescence, electron-microscopy, prior]
inputs:
  - {{id: x, description: noisy images in the model range, axes: [batch, channel, y, x], shape: {{min: [1, 1, 16, 16], step: [0, 0, 16, 16]}}, data_type: float32}}
  - {{id: t, description: timestep (0..T-1; may be fractional), axes: [batch], data_type: float32}}
  - {{id: y, description: ignored (unconditional model), axes: [batch], data_type: int64}}
outputs:
  - {{id: eps, description: predicted noise, axes: [batch, channel, y, x], data_type: float32}}
training:
  data: "{len(photos)} photographs (Debian python3-skimage 0.19, python3-pywt, python3-scipy, opencv-doc) and {len(micro)} micrograph planes from {len(sources)} sources of public repositories (see README.md for every file, its repository, path, git blob and licence)"
  held_out: "photographs {', '.join(held_photos)}; micrograph sources isbi2012-sstem, bbbc016-transfluor, kc167-drosophila, zerocost-lowlight, skimage-cell (whole sources)"
  init: "the previous grayscale weights ({PREVIOUS['steps']} steps on {PREVIOUS['data']}, git {PREVIOUS['commit']})"
  network: "GrayscaleUNet channels {a['channels']}, {params} parameters"
  loss: "simple epsilon loss; t uniform on 0..999 for {100 * (1 - a.get('sigma_fraction', 0)):.0f} % of the patches, else sigma_t log-uniform on [{a.get('sigma_lo')}, {a.get('sigma_hi')}] grey levels"
  steps: {ck['step']}
  batch_size: {a['batch']}
  micrograph_fraction: {a.get('micro_fraction')}
  ema_decay: {a['ema']}
  seed: {a['seed']}
  wall_time_minutes: {minutes:.1f}
  device: {a['device']}
  threads: {a['threads']}
  validation_last: {json.dumps(val)}
  loss_history: [{loss}]
  command: "{command}"
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
    clip_x0: [-1.5, 6.0]
    architecture: {{name: GrayscaleUNet, zero_init: [.conv2., conv_out.]}}
"""
    with open(os.path.join(args.out, "rdf.yaml"), "w") as f:
        f.write(rdf)
    rows = "\n".join(
        f"| {v['step']} | {v['psnr_sigma15']:.2f} | {v['psnr_sigma25']:.2f} | {v['psnr_sigma50']:.2f} | "
        f"{v.get('micro_psnr_sigma15', float('nan')):.2f} | {v.get('micro_psnr_sigma25', float('nan')):.2f} | "
        f"{v.get('micro_psnr_sigma50', float('nan')):.2f} |" for v in ck["validation"])
    src_rows = "\n".join(f"| {m[0]} | {m[1]} | {m[2]} | `{m[3]}` | `{m[4][:12]}` | {m[5]} |" for m in micro)
    card = f"""# grayscale — the bundled prior of real grayscale images

An unconditional denoising diffusion prior of real grayscale images — photographs and
micrographs (fluorescence, electron microscopy, brightfield, phase contrast) — the default
model of Denoise, Inpaint, Edit and Train in Diffusion for Fiji.

| | |
|---|---|
| network | `GrayscaleUNet` ({params} parameters): 2×2 pixel unshuffle to 4 channels, UNet at 1/2, 1/4, 1/8, 1/16 resolution with {a['channels']}, 128 channels, residual blocks with FiLM time conditioning (second convolution zero-initialised), no normalisation layers; fully convolutional, input sides multiples of 16 |
| prediction, schedule | ε; cosine (Nichol & Dhariwal), T = 1000 |
| start | the previous `grayscale` weights ({PREVIOUS['steps']} steps on {PREVIOUS['data']}, git {PREVIOUS['commit']}) |
| data | {len(photos)} photographs ({', '.join(photos)}) and {len(micro)} micrograph planes of {len(sources)} sources (below) |
| held out (never trained on) | photographs {', '.join(held_photos)}; whole micrograph sources: ISBI 2012 ssTEM (EM), BBBC016 Transfluor and Kc167 Drosophila cells (fluorescence), ZeroCostDL4Mic low-light frames, scikit-image cell |
| patches | {a['patch']}×{a['patch']}; each patch a micrograph with probability {a.get('micro_fraction')}; photographs: 8 flips/rotations, gamma, inversion, contrast, percentile stretch; micrographs: a source drawn ∝ (pixels)^¼, a plane ∝ √pixels, half of the time averaged 2×2 first, 8 flips/rotations, the plane's own percentiles (low 0.1–2 %, high 98–99.9 %) onto 0–1 unclipped (8-bit sources also as they are, 30 %), inversion 10 %, mild contrast; model units limited to [−3, 7] |
| noise levels | t uniform for {100 * (1 - a.get('sigma_fraction', 0)):.0f} % of the patches, else σ_t log-uniform on [{a.get('sigma_lo')}, {a.get('sigma_hi')}] grey levels (the levels Denoise enters at) |
| optimiser | Adam, lr 1e-4 then 5e-5, batch {a['batch']}, EMA {a['ema']} (exported), seed {a['seed']} |
| training | {ck['step']} steps, {minutes:.0f} min on a 2-core CPU (Debian torch 1.13; shared with other work) |
| range | pixel p ↦ p/127.5 − 1 (data 0–255); x̂₀ clipped to [−1.5, 6] while sampling (bright fluorescence tails pass 255 after percentile normalisation) |

Held-out Tweedie PSNR during training (the one-network-call posterior mean of Denoise
output=mean; Gaussian noise, not clipped): photographs (camera, cell, hubble, baboon, fruits,
building) and 9 held-out micrograph crops (3 Transfluor, 3 Kc167, 3 ISBI; 0.5–99.5 %
percentiles onto 0–255), dB:

| step | photos σ 15 | σ 25 | σ 50 | micrographs σ 15 | σ 25 | σ 50 |
|---|---|---|---|---|---|---|
| 0 (the previous weights) | 32.33 | 30.07 | 27.53 | 30.10 | 27.79 | 24.96 |
{rows}

Reproduce from the repository root (the micrograph folder is the project's shared data; every
file is checked against its git blob, so a folder rebuilt from the sources below gives the same
training):

```sh
apt-get install python3-torch python3-skimage python3-pywt python3-scipy opencv-doc
{shell}
```

## Training micrographs (repository, path there, git blob, licence)

Cite these sources when you use this model; CC-BY-4.0 images require attribution.

| file (plane) | source | repository | path | blob | licence |
|---|---|---|---|---|---|
{src_rows}
"""
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(card)
    print(f"exported step {ck['step']} ({minutes:.1f} min of training, {params} parameters) to {args.out}; "
          f"last validation {val}")


if __name__ == "__main__":
    main()
