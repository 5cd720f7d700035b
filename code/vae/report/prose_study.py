"""The sentences of Part II about training and the study (Exercise 8, the improvements and
the conclusion), worded from the summary: each says what its numbers and the decisions
(decisions.py) say, and decides nothing itself."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ..core.statistics import ALPHA, CONFIDENCE, MAX_SEEDS, Paired
from .comparisons import Change, Comparison, Step
from .comparisons import BETTER, MARGIN, WORSE
from .decisions import FRECHET_MARGIN, SHARE_MARGIN, Leaders, Ranked, Standing
from .latex import model_name, nats, num, percent, pm_percent, printed_difference, setting, span
from .numbers import Spread
from .wording import count_words, listing, plural

# -- Exercise 8 ---------------------------------------------------------------------------------

def elbo_gap(train_final: float, valid: float, images: int, gap: Paired | None,
             seeds: int) -> str:
    """Over-fitting in the loss itself: the final weights on as many training as validation
    images, paired by seed (decisions.Decisions.overfitting_elbo: training minus validation)."""
    text = (f"With the final weights, the \\negelbo{{}} on {num(images)} of the training images "
            f"is {nats(train_final)} nats and on the {num(images)} held-out validation images "
            f"{nats(valid)} nats")
    if gap is None:
        return text + ". "
    text += (f" (means over the {count_words(seeds)} seeds; training minus validation, paired "
             f"by seed, {nats(gap.mean)} nats, {CONFIDENCE}\\,\\% interval "
             f"{interval_nats(gap)})")
    if gap.p < ALPHA and gap.mean < 0:
        return text + (": the model fits the images it was trained on better than unseen ones "
                       "from the same distribution, the signature of over-fitting. ")
    if gap.p < ALPHA:
        return text + ": the unseen images score better, so there is no sign of over-fitting. "
    return text + ": the seeds show no difference, so no sign of over-fitting at this size. "


def training_gap(train_final: float, valid: float, images: int, gap: Paired | None,
                 train_read: Spread, test_read: Spread, seeds: list[int],
                 test_gap: Paired | None) -> Markup:
    """Over-fitting, measured like for like twice: the loss of the final weights on training
    and validation images (elbo_gap), and the classifier on reconstructed training and test
    images of the same models (test_gap: training minus test, paired by seed,
    decisions.Decisions.overfitting)."""
    several = len(seeds) > 1
    text = elbo_gap(train_final, valid, images, gap, len(seeds))
    text += (f"The digit classifier (\\cref{{sec:reconstructions}}) reads back the digit of "
             f"{pm_percent(train_read.mean, train_read.sd, len(seeds))} of reconstructed training "
             f"images and {pm_percent(test_read.mean, test_read.sd, len(seeds))} of test images"
             f"{f' (means over the {count_words(len(seeds))} seeds)' if several else ''}")
    if test_gap is not None and test_gap.p < ALPHA and test_gap.mean > 0:
        text += (f"; training images come back better by {points(test_gap.mean)} "
                 f"(paired by seed, {CONFIDENCE}\\,\\% interval {interval_points(test_gap)}). ")
    elif test_gap is not None and test_gap.p < ALPHA:
        text += (f"; test images come back better by {points(-test_gap.mean)} "
                 f"(paired by seed, {CONFIDENCE}\\,\\% interval "
                 f"{interval_points(test_gap, -1)} for test minus training). ")
    elif test_gap is not None:
        text += (f", a difference (training minus test, paired by seed) of "
                 f"{points(test_gap.mean)} whose {CONFIDENCE}\\,\\% interval "
                 f"{interval_points(test_gap)} includes zero. ")
    else:
        text += ". "
    return Markup(text)


def interval_nats(test: Paired) -> Markup:
    return Markup(f"[{nats(test.low)}, {nats(test.high)}]")


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
    if c.explained == "hidden_layers" and c.verdict in (BETTER, WORSE):
        fits = (train_loss < c.baseline_train_loss) == (c.delta < 0)
        text += (f"With the final weights, the training images' loss is {nats(train_loss)} "
                 f"against {nats(c.baseline_train_loss)} nats: "
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
        return Markup(f"{text}, from which it differs in one change "
                      f"({change_words(path[0].changes)}; {path[0].verdict}).")
    steps = [f"{nats(-s.delta)} nats from {model_name(s.model)} against "
             f"{model_name(s.baseline)} ({change_words(s.changes)}; {s.verdict})" for s in path]
    return Markup(f"{text}. Split through the study's intermediate models, one change at a "
                  f"time, the gain is {listing(steps)}.")


def first_place(standing: Standing, value: Markup, claim: str, margin: str) -> str:
    """"conv has the lowest test -ELBO (95.94)", then the models within the measure's margin of
    it, which share first place, and those the seeds leave undecided against it."""
    text = f"{model_name(standing.best)} {claim} ({value}"
    if standing.equivalent:
        names = listing([model_name(n) for n in standing.equivalent])
        text += (f"; {names} {plural(len(standing.equivalent), 'shares', 'share')} first place, "
                 f"within {margin} of it")
    if standing.undecided:
        names = listing([model_name(n) for n in standing.undecided])
        text += (f"; against {names} the seeds decide neither a difference nor one within "
                 f"{margin}")
    return text + ")"


def conclusion(first: Leaders, runs: list[Ranked], main: str) -> Markup:
    """First place on each measure (decisions.rank), and whether one model wins everything.
    runs holds (name, seeds, the test -ELBO, the classifier's readings), whose means over seeds
    the sentences print."""
    elbo, recon, frechet, confident = (first.elbo, first.digit_kept, first.frechet,
                                       first.clear_samples)
    by_name = {n: (loss, r) for n, _, loss, r in runs}
    share = f"{num(100 * SHARE_MARGIN, 0)}~points"
    text = (f"Across the {count_words(len(runs))} models, as means over seeds (a model shares "
            f"first place when its paired {CONFIDENCE}\\,\\% interval against the first lies "
            f"within a stated margin; one the tests separate from it does not), "
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
    lowest = {elbo.best, *elbo.equivalent}
    if not lowest & {confident.best, *confident.equivalent}:
        loss_conf = by_name[elbo.best][1].clear_samples.mean
        text += (f"The lowest \\negelbo{{}} does not give the most recognisable samples: "
                 f"{model_name(elbo.best)} names a digit confidently in only "
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
            "so the decoder can draw strokes rather than predict 784 pixels from a dense layer. "
            f"The encoder has two $3\\times3$ convolutions of stride 2 ({config['channels']} "
            f"and {2 * config['channels']} channels, $28\\to14\\to7$ pixels) before a dense "
            f"layer of {config['hidden']} units; the decoder mirrors it with transposed "
            "convolutions.",
        "residual":
            ("Each hidden layer of the sheet's funnel becomes $h + f(h)$: the layer's output "
             "plus a shortcut without parameters (the mean of each pair of units where the "
             "width halves, each unit twice where it doubles), so the model keeps its "
             "parameter count and its gradients a direct path through the depth that made "
             "the sheet's model hard to train."
             if config["architecture"] == "mlp" else
             "A residual block follows each convolution of the encoder and precedes each of "
             "the decoder: $x + f(x)$, where $f$ narrows to a quarter of the channels by a "
             "$1\\times1$ convolution, applies a $3\\times3$ one and widens back, each after "
             "the activation \\citep{he2016}; its last convolution starts at zero, so the "
             "network starts as its plain counterpart and adds depth only as training finds "
             "it useful."),
        "optimizer":
            ("Adam adds the weight decay to the gradient before its per-weight scaling, so "
             "heavily updated weights are barely decayed; AdamW, the sheet's, decays every "
             "weight by the same fraction \\citep{loshchilov2019}."
             if config["optimizer"] == "adam" else
             f"The optimiser changes to {config['optimizer']}."),
        "lr_schedule":
            "The learning rate falls from its start to zero along a half cosine over the "
            "training steps, so that the last epochs take small steps and settle into a "
            "minimum instead of hovering around it at the full rate \\citep{loshchilov2017}.",
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
