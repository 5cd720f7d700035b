"""The training figure: per-step and per-epoch -ELBO and KL of each of a config's first seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..core.runs import Run
from .numbers import DRAWN_SEEDS
from .style import NEG_ELBO, OKABE_ITO, figure, save, styled


def moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average; the result is window - 1 shorter than y."""
    return np.convolve(y, np.ones(window) / window, mode="valid")


# One colour per seed, cycled: a seed's training line and its validation values share it. Blue
# and green look alike in small print, so black comes third.
SEED_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["black"],
                OKABE_ITO["purple"])
# A validation marker per seed, open, so that seeds whose values coincide stay apart.
SEED_MARKERS = ("o", "s", "^", "D")
MARGIN = 0.06  # of the -ELBO panel's range, above and below


@styled
def plot_training(seeds: list[Run], path: Path) -> list[Path]:
    """Per-step training -ELBO and KL (lightly smoothed, solid) and per-epoch validation values
    (open markers, dashed), one colour and marker per seed, so that a single seed's spike stays
    visible. The -ELBO's axis is set by the values from the end of the first epoch on, so that
    the later epochs' differences show; the first steps, far above, are cut off and their start
    is written in the panel. The reconstruction term is the difference of the two panels. The
    -ELBO shown is recon + KL even where the run optimised a beta-weighted objective.
    Validation values sit at the epoch's end. Only the first DRAWN_SEEDS seeds are drawn.
    """
    seeds = seeds[:DRAWN_SEEDS]
    steps = [run.read_steps() for run in seeds]
    rows = [run.read_metrics() for run in seeds]
    n_epochs, n_steps = len(rows[0]), len(steps[0])
    epochs = np.arange(1, n_epochs + 1, dtype=float)
    x = np.arange(1, n_steps + 1) * n_epochs / n_steps  # epochs done after each step
    window = max(1, n_steps // 200)
    x_smooth = moving_average(x, window)
    numbers = [run.cfg.seed for run in seeds]
    panels = ((f"{NEG_ELBO} (reconstruction + KL)", "loss"),
              (r"$\mathrm{KL}(q(z\mid x)\,\|\,p(z))$", "kl"))
    fig, axes = figure(2.4, ncols=2)
    for ax, (title, key) in zip(axes, panels):
        settled = []  # the values from the end of the first epoch on
        for i, (seed, s, r) in enumerate(zip(numbers, steps, rows)):
            colour = SEED_COLOURS[i % len(SEED_COLOURS)]
            smooth = moving_average(getattr(s, key), window)
            valid = [getattr(row, f"valid_{key}") for row in r]
            ax.plot(x_smooth, smooth, "-", color=colour, lw=0.7, alpha=0.8,
                    label=f"training, seed {seed}")
            # above every seed's training line, which would otherwise hide the earlier seeds'
            ax.plot(epochs, valid, "--", color=colour, lw=0.9, label=f"validation, seed {seed}",
                    marker=SEED_MARKERS[i % len(SEED_MARKERS)], ms=3.5, mfc="white", mew=0.8,
                    zorder=3)
            settled += [*smooth[x_smooth >= 1], *valid]
        if key == "loss":
            low, high = min(settled), max(settled)
            pad = MARGIN * (high - low)
            ax.set_ylim(low - pad, high + pad)
            first = max(getattr(s, key)[0] for s in steps)
            # under the axis, where no curve can run into it
            ax.set_xlabel("epoch" + (f" (the first steps reach {first:.0f}, off the top)"
                                     if first > high + pad else ""))
        else:
            ax.set_ylim(bottom=0)
            ax.set_xlabel("epoch")
        ax.set_xlim(0, n_epochs)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        ax.set_ylabel("nats per image")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center",
               ncols=len(seeds),  # a column per seed, training above validation
               title=f"training per step, a moving average over {window} steps; validation "
                     f"after each epoch")
    return save(fig, path)
