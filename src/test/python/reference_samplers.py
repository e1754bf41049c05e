#!/usr/bin/env python3
"""Independent reference for the samplers: diffusers' scheduler update rules written out in
numpy (float64), run on fixed inputs, written to src/test/resources/reference/samplers.csv.

    /usr/bin/python3 src/test/python/reference_samplers.py

The "network" is the exact noise predictor for Gaussian data x0 ~ N(MU, S^2):
    E[eps | x_t] = sqrt(1-abar) (x_t - sqrt(abar) MU) / (abar S^2 + 1 - abar)
and the noise of draw k of step i, element j, is the fixed sequence sin(1.3 i + 0.7 j + 2.1 k)*1.2,
so the Java test can feed exactly the same numbers.
"""
import numpy as np

T, MU, S, N = 1000, 0.3, 0.5, 6
betas = np.linspace(1e-4, 0.02, T, dtype=np.float64)
abar = np.cumprod(1.0 - betas)


def eps_model(x, t):
    a = abar[t]
    return np.sqrt(1 - a) * (x - np.sqrt(a) * MU) / (a * S * S + 1 - a)


def noise(i, k):
    return 1.2 * np.sin(1.3 * i + 0.7 * np.arange(N) + 2.1 * k)


def leading(n):  # diffusers "leading" spacing: arange(0, n) * (T // n), reversed
    return (np.arange(0, n) * (T // n))[::-1]


def ddim(n, eta, clip=True):
    x = np.linspace(-1.5, 1.5, N)
    ts = leading(n)
    for i, t in enumerate(ts):
        prev = t - T // n
        a, ap = abar[t], (abar[prev] if prev >= 0 else 1.0)
        e = eps_model(x, t)
        x0 = (x - np.sqrt(1 - a) * e) / np.sqrt(a)
        if clip:
            x0 = np.clip(x0, -1, 1)
            e = (x - np.sqrt(a) * x0) / np.sqrt(1 - a)
        var = (1 - ap) / (1 - a) * (1 - a / ap)
        std = eta * np.sqrt(var)
        x = np.sqrt(ap) * x0 + np.sqrt(1 - ap - std ** 2) * e
        if eta > 0:
            x = x + std * noise(i, 0)
    return x


def ddpm(n, variance, clip=True):
    x = np.linspace(-1.5, 1.5, N)
    ts = leading(n)
    for i, t in enumerate(ts):
        prev = t - T // n
        a, ap = abar[t], (abar[prev] if prev >= 0 else 1.0)
        cur_alpha = a / ap
        cur_beta = 1 - cur_alpha
        e = eps_model(x, t)
        x0 = (x - np.sqrt(1 - a) * e) / np.sqrt(a)
        if clip:
            x0 = np.clip(x0, -1, 1)
        mean = np.sqrt(ap) * cur_beta / (1 - a) * x0 + np.sqrt(cur_alpha) * (1 - ap) / (1 - a) * x
        if t > 0:
            v = max((1 - ap) / (1 - a) * cur_beta, 1e-20) if variance == "small" else cur_beta
            mean = mean + np.sqrt(v) * noise(i, 0)
        x = mean
    return x


def jround(v):  # Java's Math.round (half up), to pick the same timesteps
    return np.floor(np.asarray(v) + 0.5).astype(int)


def linspace_ts(t_start, n):
    return [int(v) for v in jround([t_start * (n - k) / n for k in range(n)])]


sig = np.sqrt((1 - abar) / abar)


def karras_ts(t_start, n, rho=7.0):
    a, b = sig[t_start] ** (1 / rho), sig[0] ** (1 / rho)
    out = []
    for i in range(n):
        s_ = (a + i / (n - 1) * (b - a)) ** rho
        t = int(np.argmin(np.abs(np.log(sig) - np.log(s_))))
        out.append(t)
    out[0] = t_start
    seen, ts = set(), []
    for t in out:
        if t not in seen:
            seen.add(t)
            ts.append(t)
    return ts


def ab_(t):
    return 1.0 if t < 0 else abar[t]


def x0_clipped(x, e, t):
    a = abar[t]
    return np.clip((x - np.sqrt(1 - a) * e) / np.sqrt(a), -1, 1)


def dpmpp2m(n):
    x = np.linspace(-1.5, 1.5, N)
    ts = linspace_ts(T - 1, n)
    lam = lambda t: np.log(np.sqrt(ab_(t))) - np.log(np.sqrt(1 - ab_(t)))
    prev_x0, prev_t = None, None
    for i, t in enumerate(ts):
        s_ = ts[i + 1] if i + 1 < len(ts) else -1
        x0 = x0_clipped(x, eps_model(x, t), t)
        if s_ < 0:
            return x0
        h = lam(s_) - lam(t)
        d = x0 if prev_x0 is None else x0 + (x0 - prev_x0) / (2 * (lam(t) - lam(prev_t)) / h)
        x = np.sqrt(1 - ab_(s_)) / np.sqrt(1 - ab_(t)) * x - np.sqrt(ab_(s_)) * np.expm1(-h) * d
        prev_x0, prev_t = x0, t


def heun(n):
    x = np.linspace(-1.5, 1.5, N)
    ts = karras_ts(T - 1, n)

    def ceps(x, t):
        x0 = x0_clipped(x, eps_model(x, t), t)
        return (x - np.sqrt(abar[t]) * x0) / np.sqrt(1 - abar[t])

    for i, t in enumerate(ts):
        s_ = ts[i + 1] if i + 1 < len(ts) else -1
        st, ss = sig[t], (0.0 if s_ < 0 else sig[s_])
        xb = x / np.sqrt(abar[t])
        d = ceps(x, t)
        e = xb + (ss - st) * d
        if s_ < 0:
            return e
        d2 = ceps(e * np.sqrt(abar[s_]), s_)
        x = (xb + (ss - st) * (d + d2) / 2) * np.sqrt(abar[s_])


def pc(n, snr=0.16):
    x = np.linspace(-1.5, 1.5, N)
    ts = leading(n)
    for i, t in enumerate(ts):
        s_ = ts[i + 1] if i + 1 < len(ts) else -1
        a = abar[t]
        e = eps_model(x, t)
        if s_ < 0:
            return np.clip((x - np.sqrt(1 - a) * e) / np.sqrt(a), -1, 1)
        b = 1 - a / abar[s_]
        score = -e / np.sqrt(1 - a)
        xs = x * (1 + b / 2) + b * score + np.sqrt(b) * noise(i, 0)
        g = -eps_model(xs, s_) / np.sqrt(1 - abar[s_])
        z = noise(i, 1)
        delta = 2 * (1 - betas[s_]) * (snr * np.linalg.norm(z) / np.linalg.norm(g)) ** 2
        x = xs + delta * g + np.sqrt(2 * delta) * z


def langevin(n, k_iter=2, c=0.1):
    x = np.linspace(-1.5, 1.5, N)
    ts = leading(n)
    for i, t in enumerate(ts):
        s_ = ts[i + 1] if i + 1 < len(ts) else -1
        a, sg = np.sqrt(abar[t]), sig[t]
        delta = c * sg * sg
        xb = x / a
        for k in range(k_iter):
            e = eps_model(xb * a, t)
            xb = xb - delta / (2 * sg) * e + np.sqrt(delta) * noise(i, k)
        if s_ >= 0:
            x = xb * np.sqrt(abar[s_])
        else:
            return x0_clipped(xb * a, eps_model(xb * a, t), t)


rows = [("ddim_eta0_50", ddim(50, 0.0)), ("ddim_eta0.5_20", ddim(20, 0.5)), ("ddim_eta1_10_noclip", ddim(10, 1.0, False)),
        ("ddpm_small_50", ddpm(50, "small")), ("ddpm_large_50", ddpm(50, "large")), ("ddpm_small_1000", ddpm(1000, "small")),
        ("dpmpp2m_20", dpmpp2m(20)), ("dpmpp2m_7", dpmpp2m(7)), ("heun_10", heun(10)), ("pc_10", pc(10)),
        ("langevin_50", langevin(50))]
with open("src/test/resources/reference/samplers.csv", "w") as f:
    f.write("# written by src/test/python/reference_samplers.py\n")
    for name, x in rows:
        f.write(name + "," + ",".join(repr(float(v)) for v in x) + "\n")
        print(name, x)
