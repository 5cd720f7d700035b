"""The training figure: per-step and per-epoch -ELBO and KL of a config's runs over its seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..core.runs import Run
from .style import NEG_ELBO, TEST, TRAIN, figure, save, styled


def moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average; the result is window - 1 shorter than y."""
    return np.convolve(y, np.ones(window) / window, mode="valid")


def _limits(low: np.ndarray, high: np.ndarray, floor: float | None = None) -> tuple[float, float]:
    """Axis limits around the given values with a 6 % margin."""
    lo, hi = float(np.min(low)), float(np.max(high))
    margin = 0.06 * (hi - lo or abs(hi) or 1.0)
    return (lo - margin if floor is None else floor), hi + margin


@styled
def plot_training(runs: list[Run], path: Path) -> list[Path]:
    """Per-step training -ELBO and KL (smoothed) and per-epoch training means and test values:
    the mean over the seeds' runs, with a band from the lowest to the highest seed. The
    reconstruction term is the difference of the two panels. The -ELBO shown is recon + KL
    even where the run optimised a beta-weighted objective. Epoch means sit mid-epoch, test
    values at the epoch's end; the y ranges hold every band, the first steps' fall included.
    """
    steps = [run.read_steps() for run in runs]
    rows = [run.read_metrics() for run in runs]
    n_epochs, n_steps = len(rows[0]), len(steps[0])
    epochs = np.arange(1, n_epochs + 1, dtype=float)
    x = np.arange(1, n_steps + 1) * n_epochs / n_steps  # epochs done after each step
    window = max(1, n_steps // 50)
    x_smooth = moving_average(x, window)
    seeds = f"{len(runs)} seeds" if len(runs) > 1 else "one seed"
    panels = ((f"{NEG_ELBO} (reconstruction + KL)", "loss", None),
              (r"$\mathrm{KL}(q(z\mid x)\,\|\,p(z))$", "kl", 0.0))
    fig, axes = figure(2.3, ncols=2)
    for ax, (title, key, floor) in zip(axes, panels):
        smooth = np.array([moving_average(getattr(s, key), window) for s in steps])
        train_epoch = np.array([[getattr(r, f"train_{key}") for r in seed] for seed in rows])
        test_epoch = np.array([[getattr(r, f"test_{key}") for r in seed] for seed in rows])
        ax.fill_between(x_smooth, smooth.min(0), smooth.max(0), color=TRAIN, alpha=0.25, lw=0)
        ax.plot(x_smooth, smooth.mean(0), color=TRAIN, lw=1.0,
                label="training, per step (smoothed)")
        ax.plot(epochs - 0.5, train_epoch.mean(0), "o", color=TRAIN, ms=3.5, mfc="white",
                mew=1.0, label="training, epoch mean")
        ax.fill_between(epochs, test_epoch.min(0), test_epoch.max(0), color=TEST, alpha=0.2,
                        lw=0)
        ax.plot(epochs, test_epoch.mean(0), "s-", color=TEST, ms=3, lw=1.0,
                label="test, end of epoch")
        values = np.concatenate([smooth.ravel(), train_epoch.ravel(), test_epoch.ravel()])
        ax.set_ylim(*_limits(values, values, floor))
        ax.set_xlim(0, n_epochs)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=3,
               title=f"mean of {seeds}; shaded: lowest to highest seed" if len(runs) > 1
               else None)
    return save(fig, path)
