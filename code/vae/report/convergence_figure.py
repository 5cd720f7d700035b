"""The study's convergence figure: every model's validation -ELBO after each epoch, the mean
over its seeds with the range of the seeds, one small panel per model against the curve of the
model it is compared with (comparisons.baselines), each panel on its own scale."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib import rcParams
from matplotlib.ticker import MaxNLocator

from ..core.runs import Run
from .comparisons import baselines
from .style import FULL, NEG_ELBO, OKABE_ITO, TEST, figure, save, styled

COLUMNS = 4
MARGIN = 0.08  # of a panel's range of values, above and below


@styled
def plot_convergence(runs: dict[str, list[Run]], path: Path) -> list[Path]:
    """One panel per config (in the study's order, the main one first): the mean validation -ELBO
    over its seeds after each epoch with the seeds' range shaded, and in grey the mean of the
    model it is compared with. From the second epoch on: the first sits far above the rest."""
    curves = {name: np.array([[row.valid_loss for row in run.read_metrics()] for run in seeds])
              for name, seeds in runs.items()}
    names = list(curves)
    base = dict(zip(names[1:], (names[i] for i in baselines(
        [seeds[0].cfg.to_dict() for seeds in runs.values()]))))
    rows = math.ceil(len(curves) / COLUMNS)
    fig, axes = figure(1.2 * rows + 0.5, nrows=rows, ncols=COLUMNS, sharex=True,
                       squeeze=False)
    for ax, (name, curve) in zip(axes.flat, curves.items()):
        epochs = np.arange(1, curve.shape[1] + 1)
        shown = [curve[:, 1:]]
        if name in base:
            reference = curves[base[name]].mean(0)
            ax.plot(epochs, reference, color=OKABE_ITO["black"], alpha=0.4, lw=0.9)
            shown.append(reference[1:])
        ax.fill_between(epochs, curve.min(0), curve.max(0), color=TEST, alpha=0.25, lw=0)
        ax.plot(epochs, curve.mean(0), color=TEST, lw=1.2)
        # two lines: one would be wider than its panel
        ax.set_title(name + (f"\ngrey: {base[name]}" if name in base else ""), fontsize=8,
                     pad=4, linespacing=1.1)
        low, high = min(s.min() for s in shown), max(s.max() for s in shown)
        pad = MARGIN * (high - low) + 0.5
        ax.set_ylim(low - pad, high + pad)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    for ax in axes.flat[len(curves):]:
        ax.set_visible(False)
    for ax in axes.flat[max(0, len(curves) - COLUMNS):len(curves)]:
        ax.tick_params(labelbottom=True)  # no panel below it shows the epochs
    # one label per axis for the whole grid: a label per row overlaps its neighbours
    fig.supylabel(f"validation {NEG_ELBO}", fontsize=rcParams["axes.labelsize"])
    fig.supxlabel("epoch", fontsize=rcParams["axes.labelsize"])
    fig.suptitle("mean over seeds (line), lowest to highest seed (shaded); "
                 "grey: the model it is compared with", fontsize=8)
    fig.set_size_inches(FULL, fig.get_size_inches()[1])
    return save(fig, path)
