"""Gather finished runs into report/results/summary.json, the file the report template reads.

`Summary` is the file's one definition: write_summary fills it, build.py reads it back with
read_summary. No torch at import, so that build.py stays free of it.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import VaeError
from .config import Config
from .findings import (ALPHA, Change, Comparison, LatentWords, ModelWords, closest_baseline, compare,
                       latent_words, model_words, printed_difference, spherical_interpolation)
from .measure_record import ClassifierResults, ModelReadings, read_measurements
from .records import read_record, write_record
from .runs import Layer, Run

@dataclass(frozen=True)
class SeedRun:
    """One seed's run of a config: what the appendix lists and the study's test compares."""

    seed: int
    run_hash: str
    test_loss: float
    subset_test_loss: float
    iwae_bound: float
    active_units: int


@dataclass(frozen=True)
class Spread:
    """Mean and sample standard deviation over seeds (0 for a single seed)."""

    mean: float
    sd: float


def spread(values: list[float]) -> Spread:
    return Spread(statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)


@dataclass(frozen=True)
class ReadingSpread:
    """The classifier's headline readings of a config's models, over seeds."""

    digit_kept: Spread
    neighbour_vote: Spread
    clear_samples: Spread
    frechet: Spread


@dataclass
class Entry:
    """One config as the report shows it: means over its seeds, each seed's values, and the
    first seed's run, whose images the figures show."""

    name: str
    description: str
    run_hash: str  # of the first seed's run
    config: dict[str, Any]  # the first seed's
    latent_dim: int
    epochs: int
    train_images: int
    test_images: int
    device: str
    precision: str
    params: int
    seeds: list[SeedRun]
    seconds_per_epoch: float
    images_per_s: float
    train_minutes: float  # per seed
    eval_seconds: float  # per seed
    test_loss: float
    test_loss_sd: float
    test_recon: float
    test_kl: float
    subset_test_loss: float  # the -ELBO on the IWAE's images, to compare image for image
    iwae_bound: float
    iwae_sd: float  # over seeds
    iwae_stderr: float  # over images, the first seed's run
    iwae_k: int
    iwae_images: int
    subset_seed: int
    iwae_gain: float  # printed subset -ELBO minus printed IWAE bound
    active_units: list[int]  # per seed
    final_train_loss: float
    late_test_loss_min: float  # of the mean over seeds, over the second half of the epochs
    late_test_loss_max: float
    is_best: bool
    comparison: Comparison | None  # against its baseline; None for the main model
    readings: ModelReadings | None  # of the first seed's model; None for binarised runs
    readings_spread: ReadingSpread | None


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
    seeds: int  # per config of the study
    several_seeds: bool  # so that there is a spread to print and to test against
    welch_alpha: float  # the verdict rule's level
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
    best_path: list[Step]  # from the main model to the best, one setting at a time
    single_changes: bool  # every variant differs from its baseline in one setting
    binarized: Entry | None
    environment: Environment

    @property
    def runs(self) -> list[Entry]:
        return [self.main, *self.variants]


def read_summary(path: str | Path) -> Summary:
    return read_record(Summary, path, "summary")


def run_entry(cfg: Config, runs_root: str | Path) -> Entry:
    """A config's numbers over its seeds; refuses a missing or stale run instead of reporting
    old numbers."""
    runs = [Run(c, runs_root) for c in cfg.per_seed()]
    results = [run.read_results() for run in runs]
    histories = [run.read_metrics() for run in runs]
    first = results[0]
    mean_curve = [statistics.fmean(row.test_loss for row in rows) for rows in zip(*histories)]
    late = mean_curve[len(mean_curve) // 2:]

    def mean(key: str) -> float:
        return statistics.fmean(getattr(r, key) for r in results)
    loss = spread([r.test_loss for r in results])
    return Entry(
        name=first.name, description=cfg.description,  # wording may change without training
        run_hash=first.run_hash, config=first.config, latent_dim=cfg.latent_dim,
        epochs=first.epochs, train_images=first.train_images, test_images=first.test_images,
        device=first.device, precision=first.precision, params=first.params,
        seeds=[SeedRun(r.config["seed"], r.run_hash, r.test_loss, r.subset_test_loss,
                       r.iwae_bound, r.active_units) for r in results],
        # the rate of the mean epoch, so that the two printed side by side agree
        seconds_per_epoch=mean("seconds_per_epoch"),
        images_per_s=first.train_images / mean("seconds_per_epoch"),
        train_minutes=mean("seconds_per_epoch") * first.epochs / 60,
        eval_seconds=mean("eval_seconds"), test_loss=loss.mean, test_loss_sd=loss.sd,
        test_recon=mean("test_recon"), test_kl=mean("test_kl"),
        subset_test_loss=mean("subset_test_loss"), iwae_bound=mean("iwae_bound"),
        iwae_sd=spread([r.iwae_bound for r in results]).sd, iwae_stderr=first.iwae_stderr,
        iwae_k=first.iwae_k, iwae_images=first.iwae_images, subset_seed=first.subset_seed,
        iwae_gain=printed_difference(mean("subset_test_loss"), mean("iwae_bound")),
        active_units=[r.active_units for r in results],
        final_train_loss=statistics.fmean(rows[-1].train_loss for rows in histories),
        late_test_loss_min=min(late), late_test_loss_max=max(late),
        is_best=False, comparison=None, readings=None, readings_spread=None)


def reading_spread(readings: list[ModelReadings]) -> ReadingSpread:
    return ReadingSpread(spread([r.test.accuracy for r in readings]),
                         spread([r.neighbours.accuracy for r in readings]),
                         spread([r.samples.confident for r in readings]),
                         spread([r.samples.frechet for r in readings]))


def attach_comparisons(entries: list[Entry]) -> None:
    """Compare each variant with the earlier run it differs from in the fewest settings, so that
    every difference is read against few changes."""
    latent_grown = False
    for i, entry in enumerate(entries[1:], start=1):
        entry.comparison = compare(entry, closest_baseline(entry, entries[:i]), latent_grown)
        latent_grown |= entry.comparison.explained == "latent_dim"


@dataclass(frozen=True)
class Step:
    """One link of the chain of comparisons from the main model to another."""

    model: str
    baseline: str
    changes: list[Change]
    delta: float
    verdict: str


def path_to(entry: Entry, entries: list[Entry]) -> list[Step]:
    """The comparisons that lead from the main model (entries[0]) to entry, main first: a
    difference between two models that differ in several settings, split into single ones."""
    by_name = {e.name: e for e in entries}
    steps = []
    while entry.comparison is not None:
        c = entry.comparison
        steps.append(Step(entry.name, c.baseline, c.changes, c.delta, c.verdict))
        entry = by_name[c.baseline]
    return steps[::-1]


def environment() -> Environment:
    """Where and with what the numbers were made, for the report's provenance appendix."""
    packages = ("torch", "torchvision", "numpy", "sympy", "matplotlib", "jinja2", "tqdm")
    return Environment(
        python=platform.python_version(),
        platform=platform.platform(terse=True),
        cpu=_cpu_name(),
        cores=len(os.sched_getaffinity(0)),
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
    readings = {m.run_hash: m for m in measured.models}
    for entry in everyone:
        missing = [s.seed for s in entry.seeds if s.run_hash not in readings]
        if missing:
            raise VaeError(f"'{measurements_path}' has no measurements of '{entry.name}' "
                           f"seed {missing[0]} as it is now; run `make measure` again")
        per_seed = [readings[s.run_hash] for s in entry.seeds]
        entry.readings, entry.readings_spread = per_seed[0], reading_spread(per_seed)
    attach_comparisons(everyone)
    best = min(everyone, key=lambda e: e.test_loss)
    best.is_best = True
    main_entry, main_results = everyone[0], Run(main, runs_root).read_results()
    planes = [e.name for e in everyone if e.latent_dim == 2]
    return Summary(
        seeds=len(main_entry.seeds), several_seeds=len(main_entry.seeds) > 1, welch_alpha=ALPHA,
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
        best_path=path_to(best, everyone),
        single_changes=all(len(e.comparison.changes) == 1 for e in everyone[1:]),
        binarized=run_entry(binarized, runs_root) if binarized else None,
        environment=environment(),
    )


def write_summary(main: Config, variants: list[Config], runs_root: str | Path,
                  out: str | Path, measurements_path: str | Path,
                  binarized: Config | None = None) -> Summary:
    summary = make_summary(main, variants, runs_root, measurements_path, binarized)
    write_record(out, summary)
    return summary

