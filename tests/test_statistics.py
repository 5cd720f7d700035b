"""core/statistics.py: paired tests, Holm's correction, equivalence within a margin, the seeds
that would decide, first place, and a curve's slope."""

from __future__ import annotations

import dataclasses

import pytest
from scipy import stats
from vae.core.statistics import (Leaders, clustered_share, holm, leaders, paired, seeds_to_decide,
                                  slope, within)


def test_paired_test_matches_closed_forms_and_the_t_table():
    """Differences 1, 2, 3 over three seeds: mean 2, sd 1, t = 2 sqrt(3) with df = 2, where
    Student's t has the closed form P(|T| > t) = 1 - t / sqrt(t^2 + 2); the table's two-sided
    5 % point for df = 2 is 4.303, so the interval is 2 -+ 4.303 / sqrt(3)."""
    found = paired({420: 1.0, 421: 2.0, 422: 3.0}, {420: 0.0, 421: 0.0, 422: 0.0})
    t = 2 * 3 ** 0.5
    assert (found.seeds, found.mean, found.sd) == (3, 2.0, 1.0)
    assert found.p == pytest.approx(1 - t / (t * t + 2) ** 0.5)
    assert found.low == pytest.approx(2 - 4.303 / 3 ** 0.5, abs=1e-3)
    assert found.high == pytest.approx(2 + 4.303 / 3 ** 0.5, abs=1e-3)


def test_the_pairing_is_by_seed_not_by_position():
    """The same numbers, listed in another order: the pairs, hence the test, are the same."""
    a, b = {420: 1.0, 421: 5.0, 422: 2.0}, {420: 0.5, 421: 4.0, 422: 2.0}
    shuffled = {422: 2.0, 420: 0.5, 421: 4.0}
    assert paired(a, b) == paired(a, shuffled)
    assert paired({420: 1.0, 421: 2.0}, {421: 0.0, 422: 0.0}) is None  # one shared seed


def test_paired_needs_two_seeds_and_handles_identical_differences():
    assert paired({420: 1.0}, {420: 2.0}) is None
    assert paired({420: 1.0, 421: 1.0}, {420: 1.0, 421: 1.0}).p == 1.0
    same = paired({420: 3.0, 421: 4.0}, {420: 1.0, 421: 2.0})
    assert (same.p, same.low, same.high) == (0.0, 2.0, 2.0)


def test_holm_matches_a_worked_example():
    """p = 0.01, 0.04, 0.03, 0.005: sorted, times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, made
    non-decreasing: 0.02, 0.03, 0.06, 0.06."""
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([]) == []


def test_seeds_to_decide_is_the_first_count_that_separates_or_bounds_the_difference():
    """Mean 2, sd 1, a margin below the mean (so only separation can decide): t(0.975, n - 1) /
    sqrt(n) is 8.99, 2.48, 1.59 for n = 2, 3, 4; at level 0.05 / 3 (a family of three) the
    fourth seed is not enough (2.17) but the fifth is."""
    test = paired({420: 1.0, 421: 2.0, 422: 3.0}, {420: 0.0, 421: 0.0, 422: 0.0})
    assert seeds_to_decide(test, 1, margin=0.5) == 4
    assert seeds_to_decide(test, 3, margin=0.5) == 5
    # mean 0.5, sd 1: never separated within MAX_SEEDS at this family, but inside +-2 once
    # 0.5 + t(0.975, n - 1) / sqrt(n) < 2: n = 5 gives 0.5 + 1.24 = 1.74, n = 4 gives 2.09
    small = dataclasses.replace(test, mean=0.5)
    assert seeds_to_decide(small, 1000, margin=2.0) == 5
    tiny = dataclasses.replace(test, mean=1e-6)
    assert seeds_to_decide(tiny, 1, margin=1e-6) is None  # more than MAX_SEEDS


def test_within_needs_the_whole_interval_inside_the_margin():
    test = paired({420: 1.0, 421: 2.0, 422: 3.0}, {420: 0.0, 421: 0.0, 422: 0.0})  # 2 +- 2.48
    assert within(test, 4.5) and not within(test, 4.4)
    assert not within(dataclasses.replace(test, low=-2.0, high=-1.0), 2.0)  # touches -2


def test_first_place_is_shared_only_within_the_margin():
    seeds = (420, 421, 422)
    scores = {"a": dict(zip(seeds, (95.8, 95.9, 96.0))),
              "b": dict(zip(seeds, (96.0, 96.2, 96.1))),  # 0.2 behind, tightly: within 2
              "c": dict(zip(seeds, (99.0, 99.1, 99.3))),  # separated
              "d": dict(zip(seeds, (90.0, 97.0, 104.0)))}  # noisy: neither
    def standing(found: Leaders) -> tuple:
        return found.best, found.equivalent, found.undecided
    found = leaders(scores, lower_better=True, margin=2.0)
    assert standing(found) == ("a", ["b"], ["d"])
    # the evidence: each unseparated model's paired test against the best, and its Holm p
    assert found.contested == {n: paired(scores[n], scores["a"]) for n in ("b", "d")}
    tests = [paired(scores[n], scores["a"]) for n in ("b", "c", "d")]
    adjusted = dict(zip(("b", "c", "d"), holm([t.p for t in tests])))
    assert found.p_holm == {n: adjusted[n] for n in ("b", "d")}
    assert standing(leaders(scores, lower_better=True, margin=0.1)) == ("a", [], ["b", "d"])
    one = {name: {420: values[420]} for name, values in scores.items()}
    # one seed: nothing to test, so no one shares first place and no one is separated
    alone = leaders(one, lower_better=True, margin=2.0)
    assert standing(alone) == ("d", [], ["a", "b", "c"]) and alone.contested == {}
    high = {"a": dict(zip(seeds, (0.9, 0.91, 0.89))), "b": dict(zip(seeds, (0.5, 0.52, 0.49)))}
    assert leaders(high, lower_better=False, margin=0.02) == Leaders("a", [], [], {}, {})



def test_the_slope_and_its_upper_end_match_the_closed_form():
    """y = 0, 2, 1 at x = 0, 1, 2: slope 1/2, residuals -1/2, 1, -1/2, so s^2 = 3/2 on one degree
    of freedom and a standard error of sqrt(s^2 / 2); the table's 97.5 % point of t(1) is
    12.706."""
    found, high = slope([0.0, 2.0, 1.0])
    assert found == pytest.approx(0.5)
    assert high == pytest.approx(0.5 + 12.706 * 0.75 ** 0.5, abs=1e-3)
    assert slope([3.0, 1.0]) == pytest.approx((-2.0, -2.0))  # no residual to doubt it by
    assert slope([5.0]) == (0.0, 0.0)


def exact(k: int, n: int) -> tuple[float, float]:
    found = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    return found.low, found.high


def test_clusters_no_more_alike_than_chance_give_the_exact_interval():
    # every cluster holds half its trials as successes: no spread between clusters
    assert clustered_share([2] * 10, [4] * 10) == pytest.approx(exact(20, 40))
    assert clustered_share([4] * 10, [4] * 10) == pytest.approx(exact(40, 40))  # all, upper 1
    assert clustered_share([0, 0], [3, 0]) == pytest.approx(exact(0, 3))  # empty clusters drop
    assert clustered_share([], []) == (0.0, 1.0)  # no trial: nothing known


def test_a_cluster_of_copies_counts_as_about_one_trial_not_as_many():
    copies = clustered_share([3] * 30 + [0] * 20, [3] * 50)  # each cluster all or nothing
    naive = exact(90, 150)
    assert copies[0] < naive[0] and copies[1] > naive[1]
    single = exact(30, 50)  # one trial per cluster
    assert copies[0] <= single[0] + 1e-3 and copies[1] >= single[1] - 1e-3
    assert copies[1] - copies[0] < 1.1 * (single[1] - single[0])
