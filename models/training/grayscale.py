"""Network, noise schedule and data augmentation of the bundled `grayscale` prior.

The network is fully convolutional and has no normalisation layer that pools over space
(no GroupNorm/BatchNorm statistics), so a pixel's prediction depends only on the pixels
around it: tiles of any size (a multiple of 16) give the same values away from their
borders, which is what overlapping tiles and block-wise (Spark) runs rely on.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import timestep_embedding  # noqa: F401  (the same sinusoidal embedding as the fashion-mnist UNet)

T = 1000


def cosine_alpha_bar(T=T, s=0.008, max_beta=0.999):
    """ᾱ_t of the cosine schedule (Nichol & Dhariwal 2021) exactly as the Java NoiseSchedule.cosine."""
    f = lambda u: math.cos((u + s) / (1 + s) * math.pi / 2) ** 2
    ab, prod = [], 1.0
    for t in range(T):
        beta = min(1 - f((t + 1) / T) / f(t / T), max_beta)
        prod *= 1 - beta
        ab.append(prod)
    return torch.tensor(ab, dtype=torch.float64)


class Block(nn.Module):
    """Residual block: conv → FiLM by the time embedding → conv, the second conv starting at
    zero so every block starts as the identity (stable without normalisation layers)."""

    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.film = nn.Linear(emb, 2 * cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.conv1(F.silu(x))
        scale, shift = self.film(e).unsqueeze(-1).unsqueeze(-1).chunk(2, 1)
        h = F.silu(h * (1 + scale) + shift)
        return self.skip(x) + self.conv2(h)


class GrayscaleUNet(nn.Module):
    """ε(x_t, t) for one-channel images whose sides are multiples of 16.

    The image is first folded 2×2 into 4 channels (pixel unshuffle, as FFDNet), then a UNet
    at 1/2, 1/4, 1/8 and 1/16 of the resolution with c1, c2, c3, c3 channels; the output is
    unfolded back. y (a class index) is accepted for the engine's common signature and ignored.
    """

    def __init__(self, c1: int = 32, c2: int = 64, c3: int = 128, emb: int = 128):
        super().__init__()
        self.tdim = 64
        self.time_mlp = nn.Sequential(nn.Linear(self.tdim, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.conv_in = nn.Conv2d(4, c1, 3, padding=1)
        self.b1 = Block(c1, c1, emb)
        self.d1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.b2 = Block(c1, c2, emb)
        self.d2 = nn.Conv2d(c2, c2, 3, stride=2, padding=1)
        self.b3 = Block(c2, c3, emb)
        self.d3 = nn.Conv2d(c3, c3, 3, stride=2, padding=1)
        self.m1 = Block(c3, c3, emb)
        self.m2 = Block(c3, c3, emb)
        self.u3 = Block(2 * c3, c3, emb)
        self.u2 = Block(c3 + c2, c2, emb)
        self.u1 = Block(c2 + c1, c1, emb)
        self.conv_out = nn.Conv2d(c1, 4, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x, t, y):
        e = self.time_mlp(timestep_embedding(t, self.tdim))
        h = self.conv_in(F.pixel_unshuffle(x, 2))
        s1 = self.b1(h, e)
        s2 = self.b2(self.d1(s1), e)
        s3 = self.b3(self.d2(s2), e)
        m = self.m2(self.m1(self.d3(s3), e), e)
        u = self.u3(torch.cat([F.interpolate(m, scale_factor=2.0, mode="nearest"), s3], 1), e)
        u = self.u2(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), s2], 1), e)
        u = self.u1(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), s1], 1), e)
        return F.pixel_shuffle(self.conv_out(F.silu(u)), 2)


class Patches:
    """Random training patches in the model range [-1, 1] from a list of uint8 images.

    Per patch: an image drawn with probability ∝ √(pixels) (so the one 2-Mpx retina does not
    dominate), a random crop, one of the 8 flips/rotations, then random intensity changes that
    put percentile-normalised micrographs in the prior's domain: a gamma (30 %), inversion
    (20 %), a contrast/brightness change around mid-grey (always) and a percentile stretch of
    the patch's 0.5–99.5 % range onto the full range (25 %, as `normalize=auto` does to 16-bit
    images; not clipped, so bright tails go past 1 as they do in Fiji).
    """

    def __init__(self, images, size, seed):
        self.images = [np.asarray(a, dtype=np.float32) / 255.0 for a in images]
        for a in self.images:
            if min(a.shape) < size:
                raise ValueError(f"an image of {a.shape} is smaller than the patch size {size}")
        w = np.sqrt([a.size for a in self.images])
        self.p = w / w.sum()
        self.size = size
        self.rng = np.random.RandomState(seed)

    def one(self):
        r, s = self.rng, self.size
        a = self.images[r.choice(len(self.images), p=self.p)]
        y, x = r.randint(0, a.shape[0] - s + 1), r.randint(0, a.shape[1] - s + 1)
        u = a[y:y + s, x:x + s]
        u = np.rot90(u, r.randint(4))
        if r.rand() < 0.5:
            u = u[:, ::-1]
        u = np.ascontiguousarray(u)
        if r.rand() < 0.3:
            u = u ** math.exp(r.uniform(-0.5, 0.5))
        if r.rand() < 0.2:
            u = 1 - u
        u = (u - 0.5) * math.exp(r.uniform(-0.7, 0.2)) + 0.5 + r.uniform(-0.15, 0.15)
        if r.rand() < 0.25:
            lo, hi = np.percentile(u, [0.5, 99.5])
            if hi - lo > 1e-3:
                u = (u - lo) / (hi - lo)
        return (u * 2 - 1).astype(np.float32)

    def batch(self, n):
        return torch.from_numpy(np.stack([self.one() for _ in range(n)])[:, None])

    def state(self):
        return self.rng.get_state()

    def set_state(self, st):
        self.rng.set_state(st)


def psnr(x, ref, peak=255.0):
    mse = float(np.mean((np.asarray(x, np.float64) - np.asarray(ref, np.float64)) ** 2))
    return 10 * math.log10(peak * peak / mse)


@torch.no_grad()
def tweedie_psnr(net, images, sigmas, abar, seed=0):
    """Mean PSNR (dB, 0–255) of the one-call posterior mean E[x0 | y] at each σ (grey levels)
    on uint8 images (cropped to multiples of 16), as Denoise output=mean computes it."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    sig_t = ((1 - abar) / abar).sqrt()
    for s in sigmas:
        vals = []
        for a in images:
            h, w = a.shape[0] // 16 * 16, a.shape[1] // 16 * 16
            x0 = torch.from_numpy(a[:h, :w].astype(np.float32))[None, None]
            y = x0 + s * torch.randn(x0.shape, generator=g)
            ym = y / 127.5 - 1
            sm = s / 127.5
            t = int(torch.argmin((sig_t.log() - math.log(sm)).abs()))
            ab = float(abar[t])
            xt = ym * math.sqrt(ab)
            eps = net(xt, torch.tensor([float(t)]), torch.zeros(1, dtype=torch.long))
            est = ((xt - math.sqrt(1 - ab) * eps) / math.sqrt(ab)).clamp(-1, 1)
            vals.append(psnr((est + 1) * 127.5, x0))
        out[s] = sum(vals) / len(vals)
    return out
