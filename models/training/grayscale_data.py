#!/usr/bin/env python3
"""The real grayscale images available offline from Debian packages, for the `grayscale` prior.

    /usr/bin/python3 models/training/grayscale_data.py --out data/grayscale   # writes 8-bit TIFFs + list

Sources (Debian python3-skimage 0.19, python3-pywt, python3-scipy). Colour images become
luminance Y = 0.2125 R + 0.7154 G + 0.0721 B (ITU-R BT.709, as skimage.color.rgb2gray),
rounded to 8 bits. Synthetic or binary images (checkerboards, logos, silhouettes, phantoms)
are left out, and so are images smaller than 128 px on a side.

VALIDATION images are held out: never trained on, used for the quality reports. Duplicates
across packages (pywt's camera is skimage's camera; pywt's and scipy's ascent are the same
picture) are listed once, so holding one out holds out every copy.
"""
import argparse
import os

import numpy as np

SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data"

# name -> (loader description, role). Role: train | validation.
# camera (photograph), cell (quantitative-phase micrograph) and hubble_deep_field (dark
# background with bright point-like and extended objects, the closest offline image to a
# fluorescence micrograph) are the held-out images.
VALIDATION = ["camera", "cell", "hubble_deep_field"]
TRAIN = ["astronaut", "brick", "chelsea", "clock_motion", "coffee", "coins", "grass", "gravel", "ihc",
         "moon", "motorcycle_left", "motorcycle_right", "page", "retina", "rocket", "text",
         "pywt_aero", "ascent", "scipy_face"]
# More photographs from Debian's opencv-doc (classic test pictures; JPEG ones downscaled 2x
# against compression artefacts). Scenes with a second view in the package (graf3, leuvenB,
# aloeR, rubberwhale2, basketball2) are left out so no held-out picture has a twin in training.
OPENCV = "/usr/share/doc/opencv-doc/examples/data"
OPENCV_TRAIN = ["graf1.png", "rubberwhale1.png", "basketball1.png", "box_in_scene.png", "chicky_512.png",
                "aloeL.jpg", "leuvenA.jpg", "ela_original.jpg", "apple.jpg", "orange.jpg", "squirrel_cls.jpg",
                "messi5.jpg", "home.jpg", "butterfly.jpg", "board.jpg", "aero1.jpg"]
OPENCV_VALIDATION = ["baboon.jpg", "fruits.jpg", "building.jpg"]
EXCLUDED = {
    "pywt_camera": "same picture as skimage camera (held out)",
    "scipy_ascent": "same picture as pywt ascent",
    "microaneurysms": "102x102, smaller than a training patch",
    "lfw_subset": "25x25 face crops, smaller than a training patch",
    "horse, logo, checkerboard, chessboard, phantom, block, bw_text, color, palettes": "synthetic or binary",
}


def luminance(a):
    a = np.asarray(a)
    if a.ndim == 3:
        a = a[..., :3].astype(np.float64)
        a = 0.2125 * a[..., 0] + 0.7154 * a[..., 1] + 0.0721 * a[..., 2]
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def load(name):
    """One image as uint8 [H, W]."""
    if name == "pywt_aero":
        import pywt.data
        return luminance(pywt.data.aero())
    if name == "ascent":
        import pywt.data
        return luminance(pywt.data.ascent())
    if name == "scipy_face":
        import warnings
        import scipy.misc
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return luminance(scipy.misc.face())
    if name.startswith("opencv/"):
        import imageio
        p = os.path.join(OPENCV, name[len("opencv/"):])
        if not os.path.exists(p):
            raise FileNotFoundError(f"{name}: not in {OPENCV} (apt-get install opencv-doc)")
        a = np.asarray(imageio.imread(p))
        if a.ndim == 3 and a.shape[-1] == 4:
            a = a[..., :3]
        a = luminance(a).astype(np.float64)
        if p.endswith(".jpg"):
            h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
            a = 0.25 * (a[0:h:2, 0:w:2] + a[1:h:2, 0:w:2] + a[0:h:2, 1:w:2] + a[1:h:2, 1:w:2])
        return np.clip(np.rint(a), 0, 255).astype(np.uint8)
    import skimage.io
    for ext in (".png", ".jpg"):
        p = os.path.join(SKIMAGE, name + ext)
        if os.path.exists(p):
            return luminance(skimage.io.imread(p))
    raise FileNotFoundError(f"{name}: not in {SKIMAGE} (apt-get install python3-skimage)")


def images(role, opencv=False):
    """[(name, uint8 array)] for role 'train' or 'validation' (with opencv=True also the
    opencv-doc photographs of that role)."""
    names = TRAIN if role == "train" else VALIDATION
    if opencv:
        names = names + ["opencv/" + n for n in (OPENCV_TRAIN if role == "train" else OPENCV_VALIDATION)]
    return [(n, load(n)) for n in names]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data/grayscale")
    args = ap.parse_args()
    import tifffile  # noqa: F401  (python3-tifffile comes with python3-skimage)
    for role in ("train", "validation"):
        d = os.path.join(args.out, role)
        os.makedirs(d, exist_ok=True)
        total = 0
        for name, a in images(role):
            tifffile.imwrite(os.path.join(d, name + ".tif"), a)
            total += a.size
            print(f"{role:10s} {name:20s} {a.shape[1]}x{a.shape[0]}")
        print(f"{role}: {total / 1e6:.2f} Mpx")


if __name__ == "__main__":
    main()
