"""The study's comparisons and the words for them: each verdict, flag and phrase that
comparisons.py, statistics.py and wording.py decide."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import entry
from vae.core.config import Config
from vae.report.comparisons import (
    BETTER,
    MARGIN,
    UNDECIDED,
    WITHIN,
    WORSE,
    baselines,
    closest_baseline,
    compare,
    compare_all,
    still_falling,
    verdict,
)
from vae.report.latex import printed_difference
from vae.report.numbers import late_slope, typical_seed
from vae.core.statistics import ALPHA, Leaders, holm, leaders, paired, seeds_to_decide, within
from vae.report.wording import check_count, latent_words, model_words, plural


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


@pytest.mark.parametrize("delta, p, low, high, said", [
    (-2.5, 0.01, -3.0, -2.0, BETTER), (2.5, 0.01, 2.0, 3.0, WORSE),
    (-0.3, ALPHA, -1.0, 0.4, WITHIN),  # not separated, and no difference beyond the margin
    (-0.3, 0.01, -0.5, -0.1, BETTER),  # separated and small: separated wins
    (-2.0, 0.3, -6.0, 2.0, UNDECIDED), (0.0, 0.0, -3.0, 3.0, UNDECIDED),
])
def test_verdict_separates_bounds_or_leaves_undecided(delta, p, low, high, said):
    test = paired({420: 1.0, 421: 2.0}, {420: 0.0, 421: 0.0})
    assert verdict(delta, dataclasses.replace(test, low=low, high=high), p) == said
    assert verdict(delta, None, 1.0) == UNDECIDED  # one seed: nothing to test
    assert WITHIN == f"within {MARGIN:g} nats"


def test_the_difference_is_that_of_the_printed_means_and_the_test_pairs_the_seeds():
    base, variant = entry(test_loss=130.04, spread=3.0), entry(
        "v", test_loss=128.96, spread=3.0, activation="relu")
    found = compare(variant, base, latent_grown_before=False)
    assert found.delta == printed_difference(128.96, 130.04) == -1.0  # not the raw -1.08
    # the seeds move together, so the pairs separate what the spread alone would hide
    assert found.test.p < ALPHA and found.test.high < 0
    assert compare(variant, base, False, p_holm=0.01).verdict == BETTER
    # not separated after correction, but every seed's difference is -1.08: within the margin
    assert compare(variant, base, False, p_holm=0.2).verdict == WITHIN


def test_compare_all_corrects_for_every_comparison_at_once():
    main = entry("main", latent_dim=1, test_loss=150.0)
    models = [main, entry("a", latent_dim=2, test_loss=140.0, spread=1.0),
              entry("b", latent_dim=16, test_loss=139.0, spread=1.0)]
    found = compare_all(models)
    raw = [found[n].test.p for n in ("a", "b")]
    assert [found[n].p_holm for n in ("a", "b")] == pytest.approx(holm(raw))
    assert found["b"].baseline == "main"  # a tie of one setting: the main model


@pytest.mark.parametrize("slope, improving", [(-0.6, True), (-0.4, False), (0.3, False)])
def test_a_curve_still_falling_faster_than_flat_is_improving(slope, improving):
    assert still_falling(entry("v", activation="relu", slope=slope)) is improving
    assert still_falling(entry(slope=0.0)) is False
    noisy = entry("v", activation="relu", slope=-3.0)
    noisy.late_slope_high = 0.5  # its interval reaches above zero: not clearly falling
    assert still_falling(noisy) is False


def test_seeds_needed_only_for_differences_not_separated():
    base = entry(test_loss=130.0, spread=1.0)
    noisy = entry("v", test_loss=129.0, spread=1.0, activation="relu")
    noisy.seeds[0].test_loss += 2.0  # differences +1, -1, -1: mean -1/3, sd 1.15
    assert compare(noisy, base, False, p_holm=0.5).seeds_needed > 3
    assert compare(noisy, base, False, p_holm=0.01).seeds_needed is None


def test_one_change_is_explained_with_its_values():
    found = compare(entry("v", activation="relu"), entry(), latent_grown_before=False)
    assert [c.key for c in found.changes] == ["activation"]
    assert found.changes[0].label == "activation"
    assert found.explained == "activation" and found.several == ""
    assert found.explained_from.startswith("SiLU") and found.explained_to.startswith("ReLU")


def test_several_changes_are_counted_in_words_and_the_architecture_is_explained():
    variant = entry("conv", architecture="conv", hidden=256, latent_dim=32)
    found = compare(variant, entry(), latent_grown_before=False)
    assert {c.key for c in found.changes} == {"architecture", "hidden", "latent_dim"}
    assert found.several == "three" and found.explained == "architecture"


def test_a_second_latent_growth_says_again():
    base = entry(latent_dim=1)
    first = compare(entry("a", latent_dim=2), base, latent_grown_before=False)
    again = compare(entry("b", latent_dim=16), entry("a", latent_dim=2), latent_grown_before=True)
    assert (first.explained, first.latent_again) == ("latent_dim", False)
    assert (again.explained, again.latent_again) == ("latent_dim", True)
    assert (again.explained_from, again.explained_to) == ("2", "16")


@pytest.mark.parametrize("units, failed", [(5, True), (7, False), (9, False)])
def test_warm_up_failed_only_when_it_was_the_change_and_units_fell(units, failed):
    variant = entry("w", active_units=units, kl_warmup_epochs=3.0)
    assert compare(variant, entry(), False).warmup_failed is failed
    assert compare(entry("r", active_units=units, activation="relu"), entry(),
                   False).warmup_failed is False


@pytest.mark.parametrize("seconds, slower", [(15.0, False), (15.01, True), (9.0, False)])
def test_slower_means_half_as_long_again(seconds, slower):
    variant = entry("v", seconds_per_epoch=seconds, activation="relu")
    assert compare(variant, entry(seconds_per_epoch=10.0), False).slower is slower


def test_the_baseline_is_the_closest_earlier_run_then_the_one_nearest_the_main_one():
    main = entry("main", latent_dim=1)
    wide = entry("wide", latent_dim=16)
    relu = entry("relu", latent_dim=16, activation="relu")
    configs = [m.config for m in (main, wide, relu)]
    assert closest_baseline(entry("x", latent_dim=16, weight_decay=0.0).config, configs) == 1
    twin = entry("twin", latent_dim=16)
    assert closest_baseline(entry("y", latent_dim=16, beta=2.0).config,
                            [m.config for m in (main, wide, twin)]) == 2  # a tie: the latest
    # beta 2 against the base both betas change (one setting from it), not against beta 0.5
    half = entry("half", latent_dim=16, beta=0.5)
    two = entry("two", latent_dim=16, beta=2.0)
    assert baselines([m.config for m in (main, wide, half, two)]) == [0, 1, 1]
    # a code of 16 against the main model's 1 rather than the 2 of a variant of it
    plane = entry("plane", latent_dim=2)
    assert baselines([m.config for m in (main, plane, wide)]) == [0, 0]
    assert baselines([*configs, entry("x", latent_dim=16, weight_decay=0.0).config]) == [0, 1, 1]


def test_model_words_come_from_the_config():
    words = model_words(Config())
    assert words.encoder_layers == "layers of width 512, 256, 128 and 64"
    assert (words.activation, words.optimizer) == ("SiLU", "AdamW")
    other = model_words(Config(hidden=64, activation="gelu", optimizer="sgd"))
    assert other.encoder_layers == "layers of width 64, 32, 16 and 8"
    assert (other.activation, other.optimizer) == ("GELU", "SGD")
    assert "convolutions of 16 and 32 channels" in model_words(
        Config(architecture="conv", hidden=256)).encoder_layers
    assert "convolutions of 24 and 48 channels" in model_words(
        Config(architecture="conv", channels=24)).encoder_layers


@pytest.mark.parametrize("dim, manifold, small, words", [
    (1, "line", True, "1 dimension"), (2, "plane", True, "2 dimensions"),
    (16, "", False, "16 dimensions")])
def test_latent_words(dim, manifold, small, words):
    assert latent_words(dim) == type(latent_words(dim))(manifold, small, words)


@pytest.mark.parametrize("symbolic, code, words", [
    (3, 0, "3 symbolic checks"), (1, 0, "1 symbolic check"), (0, 1, "1 check of the training code"),
    (2, 1, "3 checks: 2 symbolic, 1 of the training code")])
def test_check_count(symbolic, code, words):
    assert check_count(symbolic, code) == words


def test_first_place_is_shared_only_within_the_margin():
    seeds = (420, 421, 422)
    scores = {"a": dict(zip(seeds, (95.8, 95.9, 96.0))),
              "b": dict(zip(seeds, (96.0, 96.2, 96.1))),  # 0.2 behind, tightly: within 2
              "c": dict(zip(seeds, (99.0, 99.1, 99.3))),  # separated
              "d": dict(zip(seeds, (90.0, 97.0, 104.0)))}  # noisy: neither
    assert leaders(scores, lower_better=True, margin=2.0) == Leaders("a", ["b"], ["d"])
    assert leaders(scores, lower_better=True, margin=0.1) == Leaders("a", [], ["b", "d"])
    one = {name: {420: values[420]} for name, values in scores.items()}
    # one seed: nothing to test, so no one shares first place and no one is separated
    assert leaders(one, lower_better=True, margin=2.0) == Leaders("d", [], ["a", "b", "c"])
    high = {"a": dict(zip(seeds, (0.9, 0.91, 0.89))), "b": dict(zip(seeds, (0.5, 0.52, 0.49)))}
    assert leaders(high, lower_better=False, margin=0.02) == Leaders("a", [], [])


@pytest.mark.parametrize("n, words", [(1, ("check", "is", "it")), (2, ("checks", "are", "them")),
                                      (0, ("checks", "are", "them"))])
def test_plural_takes_a_regular_or_a_given_plural(n, words):
    assert (plural(n, "check"), plural(n, "is", "are"), plural(n, "it", "them")) == words


def test_the_typical_seed_is_the_median_one():
    assert typical_seed({420: 167.8, 421: 160.1, 422: 163.0}) == 422
    assert typical_seed({420: 1.0, 421: 2.0}) == 420  # of two, the lower middle
    assert typical_seed({421: 5.0}) == 421


def test_the_late_slope_is_the_least_squares_fall_of_the_last_epochs():
    falling = [200.0, 180.0, 170.0, 160.0, 150.0, 140.0, 130.0]  # -10 per epoch at the end
    assert late_slope(falling) == pytest.approx((-10.0, -10.0))  # a line: no doubt about it
    assert late_slope([5.0, 1.0, 1.0, 1.0, 1.0, 1.0]) == pytest.approx((0.0, 0.0))
    assert late_slope([3.0]) == (0.0, 0.0)
    # a fall of about 1.6 per epoch in noise of several nats: the interval reaches above zero
    slope, high = late_slope([10.0, 12.0, 5.0, 10.0, 3.0])
    assert slope == pytest.approx(-1.6) and high > 0
