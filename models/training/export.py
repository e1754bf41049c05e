#!/usr/bin/env python3
"""Exports the EMA weights of a training checkpoint as TorchScript plus its rdf.yaml.

    /usr/bin/python3 models/training/export.py --ckpt models/training/ckpt/diffusion.ckpt --out models/fashion-mnist

Writes <out>/weights.pt (TorchScript: forward(x [B,1,32,32] float, t [B] float, y [B] long) -> eps)
and <out>/rdf.yaml with the sha256 of the weights (and of classifier.pt when it is there).
Run it with Debian's torch 1.13 so every libtorch DJL ships can load the result.
"""
import argparse
import hashlib
import os

import torch

from common import CLASS_NAMES, NULL_CLASS, UNet


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="models/training/ckpt/diffusion.ckpt")
    ap.add_argument("--out", default="models/fashion-mnist")
    args = ap.parse_args()
    ck = torch.load(args.ckpt, map_location="cpu")
    model = UNet(ch=ck["args"]["ch"])
    model.load_state_dict(ck["ema"])
    model.eval()
    scripted = torch.jit.script(model)
    x = torch.randn(3, 1, 32, 32)
    t = torch.tensor([0.0, 500.0, 999.0])
    y = torch.tensor([0, 7, NULL_CLASS])
    with torch.no_grad():
        assert torch.allclose(scripted(x, t, y), model(x, t, y), atol=1e-5)
    os.makedirs(args.out, exist_ok=True)
    weights = os.path.join(args.out, "weights.pt")
    scripted.save(weights)
    classifier = os.path.join(args.out, "classifier.pt")
    minutes = ck.get("seconds", 0) / 60
    rdf = f"""# Diffusion for Fiji model descriptor (bioimage.io-style rdf.yaml; diffusion specifics under config.diffusion)
format_version: 0.5.3
type: model
name: fashion-mnist
description: >-
  Class-conditional DDPM (epsilon prediction, classifier-free guidance) trained on the
  Fashion-MNIST training set; 32x32 one-channel images (28x28 padded by 2 background pixels).
authors:
  - name: Diffusion for Fiji developers
license: BSD-2-Clause
documentation: README.md
tags: [diffusion, ddpm, fashion-mnist, generative]
inputs:
  - {{id: x, description: noisy images in the model range, axes: [batch, channel, y, x], shape: [-1, 1, 32, 32], data_type: float32}}
  - {{id: t, description: timestep (0..T-1; may be fractional), axes: [batch], data_type: float32}}
  - {{id: y, description: class index, or null_class for none, axes: [batch], data_type: int64}}
outputs:
  - {{id: eps, description: predicted noise, axes: [batch, channel, y, x], data_type: float32}}
training:
  data: Fashion-MNIST train split (Debian package dataset-fashion-mnist), 60000 images
  steps: {ck["step"]}
  batch_size: {ck["args"]["batch"]}
  learning_rate: {ck["args"]["lr"]}
  ema_decay: {ck["args"]["ema"]}
  label_drop: {ck["args"]["p_uncond"]}
  seed: {ck["args"]["seed"]}
  wall_time_minutes: {minutes:.1f}
  command: /usr/bin/python3 models/training/train_diffusion.py --out models/training/ckpt
weights:
  torchscript:
    source: weights.pt
    sha256: {sha256(weights)}
    pytorch_version: "{torch.__version__}"
config:
  diffusion:
    prediction: epsilon
    schedule: {{kind: linear, timesteps: 1000, beta_start: 0.0001, beta_end: 0.02}}
    image: {{height: 32, width: 32, channels: 1}}
    range: {{data: [0, 255], model: [-1, 1]}}
    clip_x0: true
    classes: [{", ".join('"' + c + '"' for c in CLASS_NAMES)}]
    null_class: {NULL_CLASS}
"""
    if os.path.exists(classifier):
        rdf += f"""    reference_classifier: {{source: classifier.pt, sha256: {sha256(classifier)}}}
"""
    with open(os.path.join(args.out, "rdf.yaml"), "w") as f:
        f.write(rdf)
    print(f"exported step {ck['step']} ({minutes:.1f} min of training) to {args.out}")


if __name__ == "__main__":
    main()
