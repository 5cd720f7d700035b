"""A config's numbers over its seeds, read from its finished runs: the means, spreads and per-seed
values that the comparisons test and the summary prints. Torch-free."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.runs import Run
from ..instrument.measurements import ModelReadings
from .latex import printed_difference


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


def reading_spread(readings: list[ModelReadings]) -> ReadingSpread:
    return ReadingSpread(spread([r.test.accuracy for r in readings]),
                         spread([r.neighbours.accuracy for r in readings]),
                         spread([r.samples.confident for r in readings]),
                         spread([r.samples.frechet for r in readings]))


@dataclass(frozen=True)
class ModelNumbers:
    """One config's training and test numbers: means over its seeds, each seed's values, and
    the first seed's run, whose images the figures show."""

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


def model_numbers(cfg: Config, runs_root: str | Path) -> ModelNumbers:
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
    return ModelNumbers(
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
        late_test_loss_min=min(late), late_test_loss_max=max(late))
