#!/usr/bin/env python3
"""Writes src/test/resources/models/tiny-gray: the grayscale prior's architecture at 4-8-8
channels (random, untrained weights, a few thousand parameters), so the training tests run
thousands of steps in seconds. Run from the repository root with Debian's torch 1.13:

    /usr/bin/python3 src/test/python/make_tiny_gray.py
"""
import hashlib
import os
import sys

import torch

sys.path.insert(0, "models/training")
from grayscale import GrayscaleUNet  # noqa: E402

OUT = "src/test/resources/models/tiny-gray"
torch.manual_seed(7)
net = GrayscaleUNet(4, 8, 8, emb=16).eval()
# non-zero residual branches, so every parameter gets a gradient from the first step
for name, p in net.named_parameters():
    if "conv2" in name or "conv_out" in name:
        torch.nn.init.normal_(p, 0, 0.02)
os.makedirs(OUT, exist_ok=True)
w = os.path.join(OUT, "weights.pt")
torch.jit.script(net).save(w)
sha = hashlib.sha256(open(w, "rb").read()).hexdigest()
with open(os.path.join(OUT, "rdf.yaml"), "w") as f:
    f.write(f"""format_version: 0.5.3
type: model
name: tiny-gray
description: The grayscale prior's architecture at 4-8-8 channels, random weights (tests only).
inputs:
  - {{id: x, axes: [batch, channel, y, x], shape: {{min: [1, 1, 16, 16], step: [0, 0, 16, 16]}}, data_type: float32}}
weights:
  torchscript: {{source: weights.pt, sha256: {sha}}}
config:
  diffusion:
    prediction: epsilon
    schedule: {{kind: cosine, timesteps: 1000}}
    image: {{height: 32, width: 32, channels: 1}}
    tiling: {{tile: 64, overlap: 16}}
    range: {{data: [0, 255], model: [-1, 1]}}
    clip_x0: [-1.5, 1.5]
    architecture: {{name: GrayscaleUNet, zero_init: [.conv2., conv_out.]}}
""")
print(sum(p.numel() for p in net.parameters()), "parameters ->", OUT)
