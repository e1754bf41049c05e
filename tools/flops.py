#!/usr/bin/env python3
"""Counts the bundled `grayscale` network's arithmetic per pixel and this CPU's peak.

    /usr/bin/python3 tools/flops.py [--tile 704] [--one-step]

With --one-step, the network of `weights-one-step.pt` (the smaller one Denoise output=mean runs at
most noise levels; its channels read from the file).

FLOPs are counted from the shapes every convolution and linear layer sees in one forward of a
tile (2 FLOPs per multiply-add; activations, FiLM products, pixel (un)shuffle and upsampling are
elementwise and left out: under 1 % here). The peak is cores x clock x FLOPs per cycle per core
from this CPU's vector units: 2 FMA pipes of 8 float32 lanes (AVX-512 on AMD Zen 4 runs as two
256-bit halves; 32 FLOP/cycle), twice that for bfloat16 dot products (AVX-512 BF16 VDPBF16PS).
The clock is the one /proc/cpuinfo reports (a guest does not see boost).
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models", "training"))
from grayscale import GrayscaleUNet  # noqa: E402


def count(tile, file="weights.pt"):
    fp = torch.jit.load(os.path.join(HERE, "..", "models", "grayscale", file), map_location="cpu")
    sd = fp.state_dict()
    m = GrayscaleUNet(sd["conv_in.weight"].shape[0], sd["b2.conv2.weight"].shape[0], sd["b3.conv2.weight"].shape[0])
    m.load_state_dict(sd)
    m.eval()
    macs = []

    def conv(mod, inp, out):
        k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
        macs.append(out.numel() * k)

    def lin(mod, inp, out):
        macs.append(out.numel() * mod.in_features)

    for mod in m.modules():
        if isinstance(mod, torch.nn.Conv2d):
            mod.register_forward_hook(conv)
        elif isinstance(mod, torch.nn.Linear):
            mod.register_forward_hook(lin)
    with torch.no_grad():
        m(torch.zeros(1, 1, tile, tile), torch.tensor([40.0]), torch.zeros(1, dtype=torch.long))
    return 2 * sum(macs), sum(p.numel() for p in m.parameters())


def cpu():
    mhz, flags, name = None, "", "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz") and mhz is None:
                mhz = float(line.split(":")[1])
            elif line.startswith("flags") and not flags:
                flags = line.split(":")[1]
            elif line.startswith("model name") and name == "?":
                name = line.split(":")[1].strip()
    return name, os.cpu_count(), mhz, " avx512f " in f" {flags} ", " avx512_bf16 " in f" {flags} "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tile", type=int, default=704)
    ap.add_argument("--one-step", action="store_true")
    args = ap.parse_args()
    flops, params = count(args.tile, "weights-one-step.pt" if args.one_step else "weights.pt")
    px = args.tile * args.tile
    name, cores, mhz, avx512, bf16 = cpu()
    per_cycle = 32 if avx512 else 16
    peak32 = cores * mhz * 1e6 * per_cycle
    print(f"grayscale{' one-step network' if args.one_step else ''}: {params} parameters; one {args.tile}² tile: {flops / 1e9:.1f} GFLOP, {flops / px / 1e3:.1f} kFLOP per pixel; "
          f"2048² through 9 tiles of 704²: {9 * flops / 1e9 if args.tile == 704 else float('nan'):.0f} GFLOP")
    print(f"CPU: {name}, {cores} cores at {mhz:.0f} MHz: float32 peak {peak32 / 1e9:.0f} GFLOP/s"
          + (f", bfloat16 peak {2 * peak32 / 1e9:.0f} GFLOP/s" if bf16 else ""))
    print("the Java benchmark (docs/performance.md) times the tiles and divides these FLOPs by it")


if __name__ == "__main__":
    main()
