"""The statistics of runs over seeds, for the study (report/) and for `make parity` (bench/):
paired comparisons of two models over the seeds they share, Holm's correction for testing
several at once, and the models that share first place on a measure. Numbers in, numbers out;
the sentences that report them are written elsewhere (report/comparisons.py, discussion.py)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from scipy import stats

# The family-wise error rate of each family of comparisons (Holm), and 1 - the intervals' level.
ALPHA = 0.05
CONFIDENCE = round(100 * (1 - ALPHA))  # percent: what every interval of the report covers
MAX_SEEDS = 100  # seeds_to_separate looks no further


@dataclass(frozen=True)
class Paired:
    """A paired t-test of per-seed differences d = a - b (every model trains the same seeds,
    so seed s of one model is set against seed s of the other)."""

    seeds: int
    mean: float  # of d
    sd: float  # of d, sample standard deviation
    low: float  # the 1 - ALPHA confidence interval of the mean difference
    high: float
    p: float  # two-sided, for this comparison alone


def paired(a: dict[int, float], b: dict[int, float]) -> Paired | None:
    """The test of mean(a - b) = 0 over the seeds a and b share ({seed: value}); None with
    fewer than two shared seeds."""
    shared = sorted(a.keys() & b.keys())
    if len(shared) < 2:
        return None
    d = [a[s] - b[s] for s in shared]
    mean, sd = statistics.fmean(d), statistics.stdev(d)
    if sd == 0:  # identical differences: no spread to weigh the mean against
        return Paired(len(shared), mean, 0.0, mean, mean, 0.0 if mean else 1.0)
    result = stats.ttest_rel([a[s] for s in shared], [b[s] for s in shared])
    interval = result.confidence_interval(1 - ALPHA)
    return Paired(len(shared), mean, sd, float(interval.low), float(interval.high),
                  float(result.pvalue))


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values: reject hypothesis i at family-wise level ALPHA when
    its adjusted p is below ALPHA. The k-th smallest p is multiplied by m - k + 1, and the
    adjusted values are made non-decreasing in that order (Holm, 1979)."""
    m = len(pvalues)
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda j: pvalues[j])):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def seeds_to_separate(test: Paired, family: int) -> int | None:
    """The fewest seeds at which a paired test would reject at ALPHA / family (so under Holm
    for any rank in a family of that size), were the mean and spread of the differences what
    they are now; None when the mean is zero or more than MAX_SEEDS would be needed."""
    if test.mean == 0:
        return None
    if test.sd == 0:
        return 2
    level = ALPHA / family
    for n in range(2, MAX_SEEDS + 1):
        if stats.t.ppf(1 - level / 2, n - 1) * test.sd / math.sqrt(n) < abs(test.mean):
            return n
    return None


def leaders(scores: dict[str, dict[int, float]], lower_better: bool) -> list[str]:
    """The best model by its mean over seeds ({name: {seed: score}}), then every model that a
    paired test, Holm-corrected over the comparisons with the best, cannot separate from it:
    the models that share first place on the evidence. With a single seed there is no test,
    and the best stands alone."""
    mean = {name: statistics.fmean(values.values()) for name, values in scores.items()}
    best = (min if lower_better else max)(mean, key=mean.__getitem__)
    others = [name for name in scores if name != best]
    tests = [paired(scores[name], scores[best]) for name in others]
    adjusted = holm([t.p if t else 0.0 for t in tests])
    return [best, *(name for name, t, p in zip(others, tests, adjusted) if t and p >= ALPHA)]
