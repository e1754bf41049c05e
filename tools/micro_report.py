#!/usr/bin/env python3
"""Denoise on held-out micrographs and photographs against what a Fiji user already has.

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/micro_report.py

Test images: tools/micro_testset.py (sources held out of the bundled `grayscale`'s training).
Noise, simulated with fixed seeds:
  gaussian σ (15, 25, 50 grey levels) on the 0-255 images, rounded and clipped to 8 bits;
  photon-limited: λ = peak · x/255 photons (peaks 1, 5, 30, 100), z = 2·Poisson(λ) + 100 + 2·N(0,1),
  rounded to 16 bits (gain 2, offset 100, read noise 2: none of them told to any method).
Methods: Gaussian blur, median, non-local means (scikit-image) and BM3D (Debian's ffmpeg), each
with its parameter tuned for the best PSNR on separate tuning images of the same kind and noise,
over grids extended until the optimum is inside them; on photon-limited data on the generalised
Anscombe transform with the true camera told, BM3D on 16 bits (tools/baselines.py); Denoise through the command line (`batch`, i.e. the Fiji command and its
pipeline) with the bundled `grayscale` (mean, ensemble=8, sample) and with the previous
`grayscale` weights (git b3b1366, mean). Gaussian noise: Denoise is told σ (as the classical
filters are tuned for it); photon-limited: `noise=poisson gain=0 sigma=0`, offset not given.
Blind rows compare the noise models (all mean, nothing told): gaussian σ estimated, poisson
camera estimated, auto. PSNR/SSIM against the clean image (photon-limited: against 2λ + 100,
peak 2·peak), mean over each set.
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
import baselines  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, ".."))
PREVIOUS = "b3b1366"  # the last commit with the photo-only grayscale weights
MODS = ("fluo", "em", "photo")
MOD_NAMES = {"fluo": "fluorescence (12 planes: BBBC016 Transfluor, Kc167)", "em": "EM (11 ISBI 2012 ssTEM slices)",
             "photo": "photographs (camera, hubble, baboon, fruits, building)"}
GAIN, OFFSET, READ = 2.0, 100.0, 2.0


def read_dir(d):
    import tifffile
    return [(f[:-4], tifffile.imread(os.path.join(d, f)).astype(np.float64)) for f in sorted(os.listdir(d))
            if f.endswith(".tif")]


def degrade(x, cond, seed):
    r = np.random.RandomState(seed)
    kind, level = cond
    if kind == "sigma":
        return np.clip(np.rint(x + level * r.randn(*x.shape)), 0, 255), x, 255.0, 8
    lam = level * x / 255.0
    z = GAIN * r.poisson(lam) + OFFSET + READ * r.randn(*x.shape)
    return np.clip(np.rint(z), 0, 65535), GAIN * lam + OFFSET, GAIN * level, 16


def classpath():
    cp = os.path.join(ROOT, "target", "cp.txt")
    if not os.path.exists(cp):
        subprocess.run(["mvn", "-q", "-o", "dependency:build-classpath", f"-Dmdep.outputFile={cp}"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "classes") + ":" + open(cp).read().strip()


def previous_model(out):
    d = os.path.join(out, "previous-grayscale")
    os.makedirs(d, exist_ok=True)
    for f in ("rdf.yaml", "weights.pt"):
        if not os.path.exists(os.path.join(d, f)):
            data = subprocess.run(["git", "show", f"{PREVIOUS}:models/grayscale/{f}"], cwd=ROOT, check=True,
                                  capture_output=True).stdout
            open(os.path.join(d, f), "wb").write(data)
    return d


def denoise(cp, folder, out, keys, log):
    cmd = ["java", "-Xmx4g", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", cp, "sc.fiji.diffusion.cli.Main",
           "batch", "--task", "denoise", "--in", folder, "--out", out] + sum((["--" + k, str(v)] for k, v in keys.items()), [])
    if os.path.exists(out):  # never read a result left by an earlier run
        shutil.rmtree(out)
    t0 = time.time()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, OPT_OUT_TRACKING="true"))
    log.write(" ".join(cmd) + "\n" + p.stdout + p.stderr + "\n")
    # exit code 1: some files were refused (e.g. noise=poisson on Gaussian noise), with a message in the log
    if p.returncode not in (0, 1):
        raise RuntimeError(f"batch failed ({p.returncode}): {p.stdout[-2000:]} {p.stderr[-2000:]}")
    return time.time() - t0


def per_file(text, pattern):
    """From a batch log: for each file, the groups of the last line matching `pattern` before its "NAME.tif -> "
    progress line (Denoise logs a file's lines before batch reports it written)."""
    import re
    found, pending = {}, None
    for line in text.splitlines():
        m = re.search(pattern, line)
        if m:
            pending = m.groups()
        m = re.search(r" (\S+)\.tif -> ", line)
        if m and pending is not None:
            found[m.group(1)] = pending
            pending = None
    return found


def denoise_logged(cp, folder, out, keys, log, pattern):
    """denoise(), also returning per_file() of what this run logged."""
    before = log.tell()
    seconds = denoise(cp, folder, out, keys, log)
    log.flush()
    return seconds, per_file(open(log.name).read()[before:], pattern)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/micro-report")
    ap.add_argument("--out", default="results/micro-quality.md")
    ap.add_argument("--sigmas", default="15,25,50")
    ap.add_argument("--peaks", default="1,5,30,100")
    ap.add_argument("--variants", default="mean,ens8,sample,previous,blind")
    ap.add_argument("--classical", default="gaussian,median,nlm,bm3d")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--model", default="grayscale", help="the model of the 'grayscale' rows (name or folder)")
    ap.add_argument("--std", default="", help="conditions where output=std's block correlation with the error is also "
                    "measured, e.g. sigma25,peak5 (off by default: tools/std_report.py measures output=std in full)")
    args = ap.parse_args()
    import tifffile
    work = os.path.join(args.data, "work")
    os.makedirs(work, exist_ok=True)
    held = {m: read_dir(os.path.join(args.data, "held", m)) for m in MODS}
    tune = {m: read_dir(os.path.join(args.data, "tune", m)) for m in MODS}
    cp = classpath()
    prev = previous_model(args.data)
    conds = [("sigma", float(s)) for s in args.sigmas.split(",") if s] + [("peak", float(p)) for p in
                                                                         args.peaks.split(",") if p]
    variants = [v for v in args.variants.split(",") if v]
    classical = [c for c in args.classical.split(",") if c]
    table = {}  # (mod, method) -> {cond: (psnr, ssim)}
    stdcorr = {}
    tuned = {}
    seconds = {}
    log = open(os.path.join(work, "batch.log"), "w")
    picture = None
    for ci, cond in enumerate(conds):
        label = f"σ {cond[1]:g}" if cond[0] == "sigma" else f"peak {cond[1]:g}"
        cdir = os.path.join(work, f"{cond[0]}{cond[1]:g}")
        noisy_dir = os.path.join(cdir, "noisy")
        os.makedirs(noisy_dir, exist_ok=True)
        truth = {}
        for m in MODS:
            for k, (name, x) in enumerate(held[m]):
                y, ref, peak, bits = degrade(x, cond, 1000 * ci + k)
                truth[f"{m}-{name}"] = (m, y, ref, peak, bits)
                tifffile.imwrite(os.path.join(noisy_dir, f"{m}-{name}.tif"), y.astype(np.uint8 if bits == 8 else np.uint16))
        results = {"noisy": {n: t[1] for n, t in truth.items()}}
        # classical filters, tuned per kind of image on the tuning set under the same noise
        for method in classical:
            results[method] = {}
            for m in MODS:
                pairs = []
                for k, (name, x) in enumerate(tune[m]):
                    y, ref, peak, bits = degrade(x, cond, 50000 + 1000 * ci + k)
                    pairs.append((y, ref))
                scale = 255.0 if cond[0] == "sigma" else GAIN * cond[1] + OFFSET
                sd = cond[1] if cond[0] == "sigma" else GAIN * np.sqrt(max(cond[1] / 2, 1)) + READ
                t0 = time.time()
                # photon-limited: the classical filters work on the variance-stabilised image, the camera told
                camera = None if cond[0] == "sigma" else (GAIN, OFFSET, READ)
                p, v, edge = baselines.tune_interior(method, pairs, scale, 8 if cond[0] == "sigma" else 16,
                                                     255.0 if cond[0] == "sigma" else GAIN * cond[1], camera)
                tuned[(m, method, label)] = p if edge is None else f"{p} (at the grid's {edge} edge)"
                for n, (mm, y, ref, peak, bits) in truth.items():
                    if mm == m:
                        results[method][n] = baselines.run(method, y, p, scale, bits, camera)
                seconds[(method, label)] = seconds.get((method, label), 0) + time.time() - t0
            print(f"{label}: {method} tuned {[(m, tuned[(m, method, label)]) for m in MODS]}", flush=True)
        # Denoise through the command line (the Fiji command's pipeline)
        runs = []
        given = {"noise": "gaussian", "sigma": cond[1]} if cond[0] == "sigma" else {"noise": "poisson", "gain": 0,
                                                                                     "sigma": 0}
        if "mean" in variants:
            runs.append(("grayscale mean", dict(given, output="mean", model=args.model)))
        if "ens8" in variants:
            runs.append(("grayscale ensemble=8", dict(given, output="mean", ensemble=8, model=args.model)))
        if "sample" in variants:
            runs.append(("grayscale sample", dict(given, output="sample", steps=args.steps, model=args.model)))
        if "previous" in variants:
            runs.append(("previous grayscale mean", dict(given, output="mean", model=prev)))
        if "blind" in variants:
            runs.append(("blind: gaussian, σ estimated", {"noise": "gaussian", "sigma": 0, "output": "mean",
                                                          "model": args.model}))
            runs.append(("blind: poisson, camera estimated", {"noise": "poisson", "gain": 0, "sigma": 0,
                                                              "output": "mean", "model": args.model}))
            runs.append(("blind: auto", {"noise": "auto", "output": "mean", "model": args.model}))
        for name, keys in runs:
            out = os.path.join(cdir, name.replace(" ", "_").replace(":", "").replace(",", "").replace("=", ""))
            keys = dict(keys, seed=1)
            sec = denoise(cp, noisy_dir, out, keys, log)
            seconds[(name, label)] = sec
            results[name] = {n: tifffile.imread(os.path.join(out, n + "-denoised.tif")).astype(np.float64) for n in truth
                             if os.path.exists(os.path.join(out, n + "-denoised.tif"))}
            print(f"{label}: {name} {sec:.1f} s", flush=True)
        cname = f"{cond[0]}{cond[1]:g}"
        if cname in [c for c in args.std.split(",") if c] and "grayscale mean" in results:
            out = os.path.join(cdir, "std")
            denoise(cp, noisy_dir, out, dict(given, output="std", samples=8, steps=args.steps, model=args.model, seed=1),
                    log)
            for m in MODS:
                cs = []
                for n, t in truth.items():
                    if t[0] != m or n not in results["grayscale mean"]:
                        continue
                    sd = tifffile.imread(os.path.join(out, n + "-std.tif")).astype(np.float64)
                    err = np.abs(results["grayscale mean"][n] - t[2])
                    cs.append(np.corrcoef(block8(sd).ravel(), block8(err).ravel())[0, 1])
                stdcorr[(m, label)] = float(np.mean(cs))
            print(f"{label}: std map vs error correlation {[(m, round(stdcorr[(m, label)], 2)) for m in MODS]}", flush=True)
        for method, res in results.items():
            for m in MODS:
                names = [n for n, t in truth.items() if t[0] == m]
                if not all(n in res for n in names):
                    # refused for some images (the log says why): no mean over part of a set
                    table.setdefault((m, method), {})[label] = f"refused ({sum(n not in res for n in names)} of {len(names)})"
                    continue
                ps = [baselines.psnr(res[n], truth[n][2], truth[n][3]) for n in names]
                ss = [baselines.ssim(res[n], truth[n][2], truth[n][3]) for n in names]
                table.setdefault((m, method), {})[label] = (float(np.mean(ps)), float(np.mean(ss)))
        if cond == ("peak", 5.0):
            picture = (truth, results)
    log.close()
    write(args, conds, table, tuned, seconds, classical, picture, stdcorr)


def block8(a):
    h, w = a.shape[0] // 8 * 8, a.shape[1] // 8 * 8
    return a[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))


def options():
    """The options this run was given, as a shell would take them back (--out and its value left out)."""
    import shlex
    shown, argv = [], sys.argv[1:]
    i = 0
    while i < len(argv):
        if argv[i] == "--out":
            i += 2
            continue
        if not argv[i].startswith("--out="):
            shown.append(shlex.quote(argv[i]))
        i += 1
    return "".join(" " + a for a in shown)


def write(args, conds, table, tuned, seconds, classical, picture, stdcorr=None):
    labels = [f"σ {c[1]:g}" if c[0] == "sigma" else f"peak {c[1]:g}" for c in conds]
    lines = ["# Denoise on held-out micrographs and photographs", "",
             f"Generated by `/usr/bin/python3 tools/micro_report.py{options()}` (test images: `tools/micro_testset.py`; "
             "sources held "
             "out of the bundled prior's training by whole source). PSNR dB / SSIM, mean over each set. Gaussian "
             "noise on 8 bits (Denoise told σ); photon-limited: gain 2, offset 100, read noise 2, none told "
             "(Denoise `noise=poisson gain=0 sigma=0`). Classical filters tuned on separate images of the same kind "
             "and noise (the tuning set of `tools/micro_testset.py`, never the test images), over grids extended until "
             "the optimum is inside them (the tuned values below say where an edge could not be left); on photon-limited "
             "data they run on the generalised Anscombe transform with the true camera told (gain, offset, read noise) "
             "and the closed-form unbiased inverse, BM3D on 16 bits — the standard VST + BM3D pipeline, given what "
             "Denoise has to estimate.", ""]
    for m in MODS:
        lines += [f"## {MOD_NAMES[m]}", "", "| method | " + " | ".join(labels) + " |",
                  "|---|" + "---|" * len(labels)]
        methods = [k[1] for k in table if k[0] == m]
        for method in methods:
            row = table[(m, method)]
            cells = []
            for lab in labels:
                v = row.get(lab)
                cells.append("" if v is None else v if isinstance(v, str) else f"{v[0]:.2f} / {v[1]:.3f}")
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    if stdcorr:
        lines += ["Does `output=std` (8 posterior samples) show where the error is? Pearson correlation of the std map "
                  "with the absolute error of `output=mean`, both averaged over 8×8 blocks, mean over the images:", "",
                  "| images | " + " | ".join(sorted({k[1] for k in stdcorr})) + " |", "|---|" + "---|" * len(
                      {k[1] for k in stdcorr})]
        for m in MODS:
            lines.append(f"| {m} | " + " | ".join(f"{stdcorr.get((m, lab), float('nan')):.2f}" for lab in
                                                  sorted({k[1] for k in stdcorr})) + " |")
        lines.append("")
    lines += ["Tuned parameters (Gaussian σ px, median radius px, NLM h × estimated σ, ffmpeg BM3D strength × "
              "estimated σ):", ""]
    for m in MODS:
        for method in classical:
            lines.append(f"- {m} {method}: " + ", ".join(f"{lab} {tuned.get((m, method, lab))}" for lab in labels))
    lines += ["", "Seconds per condition (all 28 images; Denoise includes JVM start and model load):", ""]
    for key in sorted({k[0] for k in seconds}):
        lines.append(f"- {key}: " + ", ".join(f"{lab} {seconds.get((key, lab), 0):.0f}" for lab in labels))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    open(args.out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    # the docs' figure has all its columns or is left as it is (a partial run, e.g. --variants blind, has none of them)
    if picture is not None and all(k in picture[1] for k in ("gaussian", "bm3d", "grayscale mean")):
        save_picture(picture, os.path.join(os.path.dirname(args.out) or ".", "micro-fluo.png"))
    elif picture is not None:
        print("picture not written: this run lacks the Gaussian blur, BM3D or the mean it shows")


def save_picture(picture, path):
    """noisy | Gaussian | BM3D | Denoise mean | clean, for one fluorescence crop at peak 5."""
    from PIL import Image
    truth, results = picture
    name = sorted(n for n in truth if n.startswith("fluo-"))[0]
    m, y, ref, peak, bits = truth[name]
    cols = [("noisy", y)] + [(k, results[k][name]) for k in ("gaussian", "bm3d", "grayscale mean") if k in results] + [
        ("clean", ref)]
    lo, hi = np.percentile(ref, (0.5, 99.8))
    tiles = [np.clip((c - lo) / (hi - lo) * 255, 0, 255).astype(np.uint8) for _, c in cols]
    h, w = tiles[0].shape
    canvas = np.full((h, len(tiles) * (w + 4) - 4), 255, np.uint8)
    for k, t in enumerate(tiles):
        canvas[:, k * (w + 4):k * (w + 4) + w] = t
    Image.fromarray(canvas).save(path)
    print("picture:", path, "columns:", ", ".join(c for c, _ in cols))


if __name__ == "__main__":
    main()
