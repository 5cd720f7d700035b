"""The sentences of Part II that read a figure: written here from the summary's measurements,
so that each says what its numbers say and stays true when the runs change. build.py hands
them to the templates as LaTeX; the thresholds that pick a wording are named below."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from markupsafe import Markup

from ..instrument.measurements import (
    Confusion,
    Information,
    ManifoldReading,
    ModelReadings,
    PathReading,
    digit_changes,
)
from .comparisons import Change, Comparison, Step, still_falling
from .latex import (
    span,
    nats,
    num,
    percent,
    pm,
    pm_percent,
    printed_difference,
    setting,
    tex_escape,
)
from .numbers import ReadingSpread, Spread
from .numbers import spread as spread_of
from .smoothness import JUMP, SMOOTH_CHANGES, smooth_paths
from .statistics import ALPHA, CONFIDENCE, MAX_SEEDS, Paired, leaders, paired
from .summary import Summary
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


def model_name(name: str) -> str:
    return rf"\texttt{{{tex_escape(name)}}}"


# -- Exercise 8 ---------------------------------------------------------------------------------

def training_gap(final_train: float, test: float, late_min: float, late_max: float,
                 train_read: Spread, test_read: Spread, seeds: list[int]) -> Markup:
    """Over-fitting, read first where it can be measured like for like: the classifier on
    reconstructed training and test images of the same models; then the losses, whose
    comparison is loose (an epoch's mean of moving weights against the end of the epoch)."""
    several = len(seeds) > 1
    test_gap = paired(dict(zip(seeds, train_read.values)), dict(zip(seeds, test_read.values)))
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
            f"about an image? By \\exref{{4}}, $\\mathbb{{E}}_x\\,\\KL{{q(z\\mid x)}}{{p(z)}} = "
            f"I(x;z) + \\KL{{q(z)}}{{p(z)}}$, so the mean KL, {pm(bound.mean, bound.sd, seeds)} "
            f"nats, bounds the information $I(x;z)$ from above only. A Monte Carlo estimate of "
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
        n = len(m.missing)
        text += (f"; {listing([str(y) for y in m.missing])} never "
                 f"{plural(n, 'appears', 'appear')} on this "
                 f"{'line' if latent_dim == 1 else 'grid'}.")
    else:
        text += "; every digit appears somewhere."
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
        tail = f"ends as {p.classes[-1]}, never reaching {p.end}"
    elif p.classes[0] != p.start:
        tail = f"starts as {p.classes[0]}"
    else:
        tail = ""
    if p.others:
        route = (f"passes through {listing([str(c) for c in p.others])} "
                 f"({count_words(p.changes)} {plural(p.changes, 'change')} of digit)")
    else:
        switch = next(i for i in range(1, frames) if p.classes[i] != p.classes[i - 1])
        route = f"turns from {p.classes[switch - 1]} to {p.classes[switch]} at frame {switch + 1}"
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
    """A model's smooth paths over all its seeds, of each kind, for the bonus table."""

    name: str
    latent_dim: int
    linear: int
    spherical: int
    paths: int  # of each kind, over all seeds


def path_count(name: str, latent_dim: int, spread: ReadingSpread) -> PathCount:
    return PathCount(name, latent_dim, sum(spread.smooth_linear), sum(spread.smooth_spherical),
                     spread.paths * len(spread.smooth_linear))


def bonus_answer(counts: list[PathCount], seeds: int) -> Markup:
    """The answer, decided from every model's paths over all seeds: yes where a model's paths
    are smooth, with the rule that decides it and why a one-dimensional code cannot be."""
    every = [c for c in counts if c.linear == c.paths]
    none = [c for c in counts if c.linear == 0]
    best = max(counts, key=lambda c: (c.linear, c.spherical))
    if len(every) == len(counts):
        answer = "yes, for every model of the study"
    elif not any(c.linear for c in counts):
        answer = "not here: no straight path of any model is smooth"
    else:
        answer = (f"yes, but not from every code: the smooth straight paths range from "
                  f"{fraction(min(counts, key=lambda c: c.linear))} to {fraction(best)}")
    text = (f"\\textbf{{Answer: {answer}.}} A path counts as smooth when the classifier reads "
            f"its start digit in the first frame and its end digit in the last, the digit "
            f"changes at most {count_words(SMOOTH_CHANGES)} times, and no step between frames (the "
            f"pixel distance between neighbouring decoded images) exceeds {num(JUMP, 1)} times "
            f"the path's mean step. \\Cref{{tab:paths}} (\\cref{{app:study}}) counts the smooth "
            f"paths of every model over its {count_words(seeds)} "
            f"{plural(seeds, 'seed')} and the {count_words(counts[0].paths // seeds)} pairs, "
            f"along straight lines and along great circles. ")
    if every and len(every) < len(counts):
        text += (f"Every straight path is smooth for "
                 f"{listing([model_name(c.name) for c in every])}. ")
    if none and len(none) < len(counts):
        text += (f"No straight path is smooth for "
                 f"{listing([model_name(c.name) for c in none])}. ")
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


def fraction(c: PathCount) -> str:
    return f"{c.linear} of {c.paths} ({model_name(c.name)})"


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
    if c.verdict != "not separated" or c.test is None:
        return Markup("")
    return Markup(str(c.seeds_needed) if c.seeds_needed else f"$>{MAX_SEEDS}$")


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


def conclusion(runs: list[tuple[str, list[int], Spread, ReadingSpread]], main: str) -> Markup:
    """Which models share first place on each measure, and whether one model wins everything.
    runs holds (name, seeds, the test -ELBO, the classifier's readings): every figure a mean
    over seeds, and a model shares first place unless the paired test, Holm-corrected over
    the comparisons with the first, separates it."""
    def first(get: Callable[[Spread, ReadingSpread], Spread], lower_better: bool) -> list[str]:
        return leaders({n: dict(zip(seeds, get(loss, r).values)) for n, seeds, loss, r in runs},
                       lower_better)
    elbo = first(lambda loss, r: loss, True)
    recon = first(lambda loss, r: r.digit_kept, False)
    frechet = first(lambda loss, r: r.frechet, True)
    confident = first(lambda loss, r: r.clear_samples, False)
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


# -- all of Part II's readings at once ------------------------------------------------------------

@dataclass(frozen=True)
class PartTwo:
    """The sentences the templates place; a field is None where its figure is not drawn."""

    training: Markup
    reconstructions: Markup
    best_reconstructions: Markup | None  # None when the main model is the best
    samples: Markup
    best_samples: Markup | None
    manifold: Markup | None  # None when the main model's code has more than two dimensions
    plane_manifold: Markup | None  # the first two-dimensional model of the study, if any
    best_projected: bool  # the best model's code needs a projection of its own figure
    units_models: list[str]  # whose KL per dimension the study shows
    units_words: Markup  # their names, as the text lists them
    units_caption: Markup  # their names with their places in the figure
    neighbours: Markup
    findings: dict[str, Markup]  # per variant: what its rows in the tables do not show
    falling: list[str]  # the models whose test curve still fell when training stopped
    seeds_needed: dict[str, Markup]  # per variant: seeds that would separate its difference
    still_improving: Markup  # which models were still improving when training stopped
    information: Information | None  # the first estimate of I(x; z), of the shown seed's model
    information_model: Markup  # whose it is, model and seed ("" without one)
    interpolations: list[Markup]  # main model, then the best
    path_counts: list[PathCount]  # every model's, for the bonus table
    bonus: Markup
    improvement: Markup
    conclusion: Markup
    binarized: Markup | None  # None without a binarised run


def still_improving(summary: Summary, falling: list[str]) -> Markup:
    """How many models were still improving when training stopped (`falling`), by their slopes."""
    total = count_words(len(summary.runs))
    if not falling:
        return Markup(f"by the slope of its mean test curve over the last "
                      f"{count_words(summary.slope_epochs)} epochs, none of the {total} models "
                      f"was still improving then")
    return Markup(f"by the slope of its mean test curve over the last "
                  f"{count_words(summary.slope_epochs)} epochs, "
                  f"{count_words(len(falling))} of the {total} models "
                  f"{plural(len(falling), 'was', 'were')} still improving then "
                  f"({listing([model_name(n) for n in falling])})")


def units_models(summary: Summary) -> list[str]:
    """The models whose KL per dimension is drawn: the first with a code of more than two
    dimensions, and the best model if it is another such one."""
    larger = [e for e in summary.runs if e.latent_dim > 2]
    best = [e for e in larger[1:] if e.is_best]
    return [e.name for e in larger[:1] + best]


def part_two(summary: Summary, reference: float) -> PartTwo:
    """Part II's sentences from the summary; reference is the published IWAE estimate that a
    binarised run is set beside."""
    main, inst, n = summary.main, summary.instrument, summary.seeds
    best = next(e for e in summary.runs if e.is_best)
    plane = next((e for e in summary.runs if e.name == summary.plane_model), None)
    shown = [main] + ([plane] if plane and plane is not main else []) + \
        ([best] if best is not main else [])
    paths = [main] + ([best] if best is not main else [])
    r, spread = main.readings, main.readings_spread
    estimated = next((e for e in summary.runs if e.readings.information is not None), None)
    units = units_models(summary)
    plane_text = None
    if plane and plane.readings.manifold:
        plane_text = manifold(plane.readings.manifold, 2, seed_tag(plane.readings.seed, n))
        if plane is not main and plane.readings_spread.information is not None:
            plane_text = Markup(f"{plane_text} "
                                f"{information_again(plane.name, plane.readings_spread, n)}")
    falling = [e.name for e in summary.runs if still_falling(e)]
    return PartTwo(
        training=training_gap(main.final_train_loss, main.test_loss, main.late_test_loss_min,
                              main.late_test_loss_max, spread.train_digit_kept,
                              spread.digit_kept, [seed.seed for seed in main.seeds]),
        reconstructions=reconstructions(spread, r, main.latent_dim, n),
        best_reconstructions=(None if best is main else
                              reconstructions(best.readings_spread, best.readings,
                                              best.latent_dim, n)),
        samples=samples(spread, r, inst.confident_at, inst.test_confident,
                        inst.train_test_frechet, n),
        best_samples=(None if best is main else
                      samples(best.readings_spread, best.readings, inst.confident_at,
                              inst.test_confident, inst.train_test_frechet, n,
                              references=False)),
        manifold=(manifold(r.manifold, main.latent_dim, seed_tag(r.seed, n))
                  if r.manifold else None),
        plane_manifold=plane_text,
        best_projected=best is not main and best is not plane and best.latent_dim > 2,
        units_models=units,
        units_words=Markup(listing([model_name(n) for n in units]) if units else ""),
        units_caption=Markup(listing([
            model_name(n) + (f" ({side})" if len(units) > 1 else "")
            for n, side in zip(units, ("left", "right"))]) if units else ""),
        neighbours=neighbours([(e.name, e.readings, e.readings_spread.neighbour_vote)
                               for e in shown], n),
        still_improving=still_improving(summary, falling),
        information=estimated.readings.information if estimated else None,
        information_model=(Markup(f"{model_name(estimated.name)}, seed {estimated.shown_seed}")
                           if estimated else Markup("")),
        findings={e.name: variant_finding(
            e.comparison, e.epochs, e.seconds_per_epoch, e.final_train_loss, e.active_units,
            next(b.active_units for b in summary.runs if b.name == e.comparison.baseline),
            e.latent_dim) for e in summary.variants},
        falling=falling,
        seeds_needed={e.name: seeds_needed_cell(e.comparison) for e in summary.variants},
        interpolations=[interpolation(e.name, e.readings, n, figure) for e, figure in
                        zip(paths, ("fig:interpolation", "fig:best-interpolation"))],
        path_counts=[path_count(e.name, e.latent_dim, e.readings_spread) for e in summary.runs],
        bonus=bonus_answer([path_count(e.name, e.latent_dim, e.readings_spread)
                            for e in summary.runs], n),
        improvement=improvement(summary.best_path, main.name, best.name,
                                summary.improvement_over_main),
        conclusion=conclusion([(e.name, [s.seed for s in e.seeds],
                                spread_of([s.test_loss for s in e.seeds]), e.readings_spread)
                               for e in summary.runs], main.name),
        binarized=(against_literature(summary.binarized.iwae_bound,
                                      summary.binarized.iwae_stderr, reference)
                   if summary.binarized else None),
    )
