"""The training loop: epochs, atomic checkpoints, resume, caching by config and code hash.

A run lives in runs/<name>-<hash>/ and nothing else writes there:
config.toml, checkpoint.pt (+ checkpoint.prev.pt), metrics.jsonl (per epoch),
steps.npy (per step: the weighted objective, recon, kl), model.pt and, last, results.json.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from tqdm import tqdm

from . import VaeError
from .config import Config, load_config
from .data import Split, batches, num_batches
from .evaluate import elbo_terms, final_metrics, test_images
from .io import atomic_write, read_json, write_json, write_text
from .losses import negative_elbo
from .model import VAE, count_parameters, describe_layers

# The files whose code decides what a run computes; editing any of them invalidates the cache.
CODE_FILES = ("config.py", "data.py", "model.py", "losses.py", "evaluate.py", "train.py")
CHECKPOINT, PREVIOUS = "checkpoint.pt", "checkpoint.prev.pt"
CHECKPOINT_KEYS = {"epoch", "model", "optimizer", "batch_rng", "torch_rng", "steps", "history"}


def code_digest() -> str:
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in CODE_FILES:
        h.update((here / name).read_bytes())
    return h.hexdigest()


def run_hash(cfg: Config) -> str:
    return hashlib.sha256((cfg.digest() + code_digest()).encode()).hexdigest()[:12]


def run_dir(cfg: Config, runs_root: str | Path) -> Path:
    return Path(runs_root) / f"{cfg.name}-{run_hash(cfg)}"


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise VaeError("config key 'device' is 'cuda' but no CUDA device is available; "
                       "use device=auto or device=cpu")
    return torch.device(name)


def make_optimizer(cfg: Config, model: torch.nn.Module) -> torch.optim.Optimizer:
    params = model.parameters()
    if cfg.optimizer == "adamw":
        # fused: one kernel for the whole update, measurably faster on CPU, same arithmetic
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, weight_decay=cfg.weight_decay)


def kl_weight(cfg: Config, epoch: int, step: int, steps_per_epoch: int) -> float:
    """beta, ramped linearly from 0 over the first kl_warmup_epochs epochs."""
    if cfg.kl_warmup_epochs == 0:
        return cfg.beta
    progress = (epoch + step / steps_per_epoch) / cfg.kl_warmup_epochs
    return cfg.beta * min(1.0, progress)


def save_checkpoint(directory: Path, state: dict[str, Any]) -> None:
    """Keep the previous checkpoint as a fallback, then write the new one atomically."""
    current = directory / CHECKPOINT
    if current.exists():
        os.replace(current, directory / PREVIOUS)
    atomic_write(current, lambda tmp: torch.save(state, tmp))


def load_checkpoint(directory: Path, log: Callable[[str], None]
                    ) -> tuple[dict[str, Any], Path] | None:
    """The newest readable checkpoint and its path; an unreadable one is set aside as
    *.corrupt-<time>, not deleted."""
    for name in (CHECKPOINT, PREVIOUS):
        path = directory / name
        if not path.exists():
            continue
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            missing = CHECKPOINT_KEYS - set(state)
            if missing:
                raise ValueError(f"missing {sorted(missing)}")
            return state, path
        except Exception as exc:  # torch raises many kinds for a damaged file
            aside = path.with_name(f"{name}.corrupt-{int(time.time())}")
            os.replace(path, aside)
            log(f"warning: checkpoint '{path}' is unreadable ({type(exc).__name__}: {exc}); "
                f"moved it to '{aside.name}' and looking for an older one")
    return None


def is_finished(cfg: Config, directory: Path) -> bool:
    results = directory / "results.json"
    return results.exists() and read_json(results).get("run_hash") == run_hash(cfg)


def load_run(directory: str | Path, device: str = "cpu") -> tuple[Config, VAE, dict[str, Any]]:
    """The config, trained model and results of a finished run."""
    directory = Path(directory)
    results_path = directory / "results.json"
    if not results_path.exists():
        raise VaeError(f"run '{directory}' is not finished (no results.json); train it first")
    cfg = load_config(directory / "config.toml")
    model = VAE(cfg)
    model.load_state_dict(torch.load(directory / "model.pt", map_location="cpu", weights_only=True))
    return cfg, model.to(device).eval(), read_json(results_path)


def _diverged(cfg: Config, directory: Path, epoch: int, where: str, value: float) -> VaeError:
    kept = (f"The last good checkpoint (after epoch {epoch}) is kept in '{directory}'."
            if epoch else "No epoch had finished, so there is no checkpoint.")
    return VaeError(
        f"training '{cfg.name}' diverged: the loss became {value} at epoch {epoch + 1}, "
        f"{where}. {kept} Lower the learning rate (now lr={cfg.lr}) or enable gradient "
        f"clipping (e.g. grad_clip=1.0).")


def _epoch_row(epoch: int, train_sums: torch.Tensor, n: int, test: dict[str, float],
               seconds: float) -> dict[str, float]:
    objective, recon, kl = (train_sums / n).tolist()
    # train_loss is the unweighted -ELBO, comparable with test_loss whatever beta or warm-up
    return {"epoch": epoch, "train_loss": recon + kl, "train_recon": recon, "train_kl": kl,
            "train_objective": objective,
            "test_loss": test["loss"], "test_recon": test["recon"], "test_kl": test["kl"],
            "seconds": seconds, "images_per_s": n / seconds}


class NonFiniteLoss(VaeError):
    """A training step produced a NaN or infinite loss; train() adds where its checkpoint is."""

    def __init__(self, step: int, value: float) -> None:
        super().__init__(f"the training loss became {value} at step {step}")
        self.step, self.value = step, value


def train_epoch(model: VAE, optimizer: torch.optim.Optimizer, cfg: Config, train_x: torch.Tensor,
                batch_rng: torch.Generator, epoch: int, progress: bool = True) -> torch.Tensor:
    """One shuffled pass over train_x; the per-step (objective, recon, kl), shape (steps, 3)."""
    model.train()
    device = next(model.parameters()).device
    steps_per_epoch = num_batches(len(train_x), cfg.batch_size)
    epoch_steps = []
    bar = tqdm(batches(train_x, cfg.batch_size, batch_rng, cfg.binarize), total=steps_per_epoch,
               desc=f"{cfg.name} {epoch + 1}/{cfg.epochs}", disable=not progress,
               leave=False, file=sys.stderr, dynamic_ncols=True)
    for step, x in enumerate(bar):
        terms = negative_elbo(model, x.to(device), kl_weight(cfg, epoch, step, steps_per_epoch))
        if not torch.isfinite(terms.loss):
            raise NonFiniteLoss(step + 1, terms.loss.item())
        optimizer.zero_grad(set_to_none=True)
        terms.loss.backward()
        if cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        epoch_steps.append(torch.stack(terms).detach())
        if step % 25 == 0:
            bar.set_postfix(loss=f"{terms.loss.item():.1f}")
    return torch.stack(epoch_steps).cpu()


def train(cfg: Config, train_split: Split, test_split: Split, runs_root: str | Path,
          progress: bool = True, log: Callable[[str], None] = print) -> Path:
    """Train cfg to completion (resuming if a checkpoint exists) and return its run folder."""
    directory = run_dir(cfg, runs_root)
    if is_finished(cfg, directory):
        log(f"{cfg.name}: finished run found in {directory}, not training again")
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    write_text(directory / "config.toml", cfg.to_toml())

    device = resolve_device(cfg.device)
    torch.manual_seed(cfg.seed)
    model = VAE(cfg).to(device)
    optimizer = make_optimizer(cfg, model)
    batch_rng = torch.Generator().manual_seed(cfg.seed)
    train_x = train_split.images[:cfg.train_limit] if cfg.train_limit else train_split.images
    test_x = test_images(test_split.images, cfg)
    steps_per_epoch = num_batches(len(train_x), cfg.batch_size)

    start, steps, history = 0, [], []
    found = load_checkpoint(directory, log)
    if found is not None:
        state, path = found
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        batch_rng.set_state(state["batch_rng"])
        torch.set_rng_state(state["torch_rng"])
        start, steps, history = state["epoch"], [state["steps"]], state["history"]
        log(f"{cfg.name}: resuming after epoch {start} from {path}")

    for epoch in range(start, cfg.epochs):
        t0 = time.perf_counter()
        try:
            epoch_steps = train_epoch(model, optimizer, cfg, train_x, batch_rng, epoch, progress)
        except NonFiniteLoss as exc:
            raise _diverged(cfg, directory, epoch, f"step {exc.step}", exc.value) from None
        seconds = time.perf_counter() - t0
        steps.append(epoch_steps)
        # weight each batch by its size so that the epoch mean is per image
        sizes = torch.full((len(epoch_steps),), float(cfg.batch_size))
        sizes[-1] = len(train_x) - cfg.batch_size * (len(epoch_steps) - 1)
        sums = (epoch_steps * sizes[:, None]).sum(0)
        test = elbo_terms(model, test_x, cfg, seed=cfg.seed + 1)
        if not math.isfinite(test["loss"]):  # the last step's update broke the weights
            raise _diverged(cfg, directory, epoch,
                            f"step {steps_per_epoch} (in the test evaluation after it)", test["loss"])
        history.append(_epoch_row(epoch + 1, sums, len(train_x), test, seconds))
        save_checkpoint(directory, {
            "epoch": epoch + 1, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "batch_rng": batch_rng.get_state(), "torch_rng": torch.get_rng_state(),
            "steps": torch.cat(steps), "history": history})
        write_text(directory / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in history))
        row = history[-1]
        log(f"{cfg.name}: epoch {epoch + 1}/{cfg.epochs}  train -ELBO {row['train_loss']:.2f}  "
            f"test -ELBO {row['test_loss']:.2f} (recon {row['test_recon']:.2f}, "
            f"KL {row['test_kl']:.2f}) nats  {row['images_per_s']:.0f} images/s")

    return _finish(cfg, model, test_x, directory, torch.cat(steps) if steps else torch.zeros(0, 3),
                   history, len(train_x), log)


def _save_npy(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as f:  # a file object, because np.save would append .npy to a name
        np.save(f, array)


def _finish(cfg: Config, model: VAE, test_x: torch.Tensor, directory: Path,
            steps: torch.Tensor, history: list[dict[str, float]], train_images: int,
            log: Callable[[str], None]) -> Path:
    """Final evaluation; results.json is written last, so it marks a complete run."""
    log(f"{cfg.name}: evaluating (IWAE with k={cfg.iwae_k} on {min(cfg.iwae_images, len(test_x))} "
        f"test images)")
    t0 = time.perf_counter()
    metrics = final_metrics(model, test_x, cfg)
    model = model.cpu()
    atomic_write(directory / "model.pt", lambda tmp: torch.save(model.state_dict(), tmp))
    atomic_write(directory / "steps.npy", lambda tmp: _save_npy(tmp, steps.numpy()))
    results = {
        "run_hash": run_hash(cfg),
        "name": cfg.name,
        "description": cfg.description,
        "config": cfg.to_dict(),
        "epochs": len(history),
        "train_images": train_images,
        "test_images": len(test_x),
        "device": resolve_device(cfg.device).type,
        "params": count_parameters(model),
        "layers": describe_layers(model),
        "seconds_per_epoch": sum(r["seconds"] for r in history) / max(1, len(history)),
        "images_per_s": sum(r["images_per_s"] for r in history) / max(1, len(history)),
        "eval_seconds": time.perf_counter() - t0,
        **metrics,
    }
    bad = {k: v for k, v in metrics.items() if k != "iwae_stderr" and not math.isfinite(v)}
    if bad:
        raise VaeError(f"run '{directory}' produced non-finite test metrics: {bad}")
    write_json(directory / "results.json", results)
    log(f"{cfg.name}: test -ELBO {metrics['test_loss']:.2f} nats, IWAE bound on -log p(x) "
        f"{metrics['iwae_nll']:.2f} ± {metrics['iwae_stderr']:.2f} nats, "
        f"{metrics['active_units']}/{cfg.latent_dim} active units")
    return directory
