"""The codes that figures draw and readings.py reads: draws from the prior, the decoded
manifold over prior quantiles and interpolation paths between test digits."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core.data import Split, to_float
from ..core.model import VAE

MANIFOLD_STEPS = {1: 16, 2: 15}  # decoded images per latent axis (15: each digit legible)
INTERPOLATION_STEPS = 10
INTERPOLATION_PAIRS = ((0, 6), (1, 7), (3, 8), (4, 9), (2, 5))  # digit classes of the endpoints
# The bonus counts smooth paths between pairs of test images drawn at random, of different
# digits, the same pairs for every model: enough of them for an interval on the share.
RANDOM_PAIRS = 50
PAIRS_SEED = 2027


def first_of_each_class(labels: torch.Tensor) -> dict[int, int]:
    """{digit: index of its first image}: fixed examples, the same for every run."""
    first: dict[int, int] = {}
    for i, y in enumerate(labels.tolist()):
        first.setdefault(y, i)
    return dict(sorted(first.items()))


def prior_draws(latent_dim: int, count: int, seed: int) -> torch.Tensor:
    """count codes z ~ N(0, I) from a generator seeded by seed: a figure's samples are the first
    of those the classifier reads for the same seed."""
    return torch.randn(count, latent_dim, generator=torch.Generator().manual_seed(seed))


def prior_quantiles(n: int) -> torch.Tensor:
    """Phi^-1 of the quantiles (i + 1/2) / n: n points with equal prior mass between them."""
    return torch.special.ndtri((torch.arange(n, dtype=torch.float64) + 0.5) / n).float()


def manifold_grid(latent_dim: int) -> torch.Tensor:
    """The codes the manifold figure decodes, in reading order: a row of prior quantiles for a
    1-D code; for 2-D a square with z1 growing rightwards and z2 upwards. Shape (n^d, d)."""
    if latent_dim not in MANIFOLD_STEPS:
        raise ValueError(f"the manifold needs a latent of dimension 1 or 2, not {latent_dim}")
    z = prior_quantiles(MANIFOLD_STEPS[latent_dim])
    if latent_dim == 1:
        return z[:, None]
    n = len(z)
    return torch.stack([z.repeat(n), z.flip(0).repeat_interleave(n)], dim=1)


def interpolate(za: torch.Tensor, zb: torch.Tensor, t: torch.Tensor,
                spherical: bool = False) -> torch.Tensor:
    """Points from za to zb at fractions t: on the straight line, or on the great circle
    (slerp, White 2016), which keeps the norm of the ends where a straight line between two
    typical draws of a high-dimensional N(0, I) passes near its improbable centre; in one
    dimension both are the line. za, zb: (P, d), t: (T,) -> (P, T, d)."""
    t = t[None, :, None]
    za, zb = za[:, None, :], zb[:, None, :]
    if not spherical:
        return (1 - t) * za + t * zb
    cos = torch.nn.functional.cosine_similarity(za, zb, dim=-1).clamp(-1, 1)[..., None]
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    safe = sin.abs() > 1e-6  # nearly parallel endpoints: slerp becomes linear
    wa = torch.where(safe, torch.sin((1 - t) * omega) / sin.clamp(min=1e-6), 1 - t)
    wb = torch.where(safe, torch.sin(t * omega) / sin.clamp(min=1e-6), t)
    return wa * za + wb * zb


def random_pairs(labels: torch.Tensor, count: int = RANDOM_PAIRS,
                 seed: int = PAIRS_SEED) -> list[tuple[int, int]]:
    """count pairs of test-image indices whose digits differ, drawn uniformly by seed."""
    if len(labels.unique()) < 2:
        return []
    generator, found = torch.Generator().manual_seed(seed), []
    while len(found) < count:
        a, b = torch.randint(len(labels), (2,), generator=generator).tolist()
        if labels[a] != labels[b]:
            found.append((a, b))
    return found


@dataclass(frozen=True)
class Interpolations:
    pairs: list[tuple[int, int]]  # digit classes of each path's ends
    start: torch.Tensor  # the test images x_a, (P, 1, 28, 28)
    end: torch.Tensor  # x_b
    t: torch.Tensor  # (T,)
    decoded: torch.Tensor  # decoder means along each path, (P, T, 1, 28, 28)


@torch.inference_mode()
def interpolations(model: VAE, test: Split, spherical: bool = False,
                   indices: list[tuple[int, int]] | None = None) -> Interpolations:
    """The decoded paths between the posterior means of pairs of test images (indices; by
    default the figure's: the first image of each class in INTERPOLATION_PAIRS), at
    INTERPOLATION_STEPS evenly spaced t from 0 to 1, straight or spherical."""
    if indices is None:
        first = first_of_each_class(test.labels)
        indices = [(first[a], first[b]) for a, b in INTERPOLATION_PAIRS
                   if a in first and b in first]
    pairs = [(int(test.labels[a]), int(test.labels[b])) for a, b in indices]
    xa = to_float(test.images[[a for a, _ in indices]])
    xb = to_float(test.images[[b for _, b in indices]])
    t = torch.linspace(0, 1, INTERPOLATION_STEPS)
    path_z = interpolate(model.encode(xa).mean, model.encode(xb).mean, t, spherical)
    decoded = model.generate(path_z.reshape(-1, model.latent_dim))
    return Interpolations(pairs, xa, xb, t, decoded.reshape(len(pairs), len(t), 1, 28, 28))
