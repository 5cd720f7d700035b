"""Training throughput of this project's loop against the notebook pipeline and the ceiling.

All three train the same model with the same config for the same number of steps:
- ours: the uint8 dataset in memory, batches sliced and converted per step, fused AdamW;
- notebook: torchvision MNIST + ToTensor + DataLoader(2 workers, shuffled), default AdamW,
  as the assignment's scaffold does it;
- ceiling: forward, backward and fused AdamW step on one batch already in memory.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Any, Iterable

import torch

from .config import Config
from .data import ALL_FILES, Split, batches, raw_dir
from .losses import negative_elbo
from .model import VAE
from .train import make_optimizer


def _throughput(cfg: Config, optimizer_fused: bool, data: Iterable[torch.Tensor],
                steps: int, warmup: int) -> float:
    """Images per second over `steps` training steps, after `warmup` untimed ones."""
    torch.manual_seed(cfg.seed)
    model = VAE(cfg)
    if optimizer_fused:
        optimizer = make_optimizer(cfg, model)
    else:
        optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    model.train()
    images = 0
    start = None
    for i, x in enumerate(islice(data, warmup + steps)):
        if i == warmup:
            start, images = time.perf_counter(), 0
        loss = negative_elbo(model, x).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        images += len(x)
    return images / (time.perf_counter() - start)


def _notebook_root(data_dir: Path, into: Path) -> Path:
    """A torchvision MNIST root with the raw files decompressed (it does not read our .gz)."""
    target = raw_dir(into)
    target.mkdir(parents=True)
    for name in ALL_FILES:
        src = raw_dir(data_dir) / name
        if src.exists():
            shutil.copyfile(src, target / name)
        else:
            with gzip.open(f"{src}.gz") as f, open(target / name, "wb") as out:
                shutil.copyfileobj(f, out)
    return into


def _notebook_batches(root: Path, batch_size: int, workers: int) -> Iterable[torch.Tensor]:
    from torchvision import datasets, transforms

    dataset = datasets.MNIST(str(root), train=True, download=False,
                             transform=transforms.ToTensor())
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                         num_workers=workers, persistent_workers=workers > 0)
    while True:
        for x, _ in loader:
            yield x


def run_bench(cfg: Config, train_split: Split, data_dir: Path, steps: int = 300,
              warmup: int = 30, workers: int = 2) -> dict[str, Any]:
    g = torch.Generator().manual_seed(cfg.seed)
    ours = _throughput(cfg, True, _epochs(train_split.images, cfg.batch_size, g), steps, warmup)
    fixed = next(batches(train_split.images, cfg.batch_size, g))
    ceiling = _throughput(cfg, True, cycle([fixed]), steps, warmup)
    with tempfile.TemporaryDirectory() as tmp:
        root = _notebook_root(Path(data_dir), Path(tmp))
        notebook = _throughput(cfg, False, _notebook_batches(root, cfg.batch_size, workers),
                               steps, warmup)
    return {
        "config": cfg.name,
        "steps": steps,
        "batch_size": cfg.batch_size,
        "threads": torch.get_num_threads(),
        "images_per_s": ours,
        "notebook_images_per_s": notebook,
        "ceiling_images_per_s": ceiling,
        "speedup": ours / notebook,
        "fraction_of_ceiling": ours / ceiling,
    }


def _epochs(images: torch.Tensor, batch_size: int, g: torch.Generator) -> Iterable[torch.Tensor]:
    while True:
        yield from batches(images, batch_size, g)
