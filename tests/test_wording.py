"""report/wording.py: how counts, checks and settings read in English."""

from __future__ import annotations

import pytest
from vae.core.config import Config
from vae.report.wording import check_count, check_label, latent_words, model_words, plural

from derivations.results import GENERAL, CheckResult


def _checks(*scopes_and_calls) -> list[CheckResult]:
    return [CheckResult(f"ex1-c{i}", 1, "t", True, "m", scope, list(calls), "", 0.0)
            for i, (scope, calls) in enumerate(scopes_and_calls)]


@pytest.mark.parametrize("checks, words", [
    (_checks((GENERAL, ())), "1 symbolic check; general"),
    (_checks(("k = 3", ())), "1 symbolic check; on an instance"),
    (_checks((GENERAL, ()), ("k = 3", ()), ("seeded", ("f",))),
     "3 checks: 2 symbolic, 1 of the training code; 1 general, 2 on instances"),
    (_checks((GENERAL, ()), (GENERAL, ()), ("k = 3", ())),
     "3 symbolic checks; 2 general, 1 on an instance"),
    (_checks(("k = 3", ()), ("seeded", ("f",))),
     "2 checks: 1 symbolic, 1 of the training code; all on instances"),
])
def test_check_label_says_how_many_checks_are_general(checks, words):
    assert check_label(checks) == words



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


@pytest.mark.parametrize("n, words", [(1, ("check", "is", "it")), (2, ("checks", "are", "them")),
                                      (0, ("checks", "are", "them"))])
def test_plural_takes_a_regular_or_a_given_plural(n, words):
    assert (plural(n, "check"), plural(n, "is", "are"), plural(n, "it", "them")) == words

