#!/usr/bin/env python3
"""Trains the bundled `fashion-mnist` diffusion model (class-conditional eps-prediction UNet).

    /usr/bin/python3 models/training/train_diffusion.py --out models/training/ckpt --minutes 60

Resumable: every --save-every steps it writes <out>/diffusion.ckpt (weights, EMA weights,
optimiser, step, RNG states); run the same command again to continue. Stops after
--steps total steps or --minutes of wall time in this run, whichever comes first.
Loss: the "simple" DDPM loss ||eps - eps_theta(sqrt(abar_t) x0 + sqrt(1-abar_t) eps, t, y)||^2
with t uniform on {0..T-1}; the label is replaced by the null class with probability
--p-uncond so that one network also gives the unconditional prediction (classifier-free guidance).
"""
import argparse
import copy
import os
import time

import numpy as np
import torch

from common import NULL_CLASS, UNet, linear_alpha_bar, load_split, to_model_range


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/training/ckpt")
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--minutes", type=float, default=1e9)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--p-uncond", type=float, default=0.1)
    ap.add_argument("--ch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "diffusion.ckpt")
    dev = torch.device(args.device)

    images, labels = load_split("train")
    x_all = to_model_range(images).to(dev)
    y_all = torch.from_numpy(labels).to(dev)
    abar = linear_alpha_bar().to(dev)
    T = abar.numel()

    torch.manual_seed(args.seed)
    model = UNet(ch=args.ch).to(dev)
    ema = copy.deepcopy(model).eval()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    step, seconds = 0, 0.0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=dev)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"])
        step, seconds = ck["step"], ck.get("seconds", 0.0)
        print(f"resumed at step {step} ({seconds / 60:.1f} min trained so far)", flush=True)
    print(f"parameters: {sum(p.numel() for p in model.parameters())}", flush=True)

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                    "gen": gen.get_state(), "step": step, "seconds": seconds,
                    "args": vars(args)}, tmp)
        os.replace(tmp, ckpt_path)  # never leave a half-written checkpoint

    start = time.time()
    run_start_seconds = seconds
    loss_avg = None
    while step < args.steps and (time.time() - start) < args.minutes * 60:
        t0 = time.time()
        idx = torch.randint(0, x_all.shape[0], (args.batch,), generator=gen).to(dev)
        x0, y = x_all[idx], y_all[idx].clone()
        drop = torch.rand(args.batch, generator=gen).to(dev) < args.p_uncond
        y[drop] = NULL_CLASS
        t = torch.randint(0, T, (args.batch,), generator=gen).to(dev)
        eps = torch.randn(x0.shape, generator=gen).to(dev)
        a = abar[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = torch.mean((model(xt, t.float(), y) - eps) ** 2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            decay = min(args.ema, (1 + step) / (10 + step))  # warm-up so early EMA is not all init
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        step += 1
        seconds = run_start_seconds + (time.time() - start)
        loss_avg = loss.item() if loss_avg is None else 0.99 * loss_avg + 0.01 * loss.item()
        if step % 50 == 0:
            print(f"step {step} loss {loss_avg:.4f} {time.time() - t0:.3f}s/step "
                  f"total {seconds / 60:.1f} min", flush=True)
        if step % args.save_every == 0:
            save()
    save()
    print(f"stopped at step {step}; {seconds / 60:.1f} min of training in all", flush=True)


if __name__ == "__main__":
    main()
