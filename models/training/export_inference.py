#!/usr/bin/env python3
"""Writes the inference copy of the bundled `grayscale` network: the same weights with the
convolutions in bfloat16 and the activations in channels-last order (the time embedding, FiLM and
the output stay float32).

    /usr/bin/python3 models/training/export_inference.py [--model models/grayscale]

Reads <model>/weights.pt (the float32 TorchScript that training and `adapt` use), writes
<model>/weights-bf16.pt and prints the sha256 and the deviation from the float32 network on random
inputs at a few timesteps, for the descriptor's `weights: torchscript_inference:` entry. Denoise,
Inpaint and Edit run this copy on CPUs with native bfloat16 (AVX-512 BF16 / AMX), where DJL's
libtorch runs it about 3x faster (bfloat16 about 2x, channels-last about 1.5x more); everything
else (training, GPUs, other CPUs) keeps the float32 file. Run it with
Debian's torch 1.13 so that every libtorch DJL ships can load the result.
"""
import argparse
import os

import torch

from export import sha256
from grayscale import GrayscaleUNet


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/grayscale")
    ap.add_argument("--channels", default="32,64,128")
    args = ap.parse_args()
    fp32 = torch.jit.load(os.path.join(args.model, "weights.pt"), map_location="cpu").eval()
    c1, c2, c3 = (int(c) for c in args.channels.split(","))
    model = GrayscaleUNet(c1, c2, c3)
    model.load_state_dict(fp32.state_dict())
    model.eval()
    model.channels_last = True
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.to(torch.bfloat16)
            m.to(memory_format=torch.channels_last)
    scripted = torch.jit.script(model)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 1, 96, 128, generator=g)
    y = torch.zeros(2, dtype=torch.long)
    with torch.no_grad():
        for t in (1.0, 20.0, 100.0, 500.0, 999.0):
            tt = torch.tensor([t, t])
            a, b = fp32(x, tt, y), scripted(x, tt, y)
            assert b.dtype == torch.float32
            rel = ((a - b).pow(2).mean() / a.pow(2).mean().clamp_min(1e-12)).sqrt().item()
            print(f"t = {t:5.0f}: RMS(bf16 - fp32) / RMS(fp32) = {rel:.4f}")
            assert rel < 0.05, "the bfloat16 copy deviates too much"
    out = os.path.join(args.model, "weights-bf16.pt")
    scripted.save(out)
    print(f"{out}: sha256 {sha256(out)}, {os.path.getsize(out)} bytes, pytorch_version {torch.__version__}")


if __name__ == "__main__":
    main()
