"""Training throughput of this project's loop against the notebook pipeline and the ceiling.

All three train the same model with the same config:
- ours: one epoch of train.py's loop (uint8 data in memory, fused AdamW), then the test-set
  evaluation that train.py runs after every epoch (large batches, inference mode);
- notebook: one epoch as the assignment's scaffold runs it: torchvision MNIST + ToTensor +
  DataLoader(2 workers, shuffled), default AdamW, then the test loss through a DataLoader of
  the same batch size under no_grad;
- ceiling: forward, backward and fused AdamW step, repeated on one batch already in memory.

Ours and notebook are timed over whole epochs, start-up of the loaders and test evaluation
included, because that is the time a training run spends; their rate is training images per
second of that wall time. The ceiling has no data path and no evaluation at all.

The notebook runs in a child process with libgomp's own spin count, as a notebook would; ours
runs with the one the package sets (vae/__init__.py). The spin-count sweep measures the ceiling
in child processes at several counts, on an idle machine and with one core kept busy, which is
the measurement behind that setting.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from . import VaeError
from .bench_record import BenchResult, SpinRates
from .config import Config, load_config
from .data import ALL_FILES, Split, batches, load_split, raw_dir
from .evaluate import elbo_terms
from .losses import negative_elbo
from .model import VAE
from .train import make_optimizer, train_epoch


SPIN_DEFAULT = "300000"  # libgomp's own count, what a notebook runs with
SPIN_COUNTS = ("0", "1000", SPIN_DEFAULT)


def _first_batch(cfg: Config, images: torch.Tensor) -> torch.Tensor:
    return next(batches(images, cfg.batch_size, torch.Generator().manual_seed(cfg.seed)))


def _ceiling(cfg: Config, x: torch.Tensor, steps: int, warmup: int) -> float:
    """Images per second of training steps on one in-memory batch, after `warmup` untimed ones."""
    torch.manual_seed(cfg.seed)
    model = VAE(cfg)
    optimizer = make_optimizer(cfg, model)
    model.train()
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        loss = negative_elbo(model, x).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return steps * len(x) / (time.perf_counter() - start)


def _ours(cfg: Config, train_x: torch.Tensor, test_x: torch.Tensor,
          progress: bool) -> tuple[float, float, float]:
    """Seconds for one epoch of train.py's loop and for the evaluation after it, and the
    test negative ELBO it finds."""
    torch.manual_seed(cfg.seed)
    model = VAE(cfg)
    optimizer = make_optimizer(cfg, model)
    rng = torch.Generator().manual_seed(cfg.seed)
    t0 = time.perf_counter()
    train_epoch(model, optimizer, cfg, train_x, rng, epoch=0, progress=progress)
    t1 = time.perf_counter()
    test_loss = elbo_terms(model, test_x, cfg, seed=cfg.seed + 1)["loss"]
    return t1 - t0, time.perf_counter() - t1, test_loss


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


def _notebook(cfg: Config, root: Path, workers: int,
              progress: bool) -> tuple[float, float, float]:
    """Like _ours, the way the assignment's scaffold trains and evaluates."""
    from torchvision import datasets, transforms

    def loader(train: bool) -> torch.utils.data.DataLoader:
        dataset = datasets.MNIST(str(root), train=train, download=False,
                                 transform=transforms.ToTensor())
        return torch.utils.data.DataLoader(dataset, batch_size=cfg.batch_size, shuffle=train,
                                           num_workers=workers)

    train_loader, test_loader = loader(True), loader(False)
    torch.manual_seed(cfg.seed)
    model = VAE(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    t0 = time.perf_counter()
    model.train()
    for x, _ in tqdm(train_loader, desc="notebook pipeline", disable=not progress, leave=False):
        loss = negative_elbo(model, x).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    t1 = time.perf_counter()
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, _ in test_loader:
            total += negative_elbo(model, x).loss.item() * len(x)
    return t1 - t0, time.perf_counter() - t1, total / len(test_loader.dataset)


def _child(cfg: Config, spin: str, *args: str) -> dict[str, Any]:
    """Run `python -m vae.bench` in a fresh process whose OpenMP spins `spin` times."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["GOMP_SPINCOUNT"] = spin
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(cfg.to_toml())
        done = subprocess.run([sys.executable, "-m", "vae.bench", str(config), *args], env=env,
                              stdout=subprocess.PIPE, stderr=None, text=True)
    if done.returncode != 0:
        raise VaeError(f"bench: the child process for '{args[0]}' failed (exit {done.returncode}); "
                       "its error is printed above")
    return json.loads(done.stdout)


def spin_sweep(cfg: Config, data_dir: Path, steps: int, warmup: int) -> dict[str, SpinRates]:
    """Ceiling images/s per spin count, idle and with a busy loop holding one core, and each
    as a share of the best count in the same case."""
    measured: dict[str, dict[str, float]] = {}
    for spin in SPIN_COUNTS:
        args = ("ceiling", str(data_dir), str(steps), str(warmup))
        idle = _child(cfg, spin, *args)["images_per_s"]
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            busy = _child(cfg, spin, *args)["images_per_s"]
        finally:
            burner.kill()
            burner.wait()
        measured[spin] = {"idle": idle, "one_core_busy": busy}
    best = {case: max(rates[case] for rates in measured.values())
            for case in ("idle", "one_core_busy")}
    return {spin: SpinRates(idle=rates["idle"], one_core_busy=rates["one_core_busy"],
                            idle_share=rates["idle"] / best["idle"],
                            one_core_busy_share=rates["one_core_busy"] / best["one_core_busy"])
            for spin, rates in measured.items()}


def run_bench(cfg: Config, train_split: Split, test_split: Split, data_dir: Path,
              ceiling_steps: int = 300, warmup: int = 30, workers: int = 2,
              progress: bool = True, sweep: bool = True) -> BenchResult:
    """Measure the three pipelines back to back; the ceiling first, so it also warms up torch."""
    train_x, test_x = train_split.images, test_split.images
    ceiling = _ceiling(cfg, _first_batch(cfg, train_x), ceiling_steps, warmup)
    # the other precision's ceiling, on fewer steps: bf16 without bf16 hardware is very slow
    other = "bf16" if cfg.precision == "fp32" else "fp32"
    other_ceiling = _ceiling(replace(cfg, precision=other), _first_batch(cfg, train_x),
                             max(1, ceiling_steps // 10), max(1, warmup // 10))
    ours_train, ours_eval, ours_loss = _ours(cfg, train_x, test_x, progress)
    with tempfile.TemporaryDirectory() as tmp:
        root = _notebook_root(Path(data_dir), Path(tmp))
        notebook = _child(cfg, SPIN_DEFAULT, "notebook", str(root), str(workers),
                          "progress" if progress else "quiet")
    n = len(train_x)
    ours = n / (ours_train + ours_eval)
    notebook_rate = n / (notebook["train_seconds"] + notebook["eval_seconds"])
    return BenchResult(
        threads=torch.get_num_threads(),
        spin_count=os.environ.get("GOMP_SPINCOUNT", "unset"),
        wait_policy=os.environ.get("OMP_WAIT_POLICY", "unset"),
        notebook_spin_count=SPIN_DEFAULT,
        workers=workers,
        ours_train_seconds=ours_train,
        ours_eval_seconds=ours_eval,
        notebook_train_seconds=notebook["train_seconds"],
        notebook_eval_seconds=notebook["eval_seconds"],
        ours_test_loss=ours_loss,
        notebook_test_loss=notebook["test_loss"],
        images_per_s=ours,
        notebook_images_per_s=notebook_rate,
        ceiling_images_per_s=ceiling,
        precision=cfg.precision,
        other_precision=other,
        other_precision_ceiling_images_per_s=other_ceiling,
        speedup=ours / notebook_rate,
        fraction_of_ceiling=ours / ceiling,
        ours_train_images_per_s=n / ours_train,
        notebook_train_images_per_s=n / notebook["train_seconds"],
        train_fraction_of_ceiling=n / ours_train / ceiling,
        spin_sweep=spin_sweep(cfg, Path(data_dir), ceiling_steps, warmup) if sweep else None,
    )


def _main(argv: list[str]) -> dict[str, Any]:
    """The child side of _child: `CONFIG notebook ROOT WORKERS progress|quiet` or
    `CONFIG ceiling DATA_DIR STEPS WARMUP`."""
    cfg, mode, *rest = load_config(argv[0]), *argv[1:]
    if mode == "notebook":
        root, workers, progress = rest
        train_s, eval_s, loss = _notebook(cfg, Path(root), int(workers), progress == "progress")
        return {"train_seconds": train_s, "eval_seconds": eval_s, "test_loss": loss}
    data_dir, steps, warmup = rest
    x = _first_batch(cfg, load_split(data_dir, "train", download=False).images)
    return {"images_per_s": _ceiling(cfg, x, int(steps), int(warmup)),
            "spin_count": os.environ.get("GOMP_SPINCOUNT"),
            "wait_policy": os.environ.get("OMP_WAIT_POLICY")}


if __name__ == "__main__":
    try:
        print(json.dumps(_main(sys.argv[1:])))
    except VaeError as exc:
        sys.exit(f"error: {exc}")
