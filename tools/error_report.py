#!/usr/bin/env python3
"""Denoise's estimated RMS error (no clean image) against the true error, on held-out images.

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/error_report.py

Denoise (output=mean, default model, nothing told about the noise) writes beside every result
the estimated RMS error against the unknown clean image (`diffusion.estimated_rmse`, the
`estimated_rmse` column of batch.csv: Stein's unbiased risk estimate under the fitted noise
model weighed against the prior's posterior variance at the noise level the result's residual is
consistent with, engine/noise/Sure.java). This report degrades clean images with known noise, runs
`batch --task denoise` (the Fiji command), and compares the estimate with the RMS error the
result really has.

Images (tools/micro_testset.py): validation = the tuning images of the micrograph report
(training sources: BBBC007/HT29/DAPI/BPAE fluorescence, EPFL FIB-SEM, astronaut/coins/moon);
test = the held-out sources (Transfluor + Kc167 fluorescence, ISBI ssTEM, five photographs).
Nothing in the estimator was chosen on either set (probe step 0.05 σ and block budget were
fixed before the first run). Noise, fixed seeds: Gaussian σ 15/25/50 on 0-255, rounded and
clipped to 8 bits (truth: the clean image); photon-limited peaks 5 and 30, z = 2·Poisson(λ) + 100
+ 2·N(0,1), 16 bits (truth: 2λ + 100). Keys: `noise=auto` (the default) — the camera and σ are
estimated from the image. Caveat, stated in the table: the ISBI "clean" EM slices carry their
own noise, so on EM the "true" error includes it.
"""
import argparse
import csv
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from micro_report import GAIN, OFFSET, READ, classpath, degrade, read_dir  # noqa: E402
from micro_report import denoise_logged  # noqa: E402
import re  # noqa: E402


def denoise(cp, folder, out, keys, log, terms):
    """Runs batch; fills terms[name] = (noise variance, divergence term, mean squared residual) read from the Log's
    estimate line."""
    seconds, found = denoise_logged(cp, folder, out, keys, log,
                                    r"residual ([0-9.eE+-]+), noise ([0-9.eE+-]+), divergence term ([0-9.eE+-]+);")
    for name, (res, noise, div) in found.items():
        terms[name] = (float(noise) ** 2, float(div), float(res) ** 2)
    return seconds


ROOT = os.path.abspath(os.path.join(HERE, ".."))
SYSTEMATIC = re.search(r"SYSTEMATIC_VARIANCE_ERROR = ([0-9.]+);", open(os.path.join(
    ROOT, "src", "main", "java", "sc", "fiji", "diffusion", "engine", "noise", "NoiseSettings.java")).read()).group(1)
CONDS = [("sigma", 15), ("sigma", 25), ("sigma", 50), ("peak", 5), ("peak", 30)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "micro-report"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "error-report"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "error-estimate.md"))
    ap.add_argument("--clean-references", action="store_true", help="clean every image of its own noise first (ffmpeg "
                    "BM3D, k = 6, as tools/std_report.py's em-clean): the ISBI EM slices and the 8-bit Transfluor fields "
                    "carry noise of about the size of the error, which the 'true' error would otherwise count")
    ap.add_argument("--told", action="store_true", help="tell Denoise the true noise (sigma, or gain 2 offset 100 "
                    "read noise 2) instead of noise=auto: the estimate's accuracy when the noise model is right")
    ap.add_argument("--sets", default="both", choices=("validation", "test", "both"),
                    help="which images (validation alone while choosing anything; the table then lacks the test rows)")
    args = ap.parse_args()
    import tifffile
    cp = classpath()
    os.makedirs(args.work, exist_ok=True)
    log = open(os.path.join(args.work, "log.txt"), "w")
    rows = []  # (set, kind, cond, name, estimated, true)
    seconds = {}
    for role, label in (("tune", "validation"), ("held", "test")):
        if args.sets != "both" and label != args.sets:
            continue
        for mod in ("fluo", "em", "photo"):
            d = os.path.join(args.data, role, mod)
            if not os.path.isdir(d):
                continue
            images = read_dir(d)
            if args.clean_references:
                from baselines import bm3d
                images = [(name, bm3d(np.clip(np.rint(x), 0, 255), 6).astype(np.float64)) for name, x in images]
            for ci, cond in enumerate(CONDS):
                folder = os.path.join(args.work, f"{role}-{mod}-{cond[0]}{cond[1]}")
                os.makedirs(folder, exist_ok=True)
                truths = {}
                for k, (name, x) in enumerate(images):
                    y, truth, _, bits = degrade(x, cond, 1000 * ci + k)
                    tifffile.imwrite(os.path.join(folder, name + ".tif"), y.astype(np.uint8 if bits == 8 else np.uint16))
                    # the noise's standard deviation per pixel (for the clip margin, as Denoise uses it)
                    sd = np.full(y.shape, float(cond[1])) if cond[0] == "sigma" else np.sqrt(GAIN * (truth - OFFSET) + READ ** 2)
                    truths[name] = (truth, y, sd)
                out = folder + "-out"
                t0 = time.time()
                terms = {}
                keys = {"noise": "auto"}
                if args.told:
                    keys = {"noise": "gaussian", "sigma": cond[1]} if cond[0] == "sigma" else {
                        "noise": "poisson", "gain": GAIN, "sigma": READ, "offset": OFFSET}
                denoise(cp, folder, out, dict(keys, output="mean"), log, terms)
                seconds[(label, mod, cond)] = time.time() - t0
                with open(os.path.join(out, "batch.csv")) as f:
                    for r in csv.DictReader(f):
                        name = r["file"][:-4]
                        res = tifffile.imread(os.path.join(out, r["result"])).astype(np.float64)
                        truth, y, sd = truths[name]
                        # the pixels the estimate speaks for: result more than 2 σ from a clipped value (engine/noise/Sure)
                        lo, hi = clip_values(y)
                        use = ~((res - lo <= 2 * sd) | (hi - res <= 2 * sd))
                        true = float(np.sqrt(np.mean((res - truth)[use] ** 2)))
                        est = float(r["estimated_rmse"]) if r["estimated_rmse"] else float("nan")  # empty: no estimate
                        low = float(r["rmse_low"]) if r["rmse_low"] else float("nan")
                        high = float(r["rmse_high"]) if r["rmse_high"] else float("nan")
                        rows.append((label, mod, cond, name, est, true, low, high, float(np.mean(use)), terms.get(name)))
                print(label, mod, cond, "done", flush=True)
    write(args.out, rows, seconds, args.told, args.clean_references)


def clip_values(y):
    """As engine/noise/CameraFit.clipValues: the lowest value when it is <= 0 and many pixels have it or lie just
    above it; the highest when many have it and it is a saturation level or piles up. NaN where there is no clip."""
    flat = y.ravel()
    many = max(2, flat.size // 1000)
    lo, hi = flat.min(), flat.max()
    n_lo, n_hi = np.sum(flat == lo), np.sum(flat == hi)
    below = flat[flat < hi].max() if np.any(flat < hi) else -np.inf
    n_below = np.sum(flat == below)
    dense = False
    if lo <= 0 and n_lo < many:
        # a floor the noise was cut at without a pile: the lowest tenth of the span up to the 1 % quantile holds
        # at least 1/3000 of the pixels (CameraFit.denseFloor, which takes the quantile from a sample)
        q = np.quantile(flat, 0.01)
        dense = np.sum(flat <= lo + (q - lo) / 10) >= max(2, flat.size // 3000)
    c_lo = lo if (n_lo >= many or dense) and lo <= 0 else np.nan
    c_hi = hi if n_hi >= many and hi > lo and (hi in (255, 4095, 16383, 65535) or n_hi >= 3 * n_below) else np.nan
    return c_lo, c_hi


def fmt_cond(c):
    return f"σ {c[1]}" if c[0] == "sigma" else f"peak {c[1]}"


def inside(sel):
    return int(sum(1 for r in sel if r[6] <= r[5] <= r[7]))


def write(path, rows, seconds, told=False, cleaned=False):
    lines = ["# Estimated vs true RMS error of Denoise (output=mean, " + (
        "the true noise told: noise=gaussian sigma=σ, or noise=poisson gain=2 sigma=2 offset=100)" if told else
        "noise=auto, nothing told)") + (", references cleaned of their own noise" if cleaned else ""), "",
             f"Written by `/usr/bin/python3 tools/error_report.py{' --told' if told else ''}"
             f"{' --clean-references' if cleaned else ''}` (see its docstring for the images and noise). "
             + ("Every image was first cleaned of its own noise (BM3D, k = 6) and that is the truth here. " if cleaned
                else "") +
             "ratio = estimated / true RMS error per image; 'within 10 %' counts images with |ratio − 1| ≤ 0.1; "
             "'±2 SE range' is the range Denoise states (two standard errors, the noise model's own uncertainty "
             "included; where the noise was estimated, widened to cover Stein's estimate as well as the reported one). "
             "Reported: where Denoise estimated the noise (noise=auto), Stein's estimate and the posterior variance at "
             "the noise level the result's residual is consistent with, R·D/(V − D), weighted by the inverse of their "
             "variances; where it was told, Stein's estimate alone (engine/noise/Sure). The per-image tables also give "
             "Stein's estimate alone and the terms R (mean squared residual), V (mean noise variance) and D (mean "
             "weighted divergence) it is made of. Where an 8-bit image clipped, Denoise estimates the error over the pixels whose result "
             "lies more than 2 σ from the clipped value, and the true error is taken over the same pixels "
             "('pixels covered').", ""]
    for label in ("validation", "test"):
        lines += [f"## {label} images", "",
                  "| kind | noise | images | true RMSE (mean) | estimated (mean) | ratio median (min–max) | within 10 % | "
                  "truth inside ±2 SE range | no estimate | pixels covered (mean) |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for mod in ("fluo", "em", "photo"):
            for cond in CONDS:
                sel = [r for r in rows if r[0] == label and r[1] == mod and r[2] == cond]
                if not sel:
                    continue
                ratio = np.array([r[4] / r[5] for r in sel])
                lines.append(f"| {mod} | {fmt_cond(cond)} | {len(sel)} | {np.mean([r[5] for r in sel]):.3f} | "
                             f"{np.nanmean([r[4] for r in sel]):.3f} | {np.nanmedian(ratio):.3f} ({np.nanmin(ratio):.3f}–"
                             f"{np.nanmax(ratio):.3f}) | {np.sum(np.abs(ratio - 1) <= 0.1)}/{len(sel)} | "
                             f"{inside(sel)}/{len(sel)} | {np.sum(np.isnan(ratio))} | "
                             f"{100 * np.mean([r[8] for r in sel]):.0f} % |")
        sel = [r for r in rows if r[0] == label]
        ratio = np.array([r[4] / r[5] for r in sel])
        lines += ["", f"All {label} images: {np.sum(np.abs(ratio - 1) <= 0.1)}/{len(sel)} within 10 %, truth inside the "
                  f"±2 SE range for {inside(sel)}/{len(sel)}, median ratio "
                  f"{np.nanmedian(ratio):.3f}; no estimate (it came out ≤ 0) for {np.sum(np.isnan(ratio))}.", ""]
    # the systematic part of the noise model's error that would make Stein's ±2 SE range hold the truth: per
    # validation image |MSE_Stein − MSE_true| = 2·δ·|2D − V| → δ; its 90th percentile is the floor NoiseSettings uses
    need, by_kind = [], {}
    for r in rows:
        if r[0] == "validation" and r[9] is not None:
            v, d, res = r[9]
            need.append(abs(res - v + d - r[5] ** 2) / (2 * abs(d - v)))
            by_kind.setdefault(f"{r[1]} {fmt_cond(r[2])}", []).append(need[-1])
    if need:
        lines += ["## Calibration of the stated range (validation images only)", "",
                  f"Relative error δ of the noise model's variance that would put each validation image's truth on the "
                  f"edge of the ±2 SE range: median {np.median(need):.4f}, 90th percentile {np.percentile(need, 90):.4f} "
                  f"(over {len(need)} images). Denoise adds a systematic δ of "
                  f"{SYSTEMATIC} (NoiseSettings.SYSTEMATIC_VARIANCE_ERROR) to the statistical one of every estimated noise "
                  "model, chosen from this line of an earlier run.", "",
                  "By kind (median / max): " + "; ".join(f"{k} {np.median(v):.3f} / {np.max(v):.3f}"
                                                        for k, v in by_kind.items()) + ".", ""]
    for label in ("validation", "test"):
        if not any(r[0] == label for r in rows):
            continue
        lines += [f"## Per image ({label})", "", "| kind | noise | image | true | estimated | ±2 SE range | ratio | covered | "
                  "Stein's estimate | its ratio | noise RMS √V | residual R | D = mean v·df/dy |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if r[0] == label:
                v, d, res = r[9] if r[9] is not None else (float("nan"),) * 3
                stein = float(np.sqrt(max(res - v + d, 0)))  # d: the Log's divergence term, 2·mean(v·df/dy)
                lines.append(f"| {r[1]} | {fmt_cond(r[2])} | {r[3]} | {r[5]:.3f} | {r[4]:.3f} | {r[6]:.3f}–{r[7]:.3f} | "
                             f"{r[4] / r[5]:.3f} | {100 * r[8]:.0f} % | {stein:.3f} | {stein / r[5]:.3f} | "
                             f"{np.sqrt(v):.3f} | {res:.4g} | {d / 2:.4g} |")
        lines.append("")
    lines += ["", "Batch wall time per folder (s, JVM start included): " + ", ".join(
        f"{k[0]} {k[1]} {fmt_cond(k[2])} {v:.0f}" for k, v in seconds.items()), ""]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write("\n".join(lines))
    print("wrote", path)


if __name__ == "__main__":
    main()
