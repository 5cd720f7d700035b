"""The one look of every figure: LaTeX-sized fonts and widths, colour-blind safe colours.

Figures are drawn at the size they are printed (6.3 in text width, 3.0 in for half width),
so that 8-9 pt figure text sits well beside the report's 10-11 pt body text.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, TypeVar

import matplotlib

matplotlib.use("Agg")  # files only, no display; also keeps rendering identical everywhere

from matplotlib.axes import Axes  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

from .io import atomic_write  # noqa: E402

FULL = 6.3  # LaTeX \textwidth, inches
HALF = 3.0  # a figure beside another, inches
SQUARE = 4.5  # near-square figures (scatter, 2-D manifold), centred in the text width
PNG_DPI = 150

# Okabe & Ito (2008): eight colours that stay distinct under every common colour-vision
# deficiency, for lines and bars.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "purple": "#CC79A7"}
TRAIN, TEST = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
RECON, KL, MARKER = OKABE_ITO["sky"], OKABE_ITO["orange"], OKABE_ITO["black"]

# Ten digit classes need ten hues, two more than Okabe-Ito has. tab10 puts red beside green
# and several pairs merge under deuteranopia; Petroff's ten-colour sequence (Petroff 2021,
# also matplotlib's "petroff10") was chosen by a user study to stay distinguishable under
# simulated colour-vision deficiencies. The figures also write each digit next to its
# cluster, so no reader has to rely on colour alone.
DIGIT_COLOURS = ("#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6",
                 "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd")
ORDERED_CMAP = "viridis"  # perceptually uniform and colour-blind safe, for ordered values

# Digits: ink dark on white paper; pixel values are in [0, 1] (ToTensor's scale), shown
# without rescaling. The sheet's scaffold rescaled them as if they were in [-1, 1].
DIGIT_IMSHOW = {"cmap": "gray_r", "vmin": 0.0, "vmax": 1.0, "interpolation": "nearest"}

RC: dict[str, Any] = {
    "font.family": "serif",
    "font.serif": ["LM Roman 10", "Latin Modern Roman", "CMU Serif", "DejaVu Serif"],
    "mathtext.fontset": "cm",
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


def save(fig: Figure, path: str | Path) -> list[Path]:
    """Write fig as path (a PDF) and a PNG preview beside it, atomically; return both paths."""
    pdf = Path(path).with_suffix(".pdf")
    png = pdf.with_suffix(".png")
    atomic_write(pdf, lambda tmp: fig.savefig(tmp, format="pdf", metadata=PDF_METADATA))
    atomic_write(png, lambda tmp: fig.savefig(tmp, format="png", dpi=PNG_DPI,
                                               metadata=PNG_METADATA))
    return [pdf, png]
