#!/usr/bin/env python3
"""What the error estimate (and noise=auto, the new default) costs on the default path: 4 images of 2048×2048,
16 bits, through `batch --task denoise` (one JVM per run, the Fiji command), this tree against a baseline commit
built in a git worktree, runs alternated, median of --rounds.

    mvn -q compile && git worktree add /tmp/base 47b8754 && (cd /tmp/base && mvn -q compile)
    /usr/bin/python3 tools/estimate_cost.py --baseline /tmp/base --out results/estimate-cost.md

47b8754 is the last commit before the estimate and the noise=auto default. Rows: both trees with the same keys
(noise=gaussian sigma=0: the estimate's cost alone) and each with its own defaults (no keys).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from micro_report import read_dir  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, ".."))


def classpath(tree):
    cp = os.path.join(tree, "target", "cp.txt")
    if not os.path.exists(cp):
        subprocess.run(["mvn", "-q", "-o", "dependency:build-classpath", f"-Dmdep.outputFile={cp}"], cwd=tree, check=True)
    return os.path.join(tree, "target", "classes") + ":" + open(cp).read().strip()


def run(cp, folder, out, keys):
    if os.path.exists(out):
        shutil.rmtree(out)
    cmd = ["java", "-Xmx4g", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", cp, "sc.fiji.diffusion.cli.Main",
           "batch", "--task", "denoise", "--in", folder, "--out", out] + sum((["--" + k, v] for k, v in keys.items()), [])
    t0 = time.time()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, OPT_OUT_TRACKING="true"))
    if p.returncode != 0:
        raise RuntimeError(p.stdout[-2000:] + p.stderr[-2000:])
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "estimate-cost"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "estimate-cost.md"))
    args = ap.parse_args()
    import tifffile
    folder = os.path.join(args.work, "in")
    os.makedirs(folder, exist_ok=True)
    # 2048² mosaics of held-out fluorescence planes as a camera sees them (peak 30 photons, gain 2, offset 100)
    planes = [x for _, x in read_dir(os.path.join(ROOT, "data", "micro-report", "held", "fluo"))]
    r = np.random.RandomState(5)
    for k in range(4):
        tiles = [planes[(k * 64 + i) % len(planes)] for i in range(64)]
        m = np.block([[tiles[8 * a + b] for b in range(8)] for a in range(8)])
        z = 2 * r.poisson(30 * m / 255.0) + 100 + 2 * r.randn(*m.shape)
        tifffile.imwrite(os.path.join(folder, f"big{k}.tif"), np.clip(np.rint(z), 0, 65535).astype(np.uint16))
    trees = {"this tree": classpath(ROOT), "baseline": classpath(args.baseline)}
    cases = {"same keys: noise=gaussian sigma=0": {"noise": "gaussian", "sigma": "0"}, "each tree's defaults": {}}
    times = {(t, c): [] for t in trees for c in cases}
    for c, keys in cases.items():
        for t, cp in trees.items():  # warm-up (page cache, DJL natives)
            run(cp, folder, os.path.join(args.work, "out"), keys)
        for i in range(args.rounds):
            for t, cp in (trees.items() if i % 2 == 0 else reversed(list(trees.items()))):
                times[(t, c)].append(run(cp, folder, os.path.join(args.work, "out"), keys))
                print(t, c, times[(t, c)][-1], flush=True)
    lines = ["# Cost of the error estimate on the default path (4 × 2048² 16-bit, batch, output=mean)", "",
             "Written by `/usr/bin/python3 tools/estimate_cost.py --baseline /tmp/base` (its docstring has the set-up); "
             "baseline = git 47b8754, the commit before the error estimate and the noise=auto default. Wall time of "
             f"the whole batch (JVM start, model load, 4 images), median of {args.rounds} alternated runs after a "
             "warm-up, on this repository's 2-core CPU.", "",
             "| keys | baseline (s) | this tree (s) | ratio |", "|---|---|---|---|"]
    for c in cases:
        b, n = np.median(times[("baseline", c)]), np.median(times[("this tree", c)])
        lines.append(f"| {c} | {b:.1f} | {n:.1f} | {n / b:.2f} |")
    open(args.out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
