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
        # e is float32 even where the convolutions run in bfloat16 (the inference copy)
        scale, shift = self.film(e).to(h.dtype).unsqueeze(-1).unsqueeze(-1).chunk(2, 1)
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
        # the inference copy sets this: activations in channels-last order, which oneDNN's CPU
        # convolutions run without reordering (1.5x faster in bfloat16 on this project's CPU)
        self.channels_last = False
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
        # the convolutions' precision decides the activations' (float32 for training; bfloat16 in
        # the inference copy, see export_inference.py); t, the embedding and the output stay float32
        h = F.pixel_unshuffle(x, 2).to(self.conv_in.weight.dtype)
        if self.channels_last:
            h = h.contiguous(memory_format=torch.channels_last)
        h = self.conv_in(h)
        s1 = self.b1(h, e)
        s2 = self.b2(self.d1(s1), e)
        s3 = self.b3(self.d2(s2), e)
        m = self.m2(self.m1(self.d3(s3), e), e)
        u = self.u3(torch.cat([F.interpolate(m, scale_factor=2.0, mode="nearest"), s3], 1), e)
        u = self.u2(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), s2], 1), e)
        u = self.u1(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), s1], 1), e)
        return F.pixel_shuffle(self.conv_out(F.silu(u)), 2).float().contiguous()


class FastUNet(nn.Module):
    """A small ε(x_t, t) for the one network call of Denoise output=mean, distilled from
    GrayscaleUNet at the levels Denoise enters at (train_fast.py).

    The image is folded f×f into f² channels (pixel unshuffle; f = 4 puts the first level at 1/4
    of the resolution, where GrayscaleUNet's is at 1/2), then a UNet of three levels with c1, c2,
    c3 channels and the same residual FiLM blocks; about a fifth of GrayscaleUNet's FLOPs per pixel
    at f = 4 and 32, 64, 128 channels. Fully convolutional, no normalisation layers: input sides
    must be multiples of 4f.
    """

    def __init__(self, fold: int = 4, c1: int = 32, c2: int = 64, c3: int = 128, emb: int = 128):
        super().__init__()
        self.fold = fold
        self.tdim = 64
        self.channels_last = False
        self.time_mlp = nn.Sequential(nn.Linear(self.tdim, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.conv_in = nn.Conv2d(fold * fold, c1, 3, padding=1)
        self.b1 = Block(c1, c1, emb)
        self.d1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.b2 = Block(c1, c2, emb)
        self.d2 = nn.Conv2d(c2, c2, 3, stride=2, padding=1)
        self.m1 = Block(c2, c3, emb)
        self.u2 = Block(c3 + c2, c2, emb)
        self.u1 = Block(c2 + c1, c1, emb)
        self.conv_out = nn.Conv2d(c1, fold * fold, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x, t, y):
        e = self.time_mlp(timestep_embedding(t, self.tdim))
        h = F.pixel_unshuffle(x, self.fold).to(self.conv_in.weight.dtype)
        if self.channels_last:
            h = h.contiguous(memory_format=torch.channels_last)
        s1 = self.b1(self.conv_in(h), e)
        s2 = self.b2(self.d1(s1), e)
        m = self.m1(self.d2(s2), e)
        u = self.u2(torch.cat([F.interpolate(m, scale_factor=2.0, mode="nearest"), s2], 1), e)
        u = self.u1(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), s1], 1), e)
        return F.pixel_shuffle(self.conv_out(F.silu(u)), self.fold).float().contiguous()


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
    return tweedie_psnr_scaled(net, images, sigmas, abar, seed, clamp=(-1, 1))


class MicrographPatches:
    """Random training patches in the model range from real micrographs (float planes in their
    own units), put on the prior's scale the way Denoise puts a user's image there.

    Per patch: a source drawn with probability ∝ (its pixels)^¼ and a plane within it ∝ √pixels
    (so neither the big slide scans nor the 36 planes of one embryo dominate); with probability
    ½ the plane is first averaged 2×2 (less of the micrograph's own noise, a second scale); a
    random crop and one of the 8 flips/rotations; then the values: 8-bit sources with
    probability 0.3 as they are (0–255, as `normalize=auto` leaves 8-bit images), otherwise the
    plane's percentiles (low ∈ {0.1, 0.5, 1, 2} %, high ∈ {98, 99, 99.5, 99.9} %, of the WHOLE
    plane as Denoise computes them) onto 0–1 without clipping, so sparse bright objects keep
    their tails above 1 and a dark background its offset below; inversion (10 %, EM contrast
    conventions differ); a mild contrast/brightness change. Values are limited to the model
    range [−3, 7] (beyond what any percentile-normalised micrograph reaches but a hot pixel).
    """

    LOWS, HIGHS = (0.1, 0.5, 1.0, 2.0), (98.0, 99.0, 99.5, 99.9)

    def __init__(self, items, size, seed):
        """items: [(name, source, float32 plane, is_8bit)]"""
        self.size = size
        self.rng = np.random.RandomState(seed)
        self.planes, self.halves, self.pct, self.eight = [], [], [], []
        by_source = {}
        for name, src, p, eight in items:
            if min(p.shape) < size:
                continue
            k = len(self.planes)
            self.planes.append(p)
            h = p[:p.shape[0] // 2 * 2, :p.shape[1] // 2 * 2]
            h = 0.25 * (h[0::2, 0::2] + h[1::2, 0::2] + h[0::2, 1::2] + h[1::2, 1::2])
            self.halves.append(h if min(h.shape) >= size else None)
            self.pct.append({q: float(v) for q, v in zip(self.LOWS + self.HIGHS,
                                                          np.percentile(p, self.LOWS + self.HIGHS))})
            self.eight.append(eight)
            by_source.setdefault(src, []).append(k)
        self.sources = sorted(by_source)
        self.members = [by_source[s] for s in self.sources]
        w = np.array([sum(self.planes[k].size for k in m) ** 0.25 for m in self.members])
        self.p_source = w / w.sum()
        self.p_member = []
        for m in self.members:
            v = np.sqrt([self.planes[k].size for k in m])
            self.p_member.append(v / v.sum())

    def one(self):
        r, s = self.rng, self.size
        si = r.choice(len(self.sources), p=self.p_source)
        k = self.members[si][r.choice(len(self.members[si]), p=self.p_member[si])]
        a = self.planes[k]
        if self.halves[k] is not None and r.rand() < 0.5:
            a = self.halves[k]
        y, x = r.randint(0, a.shape[0] - s + 1), r.randint(0, a.shape[1] - s + 1)
        u = np.rot90(a[y:y + s, x:x + s], r.randint(4))
        if r.rand() < 0.5:
            u = u[:, ::-1]
        u = np.ascontiguousarray(u, dtype=np.float32)
        if self.eight[k] and r.rand() < 0.3:
            u = u / 255.0
        else:
            lo = self.pct[k][self.LOWS[r.randint(len(self.LOWS))]]
            hi = self.pct[k][self.HIGHS[r.randint(len(self.HIGHS))]]
            u = (u - lo) / max(hi - lo, 1e-6)
        if r.rand() < 0.1:
            u = 1 - u
        u = (u - 0.5) * math.exp(r.uniform(-0.3, 0.1)) + 0.5 + r.uniform(-0.05, 0.05)
        return np.clip(u * 2 - 1, -3, 7).astype(np.float32)

    def state(self):
        return self.rng.get_state()

    def set_state(self, st):
        self.rng.set_state(st)


class MixedPatches:
    """Batches drawn from photographs (`Patches`) with probability 1 − f and micrographs
    (`MicrographPatches`) with probability f, per patch."""

    def __init__(self, photos, micro, fraction, seed):
        self.photos, self.micro, self.fraction = photos, micro, fraction
        self.rng = np.random.RandomState(seed + 1)

    def batch(self, n):
        return torch.from_numpy(np.stack([
            (self.micro if self.rng.rand() < self.fraction else self.photos).one() for _ in range(n)])[:, None])

    def state(self):
        return {"photos": self.photos.state(), "micro": self.micro.state(), "mix": self.rng.get_state()}

    def set_state(self, st):
        self.photos.set_state(st["photos"])
        self.micro.set_state(st["micro"])
        self.rng.set_state(st["mix"])


def sample_timesteps(n, abar, gen, sigma_fraction, sigma_lo, sigma_hi):
    """t for a batch: uniform on 0..T−1, except a fraction whose σ_t = √((1−ᾱ)/ᾱ) is
    log-uniform on [sigma_lo, sigma_hi] (model units): the levels Denoise enters at."""
    T_ = abar.numel()
    t = torch.randint(0, T_, (n,), generator=gen)
    if sigma_fraction <= 0:
        return t
    pick = torch.rand(n, generator=gen) < sigma_fraction
    u = torch.rand(n, generator=gen)
    target = math.log(sigma_lo) + u * (math.log(sigma_hi) - math.log(sigma_lo))
    sig_t = ((1 - abar) / abar).sqrt().log()
    nearest = torch.argmin((sig_t[None, :] - target[:, None]).abs(), dim=1)
    return torch.where(pick, nearest, t)


@torch.no_grad()
def tweedie_psnr_scaled(net, images, sigmas, abar, seed=0, clamp=(-1.5, 6)):
    """Mean PSNR (dB, peak 255) of the one-call posterior mean E[x0 | y] at each σ (grey levels) on
    images on the 0–255 scale (uint8 photographs, or percentile-normalised micrographs whose values
    may pass 255), cropped to multiples of 16, the estimate clamped to `clamp` in model units."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    sig_t = ((1 - abar) / abar).sqrt()
    for s in sigmas:
        vals = []
        for a in images:
            h, w = a.shape[0] // 16 * 16, a.shape[1] // 16 * 16
            x0 = torch.from_numpy(np.ascontiguousarray(a[:h, :w], dtype=np.float32))[None, None]
            y = x0 + s * torch.randn(x0.shape, generator=g)
            ym = y / 127.5 - 1
            t = int(torch.argmin((sig_t.log() - math.log(s / 127.5)).abs()))
            ab = float(abar[t])
            xt = ym * math.sqrt(ab)
            eps = net(xt, torch.tensor([float(t)]), torch.zeros(1, dtype=torch.long))
            est = ((xt - math.sqrt(1 - ab) * eps) / math.sqrt(ab)).clamp(*clamp)
            vals.append(psnr((est + 1) * 127.5, x0))
        out[s] = sum(vals) / len(vals)
    return out
