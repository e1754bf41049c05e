#!/usr/bin/env python3
"""Writes the one-step network of the bundled `grayscale` model from a train_fast.py checkpoint:
the EMA weights of one student as float32 TorchScript (weights-one-step.pt, what the error
estimate's finite differences run) and as a bfloat16 / channels-last copy
(weights-one-step-bf16.pt, what Denoise runs on CPUs with native bfloat16).

    /usr/bin/python3 models/training/export_one_step.py --ckpt models/training/ckpt-fast/fast.ckpt \
        --student 0 --out models/grayscale

Prints the descriptor block for rdf.yaml (`weights: torchscript_one_step:`) with the sha256s and
the σ range (model units) the student was distilled on, and checks the bfloat16 copy against the float32 one on random inputs. Run with Debian's torch 1.13 so every libtorch DJL ships loads
the files.
"""
import argparse
import math
import os

import torch

from export import sha256
from grayscale import FastUNet, GrayscaleUNet


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="models/training/ckpt-fast/fast.ckpt")
    ap.add_argument("--student", type=int, default=0)
    ap.add_argument("--out", default="models/grayscale")
    ap.add_argument("--sigma-max", type=float, default=None,
                    help="upper end of the declared range in grey levels (default: the trained one); choose it on the "
                         "tuning images (train_fast.py's validation), never on test images")
    args = ap.parse_args()
    ck = torch.load(args.ckpt, map_location="cpu")
    st = ck["students"][args.student]
    fold, ch = st["spec"]
    a = ck["args"]

    def build(bf16):
        m = GrayscaleUNet(*ch) if fold in ("g", "p") else FastUNet(fold, *ch)
        m.load_state_dict(st["ema"])
        m.eval()
        if bf16:
            m.channels_last = True
            for mm in m.modules():
                if isinstance(mm, torch.nn.Conv2d):
                    mm.to(torch.bfloat16)
                    mm.to(memory_format=torch.channels_last)
        return torch.jit.script(m)

    fp32, bf16 = build(False), build(True)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 1, 96, 128, generator=g)
    y = torch.zeros(2, dtype=torch.long)
    with torch.no_grad():
        for t in (5.0, 50.0, 200.0, 400.0):
            tt = torch.tensor([t, t])
            e32, e16 = fp32(x, tt, y), bf16(x, tt, y)
            rel = ((e32 - e16).pow(2).mean() / e32.pow(2).mean()).sqrt().item()
            print(f"t = {t:4.0f}: RMS(bf16 - fp32) / RMS(fp32) = {rel:.4f}")
            assert rel < 0.05, "the bfloat16 copy deviates too much"
    files = {}
    for name, net in (("weights-one-step.pt", fp32), ("weights-one-step-bf16.pt", bf16)):
        p = os.path.join(args.out, name)
        net.save(p)
        files[name] = sha256(p)
        print(f"{p}: {os.path.getsize(p)} bytes")
    print()
    lo, hi = a["sigma_lo"] / 127.5, (args.sigma_max or a["sigma_hi"]) / 127.5
    print(f"""  torchscript_one_step:
    source: weights-one-step.pt
    sha256: {files['weights-one-step.pt']}
    source_bfloat16: weights-one-step-bf16.pt
    sha256_bfloat16: {files['weights-one-step-bf16.pt']}
    sigma_model: [{lo:.6g}, {hi:.6g}]
    network: "{'FastUNet fold ' + str(fold) if isinstance(fold, int) else 'GrayscaleUNet' + (' (started from the largest channels of weights.pt)' if fold == 'p' else '')}, channels {','.join(map(str, ch))}, {sum(v.numel() for v in st['ema'].values())} parameters"
    distilled: "{ck['step']} steps ({ck['seconds'] / 60:.0f} min, {a['threads']} CPU threads) of train_fast.py from weights.pt at sigma_t log-uniform on [{a['sigma_lo']}, {a['sigma_hi']}] grey levels; declared up to {args.sigma_max or a['sigma_hi']} grey levels, batch {a['batch']} of {a['patch']}x{a['patch']}, seed {a['seed']}"
    pytorch_version: "{torch.__version__}"
""")


if __name__ == "__main__":
    main()
