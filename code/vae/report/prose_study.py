"""The sentences of Part II about training and the study (Exercise 8, the improvements and
the conclusion), worded from the summary: each says what its numbers and the decisions
(decisions.py) say, and decides nothing itself."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ..core.statistics import ALPHA, CONFIDENCE, MAX_SEEDS, Paired
from .comparisons import Change, Comparison, Step
from .decisions import Leaders, Ranked
from .latex import model_name, nats, num, percent, pm_percent, printed_difference, setting, span
from .numbers import Spread
from .wording import count_words, listing

# -- Exercise 8 ---------------------------------------------------------------------------------

def training_gap(final_train: float, test: float, late_min: float, late_max: float,
                 train_read: Spread, test_read: Spread, seeds: list[int],
                 test_gap: Paired | None) -> Markup:
    """Over-fitting, read first where it can be measured like for like: the classifier on
    reconstructed training and test images of the same models (test_gap: training minus test,
    paired by seed, decisions.Decisions.overfitting); then the losses, whose comparison is
    loose (an epoch's mean of moving weights against the end of the epoch)."""
    several = len(seeds) > 1
    text = (f"The like-for-like test of over-fitting is the digit classifier's "
            f"(\\cref{{sec:reconstructions}}): it reads back the digit of "
            f"{pm_percent(train_read.mean, train_read.sd, len(seeds))} of reconstructed training "
            f"images and {pm_percent(test_read.mean, test_read.sd, len(seeds))} of test images"
            f"{f' (means over the {count_words(len(seeds))} seeds)' if several else ''}")
    if test_gap is not None and test_gap.p < ALPHA and test_gap.mean > 0:
        text += (f"; training images come back better by {points(test_gap.mean)} "
                 f"(paired by seed, {CONFIDENCE}\\,\\% interval {interval_points(test_gap)}), "
                 f"a sign that the model fits the images it was trained on more closely than "
                 f"unseen ones. ")
    elif test_gap is not None and test_gap.p < ALPHA:
        text += (f"; test images come back better by {points(-test_gap.mean)} "
                 f"(paired by seed, {CONFIDENCE}\\,\\% interval "
                 f"{interval_points(test_gap, -1)} for test minus training): no sign of "
                 f"over-fitting. ")
    elif test_gap is not None:
        text += (f", a difference (training minus test, paired by seed) of "
                 f"{points(test_gap.mean)} whose {CONFIDENCE}\\,\\% interval "
                 f"{interval_points(test_gap)} includes zero: no sign of over-fitting. ")
    else:
        text += ". "
    swing = printed_difference(late_max, late_min)
    gap = printed_difference(test, final_train)
    text += (f"The losses are a looser test. The last epoch's mean training loss, "
             f"{nats(final_train)} nats, averages steps taken while the weights still changed, "
             f"while the test loss, {nats(test)} nats, is measured after the epoch; over the "
             f"second half of training the test loss moved between {nats(late_min)} and "
             f"{nats(late_max)} nats from one epoch to the next")
    if abs(gap) <= swing:
        text += f", and the gap of {nats(abs(gap))} nats lies within that swing."
    else:
        text += (f", and the gap of {nats(abs(gap))} nats exceeds that swing: the test loss "
                 f"is {'higher' if gap > 0 else 'lower'} than the training loss.")
    return Markup(text)


def points(share_difference: float) -> Markup:
    """A difference of two shares in percentage points."""
    return Markup(rf"\num{{{100 * share_difference:.1f}}}~points")


def interval_points(test: Paired, sign: int = 1) -> Markup:
    """The interval of a difference of shares, in percentage points; sign -1 turns it round."""
    low, high = sorted((sign * test.low, sign * test.high))
    return Markup(rf"[\num{{{100 * low:.1f}}}, \num{{{100 * high:.1f}}}]")


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
    if c.explained == "hidden_layers" and c.verdict != "not separated":
        fits = (train_loss < c.baseline_train_loss) == (c.delta < 0)
        text += (f"The training loss of the last epoch is {nats(train_loss)} against "
                 f"{nats(c.baseline_train_loss)} nats: "
                 + ("the model with the lower test loss also fits its training images better, "
                    "so the difference lies in how well the shape trains in "
                    f"{count_words(epochs) if epochs <= 10 else epochs} epochs, not in how it "
                    "generalises. "
                    if fits else "the difference does not come from fitting the training "
                                 "images better, but from generalising. "))
    if c.slower:
        text += (f"An epoch takes {num(seconds_per_epoch, 1)}\\,s instead of "
                 f"{num(c.baseline_seconds_per_epoch, 1)}\\,s. ")
    return Markup(text.strip())


def seeds_needed_cell(c: Comparison) -> Markup:
    """The seeds a "not separated" difference would need at its mean and spread ("" once
    separated, or with one seed, where there is no spread)."""
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
        return Markup(f"The assignment's model, {model_name(main)}, has the lowest mean test "
                      f"\\negelbo{{}} of the study.")
    text = (f"The best model, {model_name(best)}, has a mean test \\negelbo{{}} "
            f"{nats(total)} nats below the assignment's model")
    if len(path) == 1:
        return Markup(f"{text}, from which it differs in one change "
                      f"({change_words(path[0].changes)}; {path[0].verdict}).")
    steps = [f"{nats(-s.delta)} nats from {model_name(s.model)} against "
             f"{model_name(s.baseline)} ({change_words(s.changes)}; {s.verdict})" for s in path]
    return Markup(f"{text}. Split through the study's intermediate models, one change at a "
                  f"time, the gain is {listing(steps)}.")


def first_place(names: list[str], value: Markup, claim: str, models: list[str]) -> str:
    """"conv has the lowest test -ELBO (95.94)", naming any model the seeds cannot separate
    from the first: "(95.94; the seeds do not separate conv32 from it)", or, when most of the
    models tie, the few they do separate (models: every model's name)."""
    tied, apart = names[1:], [n for n in models if n not in names]
    if len(tied) > 2 and not apart:
        tie = "; the seeds separate no other model from it"
    elif len(tied) > 2 and len(tied) > len(apart):
        tie = f"; the seeds separate only {listing([model_name(n) for n in apart])} from it"
    elif tied:
        tie = f"; the seeds do not separate {listing([model_name(n) for n in tied])} from it"
    else:
        tie = ""
    return f"{model_name(names[0])} {claim} ({value}{tie})"


def conclusion(first: Leaders, runs: list[Ranked], main: str) -> Markup:
    """Which models share first place on each measure (first, decisions.rank), and whether one
    model wins everything. runs holds (name, seeds, the test -ELBO, the classifier's
    readings), whose means over seeds the sentences print."""
    elbo, recon, frechet, confident = (first.elbo, first.digit_kept, first.frechet,
                                       first.clear_samples)
    by_name = {n: (loss, r) for n, _, loss, r in runs}
    models = list(by_name)
    text = (f"Across the {count_words(len(runs))} models, as means over seeds (a model shares "
            f"first place unless the paired test over seeds, Holm-corrected, separates it), "
            + first_place(elbo, nats(by_name[elbo[0]][0].mean),
                          "has the lowest test \\negelbo{}", models) + ". "
            + first_place(recon, percent(by_name[recon[0]][1].digit_kept.mean),
                          "keeps the digit in the most reconstructions", models) + ". "
            + first_place(frechet, num(by_name[frechet[0]][1].frechet.mean, 0),
                          "generates the samples closest to real digits by Fr\\'echet "
                          "distance", models) + ". "
            + first_place(confident, percent(by_name[confident[0]][1].clear_samples.mean),
                          "makes the most samples that the classifier names with confidence",
                          models) + ". ")
    if not set(elbo) & set(confident):
        loss_conf = by_name[elbo[0]][1].clear_samples.mean
        text += (f"The lowest \\negelbo{{}} does not give the most recognisable samples: "
                 f"{model_name(elbo[0])} names a digit confidently in only "
                 f"{percent(loss_conf)} of its samples. ")
    main_loss, main_r = by_name[main]
    text += (f"The assignment's model, {model_name(main)}, scores {nats(main_loss.mean)} nats, "
             f"keeps the digit in {percent(main_r.digit_kept.mean)} of reconstructions and has "
             f"a Fr\\'echet distance of {num(main_r.frechet.mean, 0)}.")
    return Markup(text)


def against_literature(bound: float, stderr: float, reference: float) -> Markup:
    """The binarised run's IWAE estimate set beside a published one: equal within two standard
    errors of the estimate, or lower or higher beyond them."""
    gap = printed_difference(bound, reference)
    if abs(gap) <= 2 * stderr:
        where = (f"lies within two standard errors ({nats(2 * stderr)} nats) of the published "
                 f"{nats(reference)} nats")
    else:
        side = "below" if gap < 0 else "above"
        where = (f"lies {nats(abs(gap))} nats {side} the published {nats(reference)}, more than "
                 f"two standard errors ({nats(2 * stderr)} nats)")
    return Markup(f"The estimate of {nats(bound)}~\\(\\pm\\)~{nats(stderr)} nats {where}.")


def reason(c: Comparison, config: dict[str, Any]) -> Markup:
    """Why the study tried the change that c explains (comparisons.EXPLAINED), given the
    variant's config; and a caution when it changes several settings at once."""
    why = {
        "architecture":
            "Convolutions share weights across positions and see neighbouring pixels together, "
            "so the decoder can draw strokes rather than predict 784 pixels from a dense layer.",
        "covariance":
            "A full-covariance posterior $\\mathcal{N}(\\mu, LL^\\top)$ with a learned Cholesky "
            "factor $L$ can align with correlated directions of the true posterior, which a "
            "diagonal one cannot (\\exref{6} gives its KL). The encoder's last layer gives the "
            "diagonal of $L$ as for the diagonal model, and its strict lower triangle as "
            f"{config['offdiag_scale']} times further outputs.",
        "offdiag_scale":
            "The same family of posteriors, with the off-diagonal outputs at scale "
            f"{config['offdiag_scale']}, as this study first had it: they then start at the size "
            "of the means and move as fast, and every unit of $\\sum_{j>k} L_{jk}^2$ costs half "
            "a nat of KL (\\exref{6}) unless it matches a correlation of the true posterior.",
        "kl_warmup_epochs":
            "Warm-up ramps the KL weight from $0$ to $\\beta$ over the first "
            f"{num(config['kl_warmup_epochs'], 0)} epochs, so that the encoder can learn useful "
            "codes before the KL pulls them towards the prior; it is a common remedy for units "
            "that collapse onto the prior \\citep{bowman2016}.",
        "beta":
            f"A weight $\\beta={config['beta']}$ on the KL \\citep{{higgins2017}} trades "
            "reconstruction against closeness to the prior; the test \\negelbo{} is still "
            "measured with $\\beta=1$.",
        "grad_clip":
            f"Clipping rescales any gradient whose norm exceeds {num(config['grad_clip'], 0)} "
            "before the step, which guards against the occasional huge update that produces "
            "loss spikes.",
        "activation":
            f"The activation changes from {c.explained_from}, to {c.explained_to}.",
        "weight_decay":
            "Weight decay pulls every weight towards zero at each step; without it, only the "
            "ELBO shapes the weights.",
        "hidden_layers":
            "This is the shape of PyTorch's example VAE \\citep{pytorchvae}: one hidden layer of "
            f"{config['hidden']} units each way instead of the sheet's funnel of "
            f"{c.explained_from} narrowing layers. Nothing else changes; the example differs "
            "further in its code (20 dimensions), its activation (ReLU), its optimiser (Adam "
            "without weight decay) and its variance (an exponentiated log-variance rather than "
            "a Softplus).",
        "latent_dim":
            (f"The code grows again, from {c.explained_from} to {c.explained_to} dimensions."
             if c.latent_again else
             f"The code grows from {c.explained_from} to {c.explained_to} dimensions. A larger "
             "code can describe more than the digit's identity (slant, width, stroke), at the "
             "price of more KL."),
    }
    text = why.get(c.explained, "")
    if c.several:
        text += (f" This variant changes {c.several} settings at once, so its effect cannot be "
                 f"credited to any one of them.")
    return Markup(text.strip())
