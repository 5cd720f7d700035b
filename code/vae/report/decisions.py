"""What Part II concludes and shows, decided once from the numbers when the summary is written
(summary.json holds it): which models share first place on each measure, which were still
improving, which models each figure shows, and what the over-fitting tests found. The prose
(discussion.py) words these decisions and makes none; the templates only typeset.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence, TypeVar

from ..core.statistics import Leaders as Standing
from ..core.statistics import ALPHA, Paired, leaders, paired
from ..instrument.measurements import drawn_directly
from .comparisons import MARGIN, changes, still_falling
from .latex import printed_difference
from .numbers import ModelNumbers, ReadingSpread, Spread
from .smoothness import NEIGHBOUR_RULES, PathTally
from .numbers import spread as spread_of

# A model as the ranking reads it: name, seeds, test -ELBO over seeds, readings over seeds.
Ranked = tuple[str, list[int], Spread, ReadingSpread]
# Differences smaller than these count as none when a model shares first place: MARGIN nats of
# -ELBO, SHARE_MARGIN of a share of images (2 percentage points), FRECHET_MARGIN of the
# Frechet distance of the classifier's features.
SHARE_MARGIN = 0.02
FRECHET_MARGIN = 10.0
# Where a paired difference read alone lies (the over-fitting tests are not part of the study's
# family): separated from zero above or below by its own test at ALPHA, or not separated.
ABOVE, BELOW, UNSEPARATED = "above zero", "below zero", "not separated"


def side(test: Paired | None) -> str | None:
    """ABOVE or BELOW when the test alone separates the difference from zero, else UNSEPARATED;
    None without a test (one seed)."""
    if test is None:
        return None
    if test.p >= ALPHA:
        return UNSEPARATED
    return ABOVE if test.mean > 0 else BELOW


@dataclass(frozen=True)
class Leaders:
    """The first place on each measure: its model, the models within the measure's margin of
    it (sharing first place), and those the seeds leave undecided (core.statistics.leaders)."""

    elbo: Standing  # lowest test -ELBO
    digit_kept: Standing  # most test reconstructions keep their digit
    frechet: Standing  # samples closest to real digits
    clear_samples: Standing  # most samples named with confidence
    # the tests separate every model of the lowest -ELBO from every model that shares or
    # contests the most confident samples: the best loss does not give the clearest samples
    loss_not_clearest: bool


# The bonus question's answer: YES where some model's share of smooth paths lies above a half,
# NOT_HERE where no model's interval reaches a half, NOT_SHOWN otherwise; and the sheet's own
# model's reading: MOST, FEWER (its whole interval below a half) or OPEN.
YES, NOT_HERE, NOT_SHOWN = "yes", "not here", "not shown"
MOST, FEWER, OPEN = "most", "fewer than half", "open"


@dataclass(frozen=True)
class Bonus:
    """The bonus question decided from each model's straight paths over its seeds."""

    sure: list[str]  # the models whose share's interval lies above a half, highest first
    answer: str  # YES, NOT_HERE or NOT_SHOWN
    sheet: str | None  # the main model's reading; None when it draws no path's two ends
    top: str | None  # the highest lower end of the interval; None when no model draws any
    tied: list[str]  # level with top at the printed percent
    # how many models `sure` would hold under each of smoothness.NEIGHBOUR_RULES
    sure_nearby: list[int]


def bonus(linear: dict[str, PathTally], main: str,
          neighbours: dict[str, list[PathTally]] | None = None) -> Bonus:
    """linear: each model's straight paths (smoothness.tally); main: the sheet's model;
    neighbours: each model's straight paths under each of smoothness.NEIGHBOUR_RULES."""
    ranked = sorted((n for n, t in linear.items() if t.drawn), key=lambda n: -linear[n].low)
    sure = [n for n in ranked if surely_most(linear[n])]
    answer = (YES if sure else
              NOT_HERE if not any(linear[n].high >= 0.5 for n in ranked) else NOT_SHOWN)
    own = linear[main]
    sheet = (None if not own.drawn else MOST if main in sure else
             FEWER if own.high < 0.5 else OPEN)
    top = ranked[0] if ranked else None
    tied = [n for n in ranked[1:]
            if top and round(100 * linear[n].low) == round(100 * linear[top].low)]
    nearby = ([sum(surely_most(tallies[i]) for tallies in neighbours.values())
               for i in range(len(NEIGHBOUR_RULES))]
              if neighbours and all(neighbours.values()) else [])  # [] where none were tallied
    return Bonus(sure, answer, sheet, top, tied, nearby)


def surely_most(t: PathTally) -> bool:
    """Most of the paths whose ends are drawn are smooth: the share's whole interval lies above
    a half."""
    return t.drawn > 0 and t.low > 0.5


# Where an estimate lies against a published value: within LITERATURE_SES of its standard errors,
# else below or above it.
LITERATURE_SES = 2
WITHIN_ERRORS = "within its standard errors"


def against_reference(estimate: float, stderr: float, reference: float) -> str:
    """WITHIN_ERRORS, BELOW or ABOVE: the estimate against the published reference, by the
    difference a reader computes from the two printed values."""
    gap = printed_difference(estimate, reference)
    if abs(gap) <= LITERATURE_SES * stderr:
        return WITHIN_ERRORS
    return BELOW if gap < 0 else ABOVE


# A main model whose seeds' test -ELBO spreads more than this (sd, nats) hides a change of a nat.
NOISY_SD = 1.0


@dataclass(frozen=True)
class CommonBase:
    """The baseline that most variants are read against, where it is not the main model."""

    name: str
    variants: int  # read against it
    # the standard deviation of the seeds' validation -ELBO (the test images choose nothing)
    base_sd: float
    main_sd: float
    steadier: bool  # base_sd < main_sd
    main_noisy: bool  # main_sd exceeds NOISY_SD


@dataclass(frozen=True)
class Decisions:
    leaders: Leaders
    falling: list[str]  # the models whose validation curve still fell when training stopped
    shown: list[str]  # whose latent space the text reads: main, the first 2-D model, the best
    interpolated: list[str]  # whose interpolation figure is drawn: main, then the best
    units_models: list[str]  # whose KL per dimension is drawn
    figures: dict[str, list[str]]  # the figures the report prints, per model (figures_shown)
    information_model: str | None  # the first model whose I(x; z) is estimated
    best_projected: bool  # the best model's code needs a projection of its own figure
    # the main model's digit kept in training minus test reconstructions, paired by seed, and
    # where it lies (side)
    overfitting: Paired | None
    overfitting_side: str | None
    # the main model's final -ELBO on training minus validation images, paired by seed: below
    # zero is over-fitting
    overfitting_elbo: Paired | None
    overfitting_elbo_side: str | None
    common_base: CommonBase | None  # None when most variants are read against the main model
    bonus: Bonus
    binarized_of_best: bool  # the binarised run is the best model's config on binarised data
    binarized_subset: bool  # its IWAE bound covers a random subset of the test images, not all
    # the main model's test -ELBO minus the best model's, paired by seed; None when the best
    # model is the main one
    improvement: Paired | None


class Candidate(Protocol):
    """What the choice of the best model and of the figures reads of a model (ModelNumbers has
    it; the figure stage reads no more of the runs)."""

    @property
    def name(self) -> str: ...
    @property
    def latent_dim(self) -> int: ...
    @property
    def valid_loss(self) -> float: ...


Model = TypeVar("Model", bound=Candidate)


def best_of(models: Sequence[Model]) -> Model:
    """The study's best model: the lowest mean validation -ELBO, so that the test set only
    reports."""
    return min(models, key=lambda m: m.valid_loss)


def plane_of(models: Sequence[Candidate]) -> str | None:
    """The first model whose code is a plane, which the report draws as one."""
    return next((m.name for m in models if m.latent_dim == 2), None)


def units_models(models: Sequence[Candidate], best: str) -> list[str]:
    """Whose KL per dimension is drawn: the first model with a projected code, and the best
    model if its code is projected too."""
    larger = [m for m in models if not drawn_directly(m.latent_dim)]
    return [m.name for m in larger[:1] + [m for m in larger[1:] if m.name == best]]


def best_projected(models: Sequence[Candidate], best: str, plane: str | None) -> bool:
    """Whether the best model's code needs a projection of its own figure: it is neither the
    main model's nor the plane's, and too large to draw directly."""
    best_model = next(m for m in models if m.name == best)
    return best not in (models[0].name, plane) and not drawn_directly(best_model.latent_dim)


def figures_shown(models: Sequence[Candidate], best: str,
                  plane: str | None) -> dict[str, list[str]]:
    """The figures the report prints, per model (main first; best and plane as best_of and
    plane_of name them), by their names in figure_stamps.FIGURES: all of the main model's (the
    grid only for a code drawn directly), the plane's code and grid, the best model's images,
    paths and its projection where it needs one, and units_models' KL per dimension. The
    figure stage draws these alone, and build.py refuses a template that asks for another."""
    main = models[0]
    shown: dict[str, list[str]] = {}

    def add(name: str, *figures: str) -> None:
        shown[name] = list(dict.fromkeys([*shown.get(name, []), *figures]))
    add(main.name, "training", "reconstructions", "samples", "latent", "interpolation",
        *(["manifold"] if drawn_directly(main.latent_dim) else []))
    if plane is not None:
        add(plane, "latent", "manifold")
    if best != main.name:
        add(best, "reconstructions", "samples", "interpolation")
    if best_projected(models, best, plane):
        add(best, "latent")
    for name in units_models(models, best):
        add(name, "units")
    return shown


def common_base(models: list[ModelNumbers], baselines: list[str]) -> CommonBase | None:
    """models: the study, main first; baselines: each variant's. The most common baseline,
    where it is not the main model and there are seeds to spread."""
    if not baselines or len(models[0].seeds) < 2:
        return None
    name, variants = Counter(baselines).most_common(1)[0]
    main = models[0]
    if name == main.name:
        return None
    base = next(m for m in models if m.name == name)
    base_sd, main_sd = (spread_of([s.valid_loss for s in m.seeds]).sd for m in (base, main))
    return CommonBase(name, variants, base_sd, main_sd, base_sd < main_sd, main_sd > NOISY_SD)


def decide(models: list[ModelNumbers], spreads: dict[str, ReadingSpread], best: str,
           plane: str | None, binarized: ModelNumbers | None = None,
           baselines: list[str] | None = None) -> Decisions:
    """models: every model of the study, main first; spreads: each one's readings over seeds;
    best and plane: the best model's name and the first with a two-dimensional code;
    binarized: the binarised-MNIST run, if reported."""
    main = models[0]
    others = [name for name in (plane, best) if name is not None and name != main.name]
    estimated = next((m.name for m in models if spreads[m.name].information is not None), None)
    kept = spreads[main.name]
    seeds = [s.seed for s in main.seeds]
    best_model = next(m for m in models if m.name == best)
    overfitting = paired(dict(zip(seeds, kept.train_digit_kept.values)),
                         dict(zip(seeds, kept.digit_kept.values)))
    overfitting_elbo = paired({s.seed: s.train_loss_final for s in main.seeds},
                              {s.seed: s.valid_loss for s in main.seeds})
    return Decisions(
        leaders=rank([(m.name, [s.seed for s in m.seeds],
                       spread_of([s.test_loss for s in m.seeds]), spreads[m.name])
                      for m in models]),
        falling=[m.name for m in models if still_falling(m)],
        shown=[main.name, *dict.fromkeys(others)],
        interpolated=[main.name] + ([best] if best != main.name else []),
        units_models=units_models(models, best),
        figures=figures_shown(models, best, plane),
        information_model=estimated,
        best_projected=best_projected(models, best, plane),
        overfitting=overfitting,
        overfitting_side=side(overfitting),
        overfitting_elbo=overfitting_elbo,
        overfitting_elbo_side=side(overfitting_elbo),
        common_base=common_base(models, baselines or []),
        bonus=bonus({m.name: spreads[m.name].linear for m in models}, main.name,
                    {m.name: spreads[m.name].linear_neighbours for m in models}),
        binarized_of_best=(binarized is not None and {c.key for c in changes(
            binarized.config, best_model.config)} <= {"binarize"}),
        binarized_subset=(binarized is not None
                          and binarized.iwae_images < binarized.test_images),
        improvement=(paired({s.seed: s.test_loss for s in main.seeds},
                            {s.seed: s.test_loss for s in best_model.seeds})
                     if best_model is not main else None),
    )


def rank(runs: list[Ranked]) -> Leaders:
    """The models that share first place on each measure; every value a seed's, paired by
    seed."""
    def first(get: Callable[[Spread, ReadingSpread], Spread], lower_better: bool,
              margin: float) -> Standing:
        return leaders({n: dict(zip(seeds, get(loss, r).values)) for n, seeds, loss, r in runs},
                       lower_better, margin)
    elbo = first(lambda loss, r: loss, True, MARGIN)
    clear = first(lambda loss, r: r.clear_samples, False, SHARE_MARGIN)
    return Leaders(elbo=elbo,
                   digit_kept=first(lambda loss, r: r.digit_kept, False, SHARE_MARGIN),
                   frechet=first(lambda loss, r: r.frechet, True, FRECHET_MARGIN),
                   clear_samples=clear,
                   loss_not_clearest=not {elbo.best, *elbo.equivalent}
                   & {clear.best, *clear.equivalent, *clear.undecided})
