"""MNIST from its IDX files into uint8 tensors in memory, and seeded in-memory batching."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from .errors import VaeError

IMAGES_MAGIC = 2051  # IDX: unsigned bytes, three dimensions
LABELS_MAGIC = 2049  # IDX: unsigned bytes, one dimension
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
ALL_FILES = [name for pair in SPLITS.values() for name in pair]


@dataclass(frozen=True)
class Split:
    images: torch.Tensor  # (N, 28, 28) uint8
    labels: torch.Tensor  # (N,) int64

    def __len__(self) -> int:
        return len(self.labels)


# Fixed for every run and seed: all models hold out, and are chosen on, the same images.
VALIDATION_SEED = 2026


def held_out(train: Split, size: int) -> tuple[Split, Split]:
    """(the images trained on, the `size` validation images): a uniform draw by VALIDATION_SEED,
    each part in the files' order."""
    if size >= len(train):
        raise VaeError(f"config key 'validation' asks to hold out {size} of the {len(train)} "
                       f"training images, which leaves none to train on; choose fewer")
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(VALIDATION_SEED))
    keep, valid = order[size:].sort().values, order[:size].sort().values
    return (Split(train.images[keep], train.labels[keep]),
            Split(train.images[valid], train.labels[valid]))


def limited(split: Split, limit: int) -> Split:
    """The first `limit` images and labels (0: all), as a smoke test's config asks."""
    return Split(split.images[:limit], split.labels[:limit]) if limit else split


def trained_images(train: Split, validation: int, limit: int) -> Split:
    """The images a run trains on: the training split less its `validation` held-out images
    (held_out), then the first `limit` of the rest (0: all). Training, its figures and the
    measurements read them through this one rule."""
    return limited(held_out(train, validation)[0], limit)


def raw_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "MNIST" / "raw"


def _find(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read one IDX file (gzipped or not), checking its header against its length."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise VaeError(f"cannot read MNIST file '{path}': {exc}. "
                       f"Replace it with an intact copy.") from None
    if len(raw) < 8:
        raise VaeError(f"MNIST file '{path}' is truncated: {len(raw)} bytes, "
                       f"shorter than an IDX header. Replace it with an intact copy.")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise VaeError(f"MNIST file '{path}' has magic number {found}, expected {magic}; "
                       f"it is not the IDX file its name says. Replace it with an intact copy.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise VaeError(f"MNIST file '{path}' is truncated or padded: header says shape "
                       f"{shape} ({expected} bytes), file has {len(raw)} bytes. Replace it with an intact copy.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _download(data_dir: Path) -> None:
    """Fetch MNIST through torchvision into data_dir/MNIST/raw; raise VaeError when offline."""
    from torchvision.datasets import MNIST

    try:
        for train in (True, False):
            MNIST(root=str(data_dir), train=train, download=True)
    except Exception as exc:  # torchvision raises several kinds when the network is absent
        directory = raw_dir(data_dir)
        raise VaeError(
            f"MNIST is not in '{directory}' and could not be downloaded ({type(exc).__name__}). "
            f"Put the four IDX files ({', '.join(ALL_FILES)}; gzipped or not) into "
            f"'{directory}', or point DATA_DIR at a folder that holds MNIST/raw/, "
            f"e.g. make report DATA_DIR=path/to/folder") from None


def load_split(data_dir: str | Path, split: str, download: bool = True) -> Split:
    """Load one split, downloading through torchvision if its files are missing."""
    images_stem, labels_stem = SPLITS[split]
    directory = raw_dir(data_dir)
    images_path, labels_path = _find(directory, images_stem), _find(directory, labels_stem)
    if images_path is None or labels_path is None:
        if not download:
            raise VaeError(f"MNIST {split} files are missing from '{directory}'")
        _download(Path(data_dir))
        return load_split(data_dir, split, download=False)
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise VaeError(f"MNIST file '{images_path}' holds images of shape {images.shape[1:]}, "
                       f"expected 28 x 28")
    if labels.ndim != 1:
        raise VaeError(f"MNIST file '{labels_path}' has {labels.ndim} dimensions, expected 1")
    if len(images) != len(labels):
        raise VaeError(f"MNIST files disagree: '{images_path}' has {len(images)} images but "
                       f"'{labels_path}' has {len(labels)} labels")
    if labels.size and labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise VaeError(f"MNIST file '{labels_path}' has label {labels[bad]} at index {bad}; "
                       f"labels must lie in 0..9. Replace it with an intact copy.")
    return Split(torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64)))


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) to float (N, 1, 28, 28) in [0, 1], the scale ToTensor gives."""
    return images.unsqueeze(1).float().div_(255.0)


def binarize_fixed(images: torch.Tensor, seed: int) -> torch.Tensor:
    """One Bernoulli draw per pixel, fixed by the seed, stored back as uint8 in {0, 255}."""
    g = torch.Generator().manual_seed(seed)
    return (torch.bernoulli(to_float(images).squeeze(1), generator=g) * 255).to(torch.uint8)


def batches(images: torch.Tensor, batch_size: int, generator: torch.Generator | None = None,
            binarize: bool = False) -> Iterator[torch.Tensor]:
    """Yield float batches in [0, 1]; shuffled by a fresh permutation when a generator is given.

    Every image appears exactly once per pass. Batches are cut and converted on the device
    the uint8 images live on, so that a dataset kept on a GPU is never copied back per batch.
    """
    n = len(images)
    order = torch.randperm(n, generator=generator) if generator is not None else None
    for start in range(0, n, batch_size):
        index = order[start:start + batch_size] if order is not None else slice(start, start + batch_size)
        x = to_float(images[index])
        if binarize:  # uniforms from the (CPU) generator, so that any device gets the same draw
            x = (torch.rand(x.shape, generator=generator).to(x.device) < x).float()
        yield x


def num_batches(n: int, batch_size: int) -> int:
    return -(-n // batch_size)
