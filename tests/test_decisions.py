"""decisions.py: what Part II concludes and which models its figures show, decided once from
the numbers."""

from __future__ import annotations

import pytest
from conftest import entry
from vae.core.statistics import Leaders as Standing
from vae.report.decisions import decide
from vae.report.numbers import ReadingSpread, spread
from vae.report.smoothness import tally


def readings(kept: list[float], train_kept: list[float] | None = None,
             information: bool = False) -> ReadingSpread:
    """Readings over seeds 420-422; every other measure flat."""
    flat = spread([0.5, 0.5, 0.5])
    return ReadingSpread(spread(kept), spread(train_kept or kept), flat, flat,
                         spread([100.0, 100.0, 100.0]), tally([]), tally([]),
                         flat if information else None, flat if information else None, None)


@pytest.fixture
def study():
    models = [entry("main", latent_dim=1, test_loss=160.0, spread=1.0, slope=-2.0),
              entry("plane", latent_dim=2, test_loss=140.0, spread=2.0),
              entry("wide", latent_dim=16, test_loss=130.0, spread=0.5),
              entry("conv", latent_dim=16, test_loss=96.0, spread=1.5, architecture="conv")]
    spreads = {"main": readings([0.55, 0.56, 0.57], [0.50, 0.52, 0.51], information=True),
               "plane": readings([0.70, 0.72, 0.71], information=True),
               "wide": readings([0.85, 0.86, 0.88]), "conv": readings([0.96, 0.98, 0.995])}
    return models, spreads


def test_the_figures_show_the_main_the_first_plane_and_the_best_model(study):
    models, spreads = study
    found = decide(models, spreads, best="conv", plane="plane")
    assert found.shown == ["main", "plane", "conv"]
    assert found.interpolated == ["main", "conv"]
    assert found.units_models == ["wide", "conv"]  # the first large code, and the best
    assert found.information_model == "main"
    assert found.best_projected  # conv's 16-D code is neither the main model's nor a plane


def test_a_best_model_that_is_the_main_one_is_shown_once(study):
    models, spreads = study
    found = decide(models, spreads, best="main", plane=None)
    assert found.shown == found.interpolated == ["main"]
    assert found.units_models == ["wide"] and not found.best_projected


def test_the_leaders_the_still_improving_and_the_overfitting_test(study):
    models, spreads = study
    found = decide(models, spreads, best="conv", plane="plane")
    assert found.leaders.elbo == Standing("conv", [], [])  # 34 nats ahead of the next
    assert found.leaders.digit_kept.best == "conv"
    assert found.falling == ["main"]  # slope -2 with its interval below zero
    # training reconstructions 4 to 6 points worse than test ones, seed by seed
    assert found.overfitting.mean == pytest.approx(-0.05) and found.overfitting.high < 0
    # the final weights: 2.3 nats lower on training than on validation images, every seed
    assert found.overfitting_elbo.mean == pytest.approx(-2.3)


def test_a_binarised_run_is_read_as_the_best_model_only_when_binarising_is_all_it_changes(study):
    models, spreads = study
    found = decide(models, spreads, best="conv", plane="plane")
    assert not found.binarized_of_best and not found.binarized_subset  # no binarised run
    same = entry("binarized", latent_dim=16, architecture="conv", binarize=True, seeds=1,
                 iwae_images=10_000)
    same.iwae_images, same.test_images = 10_000, 10_000
    found = decide(models, spreads, best="conv", plane="plane", binarized=same)
    assert found.binarized_of_best and not found.binarized_subset
    other = entry("binarized", latent_dim=16, architecture="conv", binarize=True, epochs=25)
    other.iwae_images, other.test_images = 200, 10_000
    found = decide(models, spreads, best="conv", plane="plane", binarized=other)
    assert not found.binarized_of_best and found.binarized_subset


def test_the_best_model_is_chosen_on_validation_not_test_images(study):
    from vae.report.decisions import best_of, plane_of

    models, _ = study
    for m, valid in zip(models, (161.0, 141.0, 131.0, 97.0)):
        m.valid_loss = valid
    assert best_of(models).name == "conv" and plane_of(models) == "plane"
    # the lowest test -ELBO of all, but a higher validation -ELBO than conv's
    lucky = entry("lucky", latent_dim=16, test_loss=90.0)
    lucky.valid_loss = 98.0
    assert best_of([*models, lucky]).name == "conv"
    lucky.valid_loss = 96.0
    assert best_of([*models, lucky]).name == "lucky"
    assert plane_of([m for m in models if m.name != "plane"]) is None
