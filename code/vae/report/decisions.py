"""What Part II concludes and shows, decided once from the numbers when the summary is written
(summary.json holds it): which models share first place on each measure, which were still
improving, which models each figure shows, and what the over-fitting tests found. The prose
(discussion.py) words these decisions and makes none; the templates only typeset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..core.statistics import Leaders as Standing
from ..core.statistics import Paired, leaders, paired
from ..instrument.measurements import drawn_directly
from .comparisons import MARGIN, changes, still_falling
from .numbers import ModelNumbers, ReadingSpread, Spread
from .numbers import spread as spread_of

# A model as the ranking reads it: name, seeds, test -ELBO over seeds, readings over seeds.
Ranked = tuple[str, list[int], Spread, ReadingSpread]
# Differences smaller than these count as none when a model shares first place: MARGIN nats of
# -ELBO, SHARE_MARGIN of a share of images (2 percentage points), FRECHET_MARGIN of the
# Frechet distance of the classifier's features.
SHARE_MARGIN = 0.02
FRECHET_MARGIN = 10.0


@dataclass(frozen=True)
class Leaders:
    """The first place on each measure: its model, the models within the measure's margin of
    it (sharing first place), and those the seeds leave undecided (core.statistics.leaders)."""

    elbo: Standing  # lowest test -ELBO
    digit_kept: Standing  # most test reconstructions keep their digit
    frechet: Standing  # samples closest to real digits
    clear_samples: Standing  # most samples named with confidence


@dataclass(frozen=True)
class Decisions:
    leaders: Leaders
    falling: list[str]  # the models whose validation curve still fell when training stopped
    shown: list[str]  # whose latent space the text reads: main, the first 2-D model, the best
    interpolated: list[str]  # whose interpolation figure is drawn: main, then the best
    units_models: list[str]  # whose KL per dimension is drawn
    information_model: str | None  # the first model whose I(x; z) is estimated
    best_projected: bool  # the best model's code needs a projection of its own figure
    # the main model's digit kept in training minus test reconstructions, paired by seed
    overfitting: Paired | None
    # the main model's final -ELBO on training minus validation images, paired by seed
    overfitting_elbo: Paired | None
    binarized_of_best: bool  # the binarised run is the best model's config on binarised data
    binarized_subset: bool  # its IWAE bound covers a random subset of the test images, not all


def best_of(models: list[ModelNumbers]) -> ModelNumbers:
    """The study's best model: the lowest mean validation -ELBO, so that the test set only
    reports."""
    return min(models, key=lambda m: m.valid_loss)


def plane_of(models: list[ModelNumbers]) -> str | None:
    """The first model whose code is a plane, which the report draws as one."""
    return next((m.name for m in models if m.latent_dim == 2), None)


def decide(models: list[ModelNumbers], spreads: dict[str, ReadingSpread], best: str,
           plane: str | None, binarized: ModelNumbers | None = None) -> Decisions:
    """models: every model of the study, main first; spreads: each one's readings over seeds;
    best and plane: the best model's name and the first with a two-dimensional code;
    binarized: the binarised-MNIST run, if reported."""
    main = models[0]
    others = [name for name in (plane, best) if name is not None and name != main.name]
    larger = [m for m in models if not drawn_directly(m.latent_dim)]
    estimated = next((m.name for m in models if spreads[m.name].information is not None), None)
    kept = spreads[main.name]
    seeds = [s.seed for s in main.seeds]
    best_model = next(m for m in models if m.name == best)
    return Decisions(
        leaders=rank([(m.name, [s.seed for s in m.seeds],
                       spread_of([s.test_loss for s in m.seeds]), spreads[m.name])
                      for m in models]),
        falling=[m.name for m in models if still_falling(m)],
        shown=[main.name, *dict.fromkeys(others)],
        interpolated=[main.name] + ([best] if best != main.name else []),
        units_models=[m.name for m in larger[:1] + [m for m in larger[1:] if m.name == best]],
        information_model=estimated,
        best_projected=(best not in (main.name, plane)
                        and not drawn_directly(best_model.latent_dim)),
        overfitting=paired(dict(zip(seeds, kept.train_digit_kept.values)),
                           dict(zip(seeds, kept.digit_kept.values))),
        overfitting_elbo=paired({s.seed: s.train_loss_final for s in main.seeds},
                                {s.seed: s.valid_loss for s in main.seeds}),
        binarized_of_best=(binarized is not None and {c.key for c in changes(
            binarized.config, best_model.config)} <= {"binarize"}),
        binarized_subset=(binarized is not None
                          and binarized.iwae_images < binarized.test_images),
    )


def rank(runs: list[Ranked]) -> Leaders:
    """The models that share first place on each measure; every value a seed's, paired by
    seed."""
    def first(get: Callable[[Spread, ReadingSpread], Spread], lower_better: bool,
              margin: float) -> Standing:
        return leaders({n: dict(zip(seeds, get(loss, r).values)) for n, seeds, loss, r in runs},
                       lower_better, margin)
    return Leaders(elbo=first(lambda loss, r: loss, True, MARGIN),
                   digit_kept=first(lambda loss, r: r.digit_kept, False, SHARE_MARGIN),
                   frechet=first(lambda loss, r: r.frechet, True, FRECHET_MARGIN),
                   clear_samples=first(lambda loss, r: r.clear_samples, False, SHARE_MARGIN))
