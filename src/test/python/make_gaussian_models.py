#!/usr/bin/env python3
"""Writes tiny TorchScript "networks" that predict exactly for Gaussian data x0 ~ N(0.3, 0.5^2)
(linear schedule, T = 1000), one per prediction type, with their rdf.yaml, under
src/test/resources/models/gauss-{epsilon,x0,v}/. They let the tests check the engine's
x0/v -> eps conversion and descriptor handling on real TorchScript files.

    /usr/bin/python3 src/test/python/make_gaussian_models.py
"""
import hashlib
import os

import torch

MU, S = 0.3, 0.5


class Gauss(torch.nn.Module):
    def __init__(self, kind: str):
        super().__init__()
        betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
        self.register_buffer("abar", torch.cumprod(1 - betas, 0).float())
        self.kind = kind
        self.mu = MU
        self.s = S

    def forward(self, x, t, y):
        a = self.abar[t.round().long().clamp(0, 999)].view(-1, 1, 1, 1)
        eps = torch.sqrt(1 - a) * (x - torch.sqrt(a) * self.mu) / (a * self.s * self.s + 1 - a)
        x0 = (x - torch.sqrt(1 - a) * eps) / torch.sqrt(a)
        if self.kind == "x0":
            return x0
        if self.kind == "v":
            return torch.sqrt(a) * eps - torch.sqrt(1 - a) * x0
        return eps


for kind in ["epsilon", "x0", "v"]:
    out = f"src/test/resources/models/gauss-{kind}"
    os.makedirs(out, exist_ok=True)
    torch.jit.script(Gauss(kind)).save(f"{out}/weights.pt")
    sha = hashlib.sha256(open(f"{out}/weights.pt", "rb").read()).hexdigest()
    with open(f"{out}/rdf.yaml", "w") as f:
        f.write(f"""# test model: exact predictions for Gaussian data N({MU}, {S}^2); see src/test/python/make_gaussian_models.py
format_version: 0.5.3
type: model
name: gauss-{kind}
description: exact {kind} prediction for Gaussian data
weights:
  torchscript: {{source: weights.pt, sha256: {sha}}}
config:
  diffusion:
    prediction: {kind}
    schedule: {{kind: linear, timesteps: 1000, beta_start: 0.0001, beta_end: 0.02}}
    image: {{height: 4, width: 4, channels: 1}}
    range: {{data: [0, 255], model: [-1, 1]}}
    clip_x0: false
""")
    print(out, os.path.getsize(f"{out}/weights.pt"))
