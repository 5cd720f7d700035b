"""Crafted classifier readings for the tests of Part II's sentences."""

from __future__ import annotations

from vae.instrument.measurements import (
    Information,
    ModelReadings,
    Neighbours,
    PathReading,
    Reconstructions,
    Samples,
)
from vae.report.numbers import ReadingSpread, reading_spread, spread
from vae.report.smoothness import tally


UNIFORM = [0.1] * 10


def recon(accuracy=0.5, per_class=None, found=(), shown=tuple(range(10))) -> Reconstructions:
    return Reconstructions(10_000, accuracy, list(per_class or [accuracy] * 10), list(found),
                           list(shown))


def readings(test=None, shares=UNIFORM, confident=0.7, frechet=100.0, paths=(),
             manifold_reading=None, knn=0.8, knn_found=(), information=None,
             seed=420) -> ModelReadings:
    return ModelReadings(
        name="m", seed=seed, run_hash="h", train=recon(0.55), test=test or recon(),
        samples=Samples(10_000, list(shares), confident, frechet), linear_paths=list(paths),
        spherical_paths=list(paths), random_linear=list(paths), random_spherical=list(paths),
        manifold=manifold_reading,
        neighbours=Neighbours(10, knn, [knn] * 10, list(knn_found)), information=information,
        marginal=None)


def path(start, end, classes, jump=1.2) -> PathReading:
    others = []
    for c in classes:
        if c not in (start, end) and c not in others:
            others.append(c)
    changes = sum(1 for a, b in zip(classes, classes[1:]) if a != b)
    return PathReading(start, end, classes, changes, others, jump)


INFO = Information(10_000, 4, 3.1, 0.01, 3.99)


def seeds_of(first: ModelReadings, *others: ModelReadings) -> ReadingSpread:
    return reading_spread([first, *others])


SMOOTH = path(0, 6, [0, 0, 0, 0, 6, 6, 6, 6, 6, 6])


STUCK = path(4, 9, [9] * 10)


WANDERING = path(2, 5, [2, 6, 6, 3, 3, 9, 9, 7, 9, 0])


JUMPY = path(1, 7, [1, 1, 1, 1, 1, 7, 7, 7, 7, 7], jump=2.5)


def means(kept: list[float], confident: list[float], frechet: list[float]) -> ReadingSpread:
    """Readings over seeds 420-422 as the conclusion reads them."""
    return ReadingSpread(spread(kept), spread(kept), spread([0.8] * 3), spread(confident),
                         spread(frechet), tally([]), tally([]), None, None, None)


SEEDS = [420, 421, 422]

