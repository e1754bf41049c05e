"""Shared pieces of the training scripts: data loading and the network definitions.

Pixels map into the model range as x = p / 127.5 - 1 (0..255 -> -1..1); the 28x28
images are padded by 2 pixels of background (-1) to 32x32.
"""
import gzip
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
NUM_CLASSES = len(CLASS_NAMES)
NULL_CLASS = NUM_CLASSES  # index of the "no label" embedding used for guidance


def load_split(split):
    """Returns (images uint8 [N,28,28], labels int64 [N]) of 'train' or 't10k'."""
    with gzip.open(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return images, labels


def to_model_range(images_uint8):
    """uint8 [N,28,28] -> float32 tensor [N,1,32,32] in [-1, 1], padded with background."""
    x = torch.from_numpy(images_uint8.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)
    return F.pad(x, (2, 2, 2, 2), value=-1.0)


def timestep_embedding(t, dim: int):
    """Sinusoidal embedding of (possibly fractional) timesteps t [B] -> [B, dim]."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float().unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(e).unsqueeze(-1).unsqueeze(-1)
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """Class-conditional epsilon predictor eps(x_t, t, y) for 32x32 one-channel images.

    Three resolutions (32, 16, 8) with channels (ch, 2ch, 2ch), one residual block per
    level on the way down, two on the way up, two in the middle; time and class
    embeddings are added in every block. y == NULL_CLASS means "unconditional".
    """

    def __init__(self, ch: int = 32, emb: int = 128, num_classes: int = NUM_CLASSES):
        super().__init__()
        self.tdim = ch
        self.time_mlp = nn.Sequential(nn.Linear(ch, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.class_emb = nn.Embedding(num_classes + 1, emb)
        c1, c2, c3 = ch, 2 * ch, 2 * ch
        self.conv_in = nn.Conv2d(1, c1, 3, padding=1)
        self.down1 = ResBlock(c1, c1, emb)
        self.pool1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.down2 = ResBlock(c1, c2, emb)
        self.pool2 = nn.Conv2d(c2, c2, 3, stride=2, padding=1)
        self.down3 = ResBlock(c2, c3, emb)
        self.mid1 = ResBlock(c3, c3, emb)
        self.mid2 = ResBlock(c3, c3, emb)
        self.up3 = ResBlock(c3 + c3, c2, emb)
        self.up2 = ResBlock(c2 + c2, c1, emb)
        self.up1 = ResBlock(c1 + c1, c1, emb)
        self.norm_out = nn.GroupNorm(8, c1)
        self.conv_out = nn.Conv2d(c1, 1, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x, t, y):
        e = self.time_mlp(timestep_embedding(t, self.tdim)) + self.class_emb(y)
        h0 = self.conv_in(x)
        h1 = self.down1(h0, e)                      # 32x32
        h2 = self.down2(self.pool1(h1), e)          # 16x16
        h3 = self.down3(self.pool2(h2), e)          # 8x8
        m = self.mid2(self.mid1(h3, e), e)
        u = self.up3(torch.cat([m, h3], 1), e)
        u = F.interpolate(u, scale_factor=2.0, mode="nearest")
        u = self.up2(torch.cat([u, h2], 1), e)
        u = F.interpolate(u, scale_factor=2.0, mode="nearest")
        u = self.up1(torch.cat([u, h1], 1), e)
        return self.conv_out(F.silu(self.norm_out(u)))


class Classifier(nn.Module):
    """Reference classifier on the same 32x32 [-1, 1] input; returns (logits, features).

    The 128-d penultimate features are what the Frechet distance is computed on.
    """

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(128 * 16, 128), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, NUM_CLASSES))

    def forward(self, x):
        f = self.body(x)
        return self.head(f), f


def linear_alpha_bar(T=1000, beta_start=1e-4, beta_end=0.02):
    betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
    return torch.cumprod(1.0 - betas, 0).float()
