"""Digit images for figures: many digits tiled into one picture per axes (make_grid)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from torchvision.utils import make_grid

from .style import DIGIT_IMSHOW, bare

SIZE = 28  # pixels per side of an MNIST digit
PAD = 2  # pixels between tiled digits
SEPARATOR = 0.15  # grey value of the lines between digits (light grey, ink is dark)


def tile(images: torch.Tensor, ncols: int) -> np.ndarray:
    """Images (N, 1, 28, 28) in [0, 1] as one (H, W) array with ncols digits per row."""
    grid = make_grid(images.detach().float().cpu(), nrow=ncols, padding=PAD, pad_value=SEPARATOR)
    return grid[0].numpy()


def tiled_aspect(nrows: int, ncols: int) -> float:
    """Height over width of a tile() picture of nrows by ncols digits."""
    return (nrows * (SIZE + PAD) + PAD) / (ncols * (SIZE + PAD) + PAD)


def centres(n: int) -> np.ndarray:
    """Pixel coordinates of the centres of the first n digits along a tiled row or column."""
    return PAD + np.arange(n) * (SIZE + PAD) + (SIZE - 1) / 2


def show_digits(ax: Axes, images: torch.Tensor, ncols: int) -> None:
    """Draw the digits tiled on ax, grey scale with vmin=0 and vmax=1, without ticks."""
    ax.imshow(tile(images, ncols), **DIGIT_IMSHOW)
    bare(ax)


def label_columns(ax: Axes, labels: Sequence[str], top: bool = False) -> None:
    """Write one label under (or above) each tiled column, without tick marks."""
    ax.set_xticks(centres(len(labels)), labels)
    ax.tick_params(axis="x", length=0, pad=2, top=top, labeltop=top, bottom=not top,
                   labelbottom=not top)


def label_rows(ax: Axes, labels: Sequence[str], right: bool = False) -> None:
    """Write one label left of (or right of) each tiled row, without tick marks."""
    ax.set_yticks(centres(len(labels)), labels)
    ax.tick_params(axis="y", length=0, pad=3, right=right, labelright=right, left=not right,
                   labelleft=not right)
