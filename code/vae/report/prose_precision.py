"""The sentences about training in bf16 against fp32 (precision.py's check), worded from the
summary: the training section's clause and the appendix's reading, deciding nothing."""

from __future__ import annotations

from markupsafe import Markup

from .latex import model_name
from .precision import PrecisionCheck
from .wording import count_words, listing, plural


def precision_kept(check: PrecisionCheck | None, study_models: int) -> Markup:
    """Whether training in bf16 rather than fp32 moved a verdict: a sentence for the training
    section, naming the appendix or, without the fp32 runs, how to make them."""
    if check is None:
        return Markup("This build has no fp32 runs, so whether a verdict would change in fp32 "
                      "is not tested here; \\texttt{make report PARITY=1} trains the study's MLP "
                      "models again in fp32 and sets their verdicts beside these.")
    rows, kept = len(check.comparisons), len(check.comparisons) - len(check.changed)
    among = ("the study's models" if rows + 1 == study_models else
             f"{count_words(rows + 1)} of the study's {count_words(study_models)} models")
    said = ("their one comparison" if rows == 1 else
            f"all {count_words(rows)} of their comparisons" if rows == kept else
            f"none of their {count_words(rows)} comparisons" if kept == 0 else
            f"{count_words(kept)} of their {count_words(rows)} comparisons")
    keep = ("does not keep its" if rows == 1 and kept == 0 else
            plural(1 if rows == 1 or kept <= 1 else kept, "keeps its", "keep their"))
    return Markup(f"When {among} are trained again in fp32 with the same seeds, {said} {keep} "
                  f"verdict (\\cref{{app:precision}}).")


def precision_changes(check: PrecisionCheck, family: int) -> Markup:
    """The appendix's reading of the check: the family Holm's correction counts in it (the
    study's is `family` comparisons), which of the study's models it leaves out, and which
    verdicts the precision moved, if any."""
    rows = len(check.comparisons)
    holm = (f"with Holm's correction over these {count_words(rows)} comparisons in both"
            + ("." if rows == family else
               f" (\\cref{{tab:changes}} corrects over all {count_words(family)}, so a bf16 "
               f"verdict here can differ from it)."))
    left = check.left_out
    if left:
        holm += (f" The study's other {plural(len(left), 'model')}, "
                 f"{listing([model_name(n) for n in left])}, {plural(len(left), 'is', 'are')} "
                 f"left out" + (", as the slowest to train." if check.left_slowest else "."))
    if not check.changed:
        same = ("The one verdict is" if rows == 1 else f"All {count_words(rows)} verdicts are")
        return Markup(f"{holm} {same} the same in both precisions: none rests on the rounding "
                      f"of bf16.")
    moved = [r for r in check.comparisons if r.name in check.changed]
    kept = rows - len(moved)
    said = listing([f"{model_name(r.name)} against {model_name(r.baseline)} is "
                    f"\\emph{{{r.bf16.verdict}}} in bf16 and \\emph{{{r.fp32.verdict}}} in fp32"
                    for r in moved])
    text = (f"{holm} Of the {count_words(rows)} verdicts, {count_words(kept)} "
            f"{plural(kept, 'is', 'are')} the same in both precisions; {said}. ")
    held = [r for r in moved if r.name in check.one_side]
    if held:
        text += (f"For {listing([model_name(r.name) for r in held])}, the uncorrected "
                 f"intervals of both precisions lie on the same side of zero, but the verdict "
                 f"rule reads the corrected test, and that separates the difference in one "
                 f"precision only. ")
    seeds = count_words(moved[0].bf16.test.seeds)
    return Markup(text + f"Training in the other precision moves "
                  f"{plural(len(moved), 'this verdict', 'these verdicts')} across a boundary of "
                  f"the verdict rule, so {seeds} seeds of these models do not carry "
                  f"{plural(len(moved), 'it', 'them')}.")


def precision_footnote(check: PrecisionCheck | None) -> Markup:
    """The footnote under the verdicts' table: the verdict each marked variant gets from the fp32
    runs ("" when none moves or there are no fp32 runs)."""
    moved = [r for r in check.comparisons if r.name in check.changed] if check else []
    if not moved:
        return Markup("")
    said = (f"\\emph{{{moved[0].fp32.verdict}}}" if len(moved) == 1 else
            listing([f"{model_name(r.name)} \\emph{{{r.fp32.verdict}}}" for r in moved]))
    return Markup(f"$^\\ddagger$ from the fp32 runs, with Holm's correction over the "
                  f"{count_words(len(check.comparisons))} comparisons of "
                  f"\\cref{{app:precision}}: {said}.")
