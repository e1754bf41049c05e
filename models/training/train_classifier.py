#!/usr/bin/env python3
"""Trains the reference classifier (the yardstick for sample quality and Frechet distances).

    /usr/bin/python3 models/training/train_classifier.py --out models/fashion-mnist/classifier.pt

Same input as the diffusion model (32x32, [-1, 1]). Exports TorchScript whose forward
returns (logits [B,10], features [B,128]) and prints the Fashion-MNIST test accuracy.
"""
import argparse
import time

import torch
import torch.nn.functional as F

from common import Classifier, load_split, to_model_range


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/fashion-mnist/classifier.pt")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    xtr, ytr = load_split("train")
    xte, yte = load_split("t10k")
    xtr, ytr = to_model_range(xtr), torch.from_numpy(ytr)
    xte, yte = to_model_range(xte), torch.from_numpy(yte)
    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=args.epochs * (len(xtr) // 128))
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        for i in range(len(xtr) // 128):
            idx = perm[i * 128:(i + 1) * 128]
            x = xtr[idx]
            # small random shifts: samples are not perfectly centred like the data
            dx, dy = torch.randint(-2, 3, (2,)).tolist()
            x = torch.roll(x, (dy, dx), (2, 3))
            logits, _ = model(x)
            loss = F.cross_entropy(logits, ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        acc = evaluate(model, xte, yte)
        print(f"epoch {epoch + 1} loss {loss.item():.3f} test accuracy {acc:.4f} "
              f"({time.time() - start:.0f} s)", flush=True)
    model.eval()
    scripted = torch.jit.trace(model, xte[:2])
    scripted.save(args.out)
    print(f"saved {args.out}; test accuracy {evaluate(model, xte, yte):.4f}")


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    correct = 0
    for i in range(0, len(x), 1000):
        correct += (model(x[i:i + 1000])[0].argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


if __name__ == "__main__":
    main()
