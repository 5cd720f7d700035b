r"""The one look of every figure: the body's typeface, printed sizes, colour-blind safe colours.

Figures are drawn at the size they are printed and included at that natural size (6.3 in text
width), so that their 8-9 pt text prints at 8-9 pt beside the report's 10 pt body.

Text and maths are set in Computer Modern, the design of the body's Latin Modern, from the
cm fonts that matplotlib ships (so every machine draws the same glyphs), embedded as TrueType
(pdf.fonttype 42), never as Type 3 bitmaps. Those fonts lack a few symbols, which matplotlib
would take from STIX instead: the text minus sign (so minus signs are written in maths, $-$),
blackboard bold (so the expectation is an upright E) and the ellipsis (so ranges are written
in words). A test lists the fonts of every figure.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, Callable, TypeVar

import matplotlib

matplotlib.use("Agg")  # files only, no display; also keeps rendering identical everywhere

from matplotlib.axes import Axes  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

from ..core.io import atomic_write  # noqa: E402

FULL = 6.3  # LaTeX \textwidth, inches
PANEL = (3.1, 3.25)  # a square panel, two of them side by side in the text width
RIDGES = (FULL, 2.6)  # the per-class densities of a 1-D latent, printed at full text width
PNG_DPI = 150
MIN_TEXT_PT = 7.0  # no text of a figure prints smaller (figures are included at natural size)

# fontTools, subsetting matplotlib's fonts into every PDF, warns that their 'created' and
# 'modified' dates "seem very low": hundreds of lines per build about nothing that matters.
logging.getLogger("fontTools.ttLib.tables._h_e_a_d").setLevel(logging.ERROR)

# Okabe & Ito (2008): eight colours that stay distinct under every common colour-vision
# deficiency, for lines and bars.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "purple": "#CC79A7"}
TRAIN, TEST = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
MARKER = OKABE_ITO["black"]

# Ten digit classes need ten hues, two more than Okabe-Ito has. These are matplotlib's tab10
# with its two palest members darkened (olive #bcbd22 -> #9a9b17, cyan #17becf -> #109faf) so
# that every colour has at least 2.5:1 contrast on white, assigned to digits so that classes
# whose codes lie side by side in the latent space (4-9, 7-9, 4-7, 3-5, 3-8, 5-8, 2-3, 2-8,
# 0-6, 0-8) get colours that stay apart under normal vision and under simulated protanopia,
# deuteranopia and tritanopia (Machado et al. 2009; OKLab distance >= 0.11 for every such
# pair). Pairs that colour-blind readers may still confuse are not among these, and the
# figures write each digit at its cluster, so no reader has to rely on colour alone.
DIGIT_COLOURS = ("#e377c2", "#7f7f7f", "#9467bd", "#ff7f0e", "#1f77b4",
                 "#109faf", "#2ca02c", "#8c564b", "#d62728", "#9a9b17")
ORDERED_CMAP = "viridis"  # perceptually uniform and colour-blind safe, for ordered values

# Digits: ink dark on white paper; pixel values are in [0, 1] (ToTensor's scale), shown
# without rescaling. The sheet's scaffold rescaled them as if they were in [-1, 1].
DIGIT_IMSHOW = {"cmap": "gray_r", "vmin": 0.0, "vmax": 1.0, "interpolation": "nearest"}

EXPECT = r"\mathrm{E}"  # the expectation, inside $...$ (cm has no blackboard bold)
NORMAL = r"\mathcal{N}"  # the normal distribution, inside $...$

RC: dict[str, Any] = {
    "font.family": "serif",
    "font.serif": ["cmr10"],
    "mathtext.fontset": "cm",
    "axes.unicode_minus": False,  # cmr10 has no U+2212; tick labels are maths (use_mathtext)
    "pdf.fonttype": 42,  # TrueType with a Unicode map: extractable text, not Type 3 glyphs
    "ps.fonttype": 42,
    "axes.formatter.use_mathtext": True,
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 1.2,
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO.values())[1:]),
    "image.cmap": ORDERED_CMAP,
    "figure.dpi": PNG_DPI,
    "savefig.dpi": PNG_DPI,
    "pdf.compression": 9,
}

# Fixed metadata, so that the same figure gives the same bytes on every run.
PDF_METADATA = {"Creator": "vae-mnist-report", "Producer": "matplotlib", "CreationDate": None}
PNG_METADATA = {"Software": "vae-mnist-report"}

NEG_ELBO = "$-$ELBO"  # the report's one name for the per-image loss


def grouped(n: int) -> str:
    """An integer as the report's siunitx prints it: groups of three from 1 000 on, parted by
    a thin space (mathtext's, since the text font has no thin-space glyph)."""
    return f"${n:,}$".replace(",", r"\,") if abs(n) >= 1000 else str(n)


F = TypeVar("F", bound=Callable[..., Any])


def styled(func: F) -> F:
    """Run a plotting function with the house style active (at drawing and at saving)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context(RC):
            return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def figure(height: float, width: float = FULL, **grid: Any) -> tuple[Figure, Any]:
    """A constrained-layout figure of the given size in inches and its axes
    (keywords as for Figure.subplots: nrows, ncols, width_ratios, ...)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.03, hspace=0.03)
    return fig, fig.subplots(**grid)


def bare(ax: Axes) -> None:
    """No ticks and no frame: for axes that show digit images."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def small_texts(fig: Figure) -> list[str]:
    """The visible texts of fig (titles, labels, tick labels, annotations) set under
    MIN_TEXT_PT, which print too small to read."""
    from matplotlib.text import Text
    fig.draw_without_rendering()  # so that tick labels exist
    return [f"{t.get_text()!r} at {t.get_fontsize():g} pt" for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() < MIN_TEXT_PT]


def save(fig: Figure, path: str | Path) -> list[Path]:
    """Write fig as path (a PDF) and a PNG preview beside it, atomically; return both paths.
    A figure with text under MIN_TEXT_PT is refused, naming the text."""
    pdf = Path(path).with_suffix(".pdf")
    small = small_texts(fig)
    if small:
        raise ValueError(f"figure '{pdf}' sets text under {MIN_TEXT_PT:g} pt, too small in "
                         f"print: {', '.join(small[:5])}")
    png = pdf.with_suffix(".png")
    atomic_write(pdf, lambda tmp: fig.savefig(tmp, format="pdf", metadata=PDF_METADATA))
    atomic_write(png, lambda tmp: fig.savefig(tmp, format="png", dpi=PNG_DPI,
                                               metadata=PNG_METADATA))
    return [pdf, png]
