#!/usr/bin/env python3
"""Steps per second of the Python training loop (Debian torch) on a model's TorchScript network,
for the `train-report` comparison with the Java trainer: same network file, batch, patch and
threads; random patches in [-1, 1], the simple loss at uniform t, Adam, EMA update.

    /usr/bin/python3 tools/train_speed.py --weights models/grayscale/weights.pt --batch 16 --patch 64 --threads 2 --steps 30
"""
import argparse
import copy
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = torch.jit.load(args.weights)
    net.train()
    ema = copy.deepcopy(net)
    params = list(net.parameters())
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=1e-4)
    abar = torch.linspace(0.9999, 0.001, 1000)
    b, s = args.batch, args.patch
    t0 = None
    for k in range(args.warmup + args.steps):
        if k == args.warmup:
            t0 = time.time()
        x0 = torch.rand(b, 1, s, s) * 2 - 1
        t = torch.randint(0, 1000, (b,))
        eps = torch.randn(b, 1, s, s)
        a = abar[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = ((net(xt, t.float(), torch.zeros(b, dtype=torch.long)) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), params):
                pe.mul_(0.999).add_(pm.detach(), alpha=0.001)
    print(f"steps_per_second {args.steps / (time.time() - t0):.4f}")


if __name__ == "__main__":
    main()
