"""report/prose_paths.py: the smoothness rule's sentences, the interpolation paths in words and
the bonus answer, from crafted readings."""

from __future__ import annotations

import pytest
from vae import VaeError
from markupsafe import Markup
from vae.core.statistics import clustered_share
from vae.report.decisions import bonus
from vae.report.prose_paths import (PathCount, bonus_answer, bonus_headline, interpolation,
                                    path_count, path_words, share_cells)
from vae.report.numbers import reading_spread
from vae.report.wording import count_words
from vae.report.smoothness import PathTally, path_smooth, tally

from readings_builders import readings, path, SMOOTH, STUCK, WANDERING, JUMPY


def test_which_paths_are_smooth():
    assert path_smooth(SMOOTH)
    assert not path_smooth(STUCK)  # never shows its start digit
    assert not path_smooth(WANDERING)  # six changes, and it ends on 0
    assert not path_smooth(JUMPY)  # one step is 2.5 times the mean
    assert path_smooth(path(3, 8, [3, 3, 2, 2, 8, 8, 8, 8, 8, 8]))  # one digit on the way


def test_the_rule_s_neighbours_are_stricter_and_looser_in_one_threshold_each():
    two_on_the_way = path(3, 8, [3, 3, 2, 2, 5, 8, 8, 8, 8, 8], jump=1.8)
    assert not path_smooth(two_on_the_way)  # 3 -> 2 -> 5 -> 8: three changes
    assert path_smooth(two_on_the_way, changes=3) and not path_smooth(two_on_the_way, 3, 1.5)
    assert path_smooth(JUMPY, jump=3.0) and not path_smooth(SMOOTH, changes=0)
    spread = reading_spread([readings(paths=[SMOOTH, JUMPY, two_on_the_way])])
    # NEIGHBOUR_RULES: (1 change, 2.0), (3 changes, 2.0), (2 changes, 1.5), (2 changes, 3.0)
    assert [t.smooth for t in spread.linear_neighbours] == [1, 2, 1, 2]
    assert spread.linear.smooth == 1


def test_the_bonus_answer_says_how_many_models_each_neighbouring_rule_counts():
    from dataclasses import replace
    from vae.report.prose_paths import thresholds_tried

    decided = bonus({"m": PathTally(150, 100, 90, 0.8, 0.95)}, "m")
    assert thresholds_tried(decided, 16) == ""  # not tallied: nothing said
    said = thresholds_tried(replace(decided, sure_nearby=[11, 14, 12, 15]), 16)
    assert said == ("The count rests on the rule's two thresholds: with at most 1 or 3 changes "
                    "of digit instead of 2, most paths are surely smooth for 11 and 14 of the 16 "
                    "models; with no step above 1.5 or 3 times the mean instead of 2, for 12 and "
                    "15. ")
    assert said.startswith("The count") and thresholds_tried(
        replace(decided, sure_nearby=[11, 14, 13, 13]), 16).endswith("for 13 with either. ")


def test_interpolation_counts_smooth_paths_and_words_the_one_that_changes_most():
    text = interpolation("assignment", readings(paths=[SMOOTH, STUCK, WANDERING], seed=422), 3,
                         "fig:i")
    assert text == (
        r"For \texttt{assignment} (seed 422, \cref{fig:i}), one of the three paths is smooth by this "
        r"rule, and the largest step between neighbouring frames, over the three paths, is "
        r"\num{1.2} times its path's mean step; 2$\to$5 passes through 6, 3, 9, 7 and 0 (six changes of digit), and ends "
        r"as 0, never reaching 5.")


def test_every_or_no_path_smooth_is_said_so():
    assert "all of the two paths are smooth" in interpolation("m", readings(paths=[SMOOTH] * 2), 3, "f")
    said = interpolation("m", readings(paths=[STUCK] * 2), 3, "f")
    assert "none of the two paths are smooth" in said and "over the two paths" in said


def test_a_path_that_passes_its_end_digit_is_not_said_never_to_reach_it():
    passing = path(2, 5, [2, 2, 5, 5, 3, 3, 5, 5, 3, 3])
    assert path_words(passing).endswith("and ends as 3")
    assert path_words(WANDERING).endswith("ends as 0, never reaching 5")


def test_a_path_between_its_two_digits_is_said_to_go_back_and_forth_not_to_turn_once():
    once = path(3, 8, [3, 3, 3, 8, 8, 8, 8, 8, 8, 8])
    assert path_words(once) == "3$\\to$8 turns from 3 to 8 at frame 4"
    back = path(3, 8, [3, 3, 3, 8, 3, 3, 3, 3, 8, 8])
    assert path_words(back) == "3$\\to$8 changes between 3 and 8 three times, first at frame 4"


def test_paths_are_tallied_over_every_seed_those_without_their_ends_set_apart():
    per_seed = [readings(paths=[SMOOTH, STUCK]), readings(paths=[SMOOTH, SMOOTH]),
                readings(paths=[JUMPY, STUCK])]
    found = reading_spread(per_seed).linear
    # STUCK never shows its start digit: not drawn; JUMPY is drawn but not smooth
    assert (found.paths, found.drawn, found.smooth) == (6, 4, 3)
    # the i-th path of every seed joins the same pair: pair 1 has 2 of 3 smooth, pair 2 1 of 1
    assert (found.low, found.high) == pytest.approx(clustered_share([2, 1], [3, 1]))
    assert tally([[STUCK]]) == PathTally(1, 0, 0, 0.0, 1.0)  # nothing drawn: nothing known
    with pytest.raises(VaeError, match=r"\[1, 2\] paths"):
        tally([[SMOOTH], [SMOOTH, SMOOTH]])


def counted(name: str, dim: int, smooth: int, drawn: int, paths: int = 150) -> PathCount:
    """A model's paths: `smooth` smooth ones, drawn - smooth drawn but jumpy, the rest not drawn."""
    found = tally([[SMOOTH] * smooth + [JUMPY] * (drawn - smooth) + [STUCK] * (paths - drawn)])
    return path_count(name, dim, found, found)


def test_a_row_of_the_bonus_table_counts_the_drawn_paths_once_as_both_kinds_share_their_ends():
    row = counted("conv", 16, 100, 145)
    assert (row.drawn, row.linear_share) == ("145 of 150", share_cells(row.linear))
    straight = tally([[SMOOTH] * 2 + [STUCK]])
    with pytest.raises(VaeError, match="conv: 2 of 3 straight paths .* but 1 of 3 great circles"):
        path_count("conv", 16, straight, tally([[SMOOTH, STUCK, STUCK]]))


def answered(counts: list[PathCount], seeds: int, pairs: int, main: str):
    """bonus_headline and bonus_answer, one after the other, worded from the decision that
    decisions.decide makes of these counts."""
    decided = bonus({c.name: c.linear for c in counts}, main)
    said = bonus_answer(counts, Markup(f"{count_words(seeds)} seeds"), pairs, main, decided)
    return f"{bonus_headline(counts, decided)}. {said}"


def test_bonus_answer_rests_on_the_drawn_paths_and_their_interval():
    counts = [counted("assignment", 1, 5, 40), counted("latent2", 2, 120, 140),
              counted("conv", 16, 100, 145)]
    text = answered(counts, 3, 50, "assignment")
    assert text.startswith(
        r"Yes for two of the three models (all but \texttt{assignment}): most of the "
        r"paths whose ends they draw are smooth. The question is asked of 50 pairs of test images")
    # 5 of 40: the whole interval lies below a half
    assert (r"For the sheet's own model, \texttt{assignment}, fewer than half are: 5 of the 40 "
            r"straight paths whose ends it draws (of 150) are smooth, \qty{12}{\percent} "
            r"\mbox{[\qty{4}{\percent}, \qty{27}{\percent}]}.") in text
    few = answered([*counts, counted("x", 16, 1, 40), counted("y", 16, 2, 40)], 3, 50,
                       "assignment")
    assert few.startswith(r"Yes for \texttt{latent2} and \texttt{conv}: most of "
                          r"the paths whose ends they draw are smooth.")
    one = answered([counted("conv", 16, 100, 145), counted("x", 16, 1, 40)], 3, 50, "conv")
    assert one.startswith(r"Yes for \texttt{conv}: most of the paths whose ends "
                          r"it draws are smooth.")
    assert (r"Among straight paths the highest lower end of the interval is \texttt{latent2}'s: "
            r"120 of 140, \qty{86}{\percent} \mbox{[\qty{79}{\percent}, \qty{91}{\percent}]}. "
            r"On a one-dimensional code no path can go round the other digits") in text
    level = answered([*counts, counted("twin", 16, 120, 140)], 3, 50, "assignment")
    assert r"\mbox{[\qty{79}{\percent}, \qty{91}{\percent}]}, tied to the printed percent with " \
        r"\texttt{twin}." in level
    unsure = answered([counted("conv", 16, 5, 9)], 3, 50, "conv")  # 56 % of 9: it spans
    assert unsure.startswith(r"Not shown: no model's share of smooth paths is "
                             r"surely above a half. The question")
    assert unsure.endswith("For the sheet's own model, \\texttt{conv}, the interval cannot "
                           "tell whether most are: 5 of the 9 straight paths whose ends it draws (of "
                           "150) are smooth, \\qty{56}{\\percent} \\mbox{[\\qty{19}{\\percent}, "
                           "\\qty{88}{\\percent}]}. Among straight paths the highest lower end "
                           "of the interval is \\texttt{conv}'s: 5 of 9, \\qty{56}{\\percent} "
                           "\\mbox{[\\qty{19}{\\percent}, \\qty{88}{\\percent}]}.")  # no 1-D model
    sure = answered(counts, 3, 50, "latent2")
    assert r"For the sheet's own model, \texttt{latent2}, most are: 120 of the 140" in sure
    nobody = answered([counted("a", 1, 0, 20), counted("conv", 16, 3, 100)], 3, 50, "a")
    assert nobody.startswith(r"Not here: for no model are most of its paths "
                             r"smooth. The question")
    assert share_cells(tally([[STUCK]])) == ["0", "--", "--"]
    assert share_cells(counts[1].linear) == ["120", r"\num{86}", r"\mbox{$[$\num{79}, \num{91}$]$}"]



def test_the_smoothness_rule_states_the_thresholds_path_smooth_applies(monkeypatch):
    from vae.report import prose_paths
    rule = prose_paths.smooth_rule()
    assert "at most two times" in rule and r"\num{2.0} times the path's mean step" in rule
    assert "first and last frames as its two digits" in rule
    assert "so it may pass one other digit on the way" in rule
    monkeypatch.setattr(prose_paths, "JUMP", 3.0)
    monkeypatch.setattr(prose_paths, "SMOOTH_CHANGES", 1)
    moved = prose_paths.smooth_rule()
    assert r"\num{3.0} times" in moved and "at most one time along it, and" in moved


def test_the_path_described_changes_digit_most_and_a_single_turn_is_not_described():
    from vae.report.smoothness import most_changing

    assert most_changing([SMOOTH, WANDERING, STUCK]) is WANDERING
    back = path(3, 8, [3, 3, 3, 8, 3, 3, 3, 3, 8, 8])
    assert most_changing([back, SMOOTH]) is back  # three changes beat one
    assert most_changing([SMOOTH, JUMPY]) is None  # one change each: nothing to describe
    assert most_changing([]) is None
