"""The training figure: per-step and per-epoch -ELBO and KL of each of a config's seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator, ScalarFormatter

from ..core.runs import Run
from .style import NEG_ELBO, TEST, TRAIN, figure, save, styled


def moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average; the result is window - 1 shorter than y."""
    return np.convolve(y, np.ones(window) / window, mode="valid")


SEED_STYLES = ("-", "--", ":", "-.")  # one line style per seed, cycled
TICKS = 6  # labelled values on the log axis


@styled
def plot_training(runs: list[Run], path: Path) -> list[Path]:
    """Per-step training -ELBO and KL (lightly smoothed) and per-epoch test values, one line
    per seed, so that a single seed's spike stays visible; the -ELBO on a log axis from the
    first step on, so that the whole fall shows. The reconstruction term is the difference of
    the two panels. The -ELBO shown is recon + KL even where the run optimised a beta-weighted
    objective. Test values sit at the epoch's end.
    """
    steps = [run.read_steps() for run in runs]
    rows = [run.read_metrics() for run in runs]
    n_epochs, n_steps = len(rows[0]), len(steps[0])
    epochs = np.arange(1, n_epochs + 1, dtype=float)
    x = np.arange(1, n_steps + 1) * n_epochs / n_steps  # epochs done after each step
    window = max(1, n_steps // 200)
    x_smooth = moving_average(x, window)
    seeds = [run.cfg.seed for run in runs]
    panels = ((f"{NEG_ELBO} (reconstruction + KL), log scale", "loss", True),
              (r"$\mathrm{KL}(q(z\mid x)\,\|\,p(z))$", "kl", False))
    fig, axes = figure(2.4, ncols=2)
    for ax, (title, key, log) in zip(axes, panels):
        for i, (seed, s, r) in enumerate(zip(seeds, steps, rows)):
            style = SEED_STYLES[i % len(SEED_STYLES)]
            ax.plot(x_smooth, moving_average(getattr(s, key), window), style, color=TRAIN,
                    lw=0.7, alpha=0.8, label=f"training, seed {seed}")
            ax.plot(epochs, [getattr(row, f"test_{key}") for row in r], style, color=TEST,
                    marker="s", ms=2.5, lw=1.0, label=f"test, seed {seed}")
        first = [getattr(s, key)[0] for s in steps]
        ax.plot(np.full(len(first), x[0]), first, "o", color=TRAIN, ms=3, mfc="white", mew=0.8,
                label="first step", clip_on=False)  # on the axis at step 1: keep it whole
        if log:
            ax.set_yscale("log")
            # round ticks spread evenly on the log axis, so that the settled values have labels
            # near them and not only the first steps' hundreds
            ax.yaxis.set_major_locator(FixedLocator(np.unique(np.round(
                np.geomspace(*ax.get_ylim(), TICKS), -1))))
            ax.yaxis.set_major_formatter(ScalarFormatter())
            ax.yaxis.set_minor_locator(NullLocator())
        else:
            ax.set_ylim(bottom=0)
        ax.set_xlim(0, n_epochs)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center",
               ncols=len(runs) + 1,  # a column per seed (training above test), then the dot
               title=f"training per step, averaged over {window} steps; test after each epoch")
    return save(fig, path)
