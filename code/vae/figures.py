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
from .evaluate import test_images
from .images import label_columns, label_rows, show_digits, tiled_aspect
from .io import read_json, write_json
from .latent import first_of_each_class
from .latent_figures import plot_interpolation, plot_latent, plot_manifold
from .model import VAE
from .runs import Run, code_digest
from .style import EXPECT, FULL, NEG_ELBO, NORMAL, TEST, TRAIN, figure, save, styled

SAMPLE_ROWS, SAMPLE_COLS = 6, 16
PLOTTING_CODE = ("figures.py", "latent_figures.py", "latent.py", "images.py", "style.py")
STAMP = "drawn.json"


def draw_if_changed(main: Config, variants: list[Config], runs_root: str | Path,
                    data_dir: str | Path, out: str | Path) -> list[Path] | None:
    """draw_all, unless the figures in out came from the same runs and plotting code (None);
    out/drawn.json records what they came from."""
    source = {
        "runs": {cfg.name: Run(cfg, runs_root).hash for cfg in [main, *variants]},
        "code": code_digest(PLOTTING_CODE),
    }
    stamp = Path(out) / STAMP
    if stamp.exists():
        previous = read_json(stamp)
        if previous["source"] == source and all(Path(p).exists() for p in previous["files"]):
            return None
    written = draw_all(main, variants, runs_root, data_dir, out)
    write_json(stamp, {"source": source, "files": [str(p) for p in written]})
    return written


def draw_all(main: Config, variants: list[Config], runs_root: str | Path,
             data_dir: str | Path, out: str | Path) -> list[Path]:
    """Every run's figures into out/<name>/."""
    configs = [main, *variants]
    names = [cfg.name for cfg in configs]
    for name in names:
        if names.count(name) > 1:
            raise VaeError(f"two configs are named '{name}'; figure folders are named after "
                           f"configs, so give each config its own 'name'")
    runs = [Run(cfg, runs_root) for cfg in configs]
    for run in runs:
        run.read_results()  # refuses an unfinished run before anything is drawn
    train, test = load_split(data_dir, "train"), load_split(data_dir, "test")
    out = Path(out)
    written: list[Path] = []
    for run in runs:
        written += draw_run(run, train, test, out / run.cfg.name)
    return written


def draw_run(run: Run, train: Split, test: Split, out: Path) -> list[Path]:
    """The figures of one finished run into the folder out."""
    cfg, model = run.cfg, run.load_model()
    train, test = as_trained(train, cfg), as_evaluated(test, cfg)
    written = plot_training(run, out / "training.pdf")
    written += plot_reconstructions(model, train, test, out / "reconstructions.pdf")
    written += plot_samples(model, cfg.seed, out / "samples.pdf")
    if cfg.latent_dim <= 2:
        written += plot_manifold(model, out / "manifold.pdf")
    written += plot_latent(model, test, cfg.seed, out / "latent.pdf")
    written += plot_interpolation(model, test, out / "interpolation.pdf")
    return written


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
def plot_training(run: Run, path: Path) -> list[Path]:
    """Per-step training -ELBO and KL (smoothed over a faint raw trace), per-epoch training
    means and test values; the reconstruction term is their difference. The -ELBO shown is
    recon + KL even where the run optimised a beta-weighted objective. Epoch means sit
    mid-epoch, test values at the epoch's end. The y ranges hold the whole smoothed curve,
    the first steps' fall included; only the raw trace of the very first steps leaves the top.
    """
    steps, rows = run.read_steps(), run.read_metrics()
    epochs = np.array([r.epoch for r in rows], dtype=float)
    x = np.arange(1, len(steps) + 1) * len(rows) / len(steps)  # epochs done after each step
    window = max(1, len(steps) // 50)
    x_smooth = moving_average(x, window)
    panels = ((f"{NEG_ELBO} (reconstruction + KL)", steps.loss, "loss", None),
              (r"$\mathrm{KL}(q(z\mid x)\,\|\,p(z))$", steps.kl, "kl", 0.0))
    fig, axes = figure(2.3, ncols=2)
    for ax, (title, per_step, key, floor) in zip(axes, panels):
        train_epoch = np.array([getattr(r, f"train_{key}") for r in rows])
        test_epoch = np.array([getattr(r, f"test_{key}") for r in rows])
        smooth = moving_average(per_step, window)
        ax.plot(x, per_step, color=TRAIN, alpha=0.25, lw=0.4)
        ax.plot(x_smooth, smooth, color=TRAIN, lw=1.0, label="training, per step (smoothed)")
        ax.plot(epochs - 0.5, train_epoch, "o", color=TRAIN, ms=3.5, mfc="white", mew=1.0,
                label="training, epoch mean")
        ax.plot(epochs, test_epoch, "s-", color=TEST, ms=3, lw=1.0, label="test, end of epoch")
        values = np.concatenate([smooth, train_epoch, test_epoch])
        ax.set_ylim(*_limits(values, values, floor))
        ax.set_xlim(0, len(rows))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=3)
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
