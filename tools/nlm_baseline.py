#!/usr/bin/env python3
"""Non-local means baseline for the real-image quality report (called by `real-quality`).

    /usr/bin/python3 tools/nlm_baseline.py --sigma 25 --tune DIR --noisy DIR --out DIR [--seed 1]

skimage.restoration.denoise_nl_means (Debian python3-skimage), fast mode, 7x7 patches,
search distance 11, sigma given. Its filtering strength h is tuned (h = k * sigma, k from a grid)
for the best mean PSNR on the clean 8-bit TIFFs in --tune, degraded exactly as the test inputs
(Gaussian noise of the given sigma, rounded and clipped to 0..255). Every TIFF in --noisy is then
denoised with the chosen h and written as float32 TIFF of the same name to --out. Prints the choice.
"""
import argparse
import os

import numpy as np
import tifffile
from skimage.restoration import denoise_nl_means

GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2)


def nlm(y, sigma, k):
    return denoise_nl_means(y / 255.0, h=k * sigma / 255.0, sigma=sigma / 255.0, patch_size=7, patch_distance=11,
                            fast_mode=True) * 255.0


def psnr(a, b):
    return 10 * np.log10(255.0 ** 2 / np.mean((a.astype(np.float64) - b) ** 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigma", type=float, required=True)
    ap.add_argument("--tune", required=True)
    ap.add_argument("--noisy", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.RandomState(args.seed)
    tune = []
    for f in sorted(os.listdir(args.tune)):
        if f.endswith(".tif"):
            x = tifffile.imread(os.path.join(args.tune, f)).astype(np.float64)
            y = np.clip(np.rint(x + args.sigma * rng.randn(*x.shape)), 0, 255)
            tune.append((x, y))
    best = max(GRID, key=lambda k: np.mean([psnr(x, nlm(y, args.sigma, k)) for x, y in tune]))
    os.makedirs(args.out, exist_ok=True)
    for f in sorted(os.listdir(args.noisy)):
        if f.endswith(".tif"):
            y = tifffile.imread(os.path.join(args.noisy, f)).astype(np.float64)
            tifffile.imwrite(os.path.join(args.out, f), nlm(y, args.sigma, best).astype(np.float32))
    print(f"nlm sigma {args.sigma:g}: h = {best:g} sigma (tuned on {len(tune)} images)")


if __name__ == "__main__":
    main()
