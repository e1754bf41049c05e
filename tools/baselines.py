#!/usr/bin/env python3
"""Classical denoisers a Fiji user already has (or could have), with their parameters tuned on
separate images: Gaussian blur (sigma), median (radius), non-local means (scikit-image, h) and
BM3D (Debian's ffmpeg `bm3d` filter, basic + final estimate; its `sigma` is not in grey levels,
so it is tuned like the others). Used by tools/micro_report.py and tools/noisy_report.py.

Photon-limited data: with `camera=(gain, offset, read_sigma)` every method runs on the
generalised Anscombe transform of the image (unit-variance noise) and its result is mapped back
with the closed-form approximation of the exact unbiased inverse (Makitalo & Foi 2011/2013):
the standard variance-stabilised pipeline (VST + BM3D is the usual anchor). BM3D sees the
transformed image on 8 bits over its whole range (a step of at most ~0.1 σ there; ffmpeg's
16-bit bm3d did worse, see bm3d()).
Tuning extends a grid past an edge where the best value sits on it (`tune_interior`), so the
reported optimum is inside the grid unless a physical bound stops it (median radius 1).
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


def gat(y, camera):
    """Generalised Anscombe transform of counts y = gain*Poisson + offset + N(0, read^2): unit-variance noise."""
    a, mu, s = camera
    z = (np.asarray(y, np.float64) - mu) / a
    return 2 * np.sqrt(np.maximum(z + 3 / 8 + (s / a) ** 2, 0))


def gat_inverse(d, camera):
    """Closed-form approximation of the exact unbiased inverse of gat (Makitalo & Foi), back to counts."""
    a, mu, s = camera
    d = np.asarray(d, np.float64)
    r = np.sqrt(1.5)

    def closed(e):
        return np.maximum(e * e / 4 + r / (4 * e) - 11 / (8 * e * e) + 5 * r / (8 * e ** 3) - 1 / 8 - (s / a) ** 2, 0)

    # the closed form diverges as D -> 0 (its 1/D terms): below D = 1 it is continued linearly to 0
    lam = np.where(d >= 1, closed(np.maximum(d, 1)), closed(1.0) * np.clip(d, 0, 1))
    return a * lam + mu


def bm3d(y, k, bits=8):
    """ffmpeg's BM3D (basic, then final estimate with the basic one as reference; its default block
    matching) on 8 bits: 8-bit data as they are; anything else (16-bit data, a variance-stabilised
    image) mapped linearly from its minimum and maximum onto 0-255 and back afterwards. Its `sigma`
    is k times the 8-bit image's own estimated noise (ffmpeg's unit is not grey levels: about 4x
    them, which the tuning finds)."""
    from skimage.restoration import estimate_sigma
    y = np.asarray(y, np.float64)
    h, w = y.shape
    if bits == 8:
        lo, hi, top, fmt, dtype = 0.0, 255.0, 255, "gray", np.uint8
    else:
        # 16-bit data or a variance-stabilised image (noise σ 1 over a range of a few tens): the whole range
        # on 8 bits, nothing clipped. ffmpeg's bm3d also takes gray16, but did clearly worse there (tried while
        # debugging, on one held-out fluorescence plane), and after the transform 8 bits lose nothing (a step of
        # at most ~0.1 σ)
        lo, hi, top, fmt, dtype = float(y.min()), float(y.max()), 255, "gray", np.uint8
    base, span = 0, top
    z = np.clip(np.rint(base + (y - lo) / max(hi - lo, 1e-9) * span), 0, top).astype(dtype)
    sigma = max(k * float(estimate_sigma(z.astype(np.float64))), 0.5)
    with tempfile.TemporaryDirectory() as d:
        src, basic, final = (os.path.join(d, n) for n in ("in.raw", "basic.raw", "final.raw"))
        z.tofile(src)
        common = ["-f", "rawvideo", "-pix_fmt", fmt, "-s", f"{w}x{h}"]
        subprocess.run(["ffmpeg", "-v", "error", "-y"] + common + ["-i", src, "-vf", f"bm3d=sigma={sigma}:estim=basic",
                                                                   "-f", "rawvideo", "-pix_fmt", fmt, basic], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y"] + common + ["-i", src] + common + ["-i", basic, "-filter_complex",
                                                                                          f"[0][1]bm3d=sigma={sigma}:estim=final:ref=1",
                                                                                          "-f", "rawvideo", "-pix_fmt",
                                                                                          fmt, final], check=True)
        out = np.fromfile(final, dtype=dtype).reshape(h, w).astype(np.float64)
    return (out - base) / span * (hi - lo) + lo


GRIDS = {
    "gaussian": [0.5, 0.7, 1.0, 1.3, 1.6, 2.0, 2.5, 3.0, 4.0],
    "median": [1, 2, 3, 4, 5],
    "nlm": [0.6, 0.8, 1.0, 1.2, 1.5],
    "bm3d": [2, 3, 4, 5, 6, 8],
}


def run(method, y, p, scale, bits, camera=None):
    """The method with parameter p on y; with a camera, on its variance-stabilised transform (see the module)."""
    if camera is not None:
        f = gat(y, camera)
        return gat_inverse(run(method, f, p, float(f.max()), "vst"), camera)
    if method == "gaussian":
        return gaussian(y, p)
    if method == "median":
        return median(y, p)
    if method == "nlm":
        return nlm(y, p, scale)
    if method == "bm3d":
        return bm3d(y, p, bits)
    raise ValueError(method)


def tune(method, pairs, scale, bits, peak, noise_sd=None, camera=None):
    """The parameter with the best mean PSNR over (noisy, clean) pairs, inside its grid; returns (param, psnr)."""
    p, v, _ = tune_interior(method, pairs, scale, bits, peak, camera)
    return p, v


def tune_interior(method, pairs, scale, bits, peak, camera=None, extensions=8):
    """As tune, also saying whether the optimum stayed on an edge of its grid: where the best value is
    the grid's first or last, the grid grows past it (x1.4, or one radius for the median) up to
    `extensions` times; returns (param, psnr, edge) with edge None when the optimum is interior,
    else the edge it sits on ("lower bound" for median radius 1, "low", "high")."""
    grid = list(GRIDS[method])
    scores = {}

    def score(q):
        if q not in scores:
            scores[q] = float(np.mean([psnr(run(method, y, q, scale, bits, camera), x, peak) for y, x in pairs]))
        return scores[q]

    for _ in range(extensions + 1):
        for q in grid:
            score(q)
        best = max(grid, key=score)
        if best == grid[-1]:
            grid.append(best + 1 if method == "median" else round(best * 1.4, 3))
        elif best == grid[0]:
            if method == "median" or best <= 0.2:
                return best, scores[best], "lower bound"
            grid.insert(0, round(best / 1.4, 3))
        else:
            return best, scores[best], None
    best = max(grid, key=score)
    return best, scores[best], "high" if best == grid[-1] else "low" if best == grid[0] else None
