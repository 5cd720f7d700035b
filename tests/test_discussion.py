"""How Part II's assembly words the summary (report/discussion.py); part_two as a whole runs in
test_report_e2e."""

from __future__ import annotations

from types import SimpleNamespace

from vae.report.discussion import still_improving


def study(models: int, slope_epochs: int = 3) -> SimpleNamespace:
    """What still_improving reads of a summary: its models and the epochs of the slope."""
    return SimpleNamespace(runs=[object()] * models, slope_epochs=slope_epochs)


def test_no_model_still_improving_is_said_with_the_slope_it_was_read_from():
    said = still_improving(study(15), [])
    assert said == ("by the slope of its mean validation curve over the last three epochs, "
                    "none of the 15 models was shown to be still improving then")


def test_the_models_still_improving_are_counted_and_named_in_the_decisions_order():
    one = still_improving(study(15, slope_epochs=4), ["latent16"])
    assert "over the last four epochs, one of the 15 models was still improving then " \
           "(\\texttt{latent16})" in one
    two = still_improving(study(16), ["latent16", "assignment"])
    assert two.endswith("two of the 16 models were still improving then "
                        "(\\texttt{latent16} and \\texttt{assignment}), while the others are not "
                        "shown to have stopped")  # a slope the test cannot tell from zero
    every = still_improving(study(2), ["latent16", "assignment"])
    assert every.endswith("(\\texttt{latent16} and \\texttt{assignment})")
