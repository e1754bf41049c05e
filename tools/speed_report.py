#!/usr/bin/env python3
"""Denoise against ffmpeg's BM3D on the CPU: wall time for the same large images, paired in one run.

    mvn -q compile && /usr/bin/python3 tools/speed_report.py [--rounds 5] [--out results/speed-bm3d.md]

Images: 4 fields of 2048 x 2048, 16-bit, each a 1024² crop of a different public micrograph
(../shared/data/micrographs) enlarged 2x (bicubic) and turned into a photon-limited camera image
(peak 30 photons, gain 2, offset 100, read noise 2; fixed seeds). Content barely matters for
speed: the network's cost is the same for every pixel, BM3D's nearly so.

Ours: one `batch --task denoise --output mean` over the folder (one JVM: start, model load, the 4
files read, denoised and written, as a user runs it), with the keys given by --keys (default: the
command's defaults, i.e. the bundled `grayscale`, sigma estimated). BM3D: Debian's ffmpeg,
`bm3d=estim=basic` (and basic + final, the better and slower setting the quality reports use), one
ffmpeg process per image on the image as 8 bits (what the issue measured), sequentially.
With --baseline DIR (the target/classes of an earlier build, e.g. from a `git worktree` of an older
commit compiled with `mvn -q -o compile`), that build runs the same batch in the same rounds, so a
change is measured as a ratio on the same machine at the same time. With --costs, each of Denoise's costlier settings then runs once on the first image (and
stack=volume on a 4-slice stack of 2048² planes made from the first 4 images), in one batch each, and
the table gives the command's own time (its "Denoise: ... in X s" line) against output=mean's.
Every round runs each method once, in alternating order so that the machine's drifts hit both
alike; the ratio is taken per round, the report gives medians and ranges.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
from micro_report import classpath  # noqa: E402  (target/classes and the dependency class path)
DATA = os.path.join(ROOT, "..", "shared", "data", "micrographs")
SOURCES = [
    "CellProfiler-examples/Channel 1-01-A-01-00.tif",
    "CellProfiler-examples/1-162hrhoe2.tif",
    "BioImageAnalysisNotebooks/plate1_1_013 [Well 5, Field 1 (Spot 5)].png",
    "unet-epfl-pr242/test/testing0000.png",
]
GAIN, OFFSET, READ, PEAK = 2.0, 100.0, 2.0, 30.0


def load(path):
    import cv2
    import tifffile
    a = tifffile.imread(path) if path.endswith((".tif", ".tiff")) else cv2.imread(path, cv2.IMREAD_UNCHANGED)
    a = np.asarray(a, np.float64)
    if a.ndim == 3:
        a = a[..., :3].mean(-1)
    return a


def make_images(folder):
    import cv2
    import tifffile
    os.makedirs(os.path.join(folder, "in16"), exist_ok=True)
    os.makedirs(os.path.join(folder, "in8"), exist_ok=True)
    os.makedirs(os.path.join(folder, "clean"), exist_ok=True)
    names = []
    for i, rel in enumerate(SOURCES):
        a = load(os.path.join(DATA, rel))
        h, w = a.shape
        y0, x0 = (h - 768) // 2, (w - 768) // 2
        a = a[y0:y0 + 768, x0:x0 + 768]
        lo, hi = np.percentile(a, (0.1, 99.9))
        a = np.clip((a - lo) / max(hi - lo, 1e-9), 0, 1)
        a = cv2.resize(a, (2048, 2048), interpolation=cv2.INTER_CUBIC).clip(0, 1)
        r = np.random.RandomState(100 + i)
        tifffile.imwrite(os.path.join(folder, "clean", f"field{i + 1}.tif"), (GAIN * PEAK * a + OFFSET).astype(np.float32))
        z = GAIN * r.poisson(PEAK * a) + OFFSET + READ * r.randn(*a.shape)
        z = np.clip(np.rint(z), 0, 65535).astype(np.uint16)
        name = f"field{i + 1}"
        tifffile.imwrite(os.path.join(folder, "in16", name + ".tif"), z)
        lo, hi = np.percentile(z, (0.1, 99.9))
        z8 = np.clip(np.rint((z - lo) / max(hi - lo, 1e-9) * 255), 0, 255).astype(np.uint8)
        z8.tofile(os.path.join(folder, "in8", name + ".raw"))
        names.append(name)
    return names


def run_ours(cp, folder, keys, name="ours"):
    out = os.path.join(folder, name)
    shutil.rmtree(out, ignore_errors=True)
    cmd = ["java", "-Xmx4g", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", cp, "sc.fiji.diffusion.cli.Main",
           "batch", "--task", "denoise", "--in", os.path.join(folder, "in16"), "--out", out, "--output", "mean"] + keys
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0 or sum(f.endswith("-denoised.tif") for f in os.listdir(out)) != len(SOURCES):
        sys.exit("batch failed:\n" + p.stdout[-3000:] + p.stderr[-3000:])
    return dt, p.stdout + p.stderr


def empty_batch(cp, folder, runs=5):
    """Median wall time of a batch over an empty folder: the JVM's start, the SciJava context and the exit
    (no model is loaded)."""
    empty = os.path.join(folder, "empty")
    os.makedirs(empty, exist_ok=True)
    times = []
    for _ in range(runs):
        cmd = ["java", "-Xmx4g", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", cp, "sc.fiji.diffusion.cli.Main",
               "batch", "--task", "denoise", "--in", empty, "--out", os.path.join(folder, "empty-out")]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if p.returncode != 0:
            sys.exit("empty batch failed:\n" + p.stdout[-2000:] + p.stderr[-2000:])
    return float(np.median(times))


COSTS = [("output=mean (the default path)", "--output mean"),
         ("output=mean ensemble=8", "--output mean --ensemble 8"),
         ("output=sample (20 steps)", "--output sample"),
         ("output=std samples=8 (8 probes, float32)", "--output std --samples 8"),
         ("output=mean adapt=100 (experimental)", "--output mean --adapt 100"),
         ("output=mean stack=volume, 4 slices (per slice)", "--output mean --stack volume")]


def costs(cp, folder):
    import re
    import tifffile
    one, vol = os.path.join(folder, "cost-one"), os.path.join(folder, "cost-volume")
    for d in (one, vol):
        os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(folder, "in16", "field1.tif"), one)
    stack = np.stack([tifffile.imread(os.path.join(folder, "in16", f"field{i + 1}.tif")) for i in range(4)])
    tifffile.imwrite(os.path.join(vol, "stack.tif"), stack, imagej=True, metadata={"axes": "ZYX"})
    rows, base = [], None
    for label, keys in COSTS:
        src, per = (vol, 4) if "volume" in keys else (one, 1)
        out = os.path.join(folder, "cost-out")
        shutil.rmtree(out, ignore_errors=True)
        cmd = ["java", "-Xmx8g", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", cp, "sc.fiji.diffusion.cli.Main",
               "batch", "--task", "denoise", "--in", src, "--out", out] + keys.split()
        p = subprocess.run(cmd, capture_output=True, text=True)
        m = re.findall(r"Denoise: \S+ \([^)]*\) in ([0-9.]+) s", p.stdout + p.stderr)
        if p.returncode != 0 or not m:
            rows.append(f"| {label} | failed: {(p.stdout + p.stderr)[-300:]!r} | |")
            continue
        t = float(m[-1]) / per
        base = base or t
        rows.append(f"| {label} | {t:.1f} | {t / base:.1f} |")
        print(rows[-1], flush=True)
    return rows


def compare(folder, names, other="base"):
    """Rows comparing the last round's results of ours and of the baseline: the largest pixel
    difference, and each one's PSNR against the clean image the noisy one was made from (peak:
    the clean image's range)."""
    import tifffile
    rows = []
    for n in names:
        clean = tifffile.imread(os.path.join(folder, "clean", n + ".tif")).astype(np.float64)
        a = tifffile.imread(os.path.join(folder, "ours", n + "-denoised.tif")).astype(np.float64)
        b = tifffile.imread(os.path.join(folder, other, n + "-denoised.tif")).astype(np.float64)
        peak = clean.max() - clean.min()
        psnr = lambda x: 10 * np.log10(peak ** 2 / np.mean((x - clean) ** 2))
        rows.append(f"| {n} | {np.abs(a - b).max():.3g} | {psnr(a):.3f} | {psnr(b):.3f} | {psnr(a) - psnr(b):+.4f} |")
    return rows


def run_bm3d(folder, names, final, sigma=60):
    common = ["-f", "rawvideo", "-pix_fmt", "gray", "-s", "2048x2048"]
    out = os.path.join(folder, "bm3d")
    os.makedirs(out, exist_ok=True)
    t0 = time.perf_counter()
    for n in names:
        src, basic, fin = (os.path.join(folder, "in8", n + ".raw"), os.path.join(out, n + ".basic.raw"),
                           os.path.join(out, n + ".final.raw"))
        subprocess.run(["ffmpeg", "-v", "error", "-y"] + common + ["-i", src, "-vf", f"bm3d=sigma={sigma}:estim=basic",
                                                                   "-f", "rawvideo", "-pix_fmt", "gray", basic], check=True)
        if final:
            subprocess.run(["ffmpeg", "-v", "error", "-y"] + common + ["-i", src] + common +
                           ["-i", basic, "-filter_complex", f"[0][1]bm3d=sigma={sigma}:estim=final:ref=1",
                            "-f", "rawvideo", "-pix_fmt", "gray", fin], check=True)
    return time.perf_counter() - t0


def stats(v):
    v = sorted(v)
    return np.median(v), v[0], v[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "speed"))
    ap.add_argument("--keys", default="", help="extra batch keys, e.g. '--precision float32'")
    ap.add_argument("--out", default=None)
    ap.add_argument("--baseline", default=None, help="classes folder of an earlier build, run in the same rounds")
    ap.add_argument("--baseline-name", default="baseline")
    ap.add_argument("--baseline-keys", default=None, help="the baseline's batch keys (default: --keys)")
    ap.add_argument("--costs", action="store_true", help="also time the costlier settings once on one 2048² image")
    args = ap.parse_args()
    cp = classpath()
    base_cp = None
    if args.baseline:
        base_cp = os.path.abspath(args.baseline) + ":" + cp.split(":", 1)[1]
    names = make_images(args.work)
    keys = args.keys.split()
    base_keys = keys if args.baseline_keys is None else args.baseline_keys.split()
    # warm-up: file caches, the JIT of the JVM's own classes, ffmpeg's binary
    run_ours(cp, args.work, keys)
    run_bm3d(args.work, names[:1], False)
    ours, basic, final, base, log = [], [], [], [], ""
    if base_cp:
        run_ours(base_cp, args.work, base_keys, "base")
    for r in range(args.rounds):
        if base_cp:
            base.append(run_ours(base_cp, args.work, base_keys, "base")[0])
        if r % 2 == 0:
            t, log = run_ours(cp, args.work, keys)
            ours.append(t)
            basic.append(run_bm3d(args.work, names, False))
            final.append(run_bm3d(args.work, names, True))
        else:
            final.append(run_bm3d(args.work, names, True))
            basic.append(run_bm3d(args.work, names, False))
            t, log = run_ours(cp, args.work, keys)
            ours.append(t)
        print(f"round {r + 1}: ours {ours[-1]:.2f} s, bm3d basic {basic[-1]:.2f} s, basic+final {final[-1]:.2f} s"
              + (f", {args.baseline_name} {base[-1]:.2f} s" if base else ""), flush=True)
    fixed = empty_batch(cp, args.work)
    rb = [o / b for o, b in zip(ours, basic)]
    rf = [o / f for o, f in zip(ours, final)]
    fmt = lambda s: f"{s[0]:.2f} ({s[1]:.2f}–{s[2]:.2f})"
    lines = [
        "# Denoise against ffmpeg BM3D, 4 images of 2048², paired runs",
        "",
        f"Written by `/usr/bin/python3 tools/speed_report.py --rounds {args.rounds}"
        + (f" --keys '{args.keys}'" if args.keys else "")
        + (f" --baseline BUILD/target/classes --baseline-name '{args.baseline_name}'" if args.baseline else "")
        + (f" --baseline-keys '{args.baseline_keys}'" if args.baseline and args.baseline_keys is not None else "")
        + (" --costs" if args.costs else "") + "` (its docstring says how the images are made). "
        f"{os.cpu_count()} cores; median (range) of {args.rounds} rounds, each running every method once.",
        "",
        "| method | wall time for the 4 images (s) | ratio ours / method, per round |",
        "|---|---|---|",
        f"| ours: `batch --task denoise --output mean {args.keys}` (JVM start and model load included) | {fmt(stats(ours))} | |",
        f"| ffmpeg `bm3d=estim=basic` (8-bit) | {fmt(stats(basic))} | **{fmt(stats(rb))}** |",
        f"| ffmpeg `bm3d` basic + final (8-bit) | {fmt(stats(final))} | {fmt(stats(rf))} |",
        *([f"| {args.baseline_name}: the same batch with an earlier build"
           + (f" (keys `{args.baseline_keys}`)" if args.baseline_keys else "") + f" | {fmt(stats(base))} | "
           f"{fmt(stats([o / b for o, b in zip(ours, base)]))} |"] if base else []),
        "",
        f"Of ours, the JVM's start, the SciJava context and the exit alone (a batch over an empty folder, median of 5): "
        f"{fixed:.2f} s.",
        "",
        *(["The results of the last round against the baseline's (images in photon-count units; PSNR against the clean "
           "image each field was made from, peak = its range):", "",
           "| image | largest difference | PSNR ours (dB) | PSNR baseline (dB) | difference (dB) |", "|---|---|---|---|---|",
           *compare(args.work, names), ""] if base else []),
        *(["Costs of the other settings on one 2048² image (one run each, the command's own time; "
           "stack=volume: per slice of a 4-slice stack):", "", "| Denoise keys | time (s) | × output=mean |", "|---|---|---|",
           *costs(cp, args.work), ""] if args.costs else []),
        "Log of the last batch run:",
        "",
        "```",
        *[l for l in log.strip().splitlines()][-12:],
        "```",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
