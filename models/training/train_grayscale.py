#!/usr/bin/env python3
"""Trains the bundled `grayscale` prior: an unconditional ε-prediction UNet on random patches
of every real grayscale image available offline (see grayscale_data.py; the validation images
are never trained on).

    /usr/bin/python3 models/training/train_grayscale.py --out models/training/ckpt-grayscale --minutes 240

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

from grayscale import GrayscaleUNet, Patches, T, cosine_alpha_bar, tweedie_psnr
import grayscale_data


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
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "grayscale.ckpt")
    dev = torch.device(args.device)
    c1, c2, c3 = (int(c) for c in args.channels.split(","))

    train = grayscale_data.images("train")
    val = [a for _, a in grayscale_data.images("validation")]
    patches = Patches([a for _, a in train], args.patch, args.seed)
    abar = cosine_alpha_bar().float()
    abar_dev = abar.to(dev)

    torch.manual_seed(args.seed)
    model = GrayscaleUNet(c1, c2, c3).to(dev)
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
          f"train images: {', '.join(n for n, _ in train)}", flush=True)

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                    "gen": gen.get_state(), "patches": patches.state(), "step": step, "seconds": seconds,
                    "history": history, "validation": validation, "args": vars(args),
                    "train_images": [n for n, _ in train],
                    "validation_images": grayscale_data.VALIDATION}, tmp)
        os.replace(tmp, ckpt_path)  # never a half-written checkpoint

    def validate():
        ema_cpu = copy.deepcopy(ema).cpu()
        v = tweedie_psnr(ema_cpu, val, (15, 25, 50), abar)
        validation.append({"step": step, **{f"psnr_sigma{s}": round(p, 3) for s, p in v.items()}})
        print("validation " + json.dumps(validation[-1]), flush=True)

    start = time.time()
    run_start_seconds = seconds
    loss_avg, window = None, []
    while step < args.steps and (time.time() - start) < args.minutes * 60:
        t0 = time.time()
        x0 = patches.batch(args.batch).to(dev)
        t = torch.randint(0, T, (args.batch,), generator=gen).to(dev)
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
