#!/usr/bin/env python3
"""Real micrographs for the `grayscale` prior, read from a folder laid out as the project's
shared data (`MANIFEST.tsv` + files), each file checked against the git blob id of its source.

    /usr/bin/python3 models/training/micrograph_data.py --micrographs ../shared/data/micrographs

Every file comes from a public GitHub repository at a known blob (repository, path and blob in
MANIFEST.tsv, copied into the model card), so anyone can rebuild the folder from the sources
and get bit-identical inputs: `load()` refuses a file whose content does not hash to its blob.

Each file becomes one or more float32 planes in its own units (no rescaling here):
RGB/RGBA files that are really grey give one plane; colour composites of fluorescence channels
give one plane per channel that carries signal; brightfield colour images (histology, oil red
O) give BT.709 luminance; stacks give one plane per channel or frame (time-lapses: a few frames
spread over time); JPEG files are downscaled 2x (box filter) to suppress compression artefacts.

The split is by whole SOURCE (a dataset within a repository), never by file, so no held-out
image has a sibling of the same acquisition in training:
  held out: ISBI 2012 ssTEM (EM), BBBC016 Transfluor (GFP fluorescence), Kc167 Drosophila cells
            (DNA / actin / pH3 fluorescence), ZeroCostDL4Mic (real low-light frames, no truth),
            scikit-image cell (the photo prior's held-out phase image).
"""
import argparse
import csv
import hashlib
import os
import re
import warnings

import numpy as np

# file-path pattern -> source name; the first match wins
SOURCES = [
    (r"^unet-isbi2012/", "isbi2012-sstem"),
    (r"^unet-epfl-pr242/", "epfl-fibsem"),
    (r"^CellProfiler-examples/AS_09047_", "bbbc016-transfluor"),
    (r"^CellProfiler-examples/01_POS", "kc167-drosophila"),
    (r"^CellProfiler-examples/AS_09125_", "bbbc-ht29"),
    (r"^CellProfiler-examples/0_\d_N_", "cy3cy5-nucleosome"),
    (r"^CellProfiler-examples/(CometTails|NoTails)", "comet-assay"),
    (r"^CellProfiler-examples/--W0", "mcherry"),
    (r"^CellProfiler-examples/ADSA", "celegans-staph"),
    (r"^CellProfiler-examples/1-162", "gh2ax-hoechst"),
    (r"^CellProfiler-examples/(101210|1649_)", "celegans-live-dead"),
    (r"^CellProfiler-examples/DrosophilaEmbryo", "drosophila-embryo"),
    (r"^CellProfiler-examples/(WT|fat)_orig", "celegans-oilredo"),
    (r"^CellProfiler-examples/Channel ", "bbbc014"),
    (r"^CellProfiler-examples/DMSO", "wound-healing"),
    (r"^BioImageAnalysisNotebooks/(17P1|20P1|A9 )", "bbbc007-nuclei"),
    (r"^BioImageAnalysisNotebooks/AS_09125", "bbbc-ht29"),
    (r"^BioImageAnalysisNotebooks/IXMtest", "bbbc022"),
    (r"^BioImageAnalysisNotebooks/0bf4b1", "bbbc038"),
    (r"^BioImageAnalysisNotebooks/BPAE", "bpae"),
    (r"^BioImageAnalysisNotebooks/E39", "idr-tissue"),
    (r"^BioImageAnalysisNotebooks/cancer_cell", "cancer-migration"),
    (r"^BioImageAnalysisNotebooks/embryos", "imagej-embryos"),
    (r"^BioImageAnalysisNotebooks/hela", "imagej-hela"),
    (r"^BioImageAnalysisNotebooks/maize", "maize-clsm"),
    (r"^BioImageAnalysisNotebooks/membrane", "membranes"),
    (r"^BioImageAnalysisNotebooks/plate1", "idr-plate"),
    (r"^ZeroCostDL4Mic/", "zerocost-lowlight"),
    (r"^deepimagej-models/deepstorm", "deepstorm"),
    (r"^deepimagej-models/(jones|mt3)", "virtual-staining"),
    (r"^deepimagej-models/(mu-lux|usiigaci)", "phase-contrast"),
    (r"^deepimagej-models/widefield", "widefield-sr"),
    (r"^scikit-image/cell", "skimage-cell"),
    (r"^scikit-image/ihc", "skimage-ihc"),
    (r"^spec-bioimage-io/", "bioimageio-spec"),
    (r"^cellpose-pr1321/", "cellpose"),
]

HELD_OUT = ["isbi2012-sstem", "bbbc016-transfluor", "kc167-drosophila", "zerocost-lowlight", "skimage-cell"]
# held out but not usable as clean truth (real noise only)
NO_TRUTH = ["zerocost-lowlight"]
# brightfield colour: luminance instead of channels
LUMINANCE = ["celegans-oilredo", "skimage-ihc", "wound-healing"]


def source_of(path):
    for pat, name in SOURCES:
        if re.search(pat, path):
            return name
    raise ValueError(f"{path}: no source rule")


def git_blob(data: bytes) -> str:
    """The git blob id of a file's content (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def manifest(folder):
    with open(os.path.join(folder, "MANIFEST.tsv"), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _read(path, data):
    import io
    low = path.lower()
    if low.endswith(".npy"):
        return np.load(io.BytesIO(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if low.endswith((".tif", ".tiff")):
            import tifffile
            try:
                return tifffile.imread(io.BytesIO(data))
            except Exception:  # LZW without imagecodecs: PIL reads it
                import imageio
                return np.asarray(imageio.imread(io.BytesIO(data), format="TIFF-PIL"))
        import imageio
        return np.asarray(imageio.imread(io.BytesIO(data)))


def _box2(a):
    h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
    a = a[:h, :w]
    return 0.25 * (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2])


def planes_of(path, raw, source):
    """float32 planes [(suffix, plane)] of one file (see the module comment)."""
    a = np.squeeze(np.asarray(raw))
    out = []
    if a.ndim == 3 and a.shape[-1] in (3, 4):  # colour, channels last
        c = a[..., :3].astype(np.float64)
        if source in LUMINANCE:
            out.append(("", 0.2125 * c[..., 0] + 0.7154 * c[..., 1] + 0.0721 * c[..., 2]))
        elif np.allclose(c[..., 0], c[..., 1]) and np.allclose(c[..., 1], c[..., 2]):
            out.append(("", c[..., 0]))
        else:
            stds = [c[..., k].std() for k in range(3)]
            for k in range(3):
                if stds[k] > 0.05 * max(stds):
                    out.append((f"#c{k}", c[..., k]))
    elif a.ndim == 3:  # channels or frames first
        n = a.shape[0]
        take = range(n) if n <= 5 else np.linspace(0, n - 1, 4).round().astype(int)
        for k in take:
            out.append((f"#{k}", a[k].astype(np.float64)))
    elif a.ndim == 2:
        out.append(("", a.astype(np.float64)))
    else:
        raise ValueError(f"{path}: unexpected shape {a.shape}")
    if path.lower().endswith((".jpg", ".jpeg")):
        out = [(s, _box2(p)) for s, p in out]
    return [(s, p.astype(np.float32)) for s, p in out if p.std() > 0]


def load(folder, roles=("train",), check=True):
    """[(name, source, role, float32 plane, manifest row)] for the given roles ('train', 'held_out')."""
    res = []
    for row in manifest(folder):
        src = source_of(row["file"])
        role = "held_out" if src in HELD_OUT else "train"
        if role not in roles:
            continue
        with open(os.path.join(folder, row["file"]), "rb") as f:
            data = f.read()
        if check and git_blob(data) != row["git_blob"]:
            raise ValueError(f"{row['file']}: content does not match blob {row['git_blob']} of "
                             f"{row['repository']}:{row['path_in_repository']}")
        for suffix, p in planes_of(row["file"], _read(row["file"], data), src):
            res.append((row["file"] + suffix, src, role, p, row))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--micrographs", default="../shared/data/micrographs")
    args = ap.parse_args()
    for role in ("train", "held_out"):
        items = load(args.micrographs, (role,))
        by = {}
        for name, src, _, p, _ in items:
            by.setdefault(src, []).append(p.size)
        print(f"{role}: {len(items)} planes, {sum(sum(v) for v in by.values()) / 1e6:.1f} Mpx")
        for s, v in sorted(by.items()):
            print(f"  {s:22s} {len(v):3d} planes {sum(v) / 1e6:6.2f} Mpx")


if __name__ == "__main__":
    main()
