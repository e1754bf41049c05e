#!/usr/bin/env python3
"""Noise2Void with more time: is the comparison in results/noisy-training.md fair to it?

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/n2v_budget.py

tools/noisy_report.py gives Noise2Void (tools/n2v_baseline.py, from random weights) the wall time
the prior's 2000-step adaptation took (about 3 minutes) on the same six noisy Transfluor fields.
Here the same data (the report's noise and seeds: adaptation fields seed 8000+k, test crops 7000+k)
and Noise2Void trained for each budget in --minutes, beside the bundled prior (`grayscale`,
Denoise output=mean, noise keys as the report's, nothing told) in the same run.
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
import micro_report  # noqa: E402
from noisy_report import java, score, write_noisy  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/micro-report")
    ap.add_argument("--conditions", default="peak5")
    ap.add_argument("--minutes", default="3.3,15")
    ap.add_argument("--out", default="results/n2v-budget.md")
    args = ap.parse_args()
    import tifffile
    cp = micro_report.classpath()
    work = os.path.join(args.data, "n2v-work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    log = open(os.path.join(work, "java.log"), "w")
    adapt = micro_report.read_dir(os.path.join(args.data, "adapt", "transfluor"))
    test = [t for t in micro_report.read_dir(os.path.join(args.data, "held", "fluo")) if t[0].startswith("AS_09047")]
    lines = ["# Noise2Void with more training time", "",
             "Written by `/usr/bin/python3 tools/n2v_budget.py` (its docstring says how). PSNR dB / SSIM, mean over the 6 "
             "test crops, against the report's truth; Noise2Void trained from random weights on the 6 noisy adaptation "
             "fields for the wall time given.", "", "| noise | method | PSNR | SSIM | training time |", "|---|---|---|---|---|"]
    for cname in [c for c in args.conditions.split(",") if c]:
        cond = ("sigma", float(cname[5:])) if cname.startswith("sigma") else ("peak", float(cname[4:]))
        keys = ["--noise", "gaussian", "--sigma", "0"] if cond[0] == "sigma" else ["--noise", "poisson", "--gain", "0",
                                                                                      "--sigma", "0", "--offset", "auto"]
        cdir = os.path.join(work, cname)
        truth = {n: (t[0], t[1], t[2]) for n, t in write_noisy(test, cond, os.path.join(cdir, "test-noisy"), 7000).items()}
        write_noisy(adapt, cond, os.path.join(cdir, "adapt-noisy"), 8000)
        out = os.path.join(cdir, "out-base")
        java(cp, ["batch", "--task", "denoise", "--in", os.path.join(cdir, "test-noisy"), "--out", out, "--model",
                  "grayscale", "--output", "mean", "--seed", "1"] + keys, log)
        base = score({n: tifffile.imread(os.path.join(out, n + "-denoised.tif")).astype(np.float64) for n in truth}, truth)
        lines.append(f"| {cname} | base `grayscale` (no training) | {base[0]:.2f} | {base[1]:.3f} | |")
        for minutes in [float(m) for m in args.minutes.split(",")]:
            o = os.path.join(cdir, f"out-n2v-{minutes:g}")
            t0 = time.time()
            p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "n2v_baseline.py"), "--train",
                                os.path.join(cdir, "adapt-noisy"), "--test", os.path.join(cdir, "test-noisy"), "--out", o,
                                "--minutes", f"{minutes:g}"], capture_output=True, text=True)
            log.write(p.stdout + p.stderr)
            if p.returncode != 0:
                raise RuntimeError(p.stderr[-3000:])
            r = score({n: tifffile.imread(os.path.join(o, n + ".tif")).astype(np.float64) for n in truth}, truth)
            lines.append(f"| {cname} | Noise2Void, {minutes:g} min ({p.stdout.strip().splitlines()[-1]}) | {r[0]:.2f} | "
                         f"{r[1]:.3f} | {(time.time() - t0) / 60:.1f} min |")
            print(lines[-1], flush=True)
    lines.append("")
    open(args.out, "w").write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
