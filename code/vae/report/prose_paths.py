"""The sentences of Part II about paths between two digits (the interpolation figures and the
bonus question): the rule that calls a path smooth, each figure's paths in words, and the
answer from every model's paths between random pairs of test images."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from .. import VaeError
from ..core.statistics import CONFIDENCE
from ..instrument.measurements import ModelReadings, PathReading
from .decisions import FEWER, MOST, NOT_HERE, OPEN, YES, Bonus
from .latex import interval, model_name, num, percent
from .prose_images import seed_tag
from .smoothness import (
    JUMP,
    NEIGHBOUR_RULES,
    SMOOTH_CHANGES,
    PathTally,
    most_changing,
    smooth_paths,
)
from .wording import count_words, listing, plural


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


def smooth_rule() -> Markup:
    """When a path between two digits counts as smooth, stated once before any count uses it."""
    return Markup(f"A path counts as smooth when the classifier reads its first and last frames "
                  f"as its two digits, the digit it reads changes at most "
                  f"{count_words(SMOOTH_CHANGES)} {plural(SMOOTH_CHANGES, 'time')} along it"
                  + (f" (so it may pass {count_words(SMOOTH_CHANGES - 1)} other "
                     f"{plural(SMOOTH_CHANGES - 1, 'digit')} on the way)" if SMOOTH_CHANGES > 1 else "")
                  + f", and no step between frames (the "
                  f"pixel distance between neighbouring decoded images) exceeds {num(JUMP, 1)} "
                  f"times the path's mean step.")


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
            f"smooth by this rule, and the largest step between neighbouring frames, over "
            f"the {count_words(len(r.linear_paths))} paths, is {num(largest, 1)} times its "
            f"path's mean step")
    worst = most_changing(r.linear_paths)
    if worst is not None:
        text += f"; {path_words(worst)}"
    return Markup(text + ".")


@dataclass(frozen=True)
class PathCount:
    """A model's paths between the random pairs, over all its seeds, for the bonus table."""

    name: str
    latent_dim: int
    linear: PathTally
    spherical: PathTally
    drawn: str  # the table's cell: paths with both ends drawn, of all; both kinds share ends
    linear_share: list[Markup]  # the table's cells: smooth paths, their share of those drawn,
    spherical_share: list[Markup]  # and its interval in percent


def share_cells(t: PathTally) -> list[Markup]:
    """Smooth paths, their percentage of the paths drawn and its interval; dashes where none is
    drawn, and so no share."""
    if not t.drawn:
        return [Markup("0"), Markup("--"), Markup("--")]
    return [Markup(str(t.smooth)), num(100 * t.smooth / t.drawn, 0),
            interval(100 * t.low, 100 * t.high, 0)]


def path_count(name: str, latent_dim: int, linear: PathTally,
               spherical: PathTally) -> PathCount:
    """The bonus table's row. A straight line and a great circle start and end at the same two
    codes, so their end frames, and the paths drawn, are the same: one column says it, and
    readings that disagree are an error, not a footnote."""
    if (linear.drawn, linear.paths) != (spherical.drawn, spherical.paths):
        raise VaeError(f"{name}: {linear.drawn} of {linear.paths} straight paths have both ends "
                       f"drawn but {spherical.drawn} of {spherical.paths} great circles, which "
                       "share those ends; measure the runs again (make measure)")
    return PathCount(name, latent_dim, linear, spherical, f"{linear.drawn} of {linear.paths}",
                     share_cells(linear), share_cells(spherical))


def _share(t: PathTally) -> str:
    return (f"{percent(t.smooth / t.drawn, 0)} "
            f"\\mbox{{[{percent(t.low, 0)}, {percent(t.high, 0)}]}}")  # never broken


def thresholds_tried(decided: Bonus, models: int) -> str:
    """How many models the answer counts under the rule made one step stricter and one step
    looser in each threshold (smoothness.NEIGHBOUR_RULES); "" when they were not tallied."""
    if len(decided.sure_nearby) != len(NEIGHBOUR_RULES):
        return ""
    (fewer, _), (more, _), (_, short), (_, long) = NEIGHBOUR_RULES
    a, b, c, d = (count_words(n) for n in decided.sure_nearby)

    def both(first: str, second: str) -> str:
        return f"{first} with either" if first == second else f"{first} and {second}"
    return (f"The count rests on the rule's two thresholds: with at most {fewer} or {more} "
            f"changes of digit instead of {SMOOTH_CHANGES}, most paths are surely smooth for "
            f"{both(a, b)} of the {count_words(models)} models; with no step above {short:g} or "
            f"{long:g} times the mean instead of {JUMP:g}, for {both(c, d)}. ")


def bonus_headline(counts: list[PathCount], decided: Bonus) -> Markup:
    """The bonus question's answer in one sentence, as decisions.bonus gives it from every
    model's straight paths; bonus_answer gives its grounds."""
    by_name = {c.name: c for c in counts}
    sure = [by_name[n] for n in decided.sure]  # in the decision's order
    rest = [c for c in counts if c.name not in decided.sure]
    if decided.answer == YES:
        named = (f"{count_words(len(sure))} of the {count_words(len(counts))} models "
                 f"(all but {listing([model_name(c.name) for c in rest])})"
                 if rest and len(rest) < len(sure) else listing([model_name(c.name) for c in sure]))
        return Markup(f"Yes for {named}: most of the paths whose ends "
                      + ("it draws are" if len(sure) == 1 else "they draw are") + " smooth")
    if decided.answer == NOT_HERE:
        return Markup("Not here: for no model are most of its paths smooth")
    return Markup("Not shown: no model's share of smooth paths is surely above a half")


def bonus_answer(counts: list[PathCount], seeds: Markup, pairs: int, main: str,
                 decided: Bonus) -> Markup:
    """The grounds of bonus_headline's answer: the pairs and seeds it is asked of, the rule that
    decides it, the sheet's model and the best one, and why no path on a one-dimensional code
    goes round other digits."""
    by_name = {c.name: c for c in counts}
    text = (f"The question is asked of {count_words(pairs)} "
            f"pairs of test images of different digits drawn at random (the same for every model), over "
            f"each model's seeds ({seeds}). A path whose first "
            f"frame the classifier does not read as its start digit, or whose last frame not as "
            f"its end digit, is set apart here: it shows that the model cannot draw an end, "
            f"not whether the way between is smooth. The others are judged by the rest of the "
            f"rule given with the interpolations above. \\Cref{{tab:paths}} "
            f"(\\cref{{app:study}}) gives every model's counts, and the share of smooth paths "
            f"with its {CONFIDENCE}\\,\\% interval (the paths of one pair, in every seed, "
            f"counted as one cluster). ")
    sheet = by_name[main]
    if decided.sheet is not None:
        verdict = {MOST: "most are", FEWER: "fewer than half are",
                   OPEN: "the interval cannot tell whether most are"}[decided.sheet]
        text += (f"For the sheet's own model, {model_name(main)}, {verdict}: {sheet.linear.smooth} "
                 f"of the {sheet.linear.drawn} straight paths whose ends it draws (of "
                 f"{sheet.linear.paths}) are smooth, {_share(sheet.linear)}. ")
    if decided.top is not None:
        top, tied = by_name[decided.top], [by_name[n] for n in decided.tied]
        text += (f"Among straight paths the highest lower end of the interval is "
                 f"{model_name(top.name)}'s: {top.linear.smooth} of {top.linear.drawn}, "
                 f"{_share(top.linear)}"
                 + (f", tied to the printed percent with "
                    f"{listing([model_name(c.name) for c in tied])}" if tied else "") + ". ")
    text += thresholds_tried(decided, len(counts))
    one_dim = [c for c in counts if c.latent_dim == 1]
    if one_dim:
        text += ("On a one-dimensional code no path can go round the other digits: any continuous "
                 "path from $\\mu(x_a)$ to $\\mu(x_b)$ on the line covers the whole interval "
                 "between them (intermediate value theorem), so it passes the codes of every "
                 "test image encoded in between, and where those are other digits "
                 "(\\cref{fig:latent}, top), the decoded path shows them. Only pairs of digits "
                 "that the encoder puts next to each other can meet smoothly; a second "
                 "dimension lets a path go round the classes in between.")
    return Markup(text.strip())
