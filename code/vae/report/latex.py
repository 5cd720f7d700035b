"""Values as LaTeX: numbers through siunitx, text escaped, losses to LOSS_DECIMALS. Shared by
build.py's template filters and by the sentences that discussion.py writes, so that both print
alike."""

from __future__ import annotations

import math
import re
from typing import Any

from markupsafe import Markup

from .. import VaeError

# Decimals the report prints losses with: their spread over seeds is a nat or more, so a
# second decimal would print noise. Differences are taken between printed values, so that
# every difference on the page is the difference of the two numbers shown beside it.
LOSS_DECIMALS = 1

LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
LATEX_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in LATEX_SPECIAL))


def tex_escape(value: Any) -> Markup:
    """Plain text made safe for LaTeX; text already marked as LaTeX passes unchanged."""
    if isinstance(value, Markup):
        return value
    return Markup(LATEX_SPECIAL_RE.sub(lambda m: LATEX_SPECIAL[m.group()], str(value)))


def _digits(value: Any, digits: int) -> str:
    """value as siunitx's input: fixed decimals for floats, integers as they are."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise VaeError(f"num filter: expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise VaeError(f"num filter: refusing to print the non-finite value {value}")
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def num(value: Any, digits: int = 1) -> Markup:
    """A number for siunitx: fixed decimals for floats, thousands grouping for integers."""
    return Markup(rf"\num{{{_digits(value, digits)}}}")


def nats(value: Any) -> Markup:
    """A loss, with the decimals that the summary's printed differences assume."""
    return num(value, LOSS_DECIMALS)


def printed_difference(a: float, b: float) -> float:
    """a - b as the reader computes it from the two printed losses."""
    return round(round(a, LOSS_DECIMALS) - round(b, LOSS_DECIMALS), LOSS_DECIMALS)


def gap(a: float, b: float) -> Markup:
    """a - b as printed losses: what the reader gets from the two printed values."""
    return nats(printed_difference(a, b))


def tiny(value: float) -> Markup:
    """An error estimate or bound, to two significant digits in scientific notation; below
    1e-100 as that bound (a double's hundreds of zeros say nothing more)."""
    if value < 1e-100:
        return Markup(r"\num{< 1e-100}")
    return Markup(rf"\num{{{value:.1e}}}")


def sci(value: float) -> Markup:
    """A setting such as 1e-3, as siunitx prints it."""
    return Markup(rf"\num{{{value:g}}}")


def setting(value: Any) -> Any:
    """A config value as a reader writes it: 3.0 as 3, 0.01 as 0.01, True as yes, text
    unchanged."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def percent(share: float, digits: int = 1) -> Markup:
    """A share in [0, 1] as a percentage, e.g. 0.9731 -> 97.3 %."""
    return Markup(rf"\qty{{{_digits(100 * share, digits)}}}{{\percent}}")


def pm(mean: float, sd: float, seeds: int, digits: int = LOSS_DECIMALS) -> Markup:
    """A mean over seeds with its standard deviation, or the bare value of a single seed."""
    if seeds < 2:
        return num(mean, digits)
    return Markup(rf"\num{{{_digits(mean, digits)} +- {_digits(sd, digits)}}}")


def pm_percent(mean: float, sd: float, seeds: int, digits: int = 1) -> Markup:
    """Shares in [0, 1] as percentages, mean and standard deviation over seeds."""
    if seeds < 2:
        return percent(mean, digits)
    return Markup(rf"\qty{{{_digits(100 * mean, digits)} +- {_digits(100 * sd, digits)}}}"
                  rf"{{\percent}}")


def interval(low: float, high: float, digits: int = LOSS_DECIMALS) -> Markup:
    """A confidence interval, e.g. [-5.3, -1.2], never broken across lines; with up to two more
    decimals where `digits` would print its two ends alike ([-0.04, -0.02], not [0.0, 0.0])."""
    limit = digits + 2
    while digits < limit and low != high and round(low, digits) == round(high, digits):
        digits += 1
    return Markup(rf"\mbox{{$[$\num{{{_digits(low, digits)}}}, \num{{{_digits(high, digits)}}}$]$}}")


def p_value(p: float, bare: bool = False) -> Markup:
    """A p-value as the text quotes it ("p = 0.012", "p < 0.001"), or as a table cell."""
    value = r"\num{< 0.001}" if p < 0.001 else rf"\num{{{p:.3f}}}"
    if bare:
        return Markup(value)
    return Markup(rf"\(p {'<' if p < 0.001 else '='} {value.replace('< ', '')}\)")


def span(values: list[int]) -> str:
    """Per-seed counts as a range: 16 when every seed agrees, 14--16 when they differ."""
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}--{high}"


def model_name(name: str) -> str:
    """A model's config name as the text sets it, in typewriter type."""
    return rf"\texttt{{{tex_escape(name)}}}"
