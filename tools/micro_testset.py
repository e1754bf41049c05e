#!/usr/bin/env python3
"""The held-out test images and the separate tuning images of the micrograph reports.

    /usr/bin/python3 tools/micro_testset.py --micrographs ../shared/data/micrographs --out data/micro-report

Held out (never trained on by the bundled `grayscale`, see models/training/micrograph_data.py
and grayscale_data.py): whole SOURCES, chosen before training —
  fluo  12 fluorescence planes: 6 of BBBC016 Transfluor (GFP) and 6 of the Kc167 Drosophila cells
        (DNA, actin, pH3 channels), centre crops of 256x256;
  em    11 serial-section TEM slices of ISBI 2012 (every third of the 30), centre crops;
  photo 5 photographs: camera, hubble_deep_field (python3-skimage), baboon, fruits, building
        (opencv-doc), centre crops.
Tuning images (for the classical filters' parameters; from the TRAINING sources, never tested on):
  fluo  BBBC007 nuclei, HT29 (BBBC), widefield DAPI, BPAE nuclei; em  EPFL FIB-SEM (2 slices);
  photo astronaut, coins, moon.
Every image is written as float32 TIFF on a 0-255 scale: its 0.1-99.9 % percentiles stretched
onto 0-255 and clipped (the "clean" truth the reports degrade). Each file comes from a source
whose git blob is checked (micrograph_data.load).
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models", "training"))

import grayscale_data  # noqa: E402
import micrograph_data  # noqa: E402

HELD = {
    "fluo": [f"CellProfiler-examples/AS_09047_050428030001_{n}.TIF" for n in
             ("O01f00d2", "O02f02d2", "O03f01d2", "O05f02d2", "O07f00d2", "O08f01d2")] +
            [f"CellProfiler-examples/01_POS{n}.TIF" for n in ("002_D", "002_F", "002_R", "076_D", "218_F", "218_R")],
    "em": [f"unet-isbi2012/train/{k}.png" for k in range(0, 30, 3)] + ["unet-isbi2012/train/29.png"],
}
TUNE = {
    "fluo": ["BioImageAnalysisNotebooks/17P1_POS0013_D_1UL.tif", "CellProfiler-examples/AS_09125_050116030001_D03f00d0.tif",
             "deepimagej-models/widefield_dapi_super-resolution_exampleImage.tiff", "BioImageAnalysisNotebooks/BPAE_nuclei.tif"],
    "em": ["unet-epfl-pr242/test/testing0000.png", "unet-epfl-pr242/train/training0045.png"],
}
# noisy-data adaptation (tools/noisy_report.py): other fields of the held-out Transfluor source, whole 512x512
ADAPT = {"transfluor": [f"CellProfiler-examples/AS_09047_050428030001_{n}.TIF" for n in
                        ("O01f01d2", "O02f00d2", "O03f02d2", "O04f00d2", "O05f01d2", "O06f02d2")]}
# real low-light frames of one field (no clean truth)
LOWLIGHT = [f"ZeroCostDL4Mic/FA - {n} Evolve.tif" for n in ("0488", "4488", "8488", "12488", "16488", "20488")]
PHOTO_HELD = ["camera", "hubble_deep_field", "opencv/baboon.jpg", "opencv/fruits.jpg", "opencv/building.jpg"]
PHOTO_TUNE = ["astronaut", "coins", "moon"]
SIZE = 256


def crop(a, size=SIZE):
    h, w = a.shape
    s = min(size, h // 16 * 16, w // 16 * 16)
    y, x = (h - s) // 2, (w - s) // 2
    return a[y:y + s, x:x + s]


def to255(a):
    lo, hi = np.percentile(a, (0.1, 99.9))
    return np.clip((a.astype(np.float64) - lo) / max(hi - lo, 1e-9) * 255, 0, 255).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--micrographs", default="../shared/data/micrographs")
    ap.add_argument("--out", default="data/micro-report")
    args = ap.parse_args()
    import tifffile
    items = {n: p for n, s, r, p, row in micrograph_data.load(args.micrographs, ("train", "held_out"))}
    for role, table in (("held", HELD), ("tune", TUNE)):
        for mod, names in table.items():
            d = os.path.join(args.out, role, mod)
            os.makedirs(d, exist_ok=True)
            for n in names:
                tifffile.imwrite(os.path.join(d, os.path.basename(n).rsplit(".", 1)[0] + ".tif"), to255(crop(items[n])))
    for mod, names in ADAPT.items():
        d = os.path.join(args.out, "adapt", mod)
        os.makedirs(d, exist_ok=True)
        for n in names:
            tifffile.imwrite(os.path.join(d, os.path.basename(n).rsplit(".", 1)[0] + ".tif"), to255(items[n]))
    d = os.path.join(args.out, "lowlight")
    os.makedirs(d, exist_ok=True)
    for n in LOWLIGHT:
        # raw 16-bit camera values, as recorded
        tifffile.imwrite(os.path.join(d, os.path.basename(n).replace(" ", "_").rsplit(".", 1)[0] + ".tif"),
                         items[n].astype(np.uint16))
    for role, names in (("held", PHOTO_HELD), ("tune", PHOTO_TUNE)):
        d = os.path.join(args.out, role, "photo")
        os.makedirs(d, exist_ok=True)
        for n in names:
            a = grayscale_data.load(n).astype(np.float32)
            tifffile.imwrite(os.path.join(d, os.path.basename(n).rsplit(".", 1)[0] + ".tif"), crop(a))
    for role in ("held", "tune"):
        for mod in ("fluo", "em", "photo"):
            d = os.path.join(args.out, role, mod)
            print(f"{role:5s} {mod:6s} {len(os.listdir(d))} images")


if __name__ == "__main__":
    main()
