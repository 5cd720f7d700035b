"""Figures of digits: reconstructions beside their originals, and samples from the prior."""

from __future__ import annotations

from pathlib import Path

import torch

from ..core.data import Split, to_float
from ..core.model import VAE
from ..instrument.latent_paths import first_of_each_class, prior_draws
from .images import label_columns, label_rows, show_digits, tiled_aspect
from .style import EXPECT, FULL, NORMAL, figure, save, styled

SAMPLE_ROWS, SAMPLE_COLS = 4, 16

@styled
@torch.inference_mode()
def plot_reconstructions(model: VAE, train: Split, test: Split, path: Path) -> list[Path]:
    """The first image of each digit class among the images trained on and in the test set,
    originals above their reconstructions (pixel means of p(x|z) at z = E[q(z|x)])."""
    count = len(first_of_each_class(test.labels))
    fig, axes = figure(FULL * 2 * tiled_aspect(2, count) + 0.6, nrows=2)
    for ax, split, name in zip(axes, (train, test), ("images trained on", "test set")):
        index = list(first_of_each_class(split.labels).values())
        x = to_float(split.images[index])
        show_digits(ax, torch.cat([x, model.reconstruct(x)]), ncols=len(index))
        label_rows(ax, ["original", "reconstruction"])
        label_columns(ax, [f"#{i}" for i in index])
        ax.tick_params(axis="x", labelsize=8, labelcolor="0.35")
        ax.set_title(f"{name}: the first image of each digit class (#index below)", loc="left")
    return save(fig, path)


def prior(latent_dim: int) -> str:
    """The prior p(z) as mathtext: N(0, 1) for a scalar latent, N(0, I_m) beyond, as Part I
    writes it."""
    return f"{NORMAL}(0, {'1' if latent_dim == 1 else 'I_m'})"


@styled
@torch.inference_mode()
def plot_samples(model: VAE, seed: int, path: Path) -> list[Path]:
    """New digits: pixel means of p(x|z) for z drawn from the prior N(0, I_m) with a fixed seed."""
    z = prior_draws(model.latent_dim, SAMPLE_ROWS * SAMPLE_COLS, seed)
    fig, ax = figure(FULL * tiled_aspect(SAMPLE_ROWS, SAMPLE_COLS) + 0.25)
    show_digits(ax, model.generate(z), ncols=SAMPLE_COLS)
    ax.set_title(f"decoded ${EXPECT}[x\\mid z]$ for $z\\sim {prior(model.latent_dim)}$, "
                 f"{SAMPLE_ROWS * SAMPLE_COLS} independent draws")
    return save(fig, path)
