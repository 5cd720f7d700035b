"""A config's numbers over its seeds, read from its finished runs: the means, spreads and per-seed
values that the comparisons test and the summary prints. Torch-free."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.runs import Run
from ..instrument.measurements import Marginal, ModelReadings
from .latex import printed_difference
from .smoothness import NEIGHBOUR_RULES, PathTally, tally
from ..core.statistics import slope

# A quadrature's truncation bound below this many nats (a hundredth of the values' last printed
# digit) bounds what the text may call the exact value; above it, the outer band's share is
# reported instead.
BOUNDED = 1e-3
SLOPE_EPOCHS = 5  # the validation curve's slope at the end of training is fitted over these epochs
# A figure of every seed's run draws a config's first seeds, this many: more lines would hide
# one another.
DRAWN_SEEDS = 3


def typical_seed(losses: dict[int, float]) -> int:
    """The seed whose test -ELBO is the median of its config's ({seed: loss}; of an even
    count, the lower middle one): the run the figures show, neither the best nor the worst."""
    ranked = sorted(losses, key=lambda seed: (losses[seed], seed))
    return ranked[(len(ranked) - 1) // 2]


def late_slope(curve: list[float]) -> tuple[float, float]:
    """The slope of a validation curve over its last SLOPE_EPOCHS epochs, nats per epoch
    (negative: still falling), and the upper end of its interval (core.statistics.slope)."""
    return slope(curve[-SLOPE_EPOCHS:])


@dataclass(frozen=True)
class SeedRun:
    """One seed's run of a config: what the appendix lists and the study's test compares."""

    seed: int
    run_hash: str
    valid_loss: float
    train_loss_final: float
    test_loss: float
    subset_test_loss: float
    iwae_bound: float
    active_units: int


@dataclass(frozen=True)
class Spread:
    """Mean and sample standard deviation over seeds (0 for a single seed), and each seed's
    value in the order of the config's seeds, for paired tests."""

    mean: float
    sd: float
    values: list[float]


def spread(values: list[float]) -> Spread:
    return Spread(statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0,
                  list(values))


@dataclass(frozen=True)
class MarginalSpread:
    """-log p(x) by quadrature on the IWAE's images (instrument.marginal), over seeds, with the
    worst error over seeds and images, in nats."""

    nll: Spread
    discretisation: float
    truncation: float  # the bound on what the box leaves out
    bounded: bool  # the bound is below BOUNDED: the box leaves out nothing that could show
    edge: float  # what the box's outer band adds
    half_width: float
    points: int  # per axis


def marginal_spread(found: list[Marginal]) -> MarginalSpread | None:
    if not found:
        return None
    truncation = max(m.truncation for m in found)
    return MarginalSpread(spread([m.nll for m in found]),
                          max(m.discretisation for m in found), truncation,
                          truncation < BOUNDED, max(m.edge for m in found), found[0].half_width,
                          found[0].points)


@dataclass(frozen=True)
class ReadingSpread:
    """The classifier's headline readings of a config's models, over seeds."""

    digit_kept: Spread  # test reconstructions
    train_digit_kept: Spread  # reconstructions of the seeded training subset
    neighbour_vote: Spread
    clear_samples: Spread
    frechet: Spread
    linear: PathTally  # the random pairs' straight paths, over every seed
    spherical: PathTally  # along great circles
    information: Spread | None  # the estimate of I(x; z), for codes of one or two dimensions
    information_bound: Spread | None  # E_x KL(q(z|x) || p(z)) >= I(x; z), the same images
    marginal: MarginalSpread | None  # codes of one or two dimensions only
    # the straight paths again, under each of smoothness.NEIGHBOUR_RULES in turn
    linear_neighbours: list[PathTally] = field(default_factory=list)


def reading_spread(readings: list[ModelReadings]) -> ReadingSpread:
    estimated = [r.information for r in readings if r.information is not None]
    return ReadingSpread(
        spread([r.test.accuracy for r in readings]),
        spread([r.train.accuracy for r in readings]),
        spread([r.neighbours.accuracy for r in readings]),
        spread([r.samples.confident for r in readings]),
        spread([r.samples.frechet for r in readings]),
        linear=tally([r.random_linear for r in readings]),
        spherical=tally([r.random_spherical for r in readings]),
        information=spread([i.estimate for i in estimated]) if estimated else None,
        information_bound=spread([i.kl for i in estimated]) if estimated else None,
        marginal=marginal_spread([r.marginal for r in readings if r.marginal is not None]),
        linear_neighbours=[tally([r.random_linear for r in readings], changes, jump)
                           for changes, jump in NEIGHBOUR_RULES])


@dataclass(frozen=True)
class ModelNumbers:
    """One config's training and test numbers: means over its seeds, each seed's values, and
    the typical seed's run, whose images the figures show."""

    name: str
    description: str
    shown_seed: int  # the typical seed (typical_seed), whose model the figures show
    run_hash: str  # of the shown seed's run
    config: dict[str, Any]  # the first seed's
    latent_dim: int
    epochs: int
    train_images: int
    valid_images: int
    test_images: int
    device: str
    precision: str
    params: int
    seeds: list[SeedRun]
    seconds_per_epoch: float
    images_per_s: float
    train_minutes: float  # per seed
    eval_seconds: float  # per seed
    valid_loss: float  # what the best model is chosen on
    train_loss_final: float  # the final weights on as many training images as validation ones
    # train_loss_final minus valid_loss, the mean of the seeds' paired differences (the text's
    # over-fitting test gives it an interval): below 0, over-fitting
    fit_gap: float
    test_loss: float
    test_loss_sd: float
    test_recon: float
    test_recon_sd: float
    test_kl: float
    test_kl_sd: float
    subset_test_loss: float  # the -ELBO on the IWAE's images, to compare image for image
    subset_test_loss_sd: float  # over seeds
    iwae_bound: float
    iwae_sd: float  # over seeds
    iwae_stderr: float  # over images, the shown seed's run
    iwae_k: int
    iwae_images: int
    subset_seed: int
    iwae_gain: float  # printed subset -ELBO minus printed IWAE bound
    active_units: list[int]  # per seed
    late_slope: float  # of the mean validation curve over the last SLOPE_EPOCHS, nats per epoch
    late_slope_high: float  # the upper end of its 1 - ALPHA interval


def model_numbers(cfg: Config, runs_root: str | Path) -> ModelNumbers:
    """A config's numbers over its seeds; refuses a missing or stale run instead of reporting
    old numbers."""
    runs = [Run(c, runs_root) for c in cfg.per_seed()]
    results = [run.read_results() for run in runs]
    histories = [run.read_metrics() for run in runs]
    first = results[0]
    shown = next(r for r in results if r.config["seed"] == typical_seed(
        {r.config["seed"]: r.test_loss for r in results}))
    mean_curve = [statistics.fmean(row.valid_loss for row in rows) for rows in zip(*histories)]

    def mean(key: str) -> float:
        return statistics.fmean(getattr(r, key) for r in results)
    loss = spread([r.test_loss for r in results])
    slope, slope_high = late_slope(mean_curve)
    return ModelNumbers(
        name=first.name, description=cfg.description,  # wording may change without training
        shown_seed=shown.config["seed"], run_hash=shown.run_hash, config=first.config,
        latent_dim=cfg.latent_dim,
        epochs=first.epochs, train_images=first.train_images, valid_images=first.valid_images,
        test_images=first.test_images,
        device=first.device, precision=first.precision, params=first.params,
        seeds=[SeedRun(r.config["seed"], r.run_hash, r.valid_loss, r.train_loss_final,
                       r.test_loss, r.subset_test_loss, r.iwae_bound, r.active_units)
               for r in results],
        # the rate of the mean epoch, so that the two printed side by side agree
        seconds_per_epoch=mean("seconds_per_epoch"),
        images_per_s=first.train_images / mean("seconds_per_epoch"),
        train_minutes=mean("seconds_per_epoch") * first.epochs / 60,
        eval_seconds=mean("eval_seconds"), valid_loss=mean("valid_loss"),
        train_loss_final=mean("train_loss_final"),
        fit_gap=mean("train_loss_final") - mean("valid_loss"),
        test_loss=loss.mean, test_loss_sd=loss.sd,
        test_recon=mean("test_recon"), test_recon_sd=spread([r.test_recon for r in results]).sd,
        test_kl=mean("test_kl"), test_kl_sd=spread([r.test_kl for r in results]).sd,
        subset_test_loss=mean("subset_test_loss"),
        subset_test_loss_sd=spread([r.subset_test_loss for r in results]).sd,
        iwae_bound=mean("iwae_bound"),
        iwae_sd=spread([r.iwae_bound for r in results]).sd, iwae_stderr=shown.iwae_stderr,
        iwae_k=first.iwae_k, iwae_images=first.iwae_images, subset_seed=first.subset_seed,
        iwae_gain=printed_difference(mean("subset_test_loss"), mean("iwae_bound")),
        active_units=[r.active_units for r in results],
        late_slope=slope, late_slope_high=slope_high)
