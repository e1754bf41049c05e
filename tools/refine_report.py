#!/usr/bin/env python3
"""How the second pass at a few photons was chosen: one pass against λ-mixed second passes.

    git worktree add /tmp/prev 8f765a7 && (cd /tmp/prev && mvn -q -o compile)   # a build without the second pass
    mvn -q compile && /usr/bin/python3 tools/micro_testset.py
    /usr/bin/python3 tools/refine_report.py --baseline /tmp/prev/target/classes   # → results/refine-choice.md (≈ 12 min)

Denoise (DenoisePipeline.mean) refines a photon-limited plane with at most REFINE_PHOTONS photons
at the 99.5th percentile of its 4×4 block means by a second pass on m = λ·z + (1 − λ)·x̂₁,
denoised as the image of a camera of gain λ²a and read noise λσ (Azzari & Foi 2016). This report
is what λ and the threshold were chosen from: on the *validation* images only (the tuning set of
tools/micro_testset.py: training sources, never the test images), at photon peaks 2, 5, 12, 30
and 100 with gain 2, offset 100, read noise 2 (the same noise as tools/micro_report.py), the
camera told. The one-pass build (--baseline: a commit before the second pass) makes x̂₁; each
schedule of weights λ₁/λ₂/… then runs that same build on the mixed images as float TIFFs with the
mixed camera told — an emulation of the built-in pass (which keeps the first pass's value map
scaled by λ and σ 1 where the emulation measures both again). The last column is the current
build's own result (`noise=poisson` with the camera told), for comparison with the emulated
λ 0.4. PSNR gain in dB over one pass, mean (min) over the images of each kind.
"""
import argparse
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from micro_report import GAIN, OFFSET, READ, ROOT, classpath, degrade, denoise, read_dir  # noqa: E402

PEAKS = (2, 5, 12, 30, 100)


def psnr(a, t, peak):
    return 10 * np.log10(peak ** 2 / np.mean((a - t) ** 2))


def photons99(y):
    """The 99.5th percentile of the 4×4 block means, in photons of the true camera."""
    p = (y - OFFSET) / GAIN
    h, w = p.shape
    return float(np.percentile(p[:h // 4 * 4, :w // 4 * 4].reshape(h // 4, 4, w // 4, 4).mean((1, 3)), 99.5))


def main():
    import tifffile
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "micro-report"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "refine-report"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "refine-choice.md"))
    ap.add_argument("--baseline", required=True, help="target/classes of a build without the second pass")
    ap.add_argument("--schedules", default="0.35,0.4,0.5,0.65,0.7/0.4,0.8/0.6/0.4/0.25")
    ap.add_argument("--peaks", default="2,5,12,30,100")
    ap.add_argument("--kinds", default="fluo,em,photo")
    args = ap.parse_args()
    cp_now = classpath()
    cp_one = args.baseline + ":" + cp_now.split(":", 1)[1]
    schedules = [[float(v) for v in s.split("/")] for s in args.schedules.split(",")]
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    log = open(os.path.join(args.work, "log.txt"), "w")
    told = {"noise": "poisson", "gain": GAIN, "sigma": READ, "offset": OFFSET, "output": "mean"}
    rows, per_image = [], []
    for mod in args.kinds.split(","):
        images = read_dir(os.path.join(args.data, "tune", mod))
        for pi, peak_photons in enumerate(PEAKS):
            if str(peak_photons) not in args.peaks.split(","):
                continue
            cond = ("peak", peak_photons)
            data = {}
            base = os.path.join(args.work, f"{mod}-peak{peak_photons}")
            os.makedirs(base)
            for k, (name, x) in enumerate(images):
                y, truth, peak, _ = degrade(x, cond, 5000 + 100 * pi + k)
                data[name] = (y, truth, peak)
                tifffile.imwrite(os.path.join(base, name + ".tif"), y.astype(np.uint16))
            denoise(cp_one, base, base + "-one", told, log)
            denoise(cp_now, base, base + "-now", told, log)
            read = lambda d: {n: tifffile.imread(os.path.join(d, n + "-denoised.tif")).astype(np.float64) for n in data}
            one, now = read(base + "-one"), read(base + "-now")
            gains = {}
            for si, sched in enumerate(schedules):
                xh = dict(one)
                for it, lam in enumerate(sched):
                    d = f"{base}-s{si}-{it}"
                    os.makedirs(d)
                    for n, (y, _, _) in data.items():
                        tifffile.imwrite(os.path.join(d, n + ".tif"), (lam * y + (1 - lam) * xh[n]).astype(np.float32))
                    denoise(cp_one, d, d + "-out", dict(told, gain=GAIN * lam * lam, sigma=READ * lam), log)
                    xh = read(d + "-out")
                gains["/".join(f"{v:g}" for v in sched)] = [psnr(xh[n], t, p) - psnr(one[n], t, p) for n, (_, t, p) in
                                                            data.items()]
            gains["built in"] = [psnr(now[n], t, p) - psnr(one[n], t, p) for n, (_, t, p) in data.items()]
            base_psnr = np.mean([psnr(one[n], t, p) for n, (_, t, p) in data.items()])
            rows.append((mod, peak_photons, len(data), base_psnr, gains))
            for i, (n, (y, _, _)) in enumerate(data.items()):
                per_image.append((mod, peak_photons, n, photons99(y), {k: v[i] for k, v in gains.items()}))
            print(mod, peak_photons, "done", flush=True)
    names = list(rows[0][4].keys())
    out = ["# The second pass at a few photons: how λ and the threshold were chosen (validation images)", "",
           "Written by `/usr/bin/python3 tools/refine_report.py --baseline DIR` (its docstring: the build without the "
           "second pass, the emulation, the images). PSNR gain in dB over one pass, mean (min) over each set's images; "
           "camera told (gain 2, offset 100, read noise 2). Schedules: the weight λ of the noisy image in each extra "
           "pass. 'built in': the current build's own result (two passes where a plane has at most "
           "DenoisePipeline.REFINE_PHOTONS photons at the 99.5th percentile of its 4×4 block means, else one).", "",
           "| kind | peak | images | one pass (dB) | " + " | ".join(names) + " |",
           "|---|---|---|---|" + "---|" * len(names)]
    for mod, pk, n, b, gains in rows:
        out.append(f"| {mod} | {pk} | {n} | {b:.2f} | " + " | ".join(
            f"{np.mean(v):+.2f} ({np.min(v):+.2f})" for v in gains.values()) + " |")
    out += ["", "Per image: photons at the 99.5th percentile of the 4×4 block means (true camera), gain per schedule.", "",
            "| kind | peak | image | photons (99.5 %) | " + " | ".join(names) + " |",
            "|---|---|---|---|" + "---|" * len(names)]
    for mod, pk, n, ph, g in per_image:
        out.append(f"| {mod} | {pk} | {n} | {ph:.1f} | " + " | ".join(f"{g[k]:+.2f}" for k in names) + " |")
    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
