#!/usr/bin/env python3
"""output=std as an error bar: does |error of output=mean| <= 2·std hold, and does the map follow the error?

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/std_report.py

Images (tools/micro_testset.py): validation = the tuning images of the micrograph report (training
sources), test = the held-out sources (Transfluor + Kc167 fluorescence, ISBI ssTEM, photographs).
Noise with fixed seeds (as tools/micro_report.py): fluorescence photon-limited at peaks 5 and 30
(z = 2·Poisson(λ) + 100 + 2·N(0,1), 16 bits, camera not told); EM and photographs Gaussian σ 25
(8 bits). Denoise through `batch` with the default keys (noise=auto): output=mean and output=std
(samples 8: eight random probes; engine/pipeline/DenoisePipeline.errorBar), and output=mean once
more on a second noise draw of the same image (seed + 500).
Per image: coverage = share of pixels with |mean − truth| ≤ 1·std and ≤ 2·std; RMS error / RMS std;
block correlation = Pearson r of 8×8 block means of |error| and std. Two columns say how far any
map could follow the error: 'retest r' is the block correlation of |error| on the two noise draws
(the share of |error|'s block variance that belongs to the image, not to the draw: a map of the
expected error can correlate with one draw's |error| at most √(retest r)), 'reference noise' the
truth image's own noise by a PCA estimate (Chen, Zhu & Heng 2015) in the units of the degraded
image — the EM slices carry their own, which this report has to count as error; the '-clean' rows take the same images with that noise first
removed by BM3D. The truth of photon data is 2λ + 100. The smoothing of the map
(3 px) was chosen on the validation images; nothing here was tuned on the test images.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from micro_report import classpath, degrade, read_dir  # noqa: E402
from micro_report import denoise as run_batch  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, ".."))
CASES = [("fluo", ("peak", 5)), ("fluo", ("peak", 30)), ("em", ("sigma", 25)), ("photo", ("sigma", 25)),
         ("fluo-clean", ("peak", 5)), ("fluo-clean", ("peak", 30)), ("em-clean", ("sigma", 25)),
         ("photo-clean", ("sigma", 25))]
# *-clean: the same images with their own noise removed first by BM3D (ffmpeg, k = 6, strong enough that a PCA noise
# estimate of what is left falls below 1 grey level on the EM slices; k = 3, what tools/micro_report.py's tuning chose
# for EM at σ 15, left 10), then degraded like the others: an error bar estimates the error against the clean specimen,
# which the raw EM slices and 8-bit Transfluor fields are not


def block8(a):
    h, w = a.shape[0] // 8 * 8, a.shape[1] // 8 * 8
    return a[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3)).ravel()


def own_noise(x, p=7):
    """σ of white noise in an image: the PCA estimate of Chen, Zhu & Heng (ICCV 2015) on p × p patches
    (the noise variance is the mean of the smallest eigenvalues whose mean equals their median)."""
    from numpy.lib.stride_tricks import sliding_window_view
    patches = sliding_window_view(x.astype(np.float64), (p, p)).reshape(-1, p * p)
    lam = np.sort(np.linalg.eigvalsh(np.cov(patches, rowvar=False)))[::-1]
    for i in range(len(lam)):
        if np.mean(lam[i:]) <= np.median(lam[i:]):
            return float(np.sqrt(max(np.mean(lam[i:]), 0)))
    return float(np.sqrt(max(lam[-1], 0)))


def metrics(err, std):
    a = np.abs(err)
    return (float(np.mean(a <= std)), float(np.mean(a <= 2 * std)),
            float(np.sqrt(np.mean(err ** 2)) / max(np.sqrt(np.mean(std ** 2)), 1e-12)),
            float(np.corrcoef(block8(a), block8(std))[0, 1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "micro-report"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "std-report"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "std-calibration.md"))
    ap.add_argument("--sets", default="validation,test", help="validation,test or one of them (choices are made on "
                    "validation alone)")
    ap.add_argument("--kinds", default=",".join(dict.fromkeys(m for m, _ in CASES)), help="which kinds of images "
                    "(fluo, em, photo, and each with -clean); all by default")
    args = ap.parse_args()
    import tifffile
    cp = classpath()
    os.makedirs(args.work, exist_ok=True)
    log = open(os.path.join(args.work, "log.txt"), "w")
    rows, seconds, pictures = [], {}, {}
    for role, label in (("tune", "validation"), ("held", "test")):
        if label not in args.sets.split(","):
            continue
        for ci, (mod, cond) in enumerate(CASES):
            if mod not in args.kinds.split(","):
                continue
            d = os.path.join(args.data, role, mod.replace("-clean", ""))
            if not os.path.isdir(d):
                continue
            folder = os.path.join(args.work, f"{role}-{mod}-{cond[0]}{cond[1]}")
            os.makedirs(folder, exist_ok=True)
            data = {}
            os.makedirs(folder + "-retest", exist_ok=True)
            for k, (name, x) in enumerate(read_dir(d)):
                if mod.endswith("-clean"):
                    from baselines import bm3d
                    x = bm3d(np.clip(np.rint(x), 0, 255), 6).astype(np.float64)
                y, truth, scale, bits = degrade(x, cond, 1000 * ci + k)
                y2, _, _, _ = degrade(x, cond, 1000 * ci + k + 500)
                tifffile.imwrite(os.path.join(folder, name + ".tif"), y.astype(np.uint8 if bits == 8 else np.uint16))
                tifffile.imwrite(os.path.join(folder + "-retest", name + ".tif"), y2.astype(np.uint8 if bits == 8 else
                                                                                          np.uint16))
                data[name] = (y, truth, own_noise(x) * scale / 255.0)
            t0 = time.time()
            run_batch(cp, folder, folder + "-mean", {"output": "mean"}, log)
            t1 = time.time()
            run_batch(cp, folder, folder + "-std", {"output": "std", "samples": 8}, log)
            t2 = time.time()
            run_batch(cp, folder + "-retest", folder + "-retest-mean", {"output": "mean"}, log)
            seconds[(label, mod, cond)] = (t1 - t0, t2 - t1)
            for name, (y, truth, ref_noise) in data.items():
                mean = tifffile.imread(os.path.join(folder + "-mean", name + "-denoised.tif")).astype(np.float64)
                std = tifffile.imread(os.path.join(folder + "-std", name + "-std.tif")).astype(np.float64)
                mean2 = tifffile.imread(os.path.join(folder + "-retest-mean", name + "-denoised.tif")).astype(np.float64)
                err = mean - truth
                retest = float(np.corrcoef(block8(np.abs(err)), block8(np.abs(mean2 - truth)))[0, 1])
                rows.append((label, mod, cond, name, metrics(err, std), retest, ref_noise,
                             float(np.sqrt(np.mean(err ** 2)))))
                if label == "test" and not mod.endswith("-clean") and (mod, cond) not in pictures:
                    pictures[(mod, cond)] = (y, mean, std, np.abs(err))
            print(label, mod, cond, "done", flush=True)
    write(args.out, rows, seconds, pictures)


def fmt(c):
    return f"σ {c[1]}" if c[0] == "sigma" else f"peak {c[1]}"


def write(path, rows, seconds, pictures):
    lines = ["# output=std as an error bar of output=mean (held-out images, camera and σ not told)", "",
             "Written by `/usr/bin/python3 tools/std_report.py` (its docstring says how the images were chosen and "
             "degraded). A calibrated Gaussian error bar holds 68 % of pixels within 1·std and 95 % within 2·std.", ""]
    for label in ("validation", "test"):
        lines += [f"## {label} images", "",
                  "| kind | noise | images | ≤ 1·std | ≤ 2·std (min–max) | RMS error / RMS std (min–max) | block r (min) | "
                  "retest r | RMS error | reference noise |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for mod, cond in CASES:
            sel = [r for r in rows if r[0] == label and r[1] == mod and r[2] == cond]
            if not sel:
                continue
            cal = np.array([r[4] for r in sel])
            retest = np.array([r[5] for r in sel])
            lines.append(f"| {mod} | {fmt(cond)} | {len(sel)} | {100 * cal[:, 0].mean():.0f} % | "
                         f"{100 * cal[:, 1].mean():.0f} % ({100 * cal[:, 1].min():.0f}–{100 * cal[:, 1].max():.0f} %) | "
                         f"{cal[:, 2].mean():.2f} ({cal[:, 2].min():.2f}–{cal[:, 2].max():.2f}) | "
                         f"{cal[:, 3].mean():.2f} ({cal[:, 3].min():.2f}) | {retest.mean():.2f} | "
                         f"{np.mean([r[7] for r in sel]):.3g} | {np.mean([r[6] for r in sel]):.3g} |")
        lines.append("")
    lines += ["## Per image", "", "| set | kind | noise | image | ≤ 1·std | ≤ 2·std | RMS error / RMS std | block r | "
              "retest r | RMS error | reference noise |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r[4]
        lines.append(f"| {r[0]} | {r[1]} | {fmt(r[2])} | {r[3]} | {100 * c[0]:.0f} % | {100 * c[1]:.0f} % | {c[2]:.2f} | "
                     f"{c[3]:.2f} | {r[5]:.2f} | {r[7]:.3g} | {r[6]:.3g} |")
    lines += ["", "Time (s, whole folder through batch, JVM start included): " + ", ".join(
        f"{k[0]} {k[1]} {fmt(k[2])}: mean {v[0]:.0f}, std {v[1]:.0f}" for k, v in seconds.items()), ""]
    if pictures:
        png = os.path.splitext(path)[0] + ".png"
        save_picture(pictures, png)
        lines += [f"![noisy | output=mean | 2·std | actual error, one held-out image per row]({os.path.basename(png)})", ""]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write("\n".join(lines))
    print("wrote", path)


def save_picture(pictures, path):
    from PIL import Image
    tiles = []
    for (mod, cond), (y, mean, std, aerr) in pictures.items():
        lo, hi = np.percentile(y, (0.5, 99.5))
        g = lambda a: np.clip((a - lo) / max(hi - lo, 1e-9) * 255, 0, 255)  # noqa: E731
        top = max(np.percentile(aerr, 99.5), 1e-9)
        e = lambda a: np.clip(a / top * 255, 0, 255)  # noqa: E731 (std and |error| on one scale)
        tiles.append(np.concatenate([g(y), g(mean), e(2 * std), e(aerr)], axis=1))
    w = max(t.shape[1] for t in tiles)
    img = np.concatenate([np.pad(t, ((0, 4), (0, w - t.shape[1]))) for t in tiles], axis=0)
    Image.fromarray(img.astype(np.uint8)).save(path)


if __name__ == "__main__":
    main()
