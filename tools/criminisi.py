#!/usr/bin/env python3
"""Exemplar-based inpainting (Criminisi, Perez & Toyama 2004) in plain numpy: a classical baseline
for tools/inpaint_report.py, written independently of the plugin's Java (engine.image.Exemplar),
so the report shows what Inpaint's diffusion walk adds to a copied fill and what it loses.

The hole is filled from its front inwards, highest priority first: P = C * D, C the patch's mean
confidence, D the strongest isophote in the patch across the front's normal (/255, + 1e-3).
Each step copies the 9x9 patch, among all fully known ones within 40 px of the hole's bounding
box, with the least squared difference on the target's known pixels. Unlike the Java version,
pixels filled earlier count as known for later sources (a common variant).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import binary_dilation, sobel


def inpaint(img, mask, half=4, search=40):
    img = img.astype(np.float64).copy()
    hole = mask.astype(bool).copy()
    H, W = img.shape
    conf = (~hole).astype(np.float64)
    img[hole] = 0
    p = 2 * half + 1
    ys, xs = np.where(hole)
    if len(ys) == 0:
        return img
    y0, y1 = max(ys.min() - search, half), min(ys.max() + search, H - half - 1)
    x0, x1 = max(xs.min() - search, half), min(xs.max() + search, W - half - 1)
    known = ~hole
    while hole.any():
        front = hole & binary_dilation(~hole)
        fy, fx = np.where(front)
        cpad = np.pad(conf, half)
        C = np.array([cpad[y:y + p, x:x + p].sum() / (p * p) for y, x in zip(fy, fx)])
        holed = np.where(hole, np.nan, img)
        gy, gx = np.nan_to_num(sobel(holed, 0)), np.nan_to_num(sobel(holed, 1))
        ny, nx = sobel(hole.astype(float), 0), sobel(hole.astype(float), 1)
        nn = np.hypot(ny, nx) + 1e-9
        D = []
        for y, x in zip(fy, fx):
            sl = (slice(max(y - half, 0), y + half + 1), slice(max(x - half, 0), x + half + 1))
            g = np.hypot(gy[sl], gx[sl]) * known[sl]
            j = np.unravel_index(np.argmax(g), g.shape)
            iy, ix = -gx[sl][j], gy[sl][j]
            D.append(abs(iy * ny[y, x] + ix * nx[y, x]) / nn[y, x] / 255.0 + 1e-3)
        k = int(np.argmax(C * np.array(D)))
        cy = min(max(fy[k], half), H - half - 1)
        cx = min(max(fx[k], half), W - half - 1)
        tgt = img[cy - half:cy + half + 1, cx - half:cx + half + 1]
        tk = known[cy - half:cy + half + 1, cx - half:cx + half + 1]
        region = img[y0 - half:y1 + half + 1, x0 - half:x1 + half + 1]
        full = sliding_window_view(known[y0 - half:y1 + half + 1, x0 - half:x1 + half + 1], (p, p)).all(axis=(2, 3))
        pw = sliding_window_view(region, (p, p))
        d = (((pw - tgt) ** 2) * tk).sum(axis=(2, 3))
        d[~full] = np.inf
        src = pw[np.unravel_index(np.argmin(d), d.shape)]
        fill = ~tk
        tgt[fill] = src[fill]
        conf[cy - half:cy + half + 1, cx - half:cx + half + 1][fill] = C[k]
        hole[cy - half:cy + half + 1, cx - half:cx + half + 1][fill] = False
        known[cy - half:cy + half + 1, cx - half:cx + half + 1][fill] = True
    return img
