#!/usr/bin/env python3
"""Adapting the prior with noisy images alone (Train data=noisy) against the alternatives.

    mvn -q compile && /usr/bin/python3 tools/micro_testset.py && /usr/bin/python3 tools/noisy_report.py

Domain: BBBC016 Transfluor (GFP fluorescence), a source the bundled `grayscale` never saw.
Adaptation images: 6 whole 512x512 fields (tools/micro_testset.py, adapt/transfluor); test images:
6 other fields (centre crops, held/fluo). Noise, simulated with fixed seeds and never told to
Train or Denoise: Gaussian σ 25 on 8 bits, and photon-limited (peak 5 photons, gain 2, offset 100,
read noise 2, 16 bits).
Compared, on the same test images:
  base     the bundled grayscale prior, Denoise output=mean;
  noisy    grayscale adapted on the NOISY adaptation images only (train --data noisy, noise estimated:
           every weight fine-tuned with the simple loss on the base's own posterior means of the noisy
           images, Train's default learning rate), after 250, 500, 1000, 2000 steps (one run, resumed);
           one of the six images is held out (--validation 0.2): Train keeps the step with the lowest
           split-pixel estimate on its noisy patches, then compares that model with the base there by
           the split-pixel check of Denoise (no clean image; Denoise's Stein estimate is said too); a
           model it finds not better is not written: the row then scores what the user keeps, the base,
           and the last column the set-aside model;
  clean    grayscale fine-tuned on the CLEAN versions of the same images (the upper reference);
  N2V      tools/n2v_baseline.py trained on the same noisy images for the wall time the 2000-step
           adaptation took;
  Gaussian, NLM, BM3D  tuned on the separate fluorescence tuning images (tools/baselines.py).
Real noise, no truth: the six low-light ZeroCostDL4Mic frames of one field; adapted (noise=auto) on
five, the sixth denoised; a picture beside the mean of the six frames.
--clean-references: every Transfluor field (adaptation, test and tuning images alike) is first cleaned of
its own noise by BM3D (k = 6, as tools/std_report.py's and tools/adapt_report.py's '-clean' rows), then
degraded the same way. The 8-bit Transfluor fields carry white noise of their own (a few grey levels), which
Train's and Denoise's noise estimates rightly count as noise and remove, and which a PSNR against the raw
field counts as signal; against the cleaned fields the PSNR measures what the noise model means.
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
import micro_report  # noqa: E402

ROOT = micro_report.ROOT


def java(cp, args, log):
    cmd = ["java", "-Xmx6g", "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", cp,
           "sc.fiji.diffusion.cli.Main"] + args
    t0 = time.time()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, OPT_OUT_TRACKING="true"))
    log.write(" ".join(cmd) + "\n" + p.stdout + p.stderr + "\n")
    log.flush()
    # 2 with "did not make it better": Train data=noisy refused to write an adapted model that its judge found worse
    if p.returncode not in (0, 1) and not (p.returncode == 2 and NOT_BETTER in p.stdout + p.stderr):
        raise RuntimeError(f"{args[0]} failed ({p.returncode}): {p.stdout[-3000:]} {p.stderr[-3000:]}")
    return time.time() - t0, p.stdout + p.stderr


NOT_BETTER = "did not make it better"


def verdict(out):
    """Train's verdict on data=noisy: (what it measured, in words; whether the model was written), or None."""
    import re
    written = NOT_BETTER not in out
    # the full check: Denoise's Stein estimate on the held-out plane(s) with each model, and the split-pixel check
    m = re.search(r"estimated RMS error \(Stein's unbiased risk estimate, no clean image[^)]*\) is (unmeasurable \(MSE estimate \S+\)|\S+) "
                  r"with the adapted model against (unmeasurable \(MSE estimate \S+\)|\S+) with", out)
    sp = re.search(r"finds the adapted model's squared error (lower|higher) by (\S+) \+- (\S+):", out)
    # the held-out patches during training: which step's weights were kept (step 0: none beat the base)
    b = re.search(r"as a fraction of the noise variance: (\S+) with the base([^\n]*)", out)
    parts = []
    if b:
        kept = re.search(r"(\S+) at step (\d+) \(the lowest", b.group(2))
        parts.append(f"held-out patches, MSE/σ²: base {b.group(1)}" + (f", kept step {kept.group(2)} at {kept.group(1)}"
                                                                       if kept else ", no step below the base"))
    if m:
        parts.append(f"held-out plane, estimated RMS error {m.group(1)} vs base {m.group(2)}")
    if sp:
        parts.append(f"split-pixel check {sp.group(1)} by {sp.group(2)} ± {sp.group(3)}")
    if not parts:
        return None
    return "; ".join(parts), written


def write_noisy(images, cond, folder, seed0):
    import tifffile
    os.makedirs(folder, exist_ok=True)
    out = {}
    for k, (name, x) in enumerate(images):
        y, ref, peak, bits = micro_report.degrade(x, cond, seed0 + k)
        tifffile.imwrite(os.path.join(folder, name + ".tif"), y.astype(np.uint8 if bits == 8 else np.uint16))
        out[name] = (y, ref, peak, bits)
    return out


def score(results, truth):
    ps = [baselines.psnr(results[n], truth[n][1], truth[n][2]) for n in truth]
    ss = [baselines.ssim(results[n], truth[n][1], truth[n][2]) for n in truth]
    return float(np.mean(ps)), float(np.mean(ss))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/micro-report")
    ap.add_argument("--out", default="results/noisy-training.md")
    ap.add_argument("--milestones", default="250,500,1000,2000")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=64)
    ap.add_argument("--lr", default="0.0002")  # Train's default
    ap.add_argument("--conditions", default="sigma25,peak5")
    ap.add_argument("--parts", default="domain,lowlight")
    ap.add_argument("--clean-references", action="store_true", help="clean every Transfluor field of its own noise "
                    "first (BM3D, k = 6; see the docstring)")
    args = ap.parse_args()
    import tifffile
    work = os.path.join(args.data, "noisy-work-clean" if args.clean_references else "noisy-work")
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    cp = micro_report.classpath()
    log = open(os.path.join(work, "java.log"), "w")
    milestones = [int(m) for m in args.milestones.split(",")]
    adapt = micro_report.read_dir(os.path.join(args.data, "adapt", "transfluor"))
    test = [t for t in micro_report.read_dir(os.path.join(args.data, "held", "fluo")) if t[0].startswith("AS_09047")]
    tune = micro_report.read_dir(os.path.join(args.data, "tune", "fluo"))
    if args.clean_references:
        adapt, test, tune = ([(n, baselines.bm3d(np.clip(np.rint(x), 0, 255), 6).astype(np.float64)) for n, x in images]
                             for images in (adapt, test, tune))
    lines = ["# Adapting the prior with noisy images alone" + (", references cleaned of their own noise"
                                                              if args.clean_references else ""), "",
             "Generated by `/usr/bin/python3 tools/noisy_report.py" + (" --clean-references" if args.clean_references
                                                                       else "") + "`. Domain never seen by the bundled "
             "prior: BBBC016 Transfluor (GFP). Adaptation: 6 fields (512², noisy or clean versions); test: 6 other "
             "fields (256² crops)" + (", every field first cleaned of its own noise by BM3D (k = 6)" if
                                      args.clean_references else "") + ". PSNR dB / SSIM, mean over the test images; "
             "Denoise `output=mean`, noise never told (estimated by Train and Denoise).", ""]
    curves = {}
    for cname in [c for c in args.conditions.split(",") if c] if "domain" in args.parts else []:
        cond = ("sigma", float(cname[5:])) if cname.startswith("sigma") else ("peak", float(cname[4:]))
        keys = ["--noise", "gaussian", "--sigma", "0"] if cond[0] == "sigma" else ["--noise", "poisson", "--gain", "0",
                                                                                      "--sigma", "0", "--offset", "auto"]
        cdir = os.path.join(work, cname)
        truth = {n: (y, ref, peak, bits) for n, (y, ref, peak, bits) in
                 write_noisy(test, cond, os.path.join(cdir, "test-noisy"), 7000).items()}
        truth = {n: (t[0], t[1], t[2]) for n, t in truth.items()}
        write_noisy(adapt, cond, os.path.join(cdir, "adapt-noisy"), 8000)
        clean_dir = os.path.join(cdir, "adapt-clean")
        os.makedirs(clean_dir, exist_ok=True)
        for name, x in adapt:
            ref = x if cond[0] == "sigma" else micro_report.degrade(x, cond, 0)[1]
            tifffile.imwrite(os.path.join(clean_dir, name + ".tif"), ref.astype(np.float32))
        models = os.path.join(cdir, "models")
        rows, judged = {}, {}

        def denoise(model, label):
            out = os.path.join(cdir, "out-" + label)
            java(cp, ["batch", "--task", "denoise", "--in", os.path.join(cdir, "test-noisy"), "--out", out, "--model",
                      model, "--output", "mean", "--seed", "1"] + keys, log)
            res = {n: tifffile.imread(os.path.join(out, n + "-denoised.tif")).astype(np.float64) for n in truth}
            rows[label] = score(res, truth)
            print(f"{cname}: {label} {rows[label][0]:.2f} dB", flush=True)

        denoise("grayscale", "base grayscale")
        seconds = {}
        for kind, folder, extra in (("noisy", "adapt-noisy", ["--data", "noisy"] + keys), ("clean", "adapt-clean", [])):
            done = 0
            for m in milestones:
                # noisy: one of the six images held out, on which Train's judge compares the adapted model with the base
                sec, out = java(cp, ["train", "--in", os.path.join(cdir, folder), "--base", "grayscale", "--name", kind,
                                     "--steps", str(m), "--batch", str(args.batch), "--patch", str(args.patch), "--lr",
                                     args.lr, "--seed", "1", "--validation", "0.2" if kind == "noisy" else "0",
                                     "--keep_checkpoint", "true", "--resume", "true" if done else "false", "--overwrite",
                                     "true", "--out", models] + extra, log)
                seconds[(kind, m)] = seconds.get((kind, done), 0) + sec
                done = m
                v = verdict(out) if kind == "noisy" else None
                if v is not None and not v[1]:
                    # not written: the user keeps the base; the set-aside model is scored to check the verdict
                    aside = os.path.join(models, f".{kind}.training", f"not-better-{kind}")
                    denoise(aside, f"{kind} {m} (set aside)")
                    rows[f"{kind} {m}"] = rows["base grayscale"]
                    judged[f"{kind} {m}"] = (f"NOT written ({v[0]}): the user keeps the base; the set-aside model "
                                             f"scores {rows.pop(f'{kind} {m} (set aside)')[0]:.2f} dB")
                else:
                    denoise(os.path.join(models, kind), f"{kind} {m}")
                    if v is not None:
                        judged[f"{kind} {m}"] = f"written ({v[0]})"
                curves.setdefault((cname, kind), []).append((m, rows[f"{kind} {m}"][0]))
        # Noise2Void on the same noisy images for the same time
        minutes = seconds[("noisy", milestones[-1])] / 60
        n2v_out = os.path.join(cdir, "out-n2v")
        t0 = time.time()
        p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "n2v_baseline.py"), "--train", os.path.join(cdir,
                           "adapt-noisy"), "--test", os.path.join(cdir, "test-noisy"), "--out", n2v_out, "--minutes",
                            f"{minutes:.2f}"], capture_output=True, text=True)
        log.write(p.stdout + p.stderr)
        if p.returncode != 0:
            raise RuntimeError(p.stderr[-3000:])
        rows["Noise2Void (same images, same time)"] = score({n: tifffile.imread(os.path.join(n2v_out, n + ".tif")).astype(
            np.float64) for n in truth}, truth)
        print(f"{cname}: n2v {rows['Noise2Void (same images, same time)'][0]:.2f} ({p.stdout.strip().splitlines()[-1]})",
              flush=True)
        # classical, tuned on the separate fluorescence tuning images under the same noise
        for method in ("gaussian", "nlm", "bm3d"):
            pairs = [micro_report.degrade(x, cond, 60000 + k)[:2] for k, (n, x) in enumerate(tune)]
            scale = 255.0 if cond[0] == "sigma" else micro_report.GAIN * cond[1] + micro_report.OFFSET
            bits = 8 if cond[0] == "sigma" else 16
            peak = 255.0 if cond[0] == "sigma" else micro_report.GAIN * cond[1]
            prm, _ = baselines.tune(method, pairs, scale, bits, peak)
            rows[f"{method} (tuned: {prm})"] = score({n: baselines.run(method, t[0], prm, scale, bits) for n, t in
                                                     truth.items()}, truth)
        rows["input (no denoising)"] = score({n: t[0] for n, t in truth.items()}, truth)
        label = f"Gaussian σ {cond[1]:g}, 8-bit" if cond[0] == "sigma" else f"photon-limited, peak {cond[1]:g} (gain 2, " \
                                                                         f"offset 100, read noise 2, unknown)"
        lines += [f"## {label}", "", "| method | PSNR | SSIM | training time | Train's judge (no clean image) |",
                  "|---|---|---|---|---|"]
        for k, v in rows.items():
            kind, _, rest = k.partition(" ")
            t = seconds.get((kind, int(rest))) if kind in ("noisy", "clean") and rest.isdigit() else None
            lines.append(f"| {k} | {v[0]:.2f} | {v[1]:.3f} | {'' if t is None else f'{t / 60:.1f} min'} | "
                         f"{judged.get(k, '')} |")
        lines.append("")
    if "lowlight" in args.parts:
        lines += lowlight(args, cp, work, log)
    log.close()
    if curves:
        png = "noisy-training-clean-ref.png" if args.clean_references else "noisy-training.png"
        plot(curves, os.path.join(os.path.dirname(args.out) or ".", png))
        lines += [f"Curves over steps: `results/{png}`.", ""]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    open(args.out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


def lowlight(args, cp, work, log):
    """Adapt on five real low-light frames (noise=auto), denoise the sixth; picture beside the mean of all six."""
    import tifffile
    frames = micro_report.read_dir(os.path.join(args.data, "lowlight"))
    d = os.path.join(work, "lowlight")
    train_dir, test_dir = os.path.join(d, "train"), os.path.join(d, "test")
    os.makedirs(train_dir)
    os.makedirs(test_dir)
    for name, a in frames[:-1]:
        tifffile.imwrite(os.path.join(train_dir, name + ".tif"), a.astype(np.uint16))
    test_name, test_img = frames[-1]
    tifffile.imwrite(os.path.join(test_dir, test_name + ".tif"), test_img.astype(np.uint16))
    models = os.path.join(d, "models")
    keys = ["--noise", "auto"]
    sec, out = java(cp, ["train", "--in", train_dir, "--base", "grayscale", "--name", "lowlight", "--steps", "1000",
                         "--batch", str(args.batch), "--patch", str(args.patch), "--lr", args.lr, "--seed", "1",
                         "--validation", "0.2", "--data", "noisy", "--overwrite", "true", "--out", models] + keys, log)
    v = verdict(out)
    written = v is None or v[1]
    adapted = os.path.join(models, "lowlight") if written else os.path.join(models, ".lowlight.training",
                                                                            "not-better-lowlight")
    res = {}
    for label, model in (("base", "grayscale"), ("adapted" if written else "adapted (NOT written by Train: set aside)",
                                                 adapted)):
        o = os.path.join(d, "out-" + label)
        java(cp, ["batch", "--task", "denoise", "--in", test_dir, "--out", o, "--model", model, "--output", "mean"] + keys,
             log)
        res[label] = tifffile.imread(os.path.join(o, test_name + "-denoised.tif")).astype(np.float64)
    mean = np.mean([a for _, a in frames], axis=0)
    # agreement with the mean of the six frames (itself noisy: a rough reference, not a truth)
    lo, hi = np.percentile(mean, (0.1, 99.9))
    rows = [f"| {k} | {baselines.psnr(v, mean, hi - lo):.2f} |" for k, v in [("single frame", test_img)] + list(
        res.items())]
    from PIL import Image
    tiles = [np.clip((t - lo) / (hi - lo) * 255, 0, 255).astype(np.uint8)[128:384, 128:384] for t in
             (test_img, res["base"], list(res.values())[1], mean)]
    canvas = np.full((256, 4 * 260 - 4), 255, np.uint8)
    for k, t in enumerate(tiles):
        canvas[:, k * 260:k * 260 + 256] = t
    path = os.path.join(os.path.dirname(args.out) or ".", "noisy-lowlight.png")
    Image.fromarray(canvas).save(path)
    return ["## Real low-light frames (ZeroCostDL4Mic, one field over time; no clean truth)", "",
            f"Adapted (`data=noisy noise=auto`, 1000 steps, {sec / 60:.1f} min) on 5 frames (one of them held out for "
            f"Train's verdict: {'none' if v is None else ('written' if v[1] else 'NOT written') + f'; {v[0]}'}); the 6th denoised "
            f"(`noise=auto`). Picture `results/noisy-lowlight.png`: the 6th frame | base prior | adapted prior | mean of "
            "the 6 frames (256² centre). PSNR against the mean of the 6 frames (which still has noise/√6: a rough "
            "reference):", "", "| | PSNR vs mean of 6 |", "|---|---|"] + rows + [""]


def plot(curves, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    conds = sorted({c for c, _ in curves})
    fig, axes = plt.subplots(1, len(conds), figsize=(5 * len(conds), 3.5))
    axes = np.atleast_1d(axes)
    for ax, c in zip(axes, conds):
        for kind, style in (("noisy", "o-"), ("clean", "s--")):
            pts = curves.get((c, kind), [])
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=f"{kind} data")
        ax.set_xscale("log")
        ax.set_xlabel("training steps")
        ax.set_ylabel("PSNR (dB)")
        ax.set_title(c)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
