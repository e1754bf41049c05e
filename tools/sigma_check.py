#!/usr/bin/env python3
"""How close Denoise's estimate of a Gaussian noise σ comes to the truth, on micrographs and photographs.

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/sigma_check.py

Images: the micrograph report's (tools/micro_testset.py), validation = its tuning images, test = the held-out
ones, each first cleaned of its own noise by BM3D (k = 6, as tools/std_report.py's '-clean' rows), then given
white Gaussian noise of σ 15 and 25 (fixed seeds) and kept in float (32-bit TIFF: nothing rounded or clipped),
so that the truth is exactly σ; and the same with σ 15, 25 and 50, rounded and clipped to 8 bits (as the
error report's images: a black background clips at 0, highlights at 255), where the truth is the σ of the
noise before the clip (what Denoise's clipped-noise model takes). Denoise (`batch`, noise=gaussian sigma=0,
output=mean) estimates σ per plane and says it in the Log; this reads it there. Reported: the relative error
of σ, mean and largest |error|, per kind and set.
"""
import argparse
import os
import re
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from micro_report import classpath, denoise_logged, read_dir  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, ".."))
SIGMAS = (15, 25)
CLIPPED = (15, 25, 50)  # σ of the 8-bit clipped cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "micro-report"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "sigma-check"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "noise-sigma.md"))
    args = ap.parse_args()
    import tifffile
    from baselines import bm3d
    cp = classpath()
    folder = os.path.join(args.work, "noisy")
    os.makedirs(folder, exist_ok=True)
    truth = {}
    for role, label in (("tune", "validation"), ("held", "test")):
        for kind in ("fluo", "em", "photo"):
            d = os.path.join(args.data, role, kind)
            for name, x in read_dir(d):
                clean = bm3d(np.clip(np.rint(x), 0, 255), 6).astype(np.float64)
                for s in SIGMAS:
                    key = f"{role}-{kind}-{s}-{name}"
                    r = np.random.RandomState(zlib.crc32(key.encode()))
                    tifffile.imwrite(os.path.join(folder, key + ".tif"), (clean + s * r.randn(*clean.shape)).astype(np.float32))
                    truth[key] = (label, kind, s)
                for s in CLIPPED:
                    key = f"{role}-{kind}-clip{s}-{name}"
                    r = np.random.RandomState(zlib.crc32(key.encode()))
                    tifffile.imwrite(os.path.join(folder, key + ".tif"), np.clip(np.rint(clean + s * r.randn(*clean.shape)),
                                                                                  0, 255).astype(np.uint8))
                    truth[key] = (label, kind, f"clip{s}")
    log = open(os.path.join(args.work, "log.txt"), "w")
    _, found = denoise_logged(cp, folder, os.path.join(args.work, "out"), {"noise": "gaussian", "sigma": 0, "output": "mean"},
                              log, r"sigma ([0-9.eE+-]+) estimated \(image units\)")
    lines = ["# Gaussian σ estimated by Denoise against the truth", "",
             "Written by `/usr/bin/python3 tools/sigma_check.py` (its docstring says how the images were made). "
             "Relative error of σ, per kind and set: mean (largest |error|), in %.", ""]
    for title, levels, sigma_of in (("Noise added in float (nothing rounded or clipped)", SIGMAS, lambda s: s),
                                    ("Rounded and clipped to 8 bits", [f"clip{s}" for s in CLIPPED],
                                     lambda s: int(s[4:]))):
        lines += [f"## {title}", "", "| set | kind | images | " + " | ".join(f"σ {sigma_of(s)}" for s in levels) + " |",
                  "|---|---|---|" + "---|" * len(levels)]
        for label in ("validation", "test"):
            for kind in ("fluo", "em", "photo"):
                cells, n = [], 0
                for s in levels:
                    e = np.array([float(found[k][0]) / sigma_of(s) - 1 for k, t in truth.items() if t == (label, kind, s)
                                  and k in found])
                    n = max(n, len(e))
                    cells.append(f"{100 * e.mean():+.1f} ({100 * np.abs(e).max():.1f})" if len(e) else "")
                lines.append(f"| {label} | {kind} | {n} | " + " | ".join(cells) + " |")
        lines.append("")
    missing = [k for k in truth if k not in found]
    if missing:
        lines += ["", f"No estimate read for {len(missing)} image(s): " + ", ".join(missing)]
    text = "\n".join(lines) + "\n"
    print(text)
    open(args.out, "w").write(text)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
