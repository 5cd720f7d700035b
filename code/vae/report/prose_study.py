"""The sentences of Part II about training and the study (Exercise 8 and the improvements),
worded from the summary: each says what its numbers and the decisions (decisions.py) say, and
decides nothing itself. The conclusion's are prose_conclusion.py's."""

from __future__ import annotations

from markupsafe import Markup

from ..core.statistics import CONFIDENCE, Paired
from .comparisons import Change, Comparison, Step
from .comparisons import BETTER, WORSE
from .decisions import (
    ABOVE,
    BELOW,
    LITERATURE_SES,
    WITHIN_ERRORS,
    CommonBase,
    against_reference,
)
from .latex import (
    gap,
    interval,
    model_name,
    nats,
    num,
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


# -- the study --------------------------------------------------------------------------------

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


def weight_change(c: Comparison) -> Change | None:
    """The change of KL weight (beta) that a variant makes against its baseline, if any."""
    return next((change for change in c.changes if change.key == "beta"), None)


def weighted_objective(model: ModelNumbers, base: ModelNumbers, c: Comparison,
                       said_for: str | None = None) -> Markup:
    """For a variant whose KL weight differs from its baseline's: that its training minimised
    another objective than the -ELBO it is judged on (or that this holds as for said_for, an
    earlier variant whose text says it), and how the loss splits; on the IWAE's images, its
    differences from the baseline in the -ELBO and in the tighter IWAE bound ("" when the
    weights agree)."""
    weight = weight_change(c)
    if weight is None:
        return Markup("")
    why = (f"As for {model_name(said_for)}, its verdict measures what the weight costs on the "
           f"sheet's objective. " if said_for else
           f"Its training with $\\beta={weight.value:g}$ does not minimise the \\negelbo{{}} it is "
           f"judged on, so its verdict measures what the weight costs on the sheet's objective. ")
    text = (f"{why}Its \\negelbo{{}} splits into a KL of {nats(model.test_kl)} nats against the "
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


def common_base(base: CommonBase, main: str) -> Markup:
    """Why most variants are read against a base other than the sheet's model, when its seeds
    agree more closely on the validation images (decisions.common_base)."""
    said = (f"{count_words(base.variants).capitalize()} of the variants are read against "
            f"{model_name(base.name)}")
    if not base.steadier:
        return Markup(said + ".")
    text = (f"{said}, whose seeds' validation \\negelbo{{}} has a standard deviation of "
            f"{nats(base.base_sd)} nats, rather than against the sheet's model, "
            f"{model_name(main)}, where it is {nats(base.main_sd)}")
    return Markup(text + (": on so noisy a base, a change of a nat cannot be seen."
                          if base.main_noisy else "."))


def change_words(changes: list[Change]) -> str:
    """"latent dimension 1 to 16" for each changed setting."""
    return listing([f"{c.label} {setting(c.baseline)} to {setting(c.value)}" for c in changes])


def improvement(path: list[Step], main: str, best: str, total: float,
                test: Paired | None = None) -> Markup:
    """The answer to whether the study improves on the main model: the best model's gain over
    it (path leads from the main model to the best; test: the main model's test -ELBO minus the
    best's, paired by seed)."""
    if not path:
        return Markup(f"No: the assignment's model, {model_name(main)}, has the lowest mean "
                      f"validation \\negelbo{{}} of the study.")
    text = (f"{'Yes: the' if total > 0 else 'Not on the test images: the'} best model, "
            f"{model_name(best)}, the one with the lowest mean validation \\negelbo{{}}, has a "
            f"mean test \\negelbo{{}} {nats(abs(total))} nats "
            f"{'below' if total > 0 else 'above' if total < 0 else 'away from'} the "
            f"assignment's model")
    if test is not None:
        text += f" (paired by seed, {CONFIDENCE}\\,\\% interval {interval_nats(test)})"
    if len(path) == 1:
        return Markup(f"{text}, from which it differs in "
                      f"{count_words(len(path[0].changes))} "
                      f"{plural(len(path[0].changes), 'setting')} "
                      f"({change_words(path[0].changes)}; {path[0].verdict}).")
    return Markup(f"{text}; the end of this section splits the difference among the changes.")


def improvement_split(path: list[Step]) -> Markup:
    """The best model's gain split into the study's single changes, one intermediate model at a
    time ("" when the best model is one change or none away from the main one)."""
    if len(path) < 2:
        return Markup("")
    steps = [f"{nats(-s.delta)} nats from {model_name(s.model)} against "
             f"{model_name(s.baseline)} ({change_words(s.changes)}; {s.verdict})" for s in path]
    unproven = [model_name(s.model) for s in path if s.verdict != BETTER]
    caveat = (f"; for {listing(unproven)}, whose {plural(len(unproven), 'step is', 'steps are')} "
              f"not \\emph{{{BETTER}}}, the seeds do not establish a gain"
              if unproven else "")
    return Markup(f"Split through the study's intermediate models, one variant at a time, the "
                  f"best model's difference from the assignment's is {listing(steps)}{caveat}.")


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
