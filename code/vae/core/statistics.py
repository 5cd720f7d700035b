"""The statistics of runs over seeds, for the study (report/) and for `make parity` (bench/):
paired comparisons of two models over the seeds they share, Holm's correction for testing
several at once, equivalence within a margin, the models that share first place on a measure,
the slope of a curve with its interval, and a share counted over clusters of trials. Numbers in,
numbers out;
the sentences that report them are written elsewhere (report/comparisons.py, discussion.py)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

# The family-wise error rate of each family of comparisons (Holm), and 1 - the intervals' level.
ALPHA = 0.05
CONFIDENCE = round(100 * (1 - ALPHA))  # percent: what every interval of the report covers
MAX_SEEDS = 100  # seeds_to_decide looks no further


@dataclass(frozen=True)
class Paired:
    """A paired t-test of per-seed differences d = a - b (every model trains the same first
    seeds, so seed s of one model is set against seed s of the other)."""

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
    from scipy import stats  # here, not above: it takes a second to import, and the no-op
    # `make report` reads summaries and builds the PDF without computing a test
    result = stats.ttest_rel([a[s] for s in shared], [b[s] for s in shared])
    interval = result.confidence_interval(1 - ALPHA)
    return Paired(len(shared), mean, sd, float(interval.low), float(interval.high),
                  float(result.pvalue))


def slope(values: list[float]) -> tuple[float, float]:
    """The least-squares slope of values taken at steps 0, 1, 2, ... and the upper end of its
    1 - ALPHA interval; with fewer than three values, which leave no residual to estimate its
    error from, the slope itself twice (0 for fewer than two)."""
    if len(values) < 2:
        return 0.0, 0.0
    from scipy import stats  # here, not above: see paired
    fit = stats.linregress(range(len(values)), values)
    if len(values) < 3:
        return float(fit.slope), float(fit.slope)
    stderr = fit.stderr if math.isfinite(fit.stderr) else 0.0  # a straight line: nothing to doubt
    return float(fit.slope), float(fit.slope + stats.t.ppf(1 - ALPHA / 2, len(values) - 2) * stderr)


def clustered_share(successes: list[int], trials: list[int]) -> tuple[float, float]:
    """The 1 - ALPHA interval of sum(successes) / sum(trials) where the trials come in clusters
    that need not be independent within (a cluster's k_i successes of n_i trials): Clopper-Pearson
    on the effective sample size (Korn and Graubard 1998). The effective size is n / deff, the
    design effect deff the ratio of the share's variance between clusters (linearised) to the
    binomial one, never below 1, scaled by (t_{n-1} / t_{clusters-1})^2 for the few clusters the
    variance rests on; with one cluster, or none varying, the plain exact interval."""
    pairs = [(k, n) for k, n in zip(successes, trials) if n > 0]
    if not pairs:
        return 0.0, 1.0
    from scipy import stats  # here, not above: see paired
    total = sum(n for _, n in pairs)
    share = sum(k for k, _ in pairs) / total
    binomial = share * (1 - share) / total
    clusters = len(pairs)
    between = (clusters / (clusters - 1) * sum((k - share * n) ** 2 for k, n in pairs) / total**2
               if clusters > 1 else 0.0)
    effective = float(total)
    if 0 < binomial < between:
        t = stats.t.ppf(1 - ALPHA / 2, [total - 1, clusters - 1])
        effective = min(total, share * (1 - share) / between * (t[0] / t[1]) ** 2)
    x = share * effective  # successes on the effective scale, not a whole number in general
    low = stats.beta.ppf(ALPHA / 2, x, effective - x + 1) if x > 0 else 0.0
    high = stats.beta.ppf(1 - ALPHA / 2, x + 1, effective - x) if x < effective else 1.0
    return float(low), float(high)


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


def within(test: Paired, margin: float) -> bool:
    """Equivalence within +-margin: the 1 - ALPHA interval of the mean difference lies inside
    (-margin, margin), so that both one-sided tests (TOST) reject at ALPHA / 2."""
    return -margin < test.low and test.high < margin


def seeds_to_decide(test: Paired, family: int, margin: float) -> int | None:
    """The fewest seeds at which the difference would be separated (at ALPHA / family) or shown
    to lie within +-margin, were its mean and spread what they are now; None beyond MAX_SEEDS."""
    if test.sd == 0:
        return 2
    from scipy import stats  # here, not above: see paired
    for n in range(2, MAX_SEEDS + 1):
        half = stats.t.ppf(1 - ALPHA / 2, n - 1) * test.sd / math.sqrt(n)
        separating = stats.t.ppf(1 - ALPHA / family / 2, n - 1) * test.sd / math.sqrt(n)
        if separating < abs(test.mean) or abs(test.mean) + half < margin:
            return n
    return None


@dataclass(frozen=True)
class Leaders:
    """The best model on one measure, by its mean over seeds, and how every other one stands
    against it, paired by seed: separated from it (Holm over the comparisons with the best,
    even when the difference is small), else within +-margin of it (equivalent, sharing first
    place), else undecided."""

    best: str
    equivalent: list[str]
    undecided: list[str]
    # the tests of the models that are not separated from the best (each minus the best), and
    # their p after Holm's correction: the evidence behind the two lists above
    contested: dict[str, Paired]
    p_holm: dict[str, float]


def leaders(scores: dict[str, dict[int, float]], lower_better: bool, margin: float) -> Leaders:
    """({name: {seed: score}}) The best model and the others' standing against it. With a single
    seed there is no test: the best stands alone and every other is undecided."""
    mean = {name: statistics.fmean(values.values()) for name, values in scores.items()}
    best = (min if lower_better else max)(mean, key=mean.__getitem__)
    others = [name for name in scores if name != best]
    tests = [paired(scores[name], scores[best]) for name in others]
    adjusted = holm([t.p if t else 1.0 for t in tests])
    apart = {n for n, t, p in zip(others, tests, adjusted) if t is not None and p < ALPHA}
    equivalent = [n for n, t in zip(others, tests)
                  if n not in apart and t is not None and within(t, margin)]
    undecided = [n for n in others if n not in apart and n not in equivalent]
    contested = {n: t for n, t in zip(others, tests) if n not in apart and t is not None}
    return Leaders(best, equivalent, undecided, contested,
                   {n: p for n, p in zip(others, adjusted) if n in contested})
