"""A run folder, runs/<name>-seed<seed>-<hash>/, and everything in it: the one module that knows its files.

    config.toml          the config it trains
    checkpoint.pt        the state after the last finished epoch (checkpoint.prev.pt: the one before)
    metrics.jsonl        one EpochMetrics per line
    steps.npy            one row per training step, columns STEP_COLUMNS
    model.pt             the trained weights
    results.json         RunResults; written last, so that it marks a finished run
    .lock                held by the one process that trains this run

The hash covers the config's training settings and what the training code does: the trainer
and every module it imports, found from the import graph (cache_keys), so an edited comment
keeps the cache and an edited line of code, in any module training runs, trains anew. Torch is
imported only where weights are read or written, numpy only for steps.npy: build.py checks run
hashes without torch, and a plan needs neither.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .errors import VaeError
from .cache_keys import code_digest
from .config import Config
from .io import atomic_write, write_text
from .records import from_json, read_record, write_record

if TYPE_CHECKING:  # numpy is imported where steps are read or written: a plan needs none
    import numpy as np

CHECKPOINT, PREVIOUS = "checkpoint.pt", "checkpoint.prev.pt"
CHECKPOINT_KEYS = {"epoch", "model", "optimizer", "batch_rng", "torch_rng", "steps", "history"}
STEP_COLUMNS = ("objective", "recon", "kl")  # objective = recon + weight * kl, as trained
TRAINER = "vae.core.train"  # a run's hash covers this module and every project module it imports


def run_hash(cfg: Config) -> str:
    return hashlib.sha256((cfg.digest() + code_digest(TRAINER)).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class EpochMetrics:
    """One line of metrics.jsonl, in nats per image. train_loss is the unweighted -ELBO (a mean
    over the epoch's steps, while the weights moved), comparable with valid_loss whatever beta
    or warm-up; train_objective is what was minimised; valid_* are the validation images' at
    the epoch's end."""

    epoch: int
    train_loss: float
    train_recon: float
    train_kl: float
    train_objective: float
    valid_loss: float
    valid_recon: float
    valid_kl: float
    seconds: float
    images_per_s: float


@dataclass(frozen=True)
class Steps:
    """steps.npy by column name: per training step, batch means in nats per image."""

    objective: np.ndarray
    recon: np.ndarray
    kl: np.ndarray

    @property
    def loss(self) -> np.ndarray:
        """The unweighted -ELBO of each step."""
        return self.recon + self.kl

    def __len__(self) -> int:
        return len(self.recon)


@dataclass(frozen=True)
class Layer:
    part: str
    layer: str
    shape: str
    params: int


@dataclass(frozen=True)
class RunResults:
    """results.json: what a finished run measured on the test set, and how it ran."""

    run_hash: str
    name: str
    config: dict[str, Any]
    epochs: int
    train_images: int  # trained on: the training split less the validation images
    valid_images: int
    test_images: int
    device: str
    params: int
    layers: list[Layer]
    seconds_per_epoch: float
    images_per_s: float
    eval_seconds: float
    train_loss_final: float  # -ELBO with the final weights on valid_images training images
    valid_loss: float  # on the validation images: what models are chosen on
    test_loss: float
    test_recon: float
    test_kl: float
    subset_test_loss: float  # the -ELBO on the IWAE's images, to compare image for image
    subset_seed: int  # drew the IWAE's images, uniformly from the whole test set
    iwae_bound: float  # the K-sample IWAE bound (evaluate.iwae_bound_on_nll), mean over images
    iwae_stderr: float
    iwae_k: int
    iwae_images: int
    precision: str
    active_units: int
    active_unit_threshold: float  # a unit is active when Var_x(E_q[z_u]) exceeds this
    code: dict[str, str]  # cache_keys.module_digests(TRAINER): what a plan compares against


def finished_results(root: str | Path, name: str = "*", seed: int | str = "*",
                     since: float = 0.0) -> list[dict]:
    """The results.json of every finished run under root, of a config name and seed if given,
    written at or after `since` (a Unix time), newest first, as parsed JSON: of any version of
    the code, to predict and explain, never to report (read_results refuses a stale run)."""
    found = []
    for path in Path(root).glob(f"{name}-seed{seed}-*/results.json"):
        try:
            written = path.stat().st_mtime
            results = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if written >= since and isinstance(results, dict) and isinstance(results.get("config"), dict):
            found.append((written, results))
    return [results for _, results in sorted(found, key=lambda pair: -pair[0])]


class Run:
    """The folder of one config's run under a runs root."""

    def __init__(self, cfg: Config, root: str | Path) -> None:
        self.cfg = cfg
        self.hash = run_hash(cfg)
        self.dir = Path(root) / f"{cfg.name}-seed{cfg.seed}-{self.hash}"

    def __repr__(self) -> str:
        return f"Run('{self.dir}')"

    @property
    def results_path(self) -> Path:
        return self.dir / "results.json"

    def is_finished(self) -> bool:
        path = self.results_path
        return path.exists() and json.loads(path.read_text()).get("run_hash") == self.hash

    def epochs_done(self) -> int:
        """The epochs this run has finished so far (0 before its first)."""
        path = self.dir / "metrics.jsonl"
        if not path.is_file():
            return 0
        return sum(1 for line in path.read_text().splitlines() if line.strip())

    @contextmanager
    def lock(self, log: Callable[[str], None]) -> Iterator[None]:
        """Hold this run's lock; a second trainer of the same run waits here and says so."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log(f"{self.cfg.label}: another process is training '{self.dir}'; waiting for it")
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield  # closing the file releases the lock

    # -- config, metrics and steps -----------------------------------------------------------

    def write_config(self) -> None:
        write_text(self.dir / "config.toml", self.cfg.to_toml())

    def write_metrics(self, rows: list[EpochMetrics]) -> None:
        write_text(self.dir / "metrics.jsonl", "".join(json.dumps(asdict(r)) + "\n" for r in rows))

    def read_metrics(self) -> list[EpochMetrics]:
        lines = (self.dir / "metrics.jsonl").read_text().splitlines()
        return [from_json(EpochMetrics, json.loads(line)) for line in lines if line.strip()]

    def write_steps(self, steps: np.ndarray) -> None:
        if steps.ndim != 2 or steps.shape[1] != len(STEP_COLUMNS):
            raise ValueError(f"steps must have the columns {STEP_COLUMNS}, got shape {steps.shape}")

        import numpy as np

        def save(tmp: Path) -> None:
            with tmp.open("wb") as f:  # a file object, because np.save would append .npy to a name
                np.save(f, steps)
        atomic_write(self.dir / "steps.npy", save)

    def read_steps(self) -> Steps:
        import numpy as np
        array = np.load(self.dir / "steps.npy")
        return Steps(**{name: array[:, i] for i, name in enumerate(STEP_COLUMNS)})

    # -- results -----------------------------------------------------------------------------

    def write_results(self, results: RunResults) -> None:
        write_record(self.results_path, results)

    def read_results(self) -> RunResults:
        """The results of this run, refusing a missing or stale one rather than old numbers."""
        if not self.is_finished():
            raise VaeError(f"config '{self.cfg.label}' has no finished run for the current config "
                           f"and code (expected '{self.results_path}'); run `make study` first")
        return read_record(RunResults, self.results_path, "study")

    # -- weights and checkpoints (torch) -----------------------------------------------------

    def save_model(self, model: Any) -> None:
        import torch
        atomic_write(self.dir / "model.pt", lambda tmp: torch.save(model.state_dict(), tmp))

    def load_model(self, device: str = "cpu") -> Any:
        """The trained model of a finished run, in evaluation mode."""
        import torch

        from .model import VAE
        self.read_results()  # refuses an unfinished run by name
        model = VAE(self.cfg)
        model.load_state_dict(torch.load(self.dir / "model.pt", map_location="cpu",
                                         weights_only=True))
        return model.to(device).eval()

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        """Keep the previous checkpoint as a fallback, then write the new one atomically."""
        import torch
        current = self.dir / CHECKPOINT
        if current.exists():
            os.replace(current, self.dir / PREVIOUS)
        atomic_write(current, lambda tmp: torch.save(state, tmp))

    def load_checkpoint(self, log: Callable[[str], None]) -> tuple[dict[str, Any], Path] | None:
        """The newest readable checkpoint and its path; an unreadable one is set aside as
        *.corrupt-<time>, not deleted."""
        import torch
        for name in (CHECKPOINT, PREVIOUS):
            path = self.dir / name
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
