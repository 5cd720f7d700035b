"""report/comparisons.py: each variant against its baseline, the verdicts and flags decided
from the paired tests."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import entry
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
    first_look,
    still_falling,
    verdict,
)
from vae.report.latex import printed_difference
from vae.core.statistics import ALPHA, holm, paired


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


def with_seeds(model, losses):
    """model with one seed per loss, seeds 420, 421, ..., and the mean as its test loss."""
    from types import SimpleNamespace
    model.seeds = [SimpleNamespace(seed=420 + i, test_loss=loss, valid_loss=loss + 0.3,
                                   train_loss_final=loss - 2.0, subset_test_loss=loss + 0.5,
                                   iwae_bound=loss - 4.0) for i, loss in enumerate(losses)]
    model.test_loss = sum(losses) / len(losses)
    return model


def test_the_first_look_is_the_verdict_on_the_shared_seeds_alone():
    base = with_seeds(entry("main", latent_dim=1), [130.0, 131.0, 129.0, 133.0, 133.0, 133.0])
    # three seeds: differences -1, +1, -1 leave it undecided; six, nearly all -1: better
    grown = with_seeds(entry("a", latent_dim=2),
                       [129.0, 132.0, 128.0, 132.0, 132.1, 131.9])
    same = with_seeds(entry("b", latent_dim=16), [120.0, 121.0, 119.0])
    models = [base, grown, same]
    assert compare_all(models)["a"].test.seeds == 6
    assert compare_all(models)["b"].test.seeds == 3  # paired on the seeds both trained
    first = first_look(models, [420, 421, 422])
    assert first == {"a": UNDECIDED}  # b pairs no more seeds than everyone: no second look
    # the difference rests on the seeds its interval pairs: the three both trained
    assert compare_all(models)["b"].delta == round(
        sum(same.seeds[i].test_loss - base.seeds[i].test_loss for i in range(3)) / 3, 1) == -10.0
    assert compare_all(models)["b"].delta != printed_difference(same.test_loss, base.test_loss)
    assert compare_all([base, with_seeds(entry("a", latent_dim=2), [
        129.0, 130.1, 128.0, 132.0, 132.1, 131.9])])["a"].verdict == BETTER


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

