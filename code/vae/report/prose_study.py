"""The sentences of Part II about training and the study (Exercise 8, the improvements and
the conclusion), worded from the summary: each says what its numbers and the decisions
(decisions.py) say, and decides nothing itself."""

from __future__ import annotations

from markupsafe import Markup

from ..core.statistics import CONFIDENCE, MAX_SEEDS, Paired
from .comparisons import Change, Comparison, Step
from .comparisons import BETTER, MARGIN, WORSE
from .decisions import (
    ABOVE,
    BELOW,
    FRECHET_MARGIN,
    LITERATURE_SES,
    SHARE_MARGIN,
    WITHIN_ERRORS,
    CommonBase,
    Leaders,
    Ranked,
    Standing,
    against_reference,
)
from .latex import (
    gap,
    interval,
    model_name,
    nats,
    num,
    percent,
    pm_percent,
    printed_difference,
    setting,
    span,
)
from .numbers import ModelNumbers, Spread
from .wording import count_words, listing, plural

# -- Exercise 8 ---------------------------------------------------------------------------------

def elbo_gap(train_final: float, valid: float, images: int, gap: Paired | None,
             gap_side: str | None, seeds: int) -> str:
    """Over-fitting in the loss itself: the final weights on as many training as validation
    images, paired by seed (decisions.Decisions.overfitting_elbo: training minus validation,
    and where it lies)."""
    text = (f"With the final weights, the \\negelbo{{}} on {num(images)} of the training images "
            f"is {nats(train_final)} nats and on the {num(images)} held-out validation images "
            f"{nats(valid)} nats")
    if gap is None:
        return text + ". "
    text += (f" (means over the {count_words(seeds)} seeds; training minus validation, paired "
             f"by seed and taken before rounding, {nats(gap.mean)} nats, {CONFIDENCE}\\,\\% "
             f"interval {interval_nats(gap)})")
    if gap_side == BELOW:
        return text + (": the model fits the images it was trained on better than unseen ones "
                       "from the same distribution, the signature of over-fitting. ")
    if gap_side == ABOVE:
        return text + ": the unseen images score better, so there is no sign of over-fitting. "
    return text + (": the interval includes zero, so the seeds show no detectable "
                   "over-fitting. The interval counts the variation between seeds only, not the "
                   "difference between the two fixed sets of images. ")


def training_gap(train_final: float, valid: float, images: int, gap: Paired | None,
                 gap_side: str | None, train_read: Spread, test_read: Spread, seeds: list[int],
                 test_gap: Paired | None, test_side: str | None) -> Markup:
    """Over-fitting, measured like for like twice: the loss of the final weights on training
    and validation images (elbo_gap), and the classifier on reconstructed training and test
    images of the same models (test_gap: training minus test, paired by seed, and where it
    lies: decisions.Decisions.overfitting)."""
    several = len(seeds) > 1
    text = elbo_gap(train_final, valid, images, gap, gap_side, len(seeds))
    text += (f"The digit classifier (\\cref{{sec:reconstructions}}) reads back the digit of "
             f"{pm_percent(train_read.mean, train_read.sd, len(seeds))} of reconstructed training "
             f"images and {pm_percent(test_read.mean, test_read.sd, len(seeds))} of test images"
             f"{f' (means over the {count_words(len(seeds))} seeds)' if several else ''}")
    if test_gap is not None and test_side == ABOVE:
        text += (f"; training images come back better by {points(test_gap.mean)} "
                 f"(paired by seed, {CONFIDENCE}\\,\\% interval {interval_points(test_gap)}). ")
    elif test_gap is not None and test_side == BELOW:
        text += (f"; test images come back better by {points(-test_gap.mean)} "
                 f"(paired by seed, {CONFIDENCE}\\,\\% interval "
                 f"{interval_points(test_gap, -1)} for test minus training). ")
    elif test_gap is not None:
        text += (f", a difference (training minus test, paired by seed and taken before "
                 f"rounding) of {points(test_gap.mean)} whose {CONFIDENCE}\\,\\% interval "
                 f"{interval_points(test_gap)} includes zero. ")
    else:
        text += ". "
    return Markup(text)


def interval_nats(test: Paired) -> Markup:
    return interval(test.low, test.high)


def points(share_difference: float) -> Markup:
    """A difference of two shares in percentage points."""
    return Markup(rf"\num{{{100 * share_difference:.1f}}}~points")


def interval_points(test: Paired, sign: int = 1) -> Markup:
    """The interval of a difference of shares, in percentage points; sign -1 turns it round."""
    low, high = sorted((sign * test.low, sign * test.high))
    return interval(100 * low, 100 * high, 1)


# -- conclusion ---------------------------------------------------------------------------------

def variant_finding(comparison: Comparison, epochs: int, seconds_per_epoch: float, train_loss: float, units: list[int],
                    baseline_units: list[int], latent_dim: int) -> Markup:
    """What a variant's rows in the tables do not show: units that collapsed under warm-up,
    the active units and the training fit of a new shape, slower epochs. The verdict, its
    interval, the slopes and the seeds a difference would need are the tables' (empty when
    there is nothing more to say)."""
    c = comparison
    text = ""
    if c.warmup_failed:
        text += "Warm-up did not keep units from collapsing: fewer are active than without it. "
    if c.explained == "hidden_layers" and units != baseline_units:
        text += (f"Its code keeps {span(units)} of {latent_dim} units "
                 f"active, the baseline's {span(baseline_units)}: the "
                 f"{'baseline' if sum(units) > sum(baseline_units) else 'variant'} leaves more "
                 f"of its code at the prior. ")
    if c.explained == "hidden_layers" and c.verdict in (BETTER, WORSE):
        text += (f"With the final weights, the training images' loss is {nats(train_loss)} "
                 f"against {nats(c.baseline_train_loss)} nats: "
                 + ("the model with the lower test loss also fits its training images better, "
                    "so the difference lies in how well the shape trains in "
                    f"{count_words(epochs) if epochs <= 10 else epochs} epochs, not in how it "
                    "generalises. "
                    if c.fits_as_it_tests else "the difference does not come from fitting the training "
                                 "images better, but from generalising. "))
    if c.slower:
        text += (f"An epoch takes {num(seconds_per_epoch, 1)}\\,s instead of "
                 f"{num(c.baseline_seconds_per_epoch, 1)}\\,s. ")
    return Markup(text.strip())


def weighted_objective(model: ModelNumbers, base: ModelNumbers, c: Comparison) -> Markup:
    """For a variant whose KL weight differs from its baseline's: that its training minimised
    another objective than the -ELBO it is judged on, and how the loss splits; on the IWAE's
    images, its differences from the baseline in the -ELBO and in the tighter IWAE bound ("" when
    the weights agree)."""
    weight = next((change for change in c.changes if change.key == "beta"), None)
    if weight is None:
        return Markup("")
    text = (f"Its training with $\\beta={weight.value:g}$ does not minimise the \\negelbo{{}} it is "
            f"judged on, so its verdict measures what the weight costs on the sheet's objective. "
            f"Its \\negelbo{{}} splits into a KL of {nats(model.test_kl)} nats against the "
            f"baseline's {nats(base.test_kl)}, and a reconstruction term of "
            f"{nats(model.test_recon)} against {nats(base.test_recon)}. On the "
            f"{num(model.iwae_images)} images of the IWAE estimate, it differs from the baseline "
            f"by {gap(model.subset_test_loss, base.subset_test_loss)} nats in the "
            f"\\negelbo{{}} and by {gap(model.iwae_bound, base.iwae_bound)} in the IWAE bound "
            f"($K={num(model.iwae_k)}$)")
    if c.subset_test is None or c.iwae_test is None:
        return Markup(text + ".")
    return Markup(text + f" (paired by seed, {CONFIDENCE}\\,\\% intervals "
                  f"{interval_nats(c.subset_test)} and {interval_nats(c.iwae_test)}).")


def common_base(base: CommonBase, base_sd: float, main: str, main_sd: float) -> Markup:
    """Why most variants are read against a base other than the sheet's model, when its seeds
    agree more closely (decisions.common_base; their standard deviations of test -ELBO)."""
    said = (f"{count_words(base.variants).capitalize()} of the variants are read against "
            f"{model_name(base.name)}")
    if not base.steadier:
        return Markup(said + ".")
    text = (f"{said}, whose seeds' test \\negelbo{{}} has a standard deviation of "
            f"{nats(base_sd)} nats, rather than against the sheet's model, {model_name(main)}, "
            f"where it is {nats(main_sd)}")
    return Markup(text + (": on so noisy a base, a change of a nat cannot be seen."
                          if base.main_noisy else "."))


def seeds_needed_cell(c: Comparison) -> Markup:
    """The seeds an undecided difference would need at its mean and spread to be separated or
    shown within the margin ("" once decided, or with one seed, where there is no spread)."""
    if c.seeds_needed is None:
        return Markup("")
    return Markup(f"$>{MAX_SEEDS}$" if c.seeds_needed > MAX_SEEDS else str(c.seeds_needed))


def change_words(changes: list[Change]) -> str:
    """"latent dimension 1 to 16" for each changed setting."""
    return listing([f"{c.label} {setting(c.baseline)} to {setting(c.value)}" for c in changes])


def improvement(path: list[Step], main: str, best: str, total: float) -> Markup:
    """The best model's gain over the main model, split into the study's single changes (path
    leads from the main model to the best)."""
    if not path:
        return Markup(f"The assignment's model, {model_name(main)}, has the lowest mean "
                      f"validation \\negelbo{{}} of the study.")
    text = (f"The best model, {model_name(best)}, the one with the lowest mean validation "
            f"\\negelbo{{}}, has a mean test \\negelbo{{}} {nats(total)} nats below the "
            f"assignment's model")
    if len(path) == 1:
        return Markup(f"{text}, from which it differs in "
                      f"{count_words(len(path[0].changes))} "
                      f"{plural(len(path[0].changes), 'setting')} "
                      f"({change_words(path[0].changes)}; {path[0].verdict}).")
    steps = [f"{nats(-s.delta)} nats from {model_name(s.model)} against "
             f"{model_name(s.baseline)} ({change_words(s.changes)}; {s.verdict})" for s in path]
    return Markup(f"{text}. Split through the study's intermediate models, one variant at a "
                  f"time, the gain is {listing(steps)}.")


def first_place(standing: Standing, value: Markup, claim: str, margin: str) -> str:
    """"conv has the lowest test -ELBO (95.94)", then the models within the measure's margin of
    it, which share first place, and those against which its lead is not established."""
    text = f"{model_name(standing.best)} {claim} ({value}"
    if standing.equivalent:
        names = listing([model_name(n) for n in standing.equivalent])
        text += (f"; {names} {plural(len(standing.equivalent), 'shares', 'share')} first place, "
                 f"within {margin} of it")
    if standing.undecided:
        names = listing([model_name(n) for n in standing.undecided])
        text += (f"; a lead not established against {names}, where the seeds decide neither "
                 f"a difference nor one within {margin}")
    return text + ")"


def conclusion(first: Leaders, runs: list[Ranked], main: str) -> Markup:
    """First place on each measure (decisions.rank), and whether one model wins everything.
    runs holds (name, seeds, the test -ELBO, the classifier's readings), whose means over seeds
    the sentences print."""
    elbo, recon, frechet, confident = (first.elbo, first.digit_kept, first.frechet,
                                       first.clear_samples)
    by_name = {n: (loss, r) for n, _, loss, r in runs}
    share = f"{num(100 * SHARE_MARGIN, 0)}~points"
    text = (f"On each measure, every model is tested against the leader, paired by seed, with "
            f"Holm's correction over the {count_words(len(runs) - 1)} tests. A model shares "
            f"first place when its {CONFIDENCE}\\,\\% interval against the leader lies within "
            f"a stated margin, and never when the tests separate it from the leader. As means "
            f"over the seeds of the {count_words(len(runs))} models, "
            + first_place(elbo, nats(by_name[elbo.best][0].mean),
                          "has the lowest test \\negelbo{}", f"{num(MARGIN, 0)} nats") + ". "
            + first_place(recon, percent(by_name[recon.best][1].digit_kept.mean),
                          "keeps the digit in the most reconstructions", share) + ". "
            + first_place(frechet, num(by_name[frechet.best][1].frechet.mean, 0),
                          "generates the samples closest to real digits by Fr\\'echet "
                          "distance", f"{num(FRECHET_MARGIN, 0)}") + ". "
            + first_place(confident, percent(by_name[confident.best][1].clear_samples.mean),
                          "makes the most samples that the classifier names with confidence",
                          share) + ". ")
    if first.loss_not_clearest:
        loss_conf = by_name[elbo.best][1].clear_samples.mean
        text += (f"The lowest \\negelbo{{}} does not give the samples that the classifier "
                 f"names most confidently: {model_name(elbo.best)} names a digit confidently in "
                 f"{percent(loss_conf)} of its samples, fewer than "
                 f"{model_name(confident.best)}, a difference that the same paired test "
                 f"separates. ")
    main_loss, main_r = by_name[main]
    text += (f"The assignment's model, {model_name(main)}, scores {nats(main_loss.mean)} nats, "
             f"keeps the digit in {percent(main_r.digit_kept.mean)} of reconstructions and has "
             f"a Fr\\'echet distance of {num(main_r.frechet.mean, 0)}.")
    return Markup(text)


def against_literature(bound: float, stderr: float, reference: float) -> Markup:
    """The binarised run's IWAE estimate set beside a published one, as
    decisions.against_reference places it."""
    gap = printed_difference(bound, reference)
    standing = against_reference(bound, stderr, reference)
    if standing == WITHIN_ERRORS:
        where = (f"lies within {count_words(LITERATURE_SES)} standard errors "
                 f"({nats(LITERATURE_SES * stderr)} nats) of the published {nats(reference)} nats")
    else:
        side = "below" if standing == BELOW else "above"
        where = (f"lies {nats(abs(gap))} nats {side} the published {nats(reference)}, "
                 f"{num(abs(gap) / stderr, 0)} times its standard error")
    return Markup(f"The estimate of {nats(bound)}~\\(\\pm\\)~{nats(stderr)} nats {where}.")


def iwae_coverage(subset: bool, iwae_images: int, test_images: int, seed: int) -> Markup:
    """Which test images an IWAE bound covers: a seeded random subset (decisions.py decides
    whether it is one), or all of them."""
    if not subset:
        return Markup(f"it covers all {num(test_images)} test images, with its standard error "
                      "over them")
    return Markup(f"it covers {num(iwae_images)} test images drawn uniformly at random (seed "
                  f"{seed}), with its standard error over those images")
