"""The report's figures, drawn from finished runs: one function per figure.

Every figure is written as a PDF (for LaTeX) and a PNG preview beside it. All randomness
comes from generators seeded by the run's config, so redrawing gives identical files.
The latent-space figures live in latent_figures.py, the digit tiling in images.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

from . import VaeError
from .config import Config
from .data import Split, binarize_fixed, load_split, to_float
from .drawn import figure_digests, figures_of, record_drawn
from .evaluate import test_images
from .images import label_columns, label_rows, show_digits, tiled_aspect
from .latent import first_of_each_class
from .latent_figures import plot_interpolation, plot_latent, plot_manifold
from .model import VAE
from .runs import Run
from .style import EXPECT, FULL, NEG_ELBO, NORMAL, TEST, TRAIN, figure, save, styled

SAMPLE_ROWS, SAMPLE_COLS = 4, 16


def draw_all(main: Config, variants: list[Config], runs_root: str | Path,
             data_dir: str | Path, out: str | Path,
             only: dict[str, list[str]] | None = None) -> list[Path]:
    """Every run's figures into out/<name>/, or only the ones named per config; each folder's
    drawn.json records the runs and code they came from."""
    configs = [main, *variants]
    names = [cfg.name for cfg in configs]
    for name in names:
        if names.count(name) > 1:
            raise VaeError(f"two configs are named '{name}'; figure folders are named after "
                           f"configs, so give each config its own 'name'")
    runs = [[Run(seed, runs_root) for seed in cfg.per_seed()] for cfg in configs]
    for seeds in runs:
        for run in seeds:
            run.read_results()  # refuses an unfinished run before anything is drawn
    train, test = load_split(data_dir, "train"), load_split(data_dir, "test")
    digests = figure_digests()
    written: list[Path] = []
    for cfg, seeds in zip(configs, runs):
        wanted = figures_of(cfg) if only is None else only[cfg.name]
        if not wanted:
            continue
        folder = Path(out) / cfg.name
        written += draw_run(seeds, train, test, folder, wanted)
        record_drawn(folder, [run.hash for run in seeds], wanted, digests)
    return written


def draw_run(seeds: list[Run], train: Split, test: Split, out: Path,
             wanted: list[str]) -> list[Path]:
    """The named figures of one config into the folder out: training over all its seeds' runs,
    the images from the first seed's model."""
    run = seeds[0]
    cfg = run.cfg
    train, test = as_trained(train, cfg), as_evaluated(test, cfg)
    model = run.load_model() if set(wanted) - {"training"} else None
    draw = {
        "training": lambda path: plot_training(seeds, path),
        "reconstructions": lambda path: plot_reconstructions(model, train, test, path),
        "samples": lambda path: plot_samples(model, cfg.seed, path),
        "manifold": lambda path: plot_manifold(model, path),
        "latent": lambda path: plot_latent(model, test, cfg.seed, path),
        "interpolation": lambda path: plot_interpolation(model, test, path),
    }
    return [file for name in wanted for file in draw[name](out / f"{name}.pdf")]


def as_trained(split: Split, cfg: Config) -> Split:
    """The training images the run saw: limited, and binarised once if the run binarises."""
    images = split.images[:cfg.train_limit] if cfg.train_limit else split.images
    if cfg.binarize:
        images = binarize_fixed(images, cfg.seed)
    return Split(images, split.labels[:len(images)])


def as_evaluated(split: Split, cfg: Config) -> Split:
    """The test images as the run was evaluated on them (evaluate.test_images)."""
    images = test_images(split.images, cfg)
    return Split(images, split.labels[:len(images)])


# -- training curves ---------------------------------------------------------------------

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


# -- images ------------------------------------------------------------------------------

@styled
@torch.inference_mode()
def plot_reconstructions(model: VAE, train: Split, test: Split, path: Path) -> list[Path]:
    """The first image of each digit class in the training and the test set, originals above
    their reconstructions (pixel means of p(x|z) at z = E[q(z|x)])."""
    count = len(first_of_each_class(test.labels))
    fig, axes = figure(FULL * 2 * tiled_aspect(2, count) + 0.6, nrows=2)
    for ax, split, name in zip(axes, (train, test), ("training set", "test set")):
        index = list(first_of_each_class(split.labels).values())
        x = to_float(split.images[index])
        show_digits(ax, torch.cat([x, model.reconstruct(x)]), ncols=len(index))
        label_rows(ax, ["original", "reconstruction"])
        label_columns(ax, [f"#{i}" for i in index])
        ax.tick_params(axis="x", labelsize=8, labelcolor="0.35")
        ax.set_title(f"{name}: the first image of each digit class (#index below)", loc="left")
    return save(fig, path)


def prior(latent_dim: int) -> str:
    """The prior p(z) as mathtext: N(0, 1) for a scalar latent, N(0, I) beyond."""
    return f"{NORMAL}(0, {'1' if latent_dim == 1 else 'I'})"


@styled
@torch.inference_mode()
def plot_samples(model: VAE, seed: int, path: Path) -> list[Path]:
    """New digits: pixel means of p(x|z) for z drawn from the prior N(0, I) with a fixed seed."""
    z = torch.randn(SAMPLE_ROWS * SAMPLE_COLS, model.latent_dim,
                    generator=torch.Generator().manual_seed(seed))
    fig, ax = figure(FULL * tiled_aspect(SAMPLE_ROWS, SAMPLE_COLS) + 0.25)
    show_digits(ax, model.generate(z), ncols=SAMPLE_COLS)
    ax.set_title(f"decoded ${EXPECT}[x\\mid z]$ for $z\\sim {prior(model.latent_dim)}$, "
                 f"{SAMPLE_ROWS * SAMPLE_COLS} independent draws")
    return save(fig, path)
