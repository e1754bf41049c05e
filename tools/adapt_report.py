#!/usr/bin/env python3
"""Denoise's adapt=N (the prior fine-tuned on the image itself by self-distillation, no clean image) on micrographs.

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/adapt_report.py
    /usr/bin/python3 tools/adapt_report.py --timing ../shared/data/micrographs   # adapt=300 on a 512x512 plane

Images (256x256, tools/micro_testset.py), chosen before any run of this report:
  test        fluorescence of held-out sources: Kc167 01_POS002_D, 01_POS218_F; Transfluor O01f00d2,
              O05f02d2; EM of the held-out ISBI 2012 source: slices 3, 9, 21;
  validation  the tuning images of tools/micro_testset.py (BBBC007, HT29, widefield DAPI, BPAE nuclei;
              EPFL FIB-SEM x2), from the prior's training sources: adapt's learning rate, loss and
              judges were chosen on these.
Noise (micro_report.degrade, fixed seeds): fluorescence at photon peaks 30 and 5 with a camera of
gain 2, offset 100, read noise 2 (16-bit; nothing told: noise=auto); EM with Gaussian σ 25, 8-bit
(rounded and clipped; noise=auto); 'em-clean': the same EM slices with their own grain first removed by
BM3D (k = 6, as tools/std_report.py), then degraded alike -- the raw slices carry white noise of their own
(a PCA estimate of ~9-18 grey levels) that no denoiser can tell from the added noise, and which a PSNR
against the raw slice counts as signal.
Methods: Denoise output=mean with adapt=0 (the base), 100, 300 (batch, the Fiji command's pipeline), and with
ensemble=8 (the result averaged over the 8 flips and rotations) at adapt=0 and 300;
a Gaussian blur whose σ is tuned *per image on its clean image* (an oracle no user has; the bar the
issue sets). PSNR against the clean image (photon data: against 2λ + 100, peak 2·peak).
"""
import argparse
import os
import re
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import baselines  # noqa: E402
import micro_report  # noqa: E402

TEST = {"fluo": ["01_POS002_D", "01_POS218_F", "AS_09047_050428030001_O01f00d2", "AS_09047_050428030001_O05f02d2"],
        "em": ["3", "9", "21"]}
CONDS = [("fluo", ("peak", 30.0)), ("fluo", ("peak", 5.0)), ("em", ("sigma", 25.0)), ("em-clean", ("sigma", 25.0))]
BLUR = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.3, 2.6, 3.0, 3.5, 4.0, 5.0, 6.0]


def images(data, sets):
    import tifffile
    out = {}
    for mod in ("fluo", "em", "em-clean"):
        src = mod.replace("-clean", "")
        if sets == "test":
            names = TEST[src]
            d = os.path.join(data, "held", src)
        else:
            d = os.path.join(data, "tune", src)
            names = sorted(f[:-4] for f in os.listdir(d) if f.endswith(".tif"))
        out[mod] = [(n, tifffile.imread(os.path.join(d, n + ".tif")).astype(np.float64)) for n in names]
        if mod.endswith("-clean"):
            out[mod] = [(n, baselines.bm3d(np.clip(np.rint(x), 0, 255), 6).astype(np.float64)) for n, x in out[mod]]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="test")
    ap.add_argument("--data", default="data/micro-report")
    ap.add_argument("--adapt", default="0,100,300")
    ap.add_argument("--work", default="target/adapt-report")
    ap.add_argument("--out", default=None)
    ap.add_argument("--ensemble", default="0,300",
                    help="adapt=N values also run with ensemble=8 (the 8 flips and rotations averaged); empty for none")
    ap.add_argument("--kinds", default="fluo,em,em-clean", help="which kinds to run (a subset: for a quick look only)")
    ap.add_argument("--timing", default=None, metavar="MICROGRAPHS",
                    help="instead of the report: time adapt=0 and adapt=300 on one 512x512 Transfluor plane "
                         "(MICROGRAPHS/CellProfiler-examples/AS_09047_050428030001_O01f00d2.TIF at photon peak 30, "
                         "camera unknown), 3 runs each, alternated; prints the medians")
    args = ap.parse_args()
    if args.timing:
        return timing(args)
    import tifffile
    cp = micro_report.classpath()
    imgs = images(args.data, args.sets)
    ns = [int(n) for n in args.adapt.split(",")]
    # (adapt, ensemble) runs: every adapt=N alone, then those asked for with ensemble=8
    runs = [(n, 1) for n in ns] + [(int(n), 8) for n in args.ensemble.split(",") if n.strip()]
    os.makedirs(args.work, exist_ok=True)
    log = open(os.path.join(args.work, "batch.log"), "w")
    rows = []  # (cond label, image, method, psnr)
    kept, secs = {}, {}
    for ci, (mod, cond) in enumerate(CONDS):
        if mod not in args.kinds.split(","):
            continue
        label = f"{mod} " + (f"peak {cond[1]:g}" if cond[0] == "peak" else f"σ {cond[1]:g}")
        folder = os.path.join(args.work, f"{mod}-{cond[0]}{cond[1]:g}", "noisy")
        os.makedirs(folder, exist_ok=True)
        truth = {}
        for k, (name, x) in enumerate(imgs[mod]):
            y, ref, peak, bits = micro_report.degrade(x, cond, 7000 + 1000 * ci + k)
            truth[name] = (y, ref, peak)
            tifffile.imwrite(os.path.join(folder, name + ".tif"), y.astype(np.uint8 if bits == 8 else np.uint16))
            best = max(BLUR, key=lambda s: baselines.psnr(baselines.gaussian(y, s), ref, peak))
            if best in (BLUR[0], BLUR[-1]):
                print(f"warning: {label} {name}: the blur's best σ {best} is at the edge of its grid")
            rows.append((label, name, "Gaussian blur, σ tuned per image on its clean image",
                         baselines.psnr(baselines.gaussian(y, best), ref, peak)))
        for n, ens in runs:
            run = (n, ens)
            out = os.path.join(args.work, f"{mod}-{cond[0]}{cond[1]:g}", f"adapt{n}" + (f"-ensemble{ens}" if ens > 1 else ""))
            before = log.tell()
            t0 = time.time()
            micro_report.denoise(cp, folder, out, {"adapt": n, "output": "mean", "ensemble": ens}, log)
            secs[(label, run)] = (time.time() - t0) / len(truth)
            log.flush()
            text = open(log.name).read()[before:]
            decisions = micro_report.per_file(text, r"adapt: estimated RMS error .*: (denoising with the adapted prior|the adaptation did not help)")
            for name, (y, ref, peak) in truth.items():
                d = tifffile.imread(os.path.join(out, name + "-denoised.tif")).astype(np.float64)
                rows.append((label, name, method(run), baselines.psnr(d, ref, peak)))
                if n > 0:
                    kept.setdefault((label, run), []).append(decisions.get(name, ("?",))[0].startswith("denoising"))
            print(f"{label} {method(run)}: {secs[(label, run)]:.1f} s per image", flush=True)
    text = table(args, rows, kept, secs, runs)
    print(text)
    out = args.out or (f"results/adapt.md" if args.sets == "test" else None)
    if out:
        open(out, "w").write(text)
        print("wrote", out)


def timing(args):
    import tifffile
    cp = micro_report.classpath()
    x = tifffile.imread(os.path.join(args.timing, "CellProfiler-examples", "AS_09047_050428030001_O01f00d2.TIF"))
    x = x.astype(np.float64)
    x = 255.0 * (x - np.percentile(x, 0.1)) / (np.percentile(x, 99.9) - np.percentile(x, 0.1))
    y, _, _, _ = micro_report.degrade(np.clip(x, 0, 255), ("peak", 30.0), 4242)
    folder = os.path.join(args.work, "timing", "noisy")
    os.makedirs(folder, exist_ok=True)
    tifffile.imwrite(os.path.join(folder, "plane.tif"), y.astype(np.uint16))
    log = open(os.path.join(args.work, "timing", "batch.log"), "w")
    times = {0: [], 300: []}
    for r in range(3):
        for n in (0, 300):
            t0 = time.time()
            micro_report.denoise(cp, folder, os.path.join(args.work, "timing", f"adapt{n}"), {"adapt": n, "output": "mean"},
                                 log)
            times[n].append(time.time() - t0)
    print(f"{y.shape[1]}x{y.shape[0]} 16-bit plane, photon peak 30, camera unknown (batch, JVM and model load included), "
          f"median of 3: adapt=0 {np.median(times[0]):.1f} s, adapt=300 {np.median(times[300]):.1f} s "
          f"(runs: {', '.join(f'{t:.1f}' for t in times[300])})")


def method(run):
    n, ens = run
    return f"Denoise adapt={n}" + (f" ensemble={ens}" if ens > 1 else "")


def table(args, rows, kept, secs, runs):
    labels = list(dict.fromkeys(r[0] for r in rows))
    methods = list(dict.fromkeys(r[2] for r in rows))
    lines = [f"Denoise with adapt=N on the {args.sets} images (tools/adapt_report.py --sets {args.sets}); mean PSNR dB "
             "over each set. Adapted: on how many images the error estimate kept the adapted prior (else Denoise "
             "used the prior as it was).", "",
             "| condition | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for lab in labels:
        cells = []
        for m in methods:
            v = [r[3] for r in rows if r[0] == lab and r[2] == m]
            cells.append(f"{np.mean(v):.2f}" if v else "")
        lines.append(f"| {lab} | " + " | ".join(cells) + " |")
    lines += ["", "Against the blur (dB, mean over the set): " + "; ".join(
        f"{lab}: " + ", ".join(f"{m[len('Denoise '):]} {np.mean([r[3] for r in rows if r[0] == lab and r[2] == m]) - np.mean([r[3] for r in rows if r[0] == lab and r[2] == methods[0]]):+.2f}"
                               for m in methods[1:]) for lab in labels) + "."]
    lines += ["", "| condition | adapt | ensemble | adapted on | seconds per image (batch, model load included) |",
              "|---|---|---|---|---|"]
    for lab in labels:
        for run in runs:
            k = kept.get((lab, run))
            lines.append(f"| {lab} | {run[0]} | {run[1]} | {'' if k is None else f'{sum(k)}/{len(k)}'} | {secs[(lab, run)]:.1f} |")
    lines += ["", "Per image:", "", "| condition | image | " + " | ".join(methods) + " |", "|---|---|" + "---|" * len(methods)]
    for lab in labels:
        for name in dict.fromkeys(r[1] for r in rows if r[0] == lab):
            lines.append(f"| {lab} | {name} | " + " | ".join(
                f"{next((r[3] for r in rows if r[0] == lab and r[1] == name and r[2] == m), float('nan')):.2f}"
                for m in methods) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
