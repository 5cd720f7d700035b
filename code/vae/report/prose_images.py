"""The sentences of Part II that read what a model's images show (Exercise 9): the classifier's
readings of reconstructions, samples, the decoded manifold and the latent space, worded from the
summary's measurements (the paths between digits: prose_paths.py). The thresholds that pick a
wording are named below; which models are read is decided in decisions.py."""

from __future__ import annotations

import math

from markupsafe import Markup

from ..instrument.measurements import (
    Confusion,
    ManifoldReading,
    ModelReadings,
    digit_changes,
)
from .latex import model_name, num, percent, pm, pm_percent
from .numbers import ReadingSpread, Spread
from .wording import count_words, listing, plural

LOG_CLASSES = math.log(10)  # nats that naming one of ten equally likely digits takes
MISSING = 0.005  # a digit with less than this share of the samples is missing
SCARCE = 0.05  # half the uniform share
CROWDED = 0.15  # one and a half times the uniform share
MOSTLY_KEPT = 0.9  # reconstructions keep their digit this often or more: no failure to explain


def confusion_words(found: list[Confusion], of: str) -> str:
    """"4 as 9 (65 % of the test 4s), ...": the classifier's reading of the true digit."""
    return listing([f"{c.true} as {c.predicted} ({percent(c.share, 0)} of the {of} {c.true}s)"
                    for c in found])


# -- Exercise 9 ---------------------------------------------------------------------------------

def seed_tag(seed: int, seeds: int) -> str:
    """Whose model a figure shows: "seed 421", or "its one run" with a single seed."""
    return f"seed {seed}" if seeds > 1 else "its one run"


def information_again(name: str, spread: ReadingSpread, seeds: int) -> str:
    """A second model's estimate, after information() has set out the argument once."""
    info, bound = spread.information, spread.information_bound
    return (f"For {model_name(name)}, the mean KL bounds $I(x;z)$ from above by "
            f"{pm(bound.mean, bound.sd, seeds)} nats, and the estimate of $I(x;z)$ itself is "
            f"{pm(info.mean, info.sd, seeds)} nats.")


def information(spread: ReadingSpread, latent_dim: int, seeds: int) -> str:
    """The information a one- or two-dimensional code carries, each bound the right way round:
    the mean KL bounds I(x; z) from above (Exercise 4); the estimate of I itself decides."""
    info, bound = spread.information, spread.information_bound
    text = (f"How much can {count_words(latent_dim)} {plural(latent_dim, 'coordinate')} say "
            f"about an image? By \\eqref{{eq:ex4-general}}, the mean KL, "
            f"{pm(bound.mean, bound.sd, seeds)} nats, bounds the information $I(x;z)$ from "
            f"above only. A Monte Carlo estimate of "
            f"$I(x;z)$ itself (\\cref{{app:information}}) gives {pm(info.mean, info.sd, seeds)} "
            f"nats")
    if info.mean > LOG_CLASSES:
        text += (f", more than the $\\log 10 = {LOG_CLASSES:.2f}$ nats that naming one of ten "
                 f"equally likely digits takes: the code has the capacity to name the digit, "
                 f"which does not show that it does.")
        if spread.digit_kept.mean < MOSTLY_KEPT:
            text += (f" Reconstructions lose the digit anyway. A likely reason, which the study "
                     f"does not test: the reconstruction term also rewards slant, width and "
                     f"stroke, and class and style share the same "
                     f"{plural(latent_dim, 'number')}, so that digits that look alike are put "
                     f"side by side (\\hyperref[sec:bonus]{{Bonus}}) and decoded as one another.")
    else:
        text += (f", less than the $\\log 10 = {LOG_CLASSES:.2f}$ nats that naming one of ten "
                 f"equally likely digits takes: the code cannot tell every class apart.")
    return text


def prior_mismatch(kl: float, images: int, appendix: bool) -> Markup:
    """Where a model's samples may fail: its mean KL over N test images less log N, the most
    I(x; z) can be when x is one of N images, bounds KL(q(z) || p(z)) from below."""
    ceiling = math.log(images)
    text = (f"Its average KL of {num(kl, 1)} nats splits, by \\eqref{{eq:ex4-general}}, into "
            f"the information $I(x;z)$ that the code carries and the divergence "
            f"$\\KL{{q(z)}}{{p(z)}}$ of the aggregate posterior from the prior. With $x$ one of "
            f"the $N = {num(images)}$ test images, $I(x;z)$ cannot exceed "
            f"$\\log N = {num(ceiling, 2)}$ nats"
            + (" (\\cref{app:information})" if appendix else "") + ", ")
    if kl - ceiling <= 0:
        return Markup(text + "so the KL does not show whether the aggregate posterior departs from "
                      "the prior.")
    return Markup(text + f"so the aggregate posterior lies at least {num(kl - ceiling, 1)} nats "
                  f"from the prior. This divergence weighs the codes where they are; how much of "
                  f"the prior's mass falls where no test image is encoded, the concern of "
                  f"$\\KL{{p(z)}}{{q(z)}}$, it does not measure. A prior sample that falls there "
                  f"need not decode to a clear digit, which may explain (the study does not test "
                  f"it) the samples the classifier does not name.")


def reconstructions(spread: ReadingSpread, r: ModelReadings, latent_dim: int,
                    seeds: int, training_compared: str | None = None) -> Markup:
    """What the classifier reads in a model's reconstructions: means over seeds, then the
    shown seed's per-digit reading and figure; for small codes, the information they carry.
    training_compared: the label of the section that sets the training reconstructions' share
    beside the test one, which then is not repeated here."""
    t = r.test
    low = min(range(10), key=lambda y: t.per_class[y])
    high = max(range(10), key=lambda y: t.per_class[y])
    tag = seed_tag(r.seed, seeds)
    text = (f"The digit classifier reads the input's digit in "
            f"{pm_percent(spread.digit_kept.mean, spread.digit_kept.sd, seeds)} of the "
            f"{num(t.images)} test reconstructions")
    text += (f" (\\cref{{{training_compared}}} compares the training images' share). "
             if training_compared else
             f" and in {pm_percent(spread.train_digit_kept.mean, spread.train_digit_kept.sd, seeds)}"
             f" of {num(r.train.images)} training reconstructions drawn at random. ")
    text += (f"For the model in the figure ({tag}) it ranges per digit from "
             f"{percent(t.per_class[low])} for {low} to {percent(t.per_class[high])} for {high}")
    text += (f"; its most frequent confusions, by count, are "
             f"{confusion_words(t.confusions, 'test')}. " if t.confusions else ". ")
    wrong = [(y, read) for y, read in enumerate(t.shown) if read != y]
    if wrong:
        text += (f"In the figure, {count_words(len(wrong))} of the {count_words(len(t.shown))} "
                 f"test reconstructions come back as another digit "
                 f"({listing([f'{y} as {read}' for y, read in wrong])}). ")
    else:
        text += (f"In the figure, all {count_words(len(t.shown))} test reconstructions keep "
                 f"their digit. ")
    if spread.information is not None:
        text += information(spread, latent_dim, seeds)
    return Markup(text.strip())


def samples(spread: ReadingSpread, r: ModelReadings, confident_at: float,
            test_confident: float, real_frechet: float, seeds: int,
            references: bool = True) -> Markup:
    """The confidence and Frechet distance of the prior's samples over seeds, and the class
    histogram of the shown seed's; with the values of real images beside them unless a
    paragraph before gave those."""
    s = r.samples
    missing = [y for y in range(10) if s.shares[y] < MISSING]
    scarce = [y for y in range(10) if MISSING <= s.shares[y] < SCARCE]
    crowded = [y for y in range(10) if s.shares[y] > CROWDED]
    clear, frechet = spread.clear_samples, spread.frechet
    text = (f"Of {num(s.images)} digits decoded from the prior, the classifier names "
            f"{pm_percent(clear.mean, clear.sd, seeds)} with probability at least "
            f"{confident_at:g}" + (f" (real test images: {percent(test_confident)})"
                                   if references else "")
            + f"; the Fr\\'echet distance between the classifier's features of the samples and "
              f"of the test images is {pm(frechet.mean, frechet.sd, seeds, 0)}"
            + (f" (training against test images, two sets of real digits: "
               f"{num(real_frechet, 1)})" if references else "") + ". ")
    parts = []
    if missing:
        parts.append(f"{plural(len(missing), 'digit')} {listing([str(y) for y in missing])} "
                     f"{plural(len(missing), 'is', 'are')} missing (below {percent(MISSING)})")
    if scarce:
        parts.append(f"{listing([f'{y} ({percent(s.shares[y])})' for y in scarce])} "
                     f"{plural(len(scarce), 'is', 'are')} scarce")
    if crowded:
        parts.append(f"{listing([f'{y} ({percent(s.shares[y])})' for y in crowded])} "
                     f"{plural(len(crowded), 'is', 'are')} over-represented")
    where = f"In the samples of the model in the figure ({seed_tag(r.seed, seeds)})"
    if parts:
        text += f"{where}, against a uniform share of {percent(0.1, 0)}, {'; '.join(parts)}."
    else:
        text += (f"{where}, every digit takes between {percent(min(s.shares))} and "
                 f"{percent(max(s.shares))} (uniform: {percent(0.1, 0)}).")
    return Markup(text)


def samples_caption(manifold: str, seed: int) -> Markup:
    """The caption of the main model's new digits; manifold is its code's shape in words
    ("line", "plane"), or "" for a code too large to draw whole."""
    prior = r"z\sim\mathcal{N}(0,1)" if manifold == "line" else r"z\sim\mathcal{N}(0,I_m)"
    grid = {"line": "and the one-dimensional manifold, decoded at evenly spaced quantiles of the "
                    "prior, the value of $z$ under each image (bottom)",
            "plane": "and over a grid of evenly spaced prior quantiles (bottom)"}.get(manifold)
    if grid is None:
        return Markup(f"New digits from the main model (seed {seed}), decoded from ${prior}$.")
    return Markup(f"New digits from the main model (seed {seed}): decoded from ${prior}$ "
                  f"(top), {grid}.")


def manifold(m: ManifoldReading, latent_dim: int, tag: str) -> Markup:
    """What the decoded line or grid of the shown model (tag: its seed) shows, read by the
    classifier."""
    if latent_dim == 1:
        changes = digit_changes(m.classes)
        text = (f"Read from left to right, the classifier names the {len(m.classes)} points of "
                f"the decoded line ({tag}) {', '.join(str(c) for c in m.classes)}: "
                f"{count_words(changes)} {plural(changes, 'change')} of digit")
    else:
        shares = [m.classes.count(y) / len(m.classes) for y in range(10)]
        top = max(range(10), key=lambda y: shares[y])
        text = (f"Of the {num(len(m.classes))} points of the decoded grid ({tag}), the most "
                f"frequent "
                f"digit is {top} ({percent(shares[top])})")
    if m.missing:
        text += (f"; the classifier reads {listing([str(y) for y in m.missing], 'or')} "
                 f"nowhere on this {'line' if latent_dim == 1 else 'grid'}.")
    else:
        text += "; the classifier reads every digit somewhere."
    return Markup(text)


# -- the latent space and interpolations (bonus) --------------------------------------------------

def neighbours(readings: list[tuple[str, ModelReadings, Spread]], seeds: int) -> Markup:
    """The k-nearest-neighbour label accuracy of the posterior means, mean ± sd over seeds, and
    the first model's confusions (of the seed whose code the figure shows)."""
    first_name, first, _ = readings[0]
    k = first.neighbours.k
    scores = listing([f"{pm_percent(vote.mean, vote.sd, seeds)} for {model_name(name)}"
                      for name, _, vote in readings])
    text = (f"How well the code separates the classes, without ever seeing a label, is measured "
            f"by a vote of the {k} nearest posterior means (leave-one-out, all test images): it "
            f"recovers the label of {scores}.")
    if first.neighbours.confusions:
        text += (f" For {model_name(first_name)} ({seed_tag(first.seed, seeds)}, the figure's) "
                 f"the vote most often (by count) takes "
                 f"{confusion_words(first.neighbours.confusions, 'test')}: these classes share "
                 f"a region of the code.")
    return Markup(text)
