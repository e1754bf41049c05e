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


rows = [("ddim_eta0_50", ddim(50, 0.0)), ("ddim_eta0.5_20", ddim(20, 0.5)), ("ddim_eta1_10_noclip", ddim(10, 1.0, False)),
        ("ddpm_small_50", ddpm(50, "small")), ("ddpm_large_50", ddpm(50, "large")), ("ddpm_small_1000", ddpm(1000, "small"))]
with open("src/test/resources/reference/samplers.csv", "w") as f:
    f.write("# written by src/test/python/reference_samplers.py\n")
    for name, x in rows:
        f.write(name + "," + ",".join(repr(float(v)) for v in x) + "\n")
        print(name, x)
