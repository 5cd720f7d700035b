"""The sentences about bf16 against fp32 (report/prose_precision.py)."""

from __future__ import annotations


def precision_rows(verdicts: list[tuple[str, str]], left_out: list[str] | None = None,
                   left_slowest: bool = False, one_side: tuple[str, ...] = ()):
    """A PrecisionCheck whose comparison i has the (bf16, fp32) verdicts given."""
    from dataclasses import replace
    from test_comparisons import entry
    from vae.report.comparisons import compare
    from vae.report.precision import PrecisionCheck, VerdictPair

    found = compare(entry("v", test_loss=129.0, activation="relu"), entry(test_loss=130.0),
                    False, p_holm=0.01)
    rows = [VerdictPair(f"v{i}", "base", replace(found, verdict=a), replace(found, verdict=b))
            for i, (a, b) in enumerate(verdicts)]
    return PrecisionCheck(rows, [r.name for r in rows if r.bf16.verdict != r.fp32.verdict],
                          list(one_side), left_out or [], left_slowest)


def test_the_precision_clause_counts_the_verdicts_kept_and_the_models_checked():
    from vae.report.prose_precision import precision_kept

    same, moved = ("better", "better"), ("better", "undecided")
    assert "make report PARITY=1" in precision_kept(None, 15)
    said = precision_kept(precision_rows([same] * 9 + [moved, moved]), 15)
    assert said == ("When 12 of the study's 15 models are trained again in fp32 with the same "
                    "seeds, nine of their 11 comparisons keep their verdict "
                    "(\\cref{app:precision}).")
    assert ("When the study's models are trained again in fp32 with the same seeds, all three "
            "of their comparisons keep their verdict") in precision_kept(
        precision_rows([same] * 3), 4)
    assert "their one comparison keeps its verdict" in precision_kept(precision_rows([same]), 2)
    assert "one of their two comparisons keeps its verdict" in precision_kept(
        precision_rows([same, moved]), 3)
    assert "their one comparison does not keep its verdict" in (
        precision_kept(precision_rows([moved]), 2))
    assert ("When three of the study's five models are trained again in fp32 with the same "
            "seeds, none of their two comparisons keeps its verdict") in (
        precision_kept(precision_rows([moved] * 2), 5))


def test_the_appendix_names_each_verdict_that_the_precision_moved():
    from vae.report.prose_precision import precision_changes

    assert precision_changes(precision_rows([("worse", "worse")] * 4), 4) == (
        "with Holm's correction over these four comparisons in both. All four verdicts are the "
        "same in both precisions: none rests on the rounding of bf16.")
    said = precision_changes(precision_rows([("worse", "worse"), ("better", "undecided")]), 14)
    assert said.startswith("with Holm's correction over these two comparisons in both "
                           "(\\cref{tab:changes} corrects over all 14, so a bf16 verdict here "
                           "can differ from it). Of the two verdicts, one is the same in both "
                           "precisions; ")
    assert ("\\texttt{v1} against \\texttt{base} is \\emph{better} in bf16 and "
            "\\emph{undecided} in fp32") in said
    assert "\\texttt{v0}" not in said and "moves this verdict across a boundary" in said
    assert "same side of zero" not in said
    held = precision_changes(precision_rows([("better", "undecided")], one_side=("v0",)), 1)
    assert ("For \\texttt{v0}, the uncorrected intervals of both precisions lie on the same "
            "side of zero, but the verdict rule reads the corrected test") in held
    assert "left out" not in said
    left = precision_changes(precision_rows([("worse", "worse")], ["conv", "best"], True), 3)
    assert ("The study's other models, \\texttt{conv} and \\texttt{best}, are left out, as the "
            "slowest to train. The one verdict is the same") in left
    left = precision_changes(precision_rows([("worse", "worse")], ["conv"], False), 2)
    assert "The study's other model, \\texttt{conv}, is left out. The one" in left
    assert said.endswith("three seeds of these models do not carry it.")


def test_the_footnote_gives_each_marked_variant_s_verdict_from_the_fp32_runs():
    from vae.report.prose_precision import precision_footnote

    assert precision_footnote(None) == ""
    assert precision_footnote(precision_rows([("worse", "worse")] * 2)) == ""
    one = precision_footnote(precision_rows([("worse", "worse"), ("better", "undecided")]))
    assert one == ("$^\\ddagger$ from the fp32 runs, with Holm's correction over the two "
                   "comparisons of \\cref{app:precision}: \\emph{undecided}.")
    two = precision_footnote(precision_rows([("better", "undecided"), ("worse", "within 2 nats")]))
    assert two.endswith(": \\texttt{v0} \\emph{undecided} and \\texttt{v1} \\emph{within 2 nats}.")
