"""The study's comparisons and the words for them: each verdict, flag and phrase that
comparisons.py, statistics.py and wording.py decide."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from vae.core.config import Config
from vae.report.comparisons import closest_baseline, compare, verdict
from vae.report.latex import printed_difference
from vae.report.statistics import ALPHA, leaders, welch
from vae.report.wording import check_count, latent_words, model_words, plural


def entry(name: str = "base", test_loss: float = 130.0, spread: float = 1.0,
          active_units: int = 7, seconds_per_epoch: float = 10.0, **settings):
    """A model's numbers as compare reads them: three seeds around test_loss."""
    config = dataclasses.replace(Config(latent_dim=16), **settings).to_dict()
    seeds = [SimpleNamespace(test_loss=test_loss + d * spread) for d in (-1.0, 0.0, 1.0)]
    return SimpleNamespace(name=name, config=config, test_loss=test_loss, test_kl=20.0,
                           seeds=seeds, active_units=[active_units] * 3,
                           latent_dim=config["latent_dim"], seconds_per_epoch=seconds_per_epoch)


def test_welch_matches_closed_forms_and_the_t_table():
    """Two seeds a side with equal variances give df = 2, where Student's t has the closed form
    P(|T| > t) = 1 - t / sqrt(t^2 + 2); with three a side df = 4, and the table's two-sided 5 %
    point is 2.776."""
    found = welch([0.0, 2.0], [3.0, 5.0])
    t = 3 / 2 ** 0.5
    assert found.t == pytest.approx(-t) and found.df == pytest.approx(2.0)
    assert found.p == pytest.approx(1 - t / (t * t + 2) ** 0.5)
    edge = welch([0.0, 1.0, 2.0], [2.776 * (2 / 3) ** 0.5 + 1 + d for d in (-1.0, 0.0, 1.0)])
    assert edge.df == pytest.approx(4.0) and edge.p == pytest.approx(0.05, abs=1e-4)


def test_welch_needs_two_seeds_a_side_and_handles_identical_seeds():
    assert welch([1.0], [2.0, 3.0]) is None
    assert welch([1.0, 1.0], [1.0, 1.0]).p == 1.0
    assert welch([1.0, 1.0], [2.0, 2.0]).p == 0.0


@pytest.mark.parametrize("delta, p, said", [
    (-2.0, 0.01, "helped"), (2.0, 0.01, "did not help"), (-2.0, ALPHA, "inconclusive"),
    (-2.0, 0.3, "inconclusive"), (0.0, 0.0, "inconclusive"),
])
def test_verdict_follows_the_test(delta, p, said):
    assert verdict(delta, SimpleNamespace(p=p)) == said
    assert verdict(delta, None) == "inconclusive"  # one seed: nothing to test against


def test_the_difference_is_that_of_the_printed_means_and_the_test_uses_every_seed():
    base, variant = entry(test_loss=130.004, spread=0.2), entry(
        "v", test_loss=128.996, spread=0.2, activation="relu")
    found = compare(variant, base, latent_grown_before=False)
    assert found.delta == printed_difference(128.996, 130.004) == -1.0
    assert found.test.p < ALPHA and found.verdict == "helped"
    noisy = compare(entry("v", test_loss=128.996, spread=3.0, activation="relu"), base, False)
    assert noisy.test.p > ALPHA and noisy.verdict == "inconclusive"


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


@pytest.mark.parametrize("units, dim, unchanged", [(7, 16, True), (6, 16, False), (7, 32, False)])
def test_units_unchanged_needs_the_same_units_of_the_same_dimension(units, dim, unchanged):
    variant = entry("v", active_units=units, latent_dim=dim)
    assert compare(variant, entry(), False).units_unchanged is unchanged


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


def test_the_baseline_is_the_closest_earlier_run_latest_on_a_tie():
    main = entry("main", latent_dim=1)
    wide = entry("wide", latent_dim=16)
    relu = entry("relu", latent_dim=16, activation="relu")
    assert closest_baseline(entry("x", latent_dim=16, weight_decay=0.0),
                            [main, wide, relu]).name == "wide"
    twin = entry("twin", latent_dim=16)
    assert closest_baseline(entry("y", latent_dim=16, beta=2.0),
                            [main, wide, twin]).name == "twin"


def test_model_words_come_from_the_config():
    words = model_words(Config())
    assert words.encoder_layers == "layers of width 512, 256, 128 and 64"
    assert (words.activation, words.optimizer) == ("SiLU", "AdamW")
    other = model_words(Config(hidden=64, activation="gelu", optimizer="sgd"))
    assert other.encoder_layers == "layers of width 64, 32, 16 and 8"
    assert (other.activation, other.optimizer) == ("GELU", "SGD")
    assert "convolutions of 32 and 64 channels" in model_words(
        Config(architecture="conv", hidden=256)).encoder_layers


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


def test_leaders_are_the_best_and_whoever_the_seeds_cannot_separate_from_it():
    scores = {"a": (95.9, 0.1), "b": (96.4, 0.3), "c": (99.0, 0.2)}
    assert leaders(scores, 3, lower_better=True) == ["a", "b"]
    assert leaders(scores, 1, lower_better=True) == ["a"]  # one seed: nothing to test
    assert leaders({"a": (0.9, 0.01), "b": (0.5, 0.01)}, 3, lower_better=False) == ["a"]


@pytest.mark.parametrize("n, words", [(1, ("check", "is", "it")), (2, ("checks", "are", "them")),
                                      (0, ("checks", "are", "them"))])
def test_plural_takes_a_regular_or_a_given_plural(n, words):
    assert (plural(n, "check"), plural(n, "is", "are"), plural(n, "it", "them")) == words
