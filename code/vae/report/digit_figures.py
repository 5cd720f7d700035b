"""Figures of digits: reconstructions beside their originals, and samples from the prior."""

from __future__ import annotations

from pathlib import Path

import torch

from ..core.data import Split, to_float
from ..core.model import VAE
from ..instrument.classifier import DigitClassifier
from ..instrument.latent_paths import first_of_each_class, prior_draws
from ..instrument.readings import classify
from .images import label_columns, label_rows, show_digits, tiled_aspect
from .style import EXPECT, FULL, NORMAL, OKABE_ITO, figure, save, styled

SAMPLE_ROWS, SAMPLE_COLS = 4, 16


@torch.inference_mode()
def shown_reconstructions(model: VAE, classifier: DigitClassifier,
                          split: Split) -> tuple[list[int], torch.Tensor, torch.Tensor, list[int]]:
    """The first image of each digit class in split: their indices, the images, their
    reconstructions and the digit the classifier reads in each, read as readings.py reads the
    figure's images for the text."""
    index = list(first_of_each_class(split.labels).values())
    x = to_float(split.images[index])
    reconstructed = model.reconstruct(x)
    digits, _, _ = classify(classifier, reconstructed)
    return index, x, reconstructed, digits.tolist()


@styled
@torch.inference_mode()
def plot_reconstructions(model: VAE, train: Split, test: Split, classifier: DigitClassifier,
                         path: Path) -> list[Path]:
    """Originals above their reconstructions (pixel means of p(x|z) at z = E[q(z|x)]), among
    the images trained on and in the test set (shown_reconstructions); under each column its
    index and the digit the classifier reads, coloured where it is not the original's."""
    count = len(first_of_each_class(test.labels))
    fig, axes = figure(FULL * 2 * tiled_aspect(2, count) + 0.75, nrows=2)
    for ax, split, name in zip(axes, (train, test), ("images trained on", "test set")):
        index, x, reconstructed, read = shown_reconstructions(model, classifier, split)
        show_digits(ax, torch.cat([x, reconstructed]), ncols=len(index))
        label_rows(ax, ["original", "reconstruction"])
        label_columns(ax, [f"#{i}: {digit}" for i, digit in zip(index, read)])
        ax.tick_params(axis="x", labelsize=8, labelcolor="0.35")
        for label, digit, truth in zip(ax.get_xticklabels(), read, split.labels[index].tolist()):
            if digit != truth:
                label.set_color(OKABE_ITO["vermillion"])
        ax.set_title(f"{name}: the first image of each digit class", loc="left")
    axes[-1].set_xlabel("under each column, #index: the digit the classifier reads "
                        "(coloured: another digit)")
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
