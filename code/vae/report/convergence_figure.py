"""The study's convergence figure: every model's test -ELBO after each epoch, the mean over its
seeds with the range of the seeds, one small panel per model against the main model's curve."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..core.runs import Run
from .style import FULL, NEG_ELBO, OKABE_ITO, TEST, figure, save, styled

COLUMNS = 4


@styled
def plot_convergence(runs: dict[str, list[Run]], path: Path) -> list[Path]:
    """One panel per config (in the study's order, the main one first), all on the same axes:
    the mean test -ELBO over its seeds after each epoch with the seeds' range shaded, and the
    main model's mean in grey for reference."""
    curves = {name: np.array([[row.test_loss for row in run.read_metrics()] for run in seeds])
              for name, seeds in runs.items()}
    main = next(iter(curves.values())).mean(0)
    rows = math.ceil(len(curves) / COLUMNS)
    fig, axes = figure(1.05 * rows + 0.5, nrows=rows, ncols=COLUMNS, sharex=True, sharey=True,
                       squeeze=False)
    low = min(c.min() for c in curves.values())
    high = max(c[:, 1:].max() for c in curves.values())  # epoch 1 may sit far above the rest
    for ax, (name, curve) in zip(axes.flat, curves.items()):
        epochs = np.arange(1, curve.shape[1] + 1)
        ax.plot(epochs, main, color=OKABE_ITO["black"], alpha=0.35, lw=0.9)
        ax.fill_between(epochs, curve.min(0), curve.max(0), color=TEST, alpha=0.25, lw=0)
        ax.plot(epochs, curve.mean(0), color=TEST, lw=1.2)
        ax.set_title(name, fontsize=8, pad=2)
        ax.set_ylim(low - 3, high + 3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    for ax in axes.flat[len(curves):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"test {NEG_ELBO}")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    fig.suptitle(f"mean over seeds (line), lowest to highest seed (shaded); grey: "
                 f"{next(iter(curves))}", fontsize=8)
    fig.set_size_inches(FULL, fig.get_size_inches()[1])
    return save(fig, path)
