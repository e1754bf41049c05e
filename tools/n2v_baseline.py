#!/usr/bin/env python3
"""Noise2Void (Krull, Buchholz & Jug, CVPR 2019), this project's own short implementation, as
the baseline for training on noisy images only.

    /usr/bin/python3 tools/n2v_baseline.py --train DIR --test DIR --out DIR --minutes 10 [--seed 1]

Blind-spot training as in the paper: random 64x64 patches of the noisy training images (8
flips/rotations), in each patch ~1.5 % of the pixels are "masked" — replaced by a random
neighbour from the 5x5 window around them (never themselves) — and the network is trained to
predict the noisy value of exactly those pixels from the masked input (MSE on masked pixels
only). Since the noise is pixel-wise independent, the best prediction is the clean signal.
Network: the N2V default, a UNet of depth 2 with 32 first-level channels (3x3 convs, batch norm,
ReLU, max pooling, skip connections), residual output. Adam 4e-4, batch 16, patch 64; values
standardised by the training images' mean and std. Trains for a fixed wall time (the budget the
diffusion prior's adaptation took), then denoises every TIFF of --test (whole image in one pass)
into --out as float32, same names.
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.e1, self.e2, self.m = Conv(1, c), Conv(c, 2 * c), Conv(2 * c, 4 * c)
        self.d2, self.d1 = Conv(6 * c, 2 * c), Conv(3 * c, c)
        self.out = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(F.max_pool2d(a, 2))
        m = self.m(F.max_pool2d(b, 2))
        u = self.d2(torch.cat([F.interpolate(m, scale_factor=2.0), b], 1))
        u = self.d1(torch.cat([F.interpolate(u, scale_factor=2.0), a], 1))
        return x + self.out(u)


def patches(images, n, size, r):
    out = np.empty((n, 1, size, size), np.float32)
    for k in range(n):
        a = images[r.randint(len(images))]
        y, x = r.randint(0, a.shape[0] - size + 1), r.randint(0, a.shape[1] - size + 1)
        p = np.rot90(a[y:y + size, x:x + size], r.randint(4))
        out[k, 0] = p[:, ::-1] if r.rand() < 0.5 else p
    return out


def blind_spot(batch, r, fraction=0.015, radius=2):
    """Masks ~fraction of the pixels: each replaced by a random other pixel of its 5x5 neighbourhood."""
    x = batch.copy()
    n, _, h, w = x.shape
    mask = np.zeros_like(x)
    count = max(1, int(fraction * h * w))
    for k in range(n):
        ys, xs = r.randint(0, h, count), r.randint(0, w, count)
        dy, dx = r.randint(-radius, radius + 1, count), r.randint(-radius, radius + 1, count)
        same = (dy == 0) & (dx == 0)
        dx[same] = 1  # never the pixel itself
        sy, sx = np.clip(ys + dy, 0, h - 1), np.clip(xs + dx, 0, w - 1)
        x[k, 0, ys, xs] = batch[k, 0, sy, sx]
        mask[k, 0, ys, xs] = 1
    return x, mask


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import tifffile
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    r = np.random.RandomState(args.seed)
    train = [tifffile.imread(os.path.join(args.train, f)).astype(np.float32) for f in sorted(os.listdir(args.train))
             if f.endswith(".tif")]
    mean, std = float(np.mean([t.mean() for t in train])), float(np.mean([t.std() for t in train]))
    train = [(t - mean) / std for t in train]
    net = UNet()
    opt = torch.optim.Adam(net.parameters(), lr=4e-4)
    t0, step = time.time(), 0
    net.train()
    while time.time() - t0 < args.minutes * 60:
        clean_in = patches(train, 16, 64, r)
        x, m = blind_spot(clean_in, r)
        pred = net(torch.from_numpy(x))
        mt = torch.from_numpy(m)
        loss = ((pred - torch.from_numpy(clean_in)) ** 2 * mt).sum() / mt.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            print(f"n2v step {step} loss {loss.item():.4f} {(time.time() - t0) / 60:.1f} min", flush=True)
    net.eval()
    os.makedirs(args.out, exist_ok=True)
    with torch.no_grad():
        for f in sorted(os.listdir(args.test)):
            if not f.endswith(".tif"):
                continue
            a = tifffile.imread(os.path.join(args.test, f)).astype(np.float32)
            h, w = a.shape
            ph, pw = (4 - h % 4) % 4, (4 - w % 4) % 4
            z = np.pad((a - mean) / std, ((0, ph), (0, pw)), mode="reflect")
            d = net(torch.from_numpy(z)[None, None]).numpy()[0, 0][:h, :w] * std + mean
            tifffile.imwrite(os.path.join(args.out, f), d.astype(np.float32))
    print(f"n2v: {step} steps in {(time.time() - t0) / 60:.1f} min on {len(train)} noisy images", flush=True)


if __name__ == "__main__":
    main()
