"""Gather finished runs into report/results/summary.json, the file the report template reads.

`Summary` is the file's one definition: write_summary fills it, build.py reads it back with
read_summary. No torch at import, so that build.py stays free of it.
"""

from __future__ import annotations

import platform
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import VaeError
from .config import Config
from .findings import (Comparison, LatentWords, ModelWords, closest_baseline, compare,
                       latent_words, model_words, printed_difference, spherical_interpolation)
from .measure_record import ClassifierResults, ModelReadings, read_measurements
from .records import read_record, write_record
from .runs import Layer, Run

@dataclass
class Entry:
    """One run as the report shows it."""

    name: str
    description: str
    run_hash: str
    config: dict[str, Any]
    latent_dim: int
    epochs: int
    train_images: int
    test_images: int
    device: str
    params: int
    seconds_per_epoch: float
    images_per_s: float
    train_minutes: float
    eval_seconds: float
    test_loss: float
    test_recon: float
    test_kl: float
    subset_test_loss: float
    iwae_bound: float
    iwae_stderr: float
    iwae_k: int
    iwae_images: int
    iwae_gain: float  # printed subset -ELBO minus printed IWAE bound
    active_units: int
    final_train_loss: float
    late_test_loss_min: float  # over the second half of the epochs
    late_test_loss_max: float
    late_spread: float
    is_best: bool
    comparison: Comparison | None  # against its baseline; None for the main model
    readings: ModelReadings | None  # what the digit classifier read; None for binarised runs


@dataclass(frozen=True)
class Environment:
    python: str
    platform: str
    cpu: str
    cores: int
    packages: dict[str, str]
    git_commit: str


@dataclass(frozen=True)
class Instrument:
    """The digit classifier and its readings of real images, the yardstick for the models'."""

    classifier: ClassifierResults
    train_images: int  # training images reconstructed, a seeded uniform subset
    confident_at: float
    test_confident: float
    train_test_frechet: float


@dataclass
class Summary:
    active_unit_threshold: float
    instrument: Instrument
    main: Entry
    main_layers: list[Layer]  # those with parameters: activations and reshapes have none
    main_model: ModelWords
    main_latent: LatentWords
    variants: list[Entry]
    best: str
    best_is_main: bool
    best_spherical: bool  # the best model's interpolation follows a great circle
    plane_model: str | None  # the first run with a two-dimensional code, drawn as a plane
    improvement_over_main: float
    binarized: Entry | None
    environment: Environment

    @property
    def runs(self) -> list[Entry]:
        return [self.main, *self.variants]


def read_summary(path: str | Path) -> Summary:
    return read_record(Summary, path, "summary")


def run_entry(cfg: Config, runs_root: str | Path) -> Entry:
    """One run's numbers; refuses a missing or stale run instead of reporting old numbers."""
    run = Run(cfg, runs_root)
    results = run.read_results()
    history = run.read_metrics()
    late = [row.test_loss for row in history[len(history) // 2:]]
    return Entry(
        name=results.name, description=cfg.description,  # wording may change without training
        run_hash=results.run_hash, config=results.config, latent_dim=cfg.latent_dim,
        epochs=results.epochs, train_images=results.train_images,
        test_images=results.test_images, device=results.device, params=results.params,
        seconds_per_epoch=results.seconds_per_epoch, images_per_s=results.images_per_s,
        train_minutes=results.seconds_per_epoch * results.epochs / 60,
        eval_seconds=results.eval_seconds, test_loss=results.test_loss,
        test_recon=results.test_recon, test_kl=results.test_kl,
        subset_test_loss=results.subset_test_loss, iwae_bound=results.iwae_bound,
        iwae_stderr=results.iwae_stderr, iwae_k=results.iwae_k, iwae_images=results.iwae_images,
        iwae_gain=printed_difference(results.subset_test_loss, results.iwae_bound),
        active_units=results.active_units, final_train_loss=history[-1].train_loss,
        late_test_loss_min=min(late), late_test_loss_max=max(late),
        late_spread=printed_difference(max(late), min(late)),
        is_best=False, comparison=None, readings=None)


def attach_comparisons(entries: list[Entry]) -> None:
    """Compare each variant with the earlier run it differs from in the fewest settings, so that
    every difference is read against few changes."""
    latent_grown = False
    for i, entry in enumerate(entries[1:], start=1):
        entry.comparison = compare(entry, closest_baseline(entry, entries[:i]), latent_grown)
        latent_grown |= entry.comparison.explained == "latent_dim"


def environment() -> Environment:
    """Where and with what the numbers were made, for the report's provenance appendix."""
    import torch

    packages = ("torch", "torchvision", "numpy", "sympy", "matplotlib", "jinja2", "tqdm")
    return Environment(
        python=platform.python_version(),
        platform=platform.platform(terse=True),
        cpu=_cpu_name(),
        cores=torch.get_num_threads(),
        packages={name: version(name) for name in packages},
        git_commit=_git_commit(),
    )


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+modified" if dirty else "")


def make_summary(main: Config, variants: list[Config], runs_root: str | Path,
                 measurements_path: str | Path, binarized: Config | None = None) -> Summary:
    configs = [main, *variants]
    everyone = [run_entry(cfg, runs_root) for cfg in configs]  # refuses unfinished runs first
    measured = read_measurements(measurements_path)
    readings = {m.name: m for m in measured.models}
    for cfg, entry in zip(configs, everyone):
        found = readings.get(cfg.name)
        if found is None or found.run_hash != entry.run_hash:
            raise VaeError(f"'{measurements_path}' has no measurements of run '{cfg.name}' as "
                           f"it is now; run `make measure` again")
        entry.readings = found
    attach_comparisons(everyone)
    best = min(everyone, key=lambda e: e.test_loss)
    best.is_best = True
    main_entry, main_results = everyone[0], Run(main, runs_root).read_results()
    planes = [e.name for e in everyone if e.latent_dim == 2]
    return Summary(
        active_unit_threshold=main_results.active_unit_threshold,
        instrument=Instrument(measured.classifier, measured.train_images, measured.confident_at,
                              measured.test_confident, measured.train_test_frechet),
        main=main_entry,
        main_layers=[layer for layer in main_results.layers if layer.params],
        main_model=model_words(main),
        main_latent=latent_words(main.latent_dim),
        variants=everyone[1:],
        best=best.name,
        best_is_main=best is main_entry,
        best_spherical=spherical_interpolation(best.latent_dim),
        plane_model=planes[0] if planes else None,
        improvement_over_main=printed_difference(main_entry.test_loss, best.test_loss),
        binarized=run_entry(binarized, runs_root) if binarized else None,
        environment=environment(),
    )


def write_summary(main: Config, variants: list[Config], runs_root: str | Path,
                  out: str | Path, measurements_path: str | Path,
                  binarized: Config | None = None) -> Summary:
    summary = make_summary(main, variants, runs_root, measurements_path, binarized)
    write_record(out, summary)
    return summary

