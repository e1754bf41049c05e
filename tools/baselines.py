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


def bm3d(y, sigma, bits):
    """ffmpeg's BM3D, basic then final estimate, on an 8- or 16-bit gray image (values rounded and clipped)."""
    y = np.asarray(y, np.float64)
    h, w = y.shape
    fmt, dtype, top = ("gray", np.uint8, 255) if bits == 8 else ("gray16le", np.dtype("<u2"), 65535)
    raw = np.clip(np.rint(y), 0, top).astype(dtype)
    args = f"sigma={sigma}:block=4:bstep=2:group=16:range=16"
    with tempfile.TemporaryDirectory() as d:
        src, basic, final = (os.path.join(d, n) for n in ("in.raw", "basic.raw", "final.raw"))
        raw.tofile(src)
        common = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", fmt, "-s", f"{w}x{h}"]
        subprocess.run(common + ["-i", src, "-vf", f"bm3d={args}:estim=basic", "-f", "rawvideo", "-pix_fmt", fmt,
                                 basic], check=True)
        subprocess.run(common + ["-i", src] + common[4:] + ["-i", basic, "-filter_complex",
                                                             f"[0][1]bm3d={args}:estim=final:ref=1", "-f", "rawvideo",
                                                             "-pix_fmt", fmt, final], check=True)
        return np.fromfile(final, dtype=dtype).reshape(h, w).astype(np.float64)


GRIDS = {
    "gaussian": [0.5, 0.7, 1.0, 1.3, 1.6, 2.0, 2.5, 3.0, 4.0],
    "median": [1, 2, 3, 4, 5],
    "nlm": [0.6, 0.8, 1.0, 1.2, 1.5],
    "bm3d": None,  # from the noise level, see bm3d_grid
}


def bm3d_grid(noise_sd):
    """BM3D strengths to try: multiples of the noise's own standard deviation (ffmpeg's unit differs)."""
    return [round(noise_sd * k, 3) for k in (1, 2, 3, 4, 6)]


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
    grid = bm3d_grid(noise_sd) if method == "bm3d" else GRIDS[method]
    best = None
    for p in grid:
        v = float(np.mean([psnr(run(method, y, p, scale, bits), x, peak) for y, x in pairs]))
        if best is None or v > best[1]:
            best = (p, v)
    return best
