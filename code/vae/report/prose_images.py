"""The sentences of Part II that read what a model's images show (Exercise 9 and the bonus):
the classifier's readings of reconstructions, samples, the decoded manifold, the latent space
and the interpolation paths, worded from the summary's measurements. The thresholds that pick a
wording are named below; which models are read is decided in decisions.py."""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

from ..instrument.measurements import (
    Confusion,
    ManifoldReading,
    ModelReadings,
    PathReading,
    digit_changes,
)
from ..core.statistics import CONFIDENCE
from .latex import model_name, num, percent, pm, pm_percent
from .numbers import ReadingSpread, Spread
from .smoothness import JUMP, SMOOTH_CHANGES, PathTally, smooth_paths
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
                 f"equally likely digits takes: the code has room for the digit.")
        if spread.digit_kept.mean < MOSTLY_KEPT:
            text += (f" Reconstructions lose it anyway because the reconstruction term "
                     f"also rewards slant, width and stroke, and class and style share the same "
                     f"{plural(latent_dim, 'number')}: digits that look alike are put side by "
                     f"side (\\hyperref[sec:bonus]{{Bonus}}) and decoded as one another.")
    else:
        text += (f", less than the $\\log 10 = {LOG_CLASSES:.2f}$ nats that naming one of ten "
                 f"equally likely digits takes: the code cannot tell every class apart.")
    return text


def reconstructions(spread: ReadingSpread, r: ModelReadings, latent_dim: int,
                    seeds: int) -> Markup:
    """What the classifier reads in a model's reconstructions: means over seeds, then the
    shown seed's per-digit reading and figure; for small codes, the information they carry."""
    t = r.test
    low = min(range(10), key=lambda y: t.per_class[y])
    high = max(range(10), key=lambda y: t.per_class[y])
    tag = seed_tag(r.seed, seeds)
    text = (f"The digit classifier reads the input's digit in "
            f"{pm_percent(spread.digit_kept.mean, spread.digit_kept.sd, seeds)} of the "
            f"{num(t.images)} test reconstructions and in "
            f"{pm_percent(spread.train_digit_kept.mean, spread.train_digit_kept.sd, seeds)} of "
            f"{num(r.train.images)} training reconstructions drawn at random. For the model "
            f"in the figure ({tag}) it ranges per digit from {percent(t.per_class[low])} for "
            f"{low} to {percent(t.per_class[high])} for {high}")
    text += (f"; its most frequent confusions are {confusion_words(t.confusions, 'test')}. "
             if t.confusions else ". ")
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
                 f"the vote most often takes "
                 f"{confusion_words(first.neighbours.confusions, 'test')}: these classes share "
                 f"a region of the code.")
    return Markup(text)


def path_words(p: PathReading) -> str:
    head = f"{p.start}$\\to${p.end}"
    frames = len(p.classes)
    if p.changes == 0:
        return f"{head} reads {p.classes[0]} in all {frames} frames"
    if p.classes[-1] != p.end:
        tail = f"ends as {p.classes[-1]}" + ("" if p.end in p.classes
                                             else f", never reaching {p.end}")
    elif p.classes[0] != p.start:
        tail = f"starts as {p.classes[0]}"
    else:
        tail = ""
    if p.others:
        route = (f"passes through {listing([str(c) for c in p.others])} "
                 f"({count_words(p.changes)} {plural(p.changes, 'change')} of digit)")
    else:
        switch = next(i for i in range(1, frames) if p.classes[i] != p.classes[i - 1])
        route = (f"turns from {p.classes[switch - 1]} to {p.classes[switch]} at frame {switch + 1}"
                 if p.changes == 1 else
                 f"changes between {p.classes[switch - 1]} and {p.classes[switch]} "
                 f"{count_words(p.changes)} times, first at frame {switch + 1}")
    return f"{head} {route}{', and ' + tail if tail else ''}"


def interpolation(name: str, r: ModelReadings, seeds: int, figure: str) -> Markup:
    """One model's interpolation figure (straight paths; its label): how many paths are smooth,
    and the path that changes digit most, in words (the figure shows the rest)."""
    smooth = smooth_paths(r.linear_paths)
    largest = max(p.jump for p in r.linear_paths)
    said = ("All" if smooth == len(r.linear_paths) else "None" if not smooth
            else count_words(smooth).capitalize())
    text = (f"For {model_name(name)} ({seed_tag(r.seed, seeds)}, \\cref{{{figure}}}), "
            f"{said.lower()} "
            f"of the {count_words(len(r.linear_paths))} paths {plural(smooth, 'is', 'are')} "
            f"smooth by the rule below, and the largest step between neighbouring frames, over "
            f"the {count_words(len(r.linear_paths))} paths, is {num(largest, 1)} times its "
            f"path's mean step")
    worst = max(r.linear_paths, key=lambda p: p.changes)
    if worst.changes > 1:
        text += f"; {path_words(worst)}"
    return Markup(text + ".")


@dataclass(frozen=True)
class PathCount:
    """A model's paths between the random pairs, over all its seeds, for the bonus table."""

    name: str
    latent_dim: int
    linear: PathTally
    spherical: PathTally
    linear_share: Markup  # the table's cell: smooth of drawn, the share and its interval
    spherical_share: Markup


def share_cell(t: PathTally) -> Markup:
    if not t.drawn:
        return Markup("none drawn")
    return Markup(f"{t.smooth}: {percent(t.smooth / t.drawn, 0)} "
                  f"[{num(100 * t.low, 0)}, {num(100 * t.high, 0)}]")


def path_count(name: str, latent_dim: int, spread: ReadingSpread) -> PathCount:
    return PathCount(name, latent_dim, spread.linear, spread.spherical,
                     share_cell(spread.linear), share_cell(spread.spherical))


def bonus_answer(counts: list[PathCount], seeds: int, pairs: int) -> Markup:
    """The answer, decided from every model's straight paths between the random pairs over all
    seeds: yes where most of the paths whose ends a model draws are smooth (the lower end of the
    share's interval above a half), not here where no model's upper end reaches a half; with the
    rule that decides it and why a one-dimensional code cannot do better."""
    ranked = sorted((c for c in counts if c.linear.drawn), key=lambda c: -c.linear.low)
    sure = [c for c in ranked if c.linear.low > 0.5]
    rest = [c for c in counts if c not in sure]
    if sure and len(rest) < len(sure):
        answer = (f"yes: most paths whose ends the model draws are smooth for "
                  f"{count_words(len(sure))} of the {count_words(len(counts))} models"
                  + (f", all but {listing([model_name(c.name) for c in rest])}" if rest else ""))
    elif sure:
        answer = (f"yes: most paths whose ends the model draws are smooth for "
                  f"{listing([model_name(c.name) for c in sure])}")
    elif not any(c.linear.high >= 0.5 for c in ranked):
        answer = "not here: for no model are most of its paths smooth"
    else:
        answer = "not shown: no model's share of smooth paths is surely above a half"
    text = (f"\\textbf{{Answer: {answer}.}} The question is asked of {count_words(pairs)} "
            f"pairs of test images of different digits drawn at random (the same for every model), over "
            f"each model's {count_words(seeds)} {plural(seeds, 'seed')}. A path whose first "
            f"frame the classifier does not read as its start digit, or whose last frame not as "
            f"its end digit, is set apart: it shows that the model cannot draw an end, not "
            f"whether the way between is smooth. Among the others, a path counts as smooth when "
            f"the digit changes at most {count_words(SMOOTH_CHANGES)} times and no step between "
            f"frames (the pixel distance between neighbouring decoded images) exceeds "
            f"{num(JUMP, 1)} times the path's mean step. \\Cref{{tab:paths}} "
            f"(\\cref{{app:study}}) gives, for every model, the paths with both ends drawn and "
            f"the share of those that are smooth with its {CONFIDENCE}\\,\\% interval, along "
            f"straight lines and along great circles. ")
    if ranked:
        top = ranked[0].linear
        text += (f"The highest lower end is {model_name(ranked[0].name)}'s: {top.smooth} of "
                 f"{top.drawn} straight paths, {percent(top.smooth / top.drawn, 0)} "
                 f"[{percent(top.low, 0)}, {percent(top.high, 0)}]. ")
    one_dim = [c for c in counts if c.latent_dim == 1]
    if one_dim:
        text += ("A one-dimensional code cannot do better, whatever the path: any continuous "
                 "path from $\\mu(x_a)$ to $\\mu(x_b)$ on the line covers the whole interval "
                 "between them (intermediate value theorem), so it passes the codes of every "
                 "test image encoded in between, and where those are other digits "
                 "(\\cref{fig:latent}, top), the decoded path shows them. Only pairs of digits "
                 "that the encoder puts next to each other can meet smoothly; a second "
                 "dimension lets a path go round the classes in between.")
    return Markup(text.strip())
