#!/usr/bin/env python3
"""Trains the bundled `grayscale` prior: an unconditional ε-prediction UNet on random patches
of real photographs (grayscale_data.py) and real micrographs (micrograph_data.py); held-out
images and whole held-out micrograph sources are never trained on.

    /usr/bin/python3 models/training/train_grayscale.py --out models/training/ckpt-grayscale2 \
        --micrographs ../shared/data/micrographs --init models/grayscale/weights.pt --minutes 600

With --micrographs, a fraction --micro-fraction of the patches are micrographs (see
grayscale.MicrographPatches) and the opencv-doc photographs join the photo set; without it the
recipe is the photo-only one of the first `grayscale`. --init starts from the weights of a
TorchScript model of the same architecture (the previous bundled prior). A fraction
--sigma-fraction of the timesteps is drawn with σ_t log-uniform on [--sigma-lo, --sigma-hi] grey
levels (the noise levels Denoise enters at) instead of uniform t.

Resumable: every --save-every steps it writes <out>/grayscale.ckpt (weights, EMA, optimiser,
step, RNG states, loss and validation history); the same command continues. Loss: the simple
loss ‖ε − ε_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t)‖² with t uniform on {0..T−1}, cosine schedule.
Every --val-every steps the EMA weights denoise the held-out images at σ = 15, 25, 50 in one
network call (the Tweedie mean Denoise output=mean uses) and the PSNR is logged.
"""
import argparse
import copy
import json
import os
import time

import torch

import numpy as np

from grayscale import (GrayscaleUNet, MicrographPatches, MixedPatches, Patches, T, cosine_alpha_bar,
                       sample_timesteps, tweedie_psnr, tweedie_psnr_scaled)
import grayscale_data

# held-out micrograph crops watched during training: (file, plane suffix) -> 256² crop at the centre
VALIDATION_MICRO = [
    "CellProfiler-examples/AS_09047_050428030001_O01f00d2.TIF", "CellProfiler-examples/AS_09047_050428030001_O04f01d2.TIF",
    "CellProfiler-examples/AS_09047_050428030001_O07f02d2.TIF", "CellProfiler-examples/01_POS002_D.TIF",
    "CellProfiler-examples/01_POS076_F.TIF", "CellProfiler-examples/01_POS218_R.TIF",
    "unet-isbi2012/train/3.png", "unet-isbi2012/train/14.png", "unet-isbi2012/train/25.png",
]


def validation_micrographs(items):
    """Centre 256² crops of held-out micrographs, 0.5–99.5 % percentiles onto 0–255 (unclipped)."""
    out = []
    for name, src, role, p, row in items:
        if role == "held_out" and name in VALIDATION_MICRO:
            lo, hi = np.percentile(p, (0.5, 99.5))
            y, x = (p.shape[0] - 256) // 2, (p.shape[1] - 256) // 2
            out.append((name, ((p[y:y + 256, x:x + 256] - lo) / (hi - lo) * 255).astype(np.float32)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/training/ckpt-grayscale")
    ap.add_argument("--steps", type=int, default=200000)
    ap.add_argument("--minutes", type=float, default=1e9)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--channels", default="32,64,128")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--save-every", type=int, default=250)
    ap.add_argument("--val-every", type=int, default=1000)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--micrographs", default=None, help="folder with MANIFEST.tsv (../shared/data/micrographs)")
    ap.add_argument("--micro-fraction", type=float, default=0.6)
    ap.add_argument("--sigma-fraction", type=float, default=0.0)
    ap.add_argument("--sigma-lo", type=float, default=1.5, help="grey levels (0-255 scale)")
    ap.add_argument("--sigma-hi", type=float, default=160.0, help="grey levels (0-255 scale)")
    ap.add_argument("--init", default=None, help="TorchScript weights to start from")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "grayscale.ckpt")
    dev = torch.device(args.device)
    c1, c2, c3 = (int(c) for c in args.channels.split(","))

    mixed = args.micrographs is not None
    train = grayscale_data.images("train", opencv=mixed)
    val_photos = grayscale_data.images("validation", opencv=mixed)
    val = [a for _, a in val_photos]
    patches = Patches([a for _, a in train], args.patch, args.seed)
    micro_names, val_micro = [], []
    if mixed:
        import micrograph_data
        items = micrograph_data.load(args.micrographs, ("train", "held_out"))
        train_items = [(n, s, p, row["dtype"] == "uint8") for n, s, r, p, row in items if r == "train"]
        micro_names = [(n, s, row["repository"], row["path_in_repository"], row["git_blob"], row["license"])
                       for n, s, r, p, row in items if r == "train"]
        val_micro = validation_micrographs(items)
        patches = MixedPatches(patches, MicrographPatches(train_items, args.patch, args.seed + 7),
                               args.micro_fraction, args.seed)
    abar = cosine_alpha_bar().float()
    abar_dev = abar.to(dev)

    torch.manual_seed(args.seed)
    model = GrayscaleUNet(c1, c2, c3).to(dev)
    if args.init and not os.path.exists(ckpt_path):
        model.load_state_dict(torch.jit.load(args.init, map_location="cpu").state_dict())
        print(f"initialised from {args.init}", flush=True)
    ema = copy.deepcopy(model).eval()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    step, seconds, history, validation = 0, 0.0, [], []
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=dev)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"])
        patches.set_state(ck["patches"])
        step, seconds = ck["step"], ck["seconds"]
        history, validation = ck["history"], ck["validation"]
        print(f"resumed at step {step} ({seconds / 60:.1f} min trained so far)", flush=True)
    print(f"parameters: {sum(p.numel() for p in model.parameters())}; "
          f"train images: {', '.join(n for n, _ in train)}; micrograph planes: {len(micro_names)}", flush=True)

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                    "gen": gen.get_state(), "patches": patches.state(), "step": step, "seconds": seconds,
                    "history": history, "validation": validation, "args": vars(args),
                    "train_images": [n for n, _ in train],
                    "validation_images": [n for n, _ in val_photos], "micrographs": micro_names,
                    "validation_micrographs": [n for n, _ in val_micro]}, tmp)
        os.replace(tmp, ckpt_path)  # never a half-written checkpoint

    def validate():
        ema_cpu = copy.deepcopy(ema).cpu()
        v = tweedie_psnr(ema_cpu, val, (15, 25, 50), abar)
        entry = {"step": step, **{f"psnr_sigma{s}": round(p, 3) for s, p in v.items()}}
        if val_micro:
            vm = tweedie_psnr_scaled(ema_cpu, [a for _, a in val_micro], (15, 25, 50), abar)
            entry.update({f"micro_psnr_sigma{s}": round(p, 3) for s, p in vm.items()})
        validation.append(entry)
        print("validation " + json.dumps(validation[-1]), flush=True)

    start = time.time()
    run_start_seconds = seconds
    loss_avg, window = None, []
    while step < args.steps and (time.time() - start) < args.minutes * 60:
        t0 = time.time()
        x0 = patches.batch(args.batch).to(dev)
        t = sample_timesteps(args.batch, abar, gen, args.sigma_fraction, args.sigma_lo / 127.5,
                             args.sigma_hi / 127.5).to(dev)
        eps = torch.randn(x0.shape, generator=gen).to(dev)
        a = abar_dev[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = torch.mean((model(xt, t.float(), torch.zeros_like(t)) - eps) ** 2)
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, (step + 1) / args.warmup)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            decay = min(args.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        step += 1
        seconds = run_start_seconds + (time.time() - start)
        loss_avg = loss.item() if loss_avg is None else 0.99 * loss_avg + 0.01 * loss.item()
        window.append(loss.item())
        if step % 100 == 0:
            history.append({"step": step, "loss": sum(window) / len(window), "minutes": round(seconds / 60, 2)})
            window = []
            print(f"step {step} loss {loss_avg:.4f} {time.time() - t0:.3f}s/step total {seconds / 60:.1f} min",
                  flush=True)
        if step % args.val_every == 0:
            validate()
        if step % args.save_every == 0:
            save()
    save()
    print(f"stopped at step {step}; {seconds / 60:.1f} min of training in all", flush=True)


if __name__ == "__main__":
    main()
