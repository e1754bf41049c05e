#!/usr/bin/env python3
"""Distils the bundled `grayscale` prior into small, fast networks for the one network call of
Denoise output=mean (the posterior mean E[x0 | y] at the image's own noise level).

    /usr/bin/python3 models/training/train_fast.py --out models/training/ckpt-fast \
        --micrographs ../shared/data/micrographs --minutes 90

The teacher is models/grayscale/weights.pt (float32). Each student (grayscale.FastUNet, or GrayscaleUNet with
fewer channels; one per --students entry) predicts ε(x_t, t) like the teacher, with the same signature, so the engine can
call it in the teacher's place at the levels it was trained on: σ_t log-uniform on
[--sigma-lo, --sigma-hi] grey levels (0-255 scale), the levels Denoise enters at. Loss: ‖ε_student
− ε_teacher‖² on the teacher's own training patches (grayscale.MixedPatches: the same photographs
and micrograph sources; the held-out test images and sources are never seen). All students share
each batch and its teacher call.

The loss weights each patch by σ_t² / MSE_teacher, so it is ‖x0_student − x0_teacher‖² / ‖x0_teacher − x0‖²
(x0 = (x_t − √(1−ᾱ) ε)/√ᾱ, x0 the clean patch): the student's deviation relative to the teacher's own error,
which is what sets the PSNR it loses (10 log10(1 + that ratio) at most). Plain ε-MSE spends the students'
capacity on the lowest levels, where ε is the input's noise copied, and lost 5-10 dB at σ 25-100.

Validation (every --val-every steps, EMA weights): the one-call posterior mean of teacher and
students at σ = 5, 15, 25, 50, 100 grey levels on the TUNING images of tools/micro_testset.py
(data/micro-report/tune: training sources, never a test image), PSNR and the students' loss
against the teacher in dB. Resumable: <out>/fast.ckpt every --save-every steps.
"""
import argparse
import copy
import glob
import json
import math
import os
import time

import numpy as np
import torch

from grayscale import FastUNet, GrayscaleUNet, MicrographPatches, MixedPatches, Patches, cosine_alpha_bar
import grayscale_data

SIGMAS = (5, 15, 25, 50, 100)


def tune_images(folder):
    import tifffile
    out = []
    for f in sorted(glob.glob(os.path.join(folder, "*", "*.tif"))):
        a = tifffile.imread(f).astype(np.float32)
        h, w = a.shape[0] // 16 * 16, a.shape[1] // 16 * 16
        out.append((os.path.relpath(f, folder), a[:h, :w]))
    return out


@torch.no_grad()
def one_call(net, y255, s, abar, sig_t):
    """Denoise output=mean's estimate (0-255) of y at σ = s grey levels."""
    t = int(torch.argmin((sig_t.log() - math.log(s / 127.5)).abs()))
    ab = float(abar[t])
    xt = (y255 / 127.5 - 1) * math.sqrt(ab)
    eps = net(xt, torch.tensor([float(t)]), torch.zeros(1, dtype=torch.long))
    return ((xt - math.sqrt(1 - ab) * eps) / math.sqrt(ab)).clamp(-1.5, 6) * 127.5 + 127.5


def psnr(a, b):
    return 10 * math.log10(255.0 ** 2 / float(((a - b) ** 2).mean()))


def validate(teacher, students, images, abar, seed=0):
    sig_t = ((1 - abar) / abar).sqrt()
    g = torch.Generator().manual_seed(seed)
    res = {}
    for s in SIGMAS:
        pt, ps = [], [[] for _ in students]
        for _, a in images:
            x0 = torch.from_numpy(a)[None, None]
            y = x0 + s * torch.randn(x0.shape, generator=g)
            pt.append(psnr(one_call(teacher, y, s, abar, sig_t), x0))
            for k, st in enumerate(students):
                ps[k].append(psnr(one_call(st, y, s, abar, sig_t), x0))
        res[s] = {"teacher": round(float(np.mean(pt)), 3),
                  **{f"d{k}": round(float(np.mean(np.array(p) - np.array(pt))), 3) for k, p in enumerate(ps)},
                  **{f"worst{k}": round(float(np.min(np.array(p) - np.array(pt))), 3) for k, p in enumerate(ps)}}
    return res


def prune(sd, c1, c2, c3):
    """GrayscaleUNet weights with c1, c2, c3 channels cut from the teacher's state dict `sd`: per level the
    channels whose weights (in every convolution that reads or writes them, each normalised by its own mean
    square) are largest, and per residual block the largest hidden channels; time MLP and FiLM kept for those."""
    import torch as T
    full = (sd["conv_in.weight"].shape[0], sd["b2.conv2.weight"].shape[0], sd["b3.conv2.weight"].shape[0])
    io = {  # name: (output level, input spec [(level, offset), ...] of the concatenated input)
        "b1": (0, [(0, 0)]), "b2": (1, [(0, 0)]), "b3": (2, [(1, 0)]), "m1": (2, [(2, 0)]), "m2": (2, [(2, 0)]),
        "u3": (2, [(2, 0), (2, full[2])]), "u2": (1, [(2, 0), (1, full[2])]), "u1": (0, [(1, 0), (0, full[1])])}
    down = {"d1": 0, "d2": 1, "d3": 2}
    score = [T.zeros(n) for n in full]

    def add(level, w, dim, offset=0):
        n = full[level]
        v = w.pow(2).sum(dim=[d for d in range(w.dim()) if d != dim]) / w.pow(2).mean().clamp_min(1e-12)
        score[level] += v[offset:offset + n]
    add(0, sd["conv_in.weight"], 0)
    add(0, sd["conv_out.weight"], 1)
    for name, lv in down.items():
        add(lv, sd[name + ".weight"], 0)
        add(lv, sd[name + ".weight"], 1)
    for name, (out, ins) in io.items():
        add(out, sd[name + ".conv2.weight"], 0)
        for lv, off in ins:
            add(lv, sd[name + ".conv1.weight"], 1, off)
            if name + ".skip.weight" in sd:
                add(lv, sd[name + ".skip.weight"], 1, off)
        if name + ".skip.weight" in sd:
            add(out, sd[name + ".skip.weight"], 0)
    keep = [T.sort(T.topk(sc, k).indices).values for sc, k in zip(score, (c1, c2, c3))]
    new = {k: v.clone() for k, v in sd.items() if k.startswith("time_mlp")}
    new["conv_in.weight"], new["conv_in.bias"] = sd["conv_in.weight"][keep[0]], sd["conv_in.bias"][keep[0]]
    new["conv_out.weight"], new["conv_out.bias"] = sd["conv_out.weight"][:, keep[0]], sd["conv_out.bias"].clone()
    for name, lv in down.items():
        new[name + ".weight"] = sd[name + ".weight"][keep[lv]][:, keep[lv]]
        new[name + ".bias"] = sd[name + ".bias"][keep[lv]]
    for name, (out, ins) in io.items():
        idx = T.cat([keep[lv] + off for lv, off in ins])
        hs = sd[name + ".conv1.weight"].pow(2).sum(dim=(1, 2, 3)) + sd[name + ".conv2.weight"].pow(2).sum(dim=(0, 2, 3))
        hidden = T.sort(T.topk(hs, len(keep[out])).indices).values
        cfull = sd[name + ".conv1.weight"].shape[0]
        new[name + ".conv1.weight"] = sd[name + ".conv1.weight"][hidden][:, idx]
        new[name + ".conv1.bias"] = sd[name + ".conv1.bias"][hidden]
        rows = T.cat([hidden, hidden + cfull])
        new[name + ".film.weight"], new[name + ".film.bias"] = sd[name + ".film.weight"][rows], sd[name + ".film.bias"][rows]
        new[name + ".conv2.weight"] = sd[name + ".conv2.weight"][keep[out]][:, hidden]
        new[name + ".conv2.bias"] = sd[name + ".conv2.bias"][keep[out]]
        if name + ".skip.weight" in sd:
            new[name + ".skip.weight"] = sd[name + ".skip.weight"][keep[out]][:, idx]
            new[name + ".skip.bias"] = sd[name + ".skip.bias"][keep[out]]
    return new


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/training/ckpt-fast")
    ap.add_argument("--teacher", default="models/grayscale/weights.pt")
    ap.add_argument("--students", default="p:24,48,96;p:16,32,64",
                    help="fold:c1,c2,c3 (FastUNet), g:c1,c2,c3 (GrayscaleUNet) or p:c1,c2,c3 (GrayscaleUNet started "
                         "from the teacher's largest channels, see prune) per student, ';'-separated")
    ap.add_argument("--steps", type=int, default=10 ** 9)
    ap.add_argument("--minutes", type=float, default=1e9)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-end", type=float, default=1e-4, help="cosine decay to this by --decay-steps")
    ap.add_argument("--decay-steps", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--clip", type=float, default=1.0, help="gradient-norm clip per student (0: none; the weights up "
                    "to 100 of single patches blew a 16-32-64 student up at lr 1e-3 without it)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--val-every", type=int, default=1000)
    ap.add_argument("--micrographs", default="../shared/data/micrographs")
    ap.add_argument("--micro-fraction", type=float, default=0.6)
    ap.add_argument("--sigma-lo", type=float, default=1.0, help="grey levels (0-255 scale)")
    ap.add_argument("--sigma-hi", type=float, default=160.0, help="grey levels (0-255 scale)")
    ap.add_argument("--tune", default="data/micro-report/tune")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "fast.ckpt")
    specs = []
    for sp in args.students.split(";"):
        fold, ch = sp.split(":")
        specs.append((fold if fold in ("g", "p") else int(fold), tuple(int(c) for c in ch.split(","))))

    import micrograph_data
    train = grayscale_data.images("train", opencv=True)
    items = micrograph_data.load(args.micrographs, ("train",))
    train_items = [(n, s, p, row["dtype"] == "uint8") for n, s, r, p, row in items if r == "train"]
    patches = MixedPatches(Patches([a for _, a in train], args.patch, args.seed),
                           MicrographPatches(train_items, args.patch, args.seed + 7), args.micro_fraction, args.seed)
    val = tune_images(args.tune)
    abar = cosine_alpha_bar().float()
    sig_t = ((1 - abar) / abar).sqrt()

    teacher = torch.jit.load(args.teacher, map_location="cpu").eval()
    torch.manual_seed(args.seed)
    students = [GrayscaleUNet(*c) if f in ("g", "p") else FastUNet(f, *c) for f, c in specs]
    for (f, c), st in zip(specs, students):
        if f == "p":  # the teacher's largest channels to start from
            st.load_state_dict(prune(teacher.state_dict(), *c))
    emas = [copy.deepcopy(s).eval() for s in students]
    opts = [torch.optim.Adam(s.parameters(), lr=args.lr) for s in students]
    gen = torch.Generator().manual_seed(args.seed)
    step, seconds, history, validation = 0, 0.0, [], []
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        for s, e, o, st in zip(students, emas, opts, ck["students"]):
            s.load_state_dict(st["model"])
            e.load_state_dict(st["ema"])
            o.load_state_dict(st["opt"])
        gen.set_state(ck["gen"])
        patches.set_state(ck["patches"])
        step, seconds, history, validation = ck["step"], ck["seconds"], ck["history"], ck["validation"]
        print(f"resumed at step {step} ({seconds / 60:.1f} min trained so far)", flush=True)
    for (f, c), s in zip(specs, students):
        print(f"student {'FastUNet fold ' + str(f) if isinstance(f, int) else 'GrayscaleUNet'} channels {c}: {sum(p.numel() for p in s.parameters())} parameters", flush=True)

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"students": [{"spec": sp, "model": s.state_dict(), "ema": e.state_dict(), "opt": o.state_dict()}
                                 for sp, s, e, o in zip(specs, students, emas, opts)],
                    "gen": gen.get_state(), "patches": patches.state(), "step": step, "seconds": seconds,
                    "history": history, "validation": validation, "args": vars(args),
                    "train_images": [n for n, _ in train], "micrographs": [n for n, *_ in train_items],
                    "validation_images": [n for n, _ in val]}, tmp)
        os.replace(tmp, ckpt_path)

    lo, hi = math.log(args.sigma_lo / 127.5), math.log(args.sigma_hi / 127.5)
    start, base = time.time(), seconds
    window = [[] for _ in students]
    while step < args.steps and time.time() - start < args.minutes * 60:
        t0 = time.time()
        x0 = patches.batch(args.batch)
        target = lo + torch.rand(args.batch, generator=gen) * (hi - lo)
        t = torch.argmin((sig_t.log()[None, :] - target[:, None]).abs(), dim=1)
        eps = torch.randn(x0.shape, generator=gen)
        a = abar[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        tf, y = t.float(), torch.zeros_like(t)
        with torch.no_grad():
            want = teacher(xt, tf, y)
            # x0 = (x_t − √(1−ᾱ) ε)/√ᾱ: the student's x0 error against the teacher's, relative to the teacher's own
            # error against the truth (what decides the PSNR lost); in ε units that weight is σ_t² / MSE_teacher
            s_t = ((1 - a) / a).sqrt()
            mse_t = ((s_t * (eps - want)) ** 2).mean(dim=(1, 2, 3), keepdim=True)
            weight = (s_t ** 2 / (mse_t + 1e-8)).clamp(max=100.0)
        frac = min(1.0, step / args.decay_steps)
        lr = args.lr_end + 0.5 * (args.lr - args.lr_end) * (1 + math.cos(math.pi * frac))
        lr *= min(1.0, (step + 1) / args.warmup)
        for k, (s, e, o) in enumerate(zip(students, emas, opts)):
            loss = torch.mean(weight * (s(xt, tf, y) - want) ** 2)
            for g in o.param_groups:
                g["lr"] = lr
            o.zero_grad(set_to_none=True)
            loss.backward()
            if args.clip > 0:
                torch.nn.utils.clip_grad_norm_(s.parameters(), args.clip)
            o.step()
            with torch.no_grad():
                d = min(args.ema, (1 + step) / (10 + step))
                for pe, pm in zip(e.parameters(), s.parameters()):
                    pe.mul_(d).add_(pm.detach(), alpha=1 - d)
            window[k].append(loss.item())
        step += 1
        seconds = base + time.time() - start
        if step % 100 == 0:
            history.append({"step": step, "loss": [round(sum(w) / len(w), 6) for w in window],
                            "minutes": round(seconds / 60, 2)})
            window = [[] for _ in students]
            print(f"step {step} loss {history[-1]['loss']} lr {lr:.2e} {time.time() - t0:.2f}s/step "
                  f"{seconds / 60:.1f} min", flush=True)
        if step % args.val_every == 0:
            validation.append({"step": step, **{str(k): v for k, v in validate(teacher, emas, val, abar).items()}})
            print("validation " + json.dumps(validation[-1]), flush=True)
        if step % args.save_every == 0:
            save()
    save()
    print(f"stopped at step {step}; {seconds / 60:.1f} min in all", flush=True)


if __name__ == "__main__":
    main()
