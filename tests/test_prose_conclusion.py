"""report/prose_conclusion.py: the conclusion's first places and the table of the tests behind
them, from crafted readings over seeds."""

from __future__ import annotations

from vae.core.statistics import Leaders, paired
from vae.report.decisions import Leaders as FirstPlaces, rank
from vae.report.numbers import spread
from vae.report.prose_conclusion import (NOT_ESTABLISHED, SHARES_FIRST, conclusion, first_place,
                                         leader_rows)

from readings_builders import means, SEEDS


def twins():
    """conv32 keeps the digit in as many reconstructions as conv, seed by seed, to a tenth of a
    point: within 2 points; its Frechet distance lies 4 to 5 above conv's and its -ELBO 1.3 to
    1.7 nats: both within their margins, but separated, so not shared."""
    return [("conv", SEEDS, spread([95.8, 95.9, 96.1]),
             means([0.978, 0.979, 0.980], [0.64, 0.645, 0.65], [133.0, 134.0, 135.0])),
            ("conv32", SEEDS, spread([97.1, 97.4, 97.8]),
             means([0.9785, 0.9791, 0.9797], [0.63, 0.632, 0.634], [138.0, 138.9, 139.8]))]


def test_conclusion_separates_the_best_loss_from_the_best_samples():
    runs = [("assignment", SEEDS, spread([163.0, 167.8, 172.7]),
             means([0.55, 0.56, 0.57], [0.54, 0.55, 0.56], [920.0, 927.6, 935.0])),
            ("latent16", SEEDS, spread([131.7, 132.0, 132.3]),
             means([0.85, 0.86, 0.87], [0.72, 0.73, 0.74], [390.0, 396.4, 402.0])),
            ("conv", SEEDS, spread([96.4, 96.5, 96.6]),
             means([0.979, 0.98, 0.981], [0.60, 0.61, 0.62], [150.0, 151.0, 152.0]))]
    text = conclusion(rank(runs), runs, "assignment")
    assert text == (
        r"On each measure, every model is tested against the leader, paired by seed, with "
        r"Holm's correction over the two tests (\cref{tab:leaders} gives those of the models "
        r"named below). A model shares first place when its 95\,\% "
        r"interval against the leader lies within a stated margin, and never when the tests "
        r"separate it from the leader. As means over the seeds of the three models, "
        r"\texttt{conv} has the lowest test "
        r"\negelbo{} (\num{96.5}). \texttt{conv} keeps the digit in the most reconstructions "
        r"(\qty{98.0}{\percent}). \texttt{conv} generates the samples closest to real digits by "
        r"Fr\'echet distance (\num{151}). \texttt{latent16} makes the most samples that the "
        r"classifier names with confidence (\qty{73.0}{\percent}). The lowest \negelbo{} does not give the "
        r"samples that the classifier names most confidently: \texttt{conv} names a digit confidently in "
        r"\qty{61.0}{\percent} of its samples, fewer than \texttt{latent16}, a difference that "
        r"the same paired test separates. The assignment's model, \texttt{assignment}, "
        r"scores \num{167.8} nats, keeps the digit in \qty{56.0}{\percent} of reconstructions "
        r"and has a Fr\'echet distance of \num{928}.")


def test_conclusion_shares_first_place_only_within_the_margin():
    runs = twins()
    text = conclusion(rank(runs), runs, "conv")
    assert (r"\texttt{conv32} keeps the digit in the most reconstructions (\qty{97.9}{\percent}; "
            r"\texttt{conv} shares first place, within \num{2}~points of it)") in text
    assert r"Fr\'echet distance (\num{134})." in text
    assert r"\texttt{conv} has the lowest test \negelbo{} (\num{95.9})." in text  # separated
    noisy = [runs[0], ("wild", SEEDS, spread([90.0, 97.0, 104.0]), runs[1][3])]
    assert ("a lead not established against \\texttt{wild}, where the seeds decide neither a "
            "difference nor one within \\num{2} nats") in conclusion(rank(noisy), noisy, "conv")
    # wild's samples are named confidently more often on average, but the seeds scatter too
    # widely to say that the lowest -ELBO (conv) gives less recognisable samples
    unsure = [runs[0], ("wild", SEEDS, spread([97.1, 97.4, 97.8]),
                        means([0.978, 0.979, 0.980], [0.40, 0.70, 0.99], [138.0, 139.0, 140.0]))]
    text = conclusion(rank(unsure), unsure, "conv")
    assert "makes the most samples that the classifier names with confidence" in text
    assert "does not give the samples" not in text
    alone = [(n, [420], spread(loss.values[:1]),
              means(r.digit_kept.values[:1], r.clear_samples.values[:1], r.frechet.values[:1]))
             for n, _, loss, r in runs]
    single = conclusion(rank(alone), alone, "conv")
    assert "first place, within" not in single  # one seed: nothing to test, nothing shared


def test_first_place_names_the_shared_and_the_undecided():
    from vae.core.statistics import Leaders
    assert first_place(Leaders("a", [], [], {}, {}), "1", "wins", "2 nats") == r"\texttt{a} wins (1)"
    both = first_place(Leaders("a", ["b", "c"], ["d"], {}, {}), "1", "wins", "2 nats")
    assert both == (r"\texttt{a} wins (1; \texttt{b} and \texttt{c} share first place, within "
                    r"2 nats of it; a lead not established against \texttt{d}, where the seeds "
                    r"decide neither a difference nor one within 2 nats)")


def test_the_table_gives_each_unseparated_model_s_test_against_the_leader():
    # conv32 keeps the digit as often as conv (within 2 points) and wild's -ELBO scatters:
    # the two rows the conclusion's sentences rest on, each with its paired test
    runs = [*twins(),
            ("wild", SEEDS, spread([90.0, 97.0, 104.0]),
             means([0.5, 0.6, 0.7], [0.1, 0.2, 0.3], [300.0, 310.0, 320.0]))]
    first = rank(runs)
    rows = leader_rows(first)
    elbo = [r for r in rows if r.leader == r"\texttt{conv}" and "negelbo" in r.measure]
    (wild,) = elbo
    test = paired(dict(zip(SEEDS, (90.0, 97.0, 104.0))), dict(zip(SEEDS, (95.8, 95.9, 96.1))))
    assert wild.model == r"\texttt{wild}" and wild.standing == NOT_ESTABLISHED
    assert wild.difference == rf"\num{{{test.mean:.1f}}}"
    assert wild.measure == r"test \negelbo{} (nats, $\pm\num{2}$)"
    kept = next(i for i, r in enumerate(rows) if r.measure.startswith("digit kept"))
    assert (rows[kept].leader, rows[kept].model, rows[kept].standing) == (
        r"\texttt{conv32}", r"\texttt{conv}", SHARES_FIRST)
    # in points: conv's shares minus conv32's, seed by seed, times 100
    share = first.digit_kept.contested["conv"]
    assert rows[kept].interval == (rf"\mbox{{$[$\num{{{100 * share.low:.1f}}}, "
                                   rf"\num{{{100 * share.high:.1f}}}$]$}}")
    # a leader that every test separates from the others: one row that says so
    alone = leader_rows(FirstPlaces(*(Leaders("a", [], [], {}, {}),) * 4, False))
    assert [r.model for r in alone] == ["every other model separated"] * 4
    # one seed: no test to print, the standing still named
    single = leader_rows(FirstPlaces(*(Leaders("a", [], ["b"], {}, {}),) * 4, False))
    assert (single[0].difference, single[0].standing) == ("--", NOT_ESTABLISHED)
