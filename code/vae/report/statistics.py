"""The study's statistics: the test that decides whether two models' mean scores over seeds
differ, and the models that share first place on a measure. Numbers in, numbers out; the
sentences that report them are written elsewhere (comparisons.py, discussion.py)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import mpmath

# The study's verdict rule: a difference of mean test -ELBO over seeds counts when Welch's
# two-sided t-test gives p below ALPHA.
ALPHA = 0.05


@dataclass(frozen=True)
class Welch:
    """Welch's t-test of two groups of per-seed values (unequal variances)."""

    t: float
    df: float
    p: float  # two-sided


def welch(a: list[float], b: list[float]) -> Welch | None:
    """The test of mean(a) = mean(b); None when a group has fewer than two values."""
    if len(a) < 2 or len(b) < 2:
        return None
    return welch_from(statistics.fmean(a), statistics.stdev(a), len(a),
                      statistics.fmean(b), statistics.stdev(b), len(b))


def welch_from(mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float,
               n_b: int) -> Welch | None:
    """welch() from each group's mean, sample standard deviation and size."""
    if n_a < 2 or n_b < 2:
        return None
    va, vb = sd_a ** 2 / n_a, sd_b ** 2 / n_b
    diff = mean_a - mean_b
    if va + vb == 0:  # identical seeds: no spread to weigh the difference against
        return Welch(math.copysign(math.inf, diff) if diff else 0.0, math.inf,
                     0.0 if diff else 1.0)
    t = diff / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (n_a - 1) + vb ** 2 / (n_b - 1))
    # P(|T| > |t|) for Student's t with df degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2)
    p = float(mpmath.betainc(df / 2, 0.5, 0, df / (df + t * t), regularized=True))
    return Welch(t, df, p)


def leaders(scores: dict[str, tuple[float, float]], seeds: int, lower_better: bool) -> list[str]:
    """The best model by mean score (mean, sd over seeds), then every model that Welch's test
    cannot separate from it at ALPHA: the models that share first place on the evidence."""
    best = (min if lower_better else max)(scores, key=lambda name: scores[name][0])
    tied = []
    for name, (mean, sd) in scores.items():
        test = welch_from(mean, sd, seeds, *scores[best], seeds)
        if name != best and test is not None and test.p >= ALPHA:
            tied.append(name)
    return [best, *tied]
