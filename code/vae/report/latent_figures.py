"""Figures of the latent space: the decoded manifold, the encoded test set, interpolations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib import patheffects
from matplotlib.axes import Axes

from ..core.data import Split
from ..core.evaluate import encode_means
from ..core.model import VAE
from ..instrument.latent_paths import (
    INTERPOLATION_STEPS,
    MANIFOLD_STEPS,
    interpolations,
    manifold_grid,
    prior_quantiles,
)
from ..instrument.measurements import spherical_interpolation
from .images import label_columns, label_rows, show_digits, tiled_aspect
from .style import DIGIT_COLOURS, EXPECT, FULL, MARKER, PANEL, RIDGES, figure, grouped, save, styled

LATENT_POINTS = 5000  # test images in the latent plot
LABEL_GAP = 0.045  # least distance between two digit labels, as a share of the data's span


def _z_labels(z: torch.Tensor, every: int = 1) -> list[str]:
    """Every `every`-th z value as a tick label (the rest left blank, so that labels fit)."""
    return [f"${v:.2f}$" if i % every == 0 else "" for i, v in enumerate(z.tolist())]


def quantile_label(n: int) -> str:
    """The n quantile levels of prior_quantiles as mathtext: q = (2i - 1)/(2n), i = 1, ..., n."""
    return rf"$q = (2i-1)/{2 * n}$, $i = 1, \ldots, {n}$"


@styled
@torch.inference_mode()
def plot_manifold(model: VAE, path: Path) -> list[Path]:
    """The decoder over a grid of prior quantiles: a row for a 1-D latent, a square for 2-D."""
    d = model.latent_dim
    grid = manifold_grid(d)
    n = MANIFOLD_STEPS[d]
    z = prior_quantiles(n)
    caption = rf"decoded ${EXPECT}[x\mid z]$ at $z=\Phi^{{-1}}(q)$, " + quantile_label(n)
    if d == 1:
        fig, ax = figure(FULL * tiled_aspect(1, n) + 0.6)
        show_digits(ax, model.generate(grid), ncols=n)
        label_columns(ax, _z_labels(z))
        ax.set_xlabel("$z$")
    else:
        fig, ax = figure(PANEL[1], width=PANEL[0])
        show_digits(ax, model.generate(grid), ncols=n)
        label_columns(ax, _z_labels(z, every=4))
        label_rows(ax, _z_labels(z.flip(0), every=2))
        ax.set_xlabel("$z_1$")
        ax.set_ylabel("$z_2$")
    ax.set_title(caption if d == 1 else caption.replace(", $q", ",\n$q"))
    return save(fig, path)


# -- latent space ------------------------------------------------------------------------

def pca(points: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The first k principal components of points and the fraction of variance of each."""
    centred = points - points.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:k].T, (s ** 2 / np.sum(s ** 2))[:k]


def spread_apart(positions: np.ndarray, min_gap: float, rounds: int = 100) -> np.ndarray:
    """Move points pairwise apart until no two are closer than min_gap (or rounds run out);
    points that are far enough apart stay where they are."""
    p = positions.astype(float).copy()
    for _ in range(rounds):
        moved = False
        for i in range(len(p)):
            for j in range(i + 1, len(p)):
                offset = p[j] - p[i]
                dist = float(np.hypot(*offset))
                if dist < min_gap:
                    direction = offset / dist if dist > 1e-12 else np.array([1.0, 0.0])
                    push = direction * (min_gap - dist) / 2
                    p[i] -= push
                    p[j] += push
                    moved = True
        if not moved:
            break
    return p


def _scatter(ax: Axes, points: np.ndarray, labels: np.ndarray) -> None:
    """Points coloured by digit, each digit written at its cluster's median (so no legend is
    needed), nudged apart where two medians nearly coincide so that both labels stay legible."""
    ax.scatter(points[:, 0], points[:, 1], s=5, c=[DIGIT_COLOURS[y] for y in labels],
               alpha=0.75, linewidths=0)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    digits = np.unique(labels)
    medians = np.array([np.median(points[labels == y], axis=0) for y in digits])
    span = float((points.max(axis=0) - points.min(axis=0)).max())
    for y, (mx, my) in zip(digits, spread_apart(medians, LABEL_GAP * span)):
        ax.text(mx, my, str(y), ha="center", va="center", fontsize=10, fontweight="bold",
                path_effects=halo)


def _ridges(ax: Axes, z: np.ndarray, labels: np.ndarray) -> None:
    """One histogram (as a density) per digit class, stacked with digit 0 on top."""
    lo, hi = z.min(), z.max()
    edges = np.linspace(lo, hi, 61)
    centres = (edges[:-1] + edges[1:]) / 2
    digits = np.unique(labels).tolist()
    densities = {y: np.histogram(z[labels == y], bins=edges, density=True)[0] for y in digits}
    scale = 1.6 / max(d.max() for d in densities.values())
    for row, y in enumerate(digits):
        base = len(digits) - 1 - row
        top = base + scale * densities[y]
        ax.fill_between(centres, base, top, step="mid", color=DIGIT_COLOURS[y], alpha=0.75,
                        lw=0, zorder=2 * row)
        ax.step(centres, top, where="mid", color="black", lw=0.4, zorder=2 * row + 1)
    ax.set_yticks(np.arange(len(digits))[::-1], [str(y) for y in digits])
    ax.tick_params(axis="y", length=0)
    ax.set_ylabel("digit")
    ax.set_xlim(lo, hi)
    ax.spines["left"].set_visible(False)


@styled
@torch.inference_mode()
def plot_latent(model: VAE, test: Split, seed: int, path: Path) -> list[Path]:
    """Posterior means of (a seeded subset of) the test images, coloured by digit: per-class
    histograms for a 1-D latent (RIDGES, for the full text width), a scatter for 2-D and a PCA
    projection beyond (PANEL, half the text width); both keep the style's
    font sizes at that print size."""
    order = np.random.default_rng(seed).permutation(len(test))[:LATENT_POINTS]
    index = torch.from_numpy(order)
    z = encode_means(model, test.images[index]).double().numpy()  # takes uint8 images
    labels = test.labels[index].numpy()
    d = model.latent_dim
    title = f"posterior means of {grouped(len(order))} test images"
    if d == 1:
        width, height = RIDGES
        fig, ax = figure(height, width=width)
        _ridges(ax, z[:, 0], labels)
        ax.set_xlabel(rf"$\mu(x) = {EXPECT}[z\mid x]$")
        title += " (histograms per digit class)"
    else:
        fig, ax = figure(PANEL[1], width=PANEL[0])
        if d == 2:
            points, names = z, ("$z_1$", "$z_2$")
        else:
            points, share = pca(z)
            names = tuple(f"PC {i + 1} ({share[i]:.1%} of variance)" for i in range(2))
            title += f"\nfirst two principal components of {d} dimensions"
        _scatter(ax, points, labels)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_aspect("equal", adjustable="datalim")
    ax.set_title(title)
    return save(fig, path)


def interpolation_kind(latent_dim: int) -> str:
    """How interpolate() moves between codes of this dimension, for the figure's title."""
    return ("spherical interpolation (slerp)" if spherical_interpolation(latent_dim)
            else "linear interpolation")


@styled
@torch.inference_mode()
def plot_interpolation(model: VAE, test: Split, path: Path) -> list[Path]:
    """Pairs of test digits of different classes with the decoded path between their
    posterior means: original start, decoded points at t = 0, ..., 1, original end."""
    paths = interpolations(model, test)
    pairs, t = paths.pairs, paths.t
    kind = interpolation_kind(model.latent_dim)

    n = INTERPOLATION_STEPS
    fig, axes = figure(FULL * tiled_aspect(len(pairs), n + 2.6) + 0.6, ncols=3,
                       width_ratios=[1, n, 1])
    show_digits(axes[0], paths.start, ncols=1)
    show_digits(axes[1], paths.decoded.flatten(0, 1), ncols=n)
    show_digits(axes[2], paths.end, ncols=1)
    label_rows(axes[0], [rf"{a} $\to$ {b}" for a, b in pairs])
    label_columns(axes[1], [f"{v:.2g}" for v in t.tolist()])
    axes[1].set_xlabel("$t$")
    axes[0].set_title("start $x_a$")
    axes[2].set_title("end $x_b$")
    axes[1].set_title(f"decoded {kind} from $\\mu(x_a)$ at $t=0$ to $\\mu(x_b)$ at $t=1$")
    for ax in (axes[0], axes[2]):
        for spine in ax.spines.values():
            spine.set(visible=True, color=MARKER, lw=1.0)
    return save(fig, path)
