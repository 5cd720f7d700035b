"""Part II's sentences, assembled for the templates from the summary: the readings of images
(prose_images.py), of paths between digits (prose_paths.py) and of training and the study
(prose_study.py), for the models that the summary's decisions name. build.py hands them to the
templates as LaTeX."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..instrument.measurements import Information
from .latex import model_name
from .numbers import spread as spread_of
from .prose_images import (
    information_again,
    manifold,
    neighbours,
    prior_mismatch,
    reconstructions,
    samples,
    samples_caption,
    seed_tag,
)
from .prose_paths import (PathCount, bonus_answer, bonus_headline, interpolation, path_count,
                          smooth_rule)
from .prose_conclusion import LeaderRow, conclusion, leader_rows
from .prose_precision import precision_changes, precision_footnote, precision_kept
from .prose_reasons import reason
from .prose_seeds import (more_seeds, seed_counts, seed_plan, seed_span, seeds_cell,
                          training_seeds, undecided)
from .prose_study import (
    against_literature,
    common_base,
    improvement,
    improvement_split,
    iwae_coverage,
    training_gap,
    variant_finding,
    weight_change,
    weighted_objective,
)
from .summary import Summary
from .wording import count_words, listing, plural


# -- all of Part II's readings at once ------------------------------------------------------------

@dataclass(frozen=True)
class PartTwo:
    """The sentences the templates place; a field is None where its figure is not drawn."""

    training: Markup
    reconstructions: Markup
    best_reconstructions: Markup | None  # None when the main model is the best
    samples: Markup
    samples_caption: Markup  # the main model's new digits, with its manifold where drawn
    best_samples: Markup | None
    common_base: Markup | None  # the baseline most variants share, when not the main model
    best_prior: Markup | None  # how far its aggregate posterior must lie from the prior
    manifold: Markup | None  # None when the main model's code has more than two dimensions
    plane_manifold: Markup | None  # the first two-dimensional model of the study, if any
    best_projected: bool  # the best model's code needs a projection of its own figure
    units_models: list[str]  # whose KL per dimension the study shows
    units_words: Markup  # their names, as the text lists them
    units_caption: Markup  # their names with their places in the figure
    neighbours: Markup
    reasons: dict[str, Markup]  # per variant: why its change was tried
    findings: dict[str, Markup]  # per variant: what its rows in the tables do not show
    falling: list[str]  # the models whose validation curve still fell when training stopped
    seeds: dict[str, Markup]  # per variant: seeds paired, and those that would decide it
    seed_counts: Markup  # what the study's means are over
    training_seeds: Markup  # which of the main model's seeds its training figure draws
    seed_plan: Markup  # which seeds the models train
    main_seeds: str  # the main model's, as a span
    more_seeds: Markup | None  # the comparisons that pair more seeds than every model trains
    seed_counts_inside: Markup  # seed_counts, inside parentheses
    undecided: Markup | None  # the undecided comparisons, and the seeds that would decide them
    still_improving: Markup  # which models were still improving when training stopped
    information: Information | None  # the first estimate of I(x; z), of the shown seed's model
    information_model: Markup  # whose it is, model and seed ("" without one)
    smooth_rule: Markup  # when a path counts as smooth, before the first count
    interpolations: list[Markup]  # main model, then the best
    path_counts: list[PathCount]  # every model's, for the bonus table
    pairs: int  # the random pairs of test images whose paths the bonus counts
    bonus_headline: Markup  # the bonus question's answer, opening its section
    bonus: Markup  # its grounds
    improvement: Markup  # the answer: how far the best model improves on the main one
    improvement_split: Markup  # that difference, change by change
    conclusion: Markup
    leaders: list[LeaderRow]  # the tests behind the conclusion's first places
    binarized: Markup | None  # None without a binarised run
    binarized_coverage: Markup | None  # which test images its IWAE bound covers
    precision_kept: Markup  # whether fp32 training keeps the verdicts, or how to find out
    precision_changes: Markup | None  # the verdicts fp32 moved; None without the fp32 runs
    precision_moved: list[str]  # the variants whose verdict fp32 moves (none without the runs)
    precision_footnote: Markup  # their fp32 verdicts, under the verdicts' table


def still_improving(summary: Summary, falling: list[str]) -> Markup:
    """How many models were still improving when training stopped (`falling`), by their slopes."""
    total = count_words(len(summary.runs))
    if not falling:
        return Markup(f"by the slope of its mean validation curve over the last "
                      f"{count_words(summary.slope_epochs)} epochs, none of the {total} models "
                      f"was shown to be still improving then")
    return Markup(f"by the slope of its mean validation curve over the last "
                  f"{count_words(summary.slope_epochs)} epochs, "
                  f"{count_words(len(falling))} of the {total} models "
                  f"{plural(len(falling), 'was', 'were')} still improving then "
                  f"({listing([model_name(n) for n in falling])})"
                  + (", while the others are not shown to have stopped"
                     if len(falling) < len(summary.runs) else ""))


def part_two(summary: Summary, reference: float) -> PartTwo:
    """Part II's sentences from the summary; reference is the published IWAE estimate that a
    binarised run is set beside."""
    main, inst, n, decided = summary.main, summary.instrument, summary.seeds, summary.decisions
    by_name = {e.name: e for e in summary.runs}
    best = by_name[summary.best]
    plane = by_name.get(summary.plane_model)
    r, spread = main.readings, main.readings_spread
    estimated = by_name.get(decided.information_model)
    information = estimated.readings.information if estimated else None  # App. E's estimate
    units = decided.units_models
    plane_text = None
    if plane and plane.readings.manifold:
        plane_text = manifold(plane.readings.manifold, 2,
                              seed_tag(plane.readings.seed, len(plane.seeds)))
        if plane is not main and plane.readings_spread.information is not None:
            again = information_again(plane.name, plane.readings_spread, len(plane.seeds))
            plane_text = Markup(f"{plane_text} {again}")
    falling = decided.falling
    # the variants trained on another KL weight than their baselines: the first says what that
    # means for its verdict, the others refer to it
    weighted = [e.name for e in summary.variants if weight_change(e.comparison)]
    counts = [path_count(e.name, e.latent_dim, e.readings_spread.linear,
                         e.readings_spread.spherical) for e in summary.runs]
    pairs = spread.linear.paths // len(main.seeds)  # the random pairs, per seed
    return PartTwo(
        training=training_gap(main.train_loss_final, main.valid_loss, main.valid_images,
                              decided.overfitting_elbo, decided.overfitting_elbo_side,
                              spread.train_digit_kept, spread.digit_kept,
                              [seed.seed for seed in main.seeds], decided.overfitting,
                              decided.overfitting_side),
        reconstructions=reconstructions(spread, r, main.latent_dim, n, "sec:training"),
        best_reconstructions=(None if best is main else
                              reconstructions(best.readings_spread, best.readings,
                                              best.latent_dim, len(best.seeds))),
        samples_caption=samples_caption(summary.main_latent.manifold, main.shown_seed),
        samples=samples(spread, r, inst.confident_at, inst.test_confident,
                        inst.train_test_frechet, n),
        best_samples=(None if best is main else
                      samples(best.readings_spread, best.readings, inst.confident_at,
                              inst.test_confident, inst.train_test_frechet, len(best.seeds),
                              references=False)),
        common_base=(common_base(decided.common_base, main.name)
                     if decided.common_base else None),
        best_prior=(None if best is main else
                    prior_mismatch(best.test_kl, best.test_images, information is not None)),
        manifold=(manifold(r.manifold, main.latent_dim, seed_tag(r.seed, n))
                  if r.manifold else None),
        plane_manifold=plane_text,
        best_projected=decided.best_projected,
        units_models=units,
        units_words=Markup(listing([model_name(n) for n in units]) if units else ""),
        units_caption=Markup(listing([
            model_name(n) + (f" ({side})" if len(units) > 1 else "")
            for n, side in zip(units, ("left", "right"))]) if units else ""),
        neighbours=neighbours([(name, by_name[name].readings,
                                by_name[name].readings_spread.neighbour_vote)
                               for name in decided.shown], n),
        still_improving=still_improving(summary, falling),
        information=information,
        information_model=(Markup(f"{model_name(estimated.name)}, seed {estimated.shown_seed}")
                           if estimated else Markup("")),
        reasons={e.name: reason(e.comparison, e.config) for e in summary.variants},
        findings={e.name: Markup(" ").join(filter(None, (
            variant_finding(e.comparison, e.epochs, e.seconds_per_epoch, e.train_loss_final,
                            e.active_units, by_name[e.comparison.baseline].active_units,
                            e.latent_dim),
            weighted_objective(e, by_name[e.comparison.baseline], e.comparison,
                               weighted[0] if weighted and weighted[0] != e.name else None))))
            for e in summary.variants},
        falling=falling,
        seeds={e.name: seeds_cell(e.comparison) for e in summary.variants},
        seed_counts=seed_counts(summary.runs, summary.shared_seeds),
        seed_counts_inside=seed_counts(summary.runs, summary.shared_seeds, inside=True),
        undecided=undecided({e.name: e.comparison for e in summary.variants}),
        seed_plan=seed_plan(summary.runs, summary.shared_seeds),
        main_seeds=seed_span([s.seed for s in main.seeds]),
        training_seeds=training_seeds(len(main.seeds)),
        more_seeds=more_seeds({e.name: e.comparison for e in summary.variants},
                              summary.first_look, summary.shared_seeds, summary.alpha),
        smooth_rule=smooth_rule(),
        interpolations=[interpolation(name, by_name[name].readings, len(by_name[name].seeds),
                                      figure)
                        for name, figure in zip(decided.interpolated,
                                                ("fig:interpolation", "fig:best-interpolation"))],
        path_counts=counts,
        pairs=pairs,
        bonus_headline=bonus_headline(counts, decided.bonus),
        bonus=bonus_answer(counts, seed_counts(summary.runs, summary.shared_seeds, inside=True),
                           pairs, main.name, decided.bonus),
        improvement=improvement(summary.best_path, main.name, best.name,
                                summary.improvement_over_main, decided.improvement),
        improvement_split=improvement_split(summary.best_path),
        conclusion=conclusion(decided.leaders,
                              [(e.name, [s.seed for s in e.seeds],
                                spread_of([s.test_loss for s in e.seeds]), e.readings_spread)
                               for e in summary.runs], main.name),
        leaders=leader_rows(decided.leaders),
        binarized=(against_literature(summary.binarized.iwae_bound,
                                      summary.binarized.iwae_stderr, reference)
                   if summary.binarized else None),
        binarized_coverage=(iwae_coverage(decided.binarized_subset,
                                          summary.binarized.iwae_images,
                                          summary.binarized.test_images,
                                          summary.binarized.subset_seed)
                            if summary.binarized else None),
        precision_kept=precision_kept(summary.precision_check, len(summary.runs)),
        precision_changes=(precision_changes(summary.precision_check, summary.comparisons)
                           if summary.precision_check else None),
        precision_moved=summary.precision_check.changed if summary.precision_check else [],
        precision_footnote=precision_footnote(summary.precision_check),
    )
