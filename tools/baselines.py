#!/usr/bin/env python3
"""Classical denoisers a Fiji user already has (or could have), with their parameters tuned on
separate images: Gaussian blur (sigma), median (radius), non-local means (scikit-image, h) and
BM3D (Debian's ffmpeg `bm3d` filter, basic + final estimate; its `sigma` is not in grey levels,
so it is tuned like the others). Used by tools/micro_report.py and tools/noisy_report.py.
"""
import os
import subprocess
import tempfile

import numpy as np
from scipy import ndimage


def psnr(x, ref, peak):
    mse = float(np.mean((np.asarray(x, np.float64) - np.asarray(ref, np.float64)) ** 2))
    return 10 * np.log10(peak * peak / max(mse, 1e-20))


def ssim(x, ref, peak):
    from skimage.metrics import structural_similarity
    return float(structural_similarity(np.asarray(ref, np.float64), np.asarray(x, np.float64), data_range=peak,
                                       gaussian_weights=True, sigma=1.5, use_sample_covariance=False))


def gaussian(y, s):
    return ndimage.gaussian_filter(np.asarray(y, np.float64), s, mode="reflect")


def median(y, r):
    # ImageJ's median of radius r uses a circular kernel
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return ndimage.median_filter(np.asarray(y, np.float64), footprint=(xx * xx + yy * yy) <= r * r + r, mode="reflect")


def nlm(y, h, scale):
    """skimage NLM on y / scale, h relative to the image's own estimated noise (fast mode, 7x7, search 11)."""
    from skimage.restoration import denoise_nl_means, estimate_sigma
    z = np.asarray(y, np.float64) / scale
    s = float(estimate_sigma(z))
    return denoise_nl_means(z, h=h * s, sigma=s, patch_size=7, patch_distance=11, fast_mode=True) * scale


def bm3d(y, k, bits=8):
    """ffmpeg's BM3D (basic, then final estimate with the basic one as reference; its default block
    matching), on the image as 8 bits: 16-bit data are first stretched linearly from their 0.1-99.9 %
    percentiles onto 0-255 (as a user converting to 8-bit would), and mapped back afterwards. Its
    `sigma` is k times the 8-bit image's own estimated noise (ffmpeg's unit is not grey levels:
    about 4x them, which the tuning finds)."""
    from skimage.restoration import estimate_sigma
    y = np.asarray(y, np.float64)
    h, w = y.shape
    lo, hi = (0.0, 255.0) if bits == 8 else tuple(np.percentile(y, (0.1, 99.9)))
    z = np.clip(np.rint((y - lo) / max(hi - lo, 1e-9) * 255), 0, 255).astype(np.uint8)
    sigma = max(k * float(estimate_sigma(z.astype(np.float64))), 0.5)
    with tempfile.TemporaryDirectory() as d:
        src, basic, final = (os.path.join(d, n) for n in ("in.raw", "basic.raw", "final.raw"))
        z.tofile(src)
        common = ["-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{w}x{h}"]
        subprocess.run(["ffmpeg", "-v", "error", "-y"] + common + ["-i", src, "-vf", f"bm3d=sigma={sigma}:estim=basic",
                                                                   "-f", "rawvideo", "-pix_fmt", "gray", basic], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y"] + common + ["-i", src] + common + ["-i", basic, "-filter_complex",
                                                                                          f"[0][1]bm3d=sigma={sigma}:estim=final:ref=1",
                                                                                          "-f", "rawvideo", "-pix_fmt",
                                                                                          "gray", final], check=True)
        out = np.fromfile(final, dtype=np.uint8).reshape(h, w).astype(np.float64)
    return out / 255 * (hi - lo) + lo


GRIDS = {
    "gaussian": [0.5, 0.7, 1.0, 1.3, 1.6, 2.0, 2.5, 3.0, 4.0],
    "median": [1, 2, 3, 4, 5],
    "nlm": [0.6, 0.8, 1.0, 1.2, 1.5],
    "bm3d": [2, 3, 4, 5, 6, 8],
}


def run(method, y, p, scale, bits):
    if method == "gaussian":
        return gaussian(y, p)
    if method == "median":
        return median(y, p)
    if method == "nlm":
        return nlm(y, p, scale)
    if method == "bm3d":
        return bm3d(y, p, bits)
    raise ValueError(method)


def tune(method, pairs, scale, bits, peak, noise_sd=None):
    """The parameter with the best mean PSNR over (noisy, clean) pairs; returns (param, psnr)."""
    grid = GRIDS[method]
    best = None
    for p in grid:
        v = float(np.mean([psnr(run(method, y, p, scale, bits), x, peak) for y, x in pairs]))
        if best is None or v > best[1]:
            best = (p, v)
    return best
