"""The conclusion's sentences and the table of first places beneath them, worded from
decisions.rank: on each measure the leader, the models that share first place with it and
those against which its lead is not established, each with the paired test that puts it there."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..core.statistics import CONFIDENCE
from .comparisons import MARGIN
from .decisions import FRECHET_MARGIN, SHARE_MARGIN, Leaders, Ranked, Standing
from .latex import interval, model_name, nats, num, p_value, percent
from .wording import count_words, listing, plural

SHARES_FIRST, NOT_ESTABLISHED = "shares first place", "lead not established"


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
        text += (f"; a {NOT_ESTABLISHED} against {names}, where the seeds decide neither "
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
            f"Holm's correction over the {count_words(len(runs) - 1)} tests "
            f"(\\cref{{tab:leaders}} gives those of the models named below). A model shares "
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


@dataclass(frozen=True)
class LeaderRow:
    """A row of the table of first places: a model that the tests do not separate from the
    leader of a measure (the measure and the leader on its first row only)."""

    measure: Markup
    leader: Markup
    model: Markup
    difference: Markup  # the model's mean minus the leader's, paired by seed
    interval: Markup
    p_holm: Markup
    standing: str  # SHARES_FIRST or NOT_ESTABLISHED


def leader_rows(first: Leaders) -> list[LeaderRow]:
    """The evidence behind the conclusion's first places: every model the tests do not
    separate from a measure's leader, with its test; a measure whose leader every test
    separates from the others gets one row saying so."""
    points = f"points, $\\pm{num(100 * SHARE_MARGIN, 0)}$"  # percentage points
    measures = ((first.elbo, f"test \\negelbo{{}} (nats, $\\pm{num(MARGIN, 0)}$)", 1.0, 1),
                (first.digit_kept, f"digit kept ({points})", 100.0, 1),
                (first.frechet, f"Fr\\'echet ($\\pm{num(FRECHET_MARGIN, 0)}$)", 1.0, 0),
                (first.clear_samples, f"clear samples ({points})", 100.0, 1))
    rows = []
    for standing, label, scale, digits in measures:
        named = [(n, SHARES_FIRST) for n in standing.equivalent] + \
                [(n, NOT_ESTABLISHED) for n in standing.undecided]
        head = (Markup(label), Markup(model_name(standing.best)))
        if not named:
            rows.append(LeaderRow(*head, Markup("every other model separated"), Markup(""),
                                  Markup(""), Markup(""), ""))
        for i, (name, said) in enumerate(named):
            test = standing.contested.get(name)  # none with a single seed: nothing to test
            cells = ((num(scale * test.mean, digits),
                      interval(scale * test.low, scale * test.high, digits),
                      p_value(standing.p_holm[name], True))
                     if test else (Markup("--"),) * 3)
            rows.append(LeaderRow(*(head if i == 0 else (Markup(""), Markup(""))),
                                  Markup(model_name(name)), *cells, said))
    return rows
