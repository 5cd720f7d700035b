"""decisions.py: what Part II concludes and which models its figures show, decided once from
the numbers."""

from __future__ import annotations

import pytest
from conftest import entry
from vae.core.statistics import Leaders as Standing
from vae.report.decisions import decide
from vae.report.figure_stamps import FIGURES
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
    assert found.figures == {
        "main": ["training", "reconstructions", "samples", "latent", "interpolation", "manifold"],
        "plane": ["latent", "manifold"],
        "conv": ["reconstructions", "samples", "interpolation", "latent", "units"],
        "wide": ["units"]}  # a variant the text only tabulates gets no figure
    assert {name for names in found.figures.values() for name in names} <= set(FIGURES)


def test_a_best_model_that_is_the_main_one_is_shown_once(study):
    models, spreads = study
    found = decide(models, spreads, best="main", plane=None)
    assert found.shown == found.interpolated == ["main"]
    assert found.units_models == ["wide"] and not found.best_projected
    assert found.figures == {
        "main": ["training", "reconstructions", "samples", "latent", "interpolation", "manifold"],
        "wide": ["units"]}


def test_a_main_model_with_a_projected_code_has_no_grid_and_a_plane_its_grid_once(study):
    models, spreads = study
    main, plane, wide, _ = models
    found = decide([wide, main], spreads, best="wide", plane=None)
    assert found.figures == {"wide": ["training", "reconstructions", "samples", "latent",
                                      "interpolation", "units"]}
    found = decide([plane, main, wide], spreads, best="main", plane="plane")
    assert found.figures == {
        "plane": ["training", "reconstructions", "samples", "latent", "interpolation",
                  "manifold"],
        "main": ["reconstructions", "samples", "interpolation"],  # a line needs no projection
        "wide": ["units"]}


def test_the_leaders_the_still_improving_and_the_overfitting_test(study):
    models, spreads = study
    found = decide(models, spreads, best="conv", plane="plane")
    assert found.leaders.elbo == Standing("conv", [], [], {}, {})  # 34 nats ahead of the next
    assert found.improvement.mean == pytest.approx(160.0 - 96.0)  # main minus best, by seed
    assert decide(models, spreads, best="main", plane="plane").improvement is None
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


def test_a_difference_lies_above_or_below_zero_only_when_its_own_test_separates_it():
    from vae.core.statistics import paired
    from vae.report.decisions import ABOVE, BELOW, UNSEPARATED, side

    base = {420: 10.0, 421: 11.0, 422: 12.0}
    assert side(paired({s: v + 1.0 + 0.01 * s for s, v in base.items()}, base)) == ABOVE
    assert side(paired({s: v - 1.0 - 0.01 * s for s, v in base.items()}, base)) == BELOW
    assert side(paired({420: 11.0, 421: 10.0, 422: 12.5}, base)) == UNSEPARATED
    assert side(paired({420: 11.0}, {420: 10.0})) is None  # one seed: no test


def test_the_common_base_is_the_most_read_against_and_never_the_main_model(study):
    from vae.report.decisions import common_base

    models, _ = study  # the seeds' validation -ELBO: main 1.0 nats, plane 2.0, wide 0.5
    for m in models:  # the test images choose nothing: their spread does not count
        m.seeds[0].test_loss += 50.0
    found = common_base(models, ["main", "plane", "plane"])
    assert (found.name, found.variants, found.steadier) == ("plane", 2, False)
    found = common_base(models, ["main", "wide", "wide"])
    assert (found.base_sd, found.main_sd) == pytest.approx((0.5, 1.0))
    assert found.steadier and not found.main_noisy  # main's sd is 1.0, not above NOISY_SD
    assert common_base(models, ["main", "main", "wide"]) is None
    assert common_base(models, []) is None



def test_the_bonus_is_yes_only_where_a_share_s_whole_interval_lies_above_a_half():
    from vae.report.decisions import FEWER, MOST, NOT_HERE, NOT_SHOWN, OPEN, YES, bonus
    from vae.report.smoothness import PathTally

    def t(low, high, drawn=100):
        return PathTally(150, drawn, drawn // 2, low, high)

    found = bonus({"main": t(0.1, 0.3), "a": t(0.6, 0.8), "b": t(0.7, 0.9), "c": t(0.7, 0.8)},
                  "main")
    assert (found.answer, found.sure, found.sheet) == (YES, ["b", "c", "a"], FEWER)
    assert (found.top, found.tied) == ("b", ["c"])
    assert bonus({"main": t(0.4, 0.6)}, "main").answer == NOT_SHOWN
    assert bonus({"main": t(0.4, 0.6)}, "main").sheet == OPEN
    assert bonus({"main": t(0.1, 0.45), "a": t(0.2, 0.4)}, "main").answer == NOT_HERE
    assert bonus({"main": t(0.55, 0.7)}, "main").sheet == MOST
    nothing = bonus({"main": t(0.0, 1.0, drawn=0)}, "main")
    assert nothing.sheet is None and nothing.top is None and nothing.answer == NOT_HERE
    # the same test under each neighbouring rule: a model counts where its whole interval
    # lies above a half and it draws a path's ends
    nearby = bonus({"main": t(0.1, 0.3), "a": t(0.6, 0.8)}, "main",
                   {"main": [t(0.6, 0.9), t(0.1, 0.3), t(0.6, 0.9, drawn=0), t(0.1, 0.3)],
                    "a": [t(0.6, 0.8), t(0.4, 0.8), t(0.7, 0.9), t(0.1, 0.3)]})
    assert nearby.sure == ["a"] and nearby.sure_nearby == [2, 0, 1, 0]
    assert bonus({"main": t(0.1, 0.3)}, "main").sure_nearby == []


def test_an_estimate_is_within_the_literature_up_to_two_standard_errors_of_the_printed_gap():
    from vae.report.decisions import ABOVE, BELOW, WITHIN_ERRORS, against_reference

    assert against_reference(86.10, 0.96, 86.76) == WITHIN_ERRORS
    # printed 86.1 against 86.8: a gap of exactly two standard errors of 0.35 still counts
    assert against_reference(86.14, 0.35, 86.76) == WITHIN_ERRORS
    assert against_reference(86.14, 0.34, 86.76) == BELOW
    assert against_reference(90.0, 0.95, 86.76) == ABOVE
