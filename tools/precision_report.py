#!/usr/bin/env python3
"""Denoise with the bfloat16 inference copy of `grayscale` against its float32 weights, or (--compare
one-step) with its distilled one-step network against the full network, on held-out images.

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/precision_report.py
    /usr/bin/python3 tools/precision_report.py --compare one-step --out results/one-step.md

Test images: the held-out sets of tools/micro_testset.py (fluorescence, EM, photographs; sources
never trained on), each first extended by mirror images of itself to at least 1024 x 1024 pixels
(--min-size): planes up to twice the error estimate's probe crops (4 x 320²) are denoised in
float32 (the estimate needs float32 runs of its crops anyway), so only larger ones test the
bfloat16 copy; then degraded
exactly as tools/micro_report.py does (fixed seeds): photon-limited
at peaks 5 and 30 (camera not told), Gaussian σ 25 on EM and photographs. Both runs go through
`batch --task denoise --output mean` with the command's defaults (noise=auto); the float32 run
uses a copy of the model folder whose rdf.yaml has no `torchscript_inference` entry, which is
what a CPU without native bfloat16 runs. With --compare one-step the "before" run uses a copy
whose rdf.yaml has no `torchscript_one_step` entry (the full network, in its bfloat16 copy where
the CPU has bfloat16: the Denoise of the previous release) and the "after" run the bundled model
(its one-step network: models/training/train_fast.py, distilled on the prior's training images
only, its checkpoints watched on the tuning images of tools/micro_testset.py). Reported: PSNR of each against the clean image, the
largest per-image difference, the error estimate (Stein's unbiased risk estimate the command
logs) against the true RMS error, and the wall time of each batch.
"""
import argparse
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import micro_report as M  # noqa: E402

ROOT = M.ROOT
CONDITIONS = [("fluo", ("peak", 5)), ("fluo", ("peak", 30)), ("em", ("sigma", 25)), ("photo", ("sigma", 25))]


def copy_without(work, entry, name):
    """A copy of the bundled grayscale folder whose rdf.yaml lacks weights.<entry> (and its files)."""
    import re
    src = os.path.join(ROOT, "models", "grayscale")
    dst = os.path.join(work, name)
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    text = open(os.path.join(src, "rdf.yaml")).read()
    start = text.index(f"  {entry}:")
    m = re.compile(r"\n(?=  [a-z_]+:\n|[a-z]+:)").search(text, start + 1)
    block, text = text[start:m.start() + 1], text[:start] + text[m.start() + 1:]
    dropped = set(re.findall(r"source[a-z0-9_]*: *(\S+)", block))
    for f in os.listdir(src):
        if f.startswith("weights") and f.endswith(".pt") and f not in dropped:
            shutil.copy(os.path.join(src, f), dst)
    open(os.path.join(dst, "rdf.yaml"), "w").write(text)
    return dst


COMPARE = {  # what is compared: (entry removed for the "before" run, before name, after name, title)
    "precision": ("torchscript_inference", "float32", "bfloat16",
                  "bfloat16 inference copy against float32 (held-out images, Denoise output=mean, command defaults)"),
    "one-step": ("torchscript_one_step", "full network", "one-step",
                 "Distilled one-step network against the full network (held-out images, Denoise output=mean, command "
                 "defaults)"),
}


def mirror(x, size):
    """x extended by its mirror images (edge pixels repeated) to at least size on each side."""
    while min(x.shape) < size:
        x = np.pad(x, [(0, min(n, max(0, size - n))) for n in x.shape], mode="symmetric")
    return x


def psnr(r, c, peak):
    return 10 * np.log10(peak ** 2 / np.mean((r - c) ** 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/micro-report")
    ap.add_argument("--out", default="results/precision.md")
    ap.add_argument("--min-size", type=int, default=1024)
    ap.add_argument("--compare", default="precision", choices=sorted(COMPARE))
    ap.add_argument("--after-model", default=None, help="a model folder for the 'after' run instead of the bundled "
                    "grayscale (e.g. a candidate one-step network exported into a copy of it)")
    args = ap.parse_args()
    import tifffile
    entry, A, B, title = COMPARE[args.compare]
    work = os.path.join(ROOT, "target", "precision" if args.compare == "precision" else "one-step")
    os.makedirs(work, exist_ok=True)
    cp = M.classpath()
    before = copy_without(work, entry, "grayscale-before")
    log = open(os.path.join(work, "log.txt"), "w+")
    rows, per_image = [], []
    pattern = r"estimated RMS error of the result against the unknown clean image: ([0-9.eE+-]+)"
    for kind, cond in CONDITIONS:
        images = M.read_dir(os.path.join(args.data, "held", kind))
        folder = os.path.join(work, f"{kind}-{cond[0]}{cond[1]}")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        clean = {}
        for k, (name, x) in enumerate(images):
            x = mirror(x, args.min_size)
            z, c, peak, bits = M.degrade(x, cond, 1000 + k)
            tifffile.imwrite(os.path.join(folder, name + ".tif"), z.astype(np.uint8 if bits == 8 else np.uint16))
            clean[name] = (c, peak)
        res = {}
        for variant, keys in ((A, {"model": before}), (B, {"model": args.after_model} if args.after_model else {})):
            out = os.path.join(work, f"out-{kind}-{cond[0]}{cond[1]}-{variant}")
            seconds, est = M.denoise_logged(cp, folder, out, dict(keys, output="mean"), log, pattern)
            res[variant] = (seconds, est, out)
        label = f"{kind} {cond[0]} {cond[1]}"
        d, p32, p16, e32, e16, t32, t16 = [], [], [], [], [], [], []
        for name, (c, peak) in clean.items():
            r32 = tifffile.imread(os.path.join(res[A][2], name + "-denoised.tif")).astype(np.float64)
            r16 = tifffile.imread(os.path.join(res[B][2], name + "-denoised.tif")).astype(np.float64)
            a, b = psnr(r32, c, peak), psnr(r16, c, peak)
            p32.append(a)
            p16.append(b)
            d.append(b - a)
            for r, est, e, t in ((r32, res[A][1], e32, t32), (r16, res[B][1], e16, t16)):
                true = np.sqrt(np.mean((r - c) ** 2))
                t.append(true)
                e.append(float(est[name][0]) / true if name in est else float("nan"))
            per_image.append(f"| {label} | {name} | {a:.2f} | {b:.2f} | {b - a:+.3f} | {e32[-1]:.2f} | {e16[-1]:.2f} |")
        within = lambda e: sum(abs(v - 1) <= 0.1 for v in e)
        rows.append(f"| {label} | {len(d)} | {np.mean(p32):.2f} | {np.mean(p16):.2f} | {np.mean(d):+.3f} | "
                    f"{min(d):+.3f} / {max(d):+.3f} | {np.nanmedian(e32):.2f} ({within(e32)}/{len(e32)}) | "
                    f"{np.nanmedian(e16):.2f} ({within(e16)}/{len(e16)}) | {res[A][0]:.1f} | {res[B][0]:.1f} |")
        print(rows[-1], flush=True)
    lines = [
        f"# {title}",
        "",
        f"Written by `/usr/bin/python3 tools/precision_report.py --compare {args.compare} --out {args.out}` (its "
        "docstring says how the images were chosen and degraded).",
        "",
        f"| images | n | PSNR {A} (dB) | PSNR {B} (dB) | mean Δ (dB) | min / max Δ per image | estimated / true "
        f"RMS error, {A}: median (within 10 %) | same, {B} | batch wall time {A} (s) | {B} (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Per image:",
        "",
        f"| images | image | {A} (dB) | {B} (dB) | Δ (dB) | estimate / truth {A} | {B} |",
        "|---|---|---|---|---|---|---|",
        *per_image,
    ]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(ROOT, args.out), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
