"""Figures of the latent space: the decoded manifold, the encoded test set, interpolations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from sklearn.manifold import TSNE
from torch.distributions import Normal, kl_divergence

from ..core.data import Split, batches
from ..core.evaluate import active_units, encode_means, varies
from ..core.model import VAE
from ..instrument.classifier import DigitClassifier, read_images
from ..instrument.latent_paths import (
    INTERPOLATION_STEPS,
    MANIFOLD_STEPS,
    interpolations,
    manifold_grid,
    prior_quantiles,
)
from ..instrument.measurements import drawn_directly
from .images import centres, label_columns, label_rows, show_digits, tiled_aspect
from .style import (
    DIGIT_COLOURS,
    EXPECT,
    FULL,
    MARKER,
    MIN_TEXT_PT,
    OKABE_ITO,
    PANEL,
    RIDGES,
    figure,
    grouped,
    save,
    styled,
)

LATENT_POINTS = 5000  # test images in the latent plot of a one- or two-dimensional code
TSNE_POINTS = 3000  # the first of them, embedded by t-SNE for larger codes
PERPLEXITY = 30.0
RIDGE = 0.9  # of a row's height, the tallest bin of each class's histogram
LABEL_GAP = 0.1  # least distance between two digit labels, as a share of the data's span


def _z_labels(z: torch.Tensor, every: int = 1) -> list[str]:
    """Every `every`-th z value as a tick label, counted from the middle one so that the labels
    lie symmetric about zero (the rest left blank, so that labels fit)."""
    middle = (len(z) - 1) // 2
    return [f"${v:.2f}$" if (i - middle) % every == 0 else "" for i, v in enumerate(z.tolist())]


def quantile_label(n: int) -> str:
    """The n quantile levels of prior_quantiles as mathtext: q = (2i - 1)/(2n), i = 1, ..., n."""
    return rf"$q = (2i-1)/{2 * n}$ for $i$ from 1 to {n}"


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
        label_columns(ax, _z_labels(z, every=3))
        label_rows(ax, _z_labels(z.flip(0), every=3))
        ax.set_xlabel("$z_1$")
        ax.set_ylabel("$z_2$")
    ax.set_title(caption if d == 1 else caption.replace(", $q", ",\n$q"))
    return save(fig, path)


# -- latent space ------------------------------------------------------------------------

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
        # regular weight: the cm fonts have no bold, which matplotlib would replace with a warning
        ax.text(mx, my, str(y), ha="center", va="center", fontsize=10, path_effects=halo)


def _ridges(ax: Axes, z: np.ndarray, labels: np.ndarray) -> None:
    """One histogram per digit class, stacked with digit 0 on top, each scaled to RIDGE of its
    row so that no class runs into the row above (their shapes compare, not their heights)."""
    lo, hi = z.min(), z.max()
    edges = np.linspace(lo, hi, 61)
    centres = (edges[:-1] + edges[1:]) / 2
    digits = np.unique(labels).tolist()
    densities = {y: np.histogram(z[labels == y], bins=edges, density=True)[0] for y in digits}
    for row, y in enumerate(digits):
        base = len(digits) - 1 - row
        top = base + RIDGE * densities[y] / max(densities[y].max(), 1e-12)
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
    histograms for a 1-D latent (RIDGES, for the full text width), a scatter for 2-D and a
    t-SNE embedding beyond (PANEL, half the text width); both keep the style's font sizes at
    that print size."""
    order = np.random.default_rng(seed).permutation(len(test))[:LATENT_POINTS]
    if not drawn_directly(model.latent_dim):
        order = order[:TSNE_POINTS]
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
        if drawn_directly(d):
            points, names = z, ("$z_1$", "$z_2$")
        else:
            perplexity = min(PERPLEXITY, (len(z) - 1) / 3)  # t-SNE needs 3 x it in points
            points = TSNE(perplexity=perplexity, init="pca",
                          random_state=seed).fit_transform(z)
            names = ("t-SNE 1", "t-SNE 2")
            title += f"\nt-SNE of {d} dimensions (perplexity {perplexity:g})"
        _scatter(ax, points, labels)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_aspect("equal", adjustable="datalim")
        if not drawn_directly(d):  # t-SNE's axes have no units: only neighbourhoods count
            ax.set_xticks([])
            ax.set_yticks([])
    if drawn_directly(d):
        _grid_span(ax, d)
    ax.set_title(title)
    return save(fig, path)


def _grid_span(ax: Axes, latent_dim: int) -> None:
    """Dashed: the codes that the decoded grid of plot_manifold spans, a reach of the prior far
    narrower than the encoded test set's, so that a reader does not match the two panels point
    for point beyond it."""
    edge = float(manifold_grid(latent_dim).abs().max())
    dashed = dict(color=MARKER, lw=0.8, ls=(0, (4, 3)), zorder=3)
    if latent_dim == 1:
        for x in (-edge, edge):
            ax.axvline(x, **dashed)
    else:
        ax.add_patch(Rectangle((-edge, -edge), 2 * edge, 2 * edge, fill=False, **dashed))


@styled
@torch.inference_mode()
def plot_interpolation(model: VAE, test: Split, classifier: DigitClassifier,
                       path: Path) -> list[Path]:
    """Pairs of test digits of different classes with the decoded straight path between their
    posterior means, one row per pair: original start, decoded points at t = 0, ..., 1,
    original end; under each frame the digit the classifier reads there, as readings.py does."""
    paths = interpolations(model, test)
    pairs, t = paths.pairs, paths.t
    n = INTERPOLATION_STEPS
    probs, _ = read_images(classifier, paths.decoded.flatten(0, 1))
    read = probs.argmax(1).reshape(len(pairs), n).tolist()

    fig, axes = figure(FULL * tiled_aspect(len(pairs), n + 2.6) + 0.16 * len(pairs) + 0.5,
                       nrows=len(pairs), ncols=3, width_ratios=[1, n, 1], squeeze=False)
    for row, ((a, b), digits) in enumerate(zip(pairs, read)):
        start, middle, end = axes[row]
        show_digits(start, paths.start[row:row + 1], ncols=1)
        show_digits(middle, paths.decoded[row], ncols=n)
        show_digits(end, paths.end[row:row + 1], ncols=1)
        label_rows(start, [rf"{a} $\to$ {b}"])
        label_columns(middle, [str(digit) for digit in digits])
        for label, digit in zip(middle.get_xticklabels(), digits):
            if digit not in (a, b):
                label.set_color(OKABE_ITO["vermillion"])
        for ax in (start, end):
            for spine in ax.spines.values():
                spine.set(visible=True, color=MARKER, lw=1.0)
    top = axes[0][1]
    top.secondary_xaxis("top").set_ticks(centres(n), [f"{v:.2g}" for v in t.tolist()])
    top.set_title(r"$t$, from $\mu(x_a)$ at $t=0$ to $\mu(x_b)$ at $t=1$ on a straight line")
    axes[0][0].set_title("start $x_a$")
    axes[0][2].set_title("end $x_b$")
    axes[-1][1].set_xlabel("under each frame: the digit the classifier reads (coloured: neither "
                           "end's digit)")
    return save(fig, path)


@torch.inference_mode()
def kl_per_dimension(model: VAE, images: torch.Tensor) -> np.ndarray:
    """Mean over the images of KL(q(z_j|x) || N(0, 1)) for each dimension j: for a diagonal
    posterior these sum to its KL, for a full covariance they are its marginals' KLs."""
    return torch.cat([kl_divergence(Normal(q.mean, q.variance.sqrt()), Normal(0.0, 1.0))
                      for q in map(model.encode, batches(images, 1000))]).double().mean(0).numpy()


@styled
@torch.inference_mode()
def plot_units(model: VAE, test: Split, name: str, path: Path) -> list[Path]:
    """The mean KL of each latent dimension over the test images, largest first, with the
    coordinates whose posterior mean varies across the data marked: where the KL is spent. For
    a full-covariance posterior, the KL of each dimension's marginal; its active units, counted
    on the eigenvalues of Cov(mu) as in the tables (evaluate.active_units), may then differ from
    the coordinates marked."""
    per_dim = kl_per_dimension(model, test.images)
    order = np.argsort(-per_dim, kind="stable")
    active = varies(encode_means(model, test.images).double().var(0)).numpy()[order]
    # the model's name heads its panel: the figure sets two models side by side
    title = f"{name}: KL per dimension\nblue: {int(active.sum())} of {len(order)} active"
    if model.full_covariance:
        title = (f"{name}: KL per marginal\nblue: {int(active.sum())} of {len(order)} "
                 f"coordinates vary; {active_units(model, test.images)} active units by the "
                 f"eigenvalues")
    fig, ax = figure(PANEL[1] * 0.62, width=PANEL[0])
    colours = [OKABE_ITO["blue"] if a else OKABE_ITO["vermillion"] for a in active]
    ax.bar(np.arange(len(order)), per_dim[order], width=0.8, color=colours)
    # a unit left at the prior has a bar too low to see: its number, below, is coloured instead
    ax.set_xticks(np.arange(len(order)), [str(j + 1) for j in order], fontsize=MIN_TEXT_PT)
    for label, colour in zip(ax.get_xticklabels(), colours):
        label.set_color(colour)
    ax.set_xlabel("latent dimension $j$, by KL")
    ax.set_ylabel("nats per image")
    ax.set_title(title)
    return save(fig, path)
