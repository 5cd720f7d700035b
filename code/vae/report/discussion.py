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
    ManifoldReading,
    ModelReadings,
    PathReading,
    digit_changes,
)
from .comparisons import Change, Step
from .latex import (
    LOSS_DECIMALS,
    nats,
    num,
    percent,
    pm_percent,
    printed_difference,
    setting,
    tex_escape,
)
from .numbers import ReadingSpread, Spread
from .statistics import leaders
from .summary import Summary
from .wording import count_words, listing, plural

LOG_CLASSES = math.log(10)  # nats that naming one of ten equally likely digits takes
MISSING = 0.005  # a digit with less than this share of the samples is missing
SCARCE = 0.05  # half the uniform share
CROWDED = 0.15  # one and a half times the uniform share
SMOOTH_CHANGES = 2  # a smooth path changes digit at most this often...
JUMP = 2.0  # ...and no step between frames is this many times the mean step


def confusion_words(found: list[Confusion], of: str) -> str:
    """"4 as 9 (65 % of the test 4s), ...": the classifier's reading of the true digit."""
    return listing([f"{c.true} as {c.predicted} ({percent(c.share, 0)} of the {of} {c.true}s)"
                    for c in found])


def model_name(name: str) -> str:
    return rf"\texttt{{{tex_escape(name)}}}"


# -- Exercise 8 ---------------------------------------------------------------------------------

def training_gap(final_train: float, test: float, late_min: float, late_max: float,
                 train_read: float, test_read: float, seeds: list[int]) -> Markup:
    """The train-versus-test gap, read against the test loss's swing between epochs; the
    losses are means over the seeds, the classifier's readings the first seed's model's."""
    swing = printed_difference(late_max, late_min)
    gap = printed_difference(test, final_train)
    several = len(seeds) > 1
    text = (f"{f'Averaged over the {count_words(len(seeds))} seeds, t' if several else 'T'}"
            f"he last epoch's mean training loss, {nats(final_train)} nats, averages steps "
            f"taken while the weights still changed; the test loss after that epoch is "
            f"{nats(test)} nats. Over the second half of training the test loss moved between "
            f"{nats(late_min)} and {nats(late_max)} nats from one epoch to the next, a swing of "
            f"{nats(swing)} nats")
    if round(test, LOSS_DECIMALS) == round(late_max, LOSS_DECIMALS):
        text += ", and the last epoch happens to be the highest of them"
    elif round(test, LOSS_DECIMALS) == round(late_min, LOSS_DECIMALS):
        text += ", and the last epoch happens to be the lowest of them"
    if abs(gap) <= swing:
        text += (f". The gap of {nats(abs(gap))} nats between training and test is within that "
                 f"swing, so it is no evidence of over-fitting")
    else:
        text += (f". The gap of {nats(abs(gap))} nats between training and test exceeds that "
                 f"swing: the model fits its training images better than unseen ones")
    text += (f"; the digit classifier (\\cref{{sec:reconstructions}}) reads back the digit of "
             f"{percent(train_read)} of reconstructed training images and {percent(test_read)} "
             f"of test images{f' (the model of seed {seeds[0]})' if several else ''}.")
    return Markup(text)


# -- Exercise 9 ---------------------------------------------------------------------------------

def reconstructions(r: ModelReadings, kl: float, latent_dim: int) -> Markup:
    """What the classifier reads in a model's reconstructions, and why (for small codes)."""
    t = r.test
    low = min(range(10), key=lambda y: t.per_class[y])
    high = max(range(10), key=lambda y: t.per_class[y])
    text = (f"The digit classifier reads the input's digit in {percent(t.accuracy)} of the "
            f"{num(t.images)} test reconstructions and in {percent(r.train.accuracy)} of "
            f"{num(r.train.images)} training reconstructions drawn at random; per digit, from "
            f"{percent(t.per_class[low])} for {low} to {percent(t.per_class[high])} for {high}. ")
    if t.confusions:
        text += (f"The most frequent confusions are {confusion_words(t.confusions, 'test')}. ")
    wrong = [(y, read) for y, read in enumerate(t.shown) if read != y]
    if wrong:
        text += (f"In the figure, {count_words(len(wrong))} of the {count_words(len(t.shown))} "
                 f"test reconstructions come back as another digit "
                 f"({listing([f'{y} as {read}' for y, read in wrong])}). ")
    else:
        text += (f"In the figure, all {count_words(len(t.shown))} test reconstructions keep "
                 f"their digit. ")
    if latent_dim <= 2:
        if kl > LOG_CLASSES:
            text += (f"The failures are not for lack of information in total: the average KL "
                     f"of {nats(kl)} nats bounds what the code carries about an image "
                     f"(\\exref{{4}}) and exceeds the $\\log 10 = {LOG_CLASSES:.2f}$ nats that "
                     f"naming one of ten digits takes. But the reconstruction term also rewards "
                     f"slant, width and stroke, and with {count_words(latent_dim)} "
                     f"{plural(latent_dim, 'coordinate')}, class and style share the same "
                     f"numbers: digits that look alike are put side by side "
                     f"(\\cref{{sec:bonus}}) and decoded as one another.")
        else:
            text += (f"The average KL of {nats(kl)} nats bounds what the code carries about an "
                     f"image (\\exref{{4}}); it is less than the $\\log 10 = {LOG_CLASSES:.2f}$ "
                     f"nats that naming one of ten digits takes, so the code cannot tell every "
                     f"class apart.")
    return Markup(text.strip())


def samples(r: ModelReadings, confident_at: float, test_confident: float,
            real_frechet: float, references: bool = True) -> Markup:
    """The class histogram, the confidence and the Frechet distance of the prior's samples;
    with the values of real images beside them unless a paragraph before gave those."""
    s = r.samples
    missing = [y for y in range(10) if s.shares[y] < MISSING]
    scarce = [y for y in range(10) if MISSING <= s.shares[y] < SCARCE]
    crowded = [y for y in range(10) if s.shares[y] > CROWDED]
    text = (f"Of {num(s.images)} digits decoded from the prior, the classifier names "
            f"{percent(s.confident)} with probability at least {confident_at:g}"
            + (f", against {percent(test_confident)} of real test images. " if references
               else ". "))
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
    if parts:
        text += (f"Against a uniform share of {percent(0.1, 0)}, "
                 f"{'; '.join(parts)}. ")
    else:
        text += (f"Every digit takes between {percent(min(s.shares))} and "
                 f"{percent(max(s.shares))} of the samples (uniform: {percent(0.1, 0)}). ")
    text += (f"The Fr\\'echet distance between the classifier's features of the samples and of "
             f"the test images is {num(s.frechet, 1)}"
             + (f"; for training against test images, two sets of real digits, it is "
                f"{num(real_frechet, 1)}." if references else "."))
    return Markup(text)


def manifold(m: ManifoldReading, latent_dim: int) -> Markup:
    """What the decoded line or grid shows, read by the classifier."""
    if latent_dim == 1:
        changes = digit_changes(m.classes)
        text = (f"Read from left to right, the classifier names the {len(m.classes)} points of "
                f"the decoded line {', '.join(str(c) for c in m.classes)}: "
                f"{count_words(changes)} {plural(changes, 'change')} of digit")
    else:
        shares = [m.classes.count(y) / len(m.classes) for y in range(10)]
        top = max(range(10), key=lambda y: shares[y])
        text = (f"Of the {num(len(m.classes))} points of the decoded grid, the most frequent "
                f"digit is {top} ({percent(shares[top])})")
    if m.missing:
        n = len(m.missing)
        text += (f"; {listing([str(y) for y in m.missing])} never "
                 f"{plural(n, 'appears', 'appear')}, so the prior gives {plural(n, 'it', 'them')} "
                 f"no region of {plural(n, 'its', 'their')} own.")
    else:
        text += "; every digit appears somewhere."
    return Markup(text)


# -- the latent space and interpolations (bonus) --------------------------------------------------

def neighbours(readings: list[tuple[str, ModelReadings, Spread]], seeds: int) -> Markup:
    """The k-nearest-neighbour label accuracy of the posterior means, mean ± sd over seeds, and
    the first model's confusions (its first seed, whose code the figure shows)."""
    first_name, first, _ = readings[0]
    k = first.neighbours.k
    scores = listing([f"{pm_percent(vote.mean, vote.sd, seeds)} for {model_name(name)}"
                      for name, _, vote in readings])
    text = (f"How well the code separates the classes, without ever seeing a label, is measured "
            f"by a vote of the {k} nearest posterior means (leave-one-out, all test images): it "
            f"recovers the label of {scores}.")
    if first.neighbours.confusions:
        whose = f"{model_name(first_name)}'s first seed" if seeds > 1 else model_name(first_name)
        text += (f" For {whose} the vote most often takes "
                 f"{confusion_words(first.neighbours.confusions, 'test')}: these classes share "
                 f"a region of the code.")
    return Markup(text)


def path_smooth(p: PathReading) -> bool:
    """Starts and ends on its two digits, changes digit at most SMOOTH_CHANGES times, no jump."""
    return (p.classes[0] == p.start and p.classes[-1] == p.end
            and p.changes <= SMOOTH_CHANGES and p.jump <= JUMP)


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


def smooth_paths(r: ModelReadings) -> int:
    return sum(path_smooth(p) for p in r.paths)


def smoothness(r: ModelReadings) -> str:
    """"yes", "partly" or "no": whether every, some or none of a model's paths is smooth."""
    smooth = smooth_paths(r)
    return "yes" if smooth == len(r.paths) else "partly" if smooth else "no"


def interpolation(name: str, r: ModelReadings) -> Markup:
    """One model's row of the interpolation figure, path by path."""
    smooth = smooth_paths(r)
    largest = max(p.jump for p in r.paths)
    said = ("All" if smooth == len(r.paths) else "None" if not smooth
            else count_words(smooth).capitalize())
    text = (f"For {model_name(name)}, " + "; ".join(path_words(p) for p in r.paths) + ". "
            f"{said} of its {count_words(len(r.paths))} paths "
            f"{plural(smooth, 'is', 'are')} smooth by the rule below; the largest step between "
            f"neighbouring frames is {num(largest, 2)} times the path's mean step.")
    return Markup(text)


def bonus_answer(readings: list[tuple[str, ModelReadings]]) -> Markup:
    """Yes, partly or no, model by model, with the rule that decides it."""
    verdicts = [(name, smoothness(r), smooth_paths(r), len(r.paths))
                for name, r in readings]
    overall = ("yes" if all(v == "yes" for _, v, _, _ in verdicts)
               else "no" if all(v == "no" for _, v, _, _ in verdicts) else "partly")
    text = (f"\\textbf{{Answer: {overall}.}} A path counts as smooth when the classifier reads "
            f"its start digit in the first frame and its end digit in the last, the digit "
            f"changes at most {count_words(SMOOTH_CHANGES)} times, and no step between frames "
            f"exceeds {num(JUMP, 1)} times the mean step. ")
    text += " ".join(f"{model_name(name)}: {verdict} ({count_words(k) if k else 'none'} of "
                     f"{count_words(n)} paths smooth)." for name, verdict, k, n in verdicts)
    return Markup(text)


# -- conclusion ---------------------------------------------------------------------------------

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
                      f"({change_words(path[0].changes)}).")
    steps = [f"{nats(-s.delta)} nats from {model_name(s.model)} against "
             f"{model_name(s.baseline)} ({change_words(s.changes)})" for s in path]
    return Markup(f"{text}. Split through the study's intermediate models, one change at a "
                  f"time, the gain is {listing(steps)}.")


def first_place(names: list[str], value: Markup, claim: str) -> str:
    """"conv has the lowest test -ELBO (95.94)", naming any model the seeds cannot separate
    from the first: "(95.94; the seeds do not separate conv32 from it)"."""
    tie = (f"; the seeds do not separate {listing([model_name(n) for n in names[1:]])} from it"
           if names[1:] else "")
    return f"{model_name(names[0])} {claim} ({value}{tie})"


def conclusion(runs: list[tuple[str, Spread, ReadingSpread]], main: str, seeds: int) -> Markup:
    """Which models share first place on each measure, and whether one model wins everything.
    runs holds (name, the test -ELBO, the classifier's readings): every figure a mean over
    seeds, and a model shares first place unless Welch's test separates it."""
    def first(get: Callable[[Spread, ReadingSpread], Spread], lower_better: bool) -> list[str]:
        return leaders({n: (get(loss, r).mean, get(loss, r).sd) for n, loss, r in runs},
                       seeds, lower_better)
    elbo = first(lambda loss, r: loss, True)
    recon = first(lambda loss, r: r.digit_kept, False)
    frechet = first(lambda loss, r: r.frechet, True)
    confident = first(lambda loss, r: r.clear_samples, False)
    by_name = {n: (loss, r) for n, loss, r in runs}
    text = (f"Across the {count_words(len(runs))} models, as means over seeds, "
            + first_place(elbo, nats(by_name[elbo[0]][0].mean),
                          "has the lowest test \\negelbo{}") + ". "
            + first_place(recon, percent(by_name[recon[0]][1].digit_kept.mean),
                          "keeps the digit in the most reconstructions") + ". "
            + first_place(frechet, num(by_name[frechet[0]][1].frechet.mean, 1),
                          "generates the samples closest to real digits by Fr\\'echet "
                          "distance") + ". "
            + first_place(confident, percent(by_name[confident[0]][1].clear_samples.mean),
                          "makes the most samples that are clearly a digit") + ". ")
    if not set(elbo) & set(confident):
        loss_conf = by_name[elbo[0]][1].clear_samples.mean
        text += (f"The lowest \\negelbo{{}} does not give the most recognisable samples: "
                 f"{model_name(elbo[0])} names a digit confidently in only "
                 f"{percent(loss_conf)} of its samples. ")
    main_loss, main_r = by_name[main]
    text += (f"The assignment's model, {model_name(main)}, scores {nats(main_loss.mean)} nats, "
             f"keeps the digit in {percent(main_r.digit_kept.mean)} of reconstructions and has "
             f"a Fr\\'echet distance of {num(main_r.frechet.mean, 1)}.")
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
    neighbours: Markup
    interpolations: list[Markup]  # main model, then the best
    bonus: Markup
    improvement: Markup
    conclusion: Markup
    binarized: Markup | None  # None without a binarised run


def part_two(summary: Summary, reference: float) -> PartTwo:
    """Part II's sentences from the summary; reference is the published IWAE estimate that a
    binarised run is set beside."""
    main, inst = summary.main, summary.instrument
    best = next(e for e in summary.runs if e.is_best)
    plane = next((e for e in summary.runs if e.name == summary.plane_model), None)
    shown = [main] + ([plane] if plane and plane is not main else []) + \
        ([best] if best is not main else [])
    paths = [main] + ([best] if best is not main else [])
    r = main.readings
    return PartTwo(
        training=training_gap(main.final_train_loss, main.test_loss, main.late_test_loss_min,
                              main.late_test_loss_max, r.train.accuracy, r.test.accuracy,
                              [seed.seed for seed in main.seeds]),
        reconstructions=reconstructions(r, main.test_kl, main.latent_dim),
        best_reconstructions=(None if best is main else
                              reconstructions(best.readings, best.test_kl, best.latent_dim)),
        samples=samples(r, inst.confident_at, inst.test_confident, inst.train_test_frechet),
        best_samples=(None if best is main else
                      samples(best.readings, inst.confident_at, inst.test_confident,
                              inst.train_test_frechet, references=False)),
        manifold=manifold(r.manifold, main.latent_dim) if r.manifold else None,
        plane_manifold=(manifold(plane.readings.manifold, 2)
                        if plane and plane.readings.manifold else None),
        best_projected=best is not main and best is not plane and best.latent_dim > 2,
        neighbours=neighbours([(e.name, e.readings, e.readings_spread.neighbour_vote)
                               for e in shown], summary.seeds),
        interpolations=[interpolation(e.name, e.readings) for e in paths],
        bonus=bonus_answer([(e.name, e.readings) for e in paths]),
        improvement=improvement(summary.best_path, main.name, best.name,
                                summary.improvement_over_main),
        conclusion=conclusion([(e.name, Spread(e.test_loss, e.test_loss_sd), e.readings_spread)
                               for e in summary.runs], main.name, summary.seeds),
        binarized=(against_literature(summary.binarized.iwae_bound,
                                      summary.binarized.iwae_stderr, reference)
                   if summary.binarized else None),
    )
