#!/usr/bin/env python3
"""Is Train's judge right? The adapted model against its base on images whose truth is clean.

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/judge_check.py

tools/noisy_report.py measures adaptation on Transfluor fields whose "clean" images carry their own
noise (σ ≈ 0.2-0.6 photon units at peak 5 by a PCA estimate, about the size of the error): a
smoother result then loses more of that noise and looks worse against them. Here the same fields
are first cleaned (ffmpeg BM3D, k = 6, as tools/std_report.py's em-clean), then degraded like the
report's (photon-limited peak 5, gain 2, offset 100, read noise 2; seeds as noisy_report),
adapted with `train --data noisy` (one of the six fields held out, as in the report) and the
verdict of Train's judge (Denoise's own error estimate on the held-out field, no clean image)
compared with the truth: the RMS error of Denoise output=mean with the base and the adapted model
on the six adaptation fields and on the six test crops, against the cleaned images.

--domain isbi: a validation domain for choosing Train's rules, never a test set of any report: slices of
the ISBI 2012 ssTEM volume (a source the bundled prior never saw) that no report uses (tools/micro_testset.py
takes slices 0, 3, 6, ... 29 for its EM tests): slices 1, 2, 4, 5, 7, 8 to adapt on, 10, 11, 13, 14, 16, 17
to score. --domain transfluor-val: a validation domain like the report's own, for rules that only matter where
its fields differ from EM (dark backgrounds clipped at 0 on 8 bits): the 12 fields of the Transfluor plate that
no report uses, 6 to adapt on (whole) and 6 to score (256² crops). --sigma S: Gaussian noise of σ S on 8 bits
(noise=gaussian sigma=auto) instead of photons.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import baselines  # noqa: E402
import micro_report  # noqa: E402

ROOT = micro_report.ROOT
# --domain transfluor-val: the 12 fields of the Transfluor plate that neither tools/micro_testset.py's test crops
# nor noisy_report's adaptation fields use (those are O01f00, O02f02, O03f01, O05f02, O07f00, O08f01 and
# O01f01, O02f00, O03f02, O04f00, O05f01, O06f02): whole fields to adapt on, 256² crops to score, as the report
VAL_ADAPT = ("O04f01d2", "O04f02d2", "O05f00d2", "O06f00d2", "O06f01d2", "O07f01d2")
VAL_SCORE = ("O01f02d2", "O02f01d2", "O03f00d2", "O07f02d2", "O08f00d2", "O08f02d2")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/micro-report")
    ap.add_argument("--steps", default="1000,2000")
    ap.add_argument("--peak", type=float, default=5)
    ap.add_argument("--sigma", type=float, default=0, help="Gaussian σ on 8 bits instead of photon noise")
    ap.add_argument("--domain", default="transfluor", choices=["transfluor", "isbi", "transfluor-val"])
    ap.add_argument("--micrographs", default="../shared/data/micrographs")
    ap.add_argument("--out", default="results/judge-check.md")
    args = ap.parse_args()
    import tifffile
    cp = micro_report.classpath()
    work = os.path.join(args.data, "judge-work" + ("" if args.domain == "transfluor" else "-" + args.domain))
    shutil.rmtree(work, ignore_errors=True)
    cond = ("sigma", args.sigma) if args.sigma > 0 else ("peak", args.peak)
    if args.domain == "transfluor":
        sets = {"adaptation": micro_report.read_dir(os.path.join(args.data, "adapt", "transfluor")),
                "test": [t for t in micro_report.read_dir(os.path.join(args.data, "held", "fluo"))
                         if t[0].startswith("AS_09047")]}
    elif args.domain == "transfluor-val":
        sys.path.insert(0, os.path.join(HERE, "..", "models", "training"))
        import micrograph_data  # noqa: E402
        import micro_testset  # noqa: E402
        items = {n: p for n, s, r, p, row in micrograph_data.load(args.micrographs, ("held_out",))}

        def field(n, whole):
            p = items[f"CellProfiler-examples/AS_09047_050428030001_{n}.TIF"]
            return ("val_" + n, micro_testset.to255(p if whole else micro_testset.crop(p)).astype(np.float64))
        sets = {"adaptation": [field(n, True) for n in VAL_ADAPT], "test": [field(n, False) for n in VAL_SCORE]}
    else:
        from PIL import Image
        src = os.path.join(args.micrographs, "unet-isbi2012", "train")
        sets = {label: [(f"isbi{k:02d}", np.asarray(Image.open(os.path.join(src, f"{k}.png")).convert("L")).astype(np.float64)) for k in ks]
                for label, ks in (("adaptation", (1, 2, 4, 5, 7, 8)), ("test", (10, 11, 13, 14, 16, 17)))}
    truth = {}
    for label, images in sets.items():
        d = os.path.join(work, label)
        os.makedirs(d)
        for k, (name, x) in enumerate(images):
            clean = baselines.bm3d(np.clip(np.rint(x), 0, 255), 6).astype(np.float64)
            y, ref, _, _ = micro_report.degrade(clean, cond, (8000 if label == "adaptation" else 7000) + k)
            tifffile.imwrite(os.path.join(d, name + ".tif"), y.astype(np.uint16 if cond[0] == "peak" else np.uint8))
            truth[(label, name)] = ref
    keys = (["--noise", "poisson", "--gain", "0", "--sigma", "0", "--offset", "auto"] if cond[0] == "peak" else
            ["--noise", "gaussian", "--sigma", "0"])
    log = open(os.path.join(work, "java.log"), "w")

    def java(a):
        p = subprocess.run(["java", "-Xmx6g", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", cp,
                            "sc.fiji.diffusion.cli.Main"] + a, cwd=ROOT, capture_output=True, text=True)
        log.write(" ".join(a) + "\n" + p.stdout + p.stderr + "\n")
        return p.stdout + p.stderr

    def rmse(model, label):
        out = os.path.join(work, "out", os.path.basename(model) + "-" + label)
        shutil.rmtree(out, ignore_errors=True)
        java(["batch", "--task", "denoise", "--in", os.path.join(work, label), "--out", out, "--model", model, "--output",
              "mean", "--seed", "1"] + keys)
        return {n: float(np.sqrt(np.mean((tifffile.imread(os.path.join(out, n + "-denoised.tif")) - truth[(lab, n)]) ** 2)))
                for (lab, n) in truth if lab == label}

    base = {label: rmse("grayscale", label) for label in sets}
    models = os.path.join(work, "models")
    rows = []
    done = 0
    for steps in [int(s) for s in args.steps.split(",")]:
        out = java(["train", "--in", os.path.join(work, "adaptation"), "--base", "grayscale", "--name", "noisy", "--steps",
                    str(steps), "--batch", "8", "--patch", "64", "--lr", "0.0002", "--seed", "1", "--validation", "0.2",
                    "--keep_checkpoint", "true", "--resume", "true" if done else "false", "--overwrite", "true", "--out",
                    models, "--data", "noisy"] + keys)
        done = steps
        m = re.search(r"is (unmeasurable \(MSE estimate \S+\)|\S+) with the adapted model against (unmeasurable \(MSE estimate \S+\)|\S+) with 'grayscale'; the split-pixel check .*? finds "
                      r"the adapted model's squared error (lower|higher) by (\S+) \+- (\S+): ([A-Za-z ,]+)", out)
        written = "did not make it better" not in out
        # the step Train kept by its estimate on the held-out patches (step 0: none beat the base, no judge asked)
        hp = re.search(r"as a fraction of the noise variance: (\S+) with the base([^\n]*)", out)
        kept = re.search(r"(\S+) at step (\d+) \(the lowest", hp.group(2)) if hp else None
        patches = "?" if not hp else f"{hp.group(1)} → " + (f"{kept.group(1)} (step {kept.group(2)})" if kept else
                                                             "none lower")
        model = os.path.join(models, "noisy") if written else os.path.join(models, ".noisy.training", "not-better-noisy")
        # a copy under its own name: the next milestone replaces the folder
        snap = os.path.join(work, f"adapted-{steps}")
        shutil.rmtree(snap, ignore_errors=True)
        shutil.copytree(model, snap)
        adapted = {label: rmse(snap, label) for label in sets}
        rows.append((steps, patches, m.groups() if m else ("—",) * 6, written, adapted))
    lines = ["# Train's judge against the truth, on images whose truth is clean", "",
             f"Written by `/usr/bin/python3 tools/judge_check.py {' '.join(sys.argv[1:])}` (its docstring says how). "
             f"Domain {args.domain}; " + (f"Gaussian σ {args.sigma:g} on 8 bits, σ unknown" if cond[0] == "sigma" else
                                          f"photon-limited, peak {args.peak:g}, camera unknown") + ". RMS error of Denoise output=mean against the cleaned images (image units), "
             "mean over the fields; 'held-out patches' is the estimate Train reads on the held-out field's patches "
             "to pick the step it keeps (the split-pixel estimate; Stein's before 2026-12-07; where no step beat the "
             "base, it writes nothing and asks no judge; the adapted model scored is then the last step's, set aside); "
             "the judge's columns are what it read on the one held-out field, without the clean image: Denoise's "
             "Stein estimate (said) and the split-pixel check (which decides; before 2026-12-07 both had to agree).", "",
             "| steps | held-out patches, MSE/σ²: base → kept step | judge: Denoise's Stein estimate, adapted vs "
             "base | judge: split-pixel check, adapted's squared error | verdict | adaptation fields: base → adapted | "
             "test crops: base → adapted | adapted better on (test) |",
             "|---|---|---|---|---|---|---|---|"]
    for steps, patches, (a, b, way, by, se, v), written, adapted in rows:
        tb, ta = np.mean(list(base["test"].values())), np.mean(list(adapted["test"].values()))
        ab, aa = np.mean(list(base["adaptation"].values())), np.mean(list(adapted["adaptation"].values()))
        wins = sum(adapted["test"][n] < base["test"][n] for n in base["test"])
        judge = f"{a} vs {b}" if a != "—" else "— (not asked)"
        split = f"{way} by {by} ± {se}" if a != "—" else "—"
        lines.append(f"| {steps} | {patches} | {judge} | {split} | {'written' if written else 'NOT written'} | "
                     f"{ab:.4f} → {aa:.4f} | "
                     f"{tb:.4f} → {ta:.4f} | {wins}/{len(base['test'])} |")
    lines += ["", "Per field (test crops), base / adapted at the last step: " + ", ".join(
        f"{n[-8:]} {base['test'][n]:.4f} / {rows[-1][4]['test'][n]:.4f}" for n in sorted(base["test"])), ""]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    open(args.out, "w").write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
