"""The marginal the ELBO and the IWAE value bound, log p(x) = log integral p(x|z) p(z) dz, by the
trapezoid rule on a grid, for codes of one or two dimensions. The decoder is evaluated once per
grid point, not once per image: log p(x|z) = sum_i [x_i l_i - softplus(l_i)] is linear in x, so
every image's integrand over the grid is one matrix product.

Its errors, in nats per image:
- truncation: outside the box [-H, H]^d the integrand is at most max_z p(x|z) P(z outside), and
  for Bernoulli pixels p(x|z) <= exp(-sum_i h(x_i)), h the binary entropy (baselines.py), so the
  part of the integral the box leaves out is bounded without evaluating the decoder there. In
  one dimension the box reaches far enough for the bound to vanish; in two, the grid such a box
  would need is too costly, and the share of the sum in the box's outer band (edge) shows
  whether the integrand is still there at the border (an estimate, not a bound);
- discretisation: the trapezoid sum at step h against the sum at 2h, every other point: for a
  smooth integrand the error of the finer sum is about a third of their difference (an estimate,
  not a bound).
"""

from __future__ import annotations

import math

import torch
from scipy.special import log_ndtr

from ..core.data import batches
from ..core.model import VAE
from .baselines import binary_entropy
from .measurements import Marginal

# Half-widths and points per axis of the grid (steps of 0.001 and 0.025): in one dimension the
# box reaches so far that the truncation bound vanishes; in two the decoder's cost limits it.
GRID = {1: (40.0, 80001), 2: (9.0, 721)}
EDGE = 0.8  # the outer band: points beyond this fraction of the half-width on some axis


def log_outside(half_width: float, dims: int) -> float:
    """log P(z outside [-H, H]^d) for z ~ N(0, I), by the union bound over the d axes."""
    return math.log(dims) + math.log(2) + float(log_ndtr(-half_width))


def grid_points(half_width: float, points: int, dims: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The grid (points^d, d) and each point's log trapezoid weight times the prior density."""
    axis = torch.linspace(-half_width, half_width, points, dtype=torch.float64)
    step = axis[1] - axis[0]
    weight = torch.full((points,), step.item(), dtype=torch.float64)
    weight[0] = weight[-1] = step / 2
    log_axis = weight.log() - axis ** 2 / 2 - math.log(2 * math.pi) / 2
    if dims == 1:
        return axis[:, None], log_axis
    z = torch.cartesian_prod(axis, axis)
    return z, (log_axis[:, None] + log_axis[None, :]).reshape(-1)


@torch.inference_mode()
def log_marginal(model: VAE, x: torch.Tensor, half_width: float, points: int,
                 chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """log of the trapezoid sums at step h, at 2h (every other point per axis) and over the
    outer band alone, per image; x holds the images as float64 rows (N, 784)."""
    model.eval()
    dims = model.latent_dim
    z, log_w = grid_points(half_width, points, dims)
    on_axis = torch.arange(points) % 2 == 0
    coarse = on_axis if dims == 1 else (on_axis[:, None] & on_axis[None, :]).reshape(-1)
    log_w2 = torch.full_like(log_w, -math.inf)
    log_w2[coarse] = grid_points(half_width, (points + 1) // 2, dims)[1]
    log_band = torch.where(z.abs().amax(1) > EDGE * half_width, log_w, -math.inf)
    fine = rough = band = torch.full((len(x),), -math.inf, dtype=torch.float64)
    for start in range(0, len(z), chunk):
        part = slice(start, start + chunk)
        logits = model.decode(z[part].float()).double()  # (G, 784)
        log_px_z = x @ logits.T - torch.nn.functional.softplus(logits).sum(-1)  # (N, G)
        fine = torch.logaddexp(fine, torch.logsumexp(log_px_z + log_w[part], 1))
        rough = torch.logaddexp(rough, torch.logsumexp(log_px_z + log_w2[part], 1))
        band = torch.logaddexp(band, torch.logsumexp(log_px_z + log_band[part], 1))
    return fine, rough, band


def marginal(model: VAE, images: torch.Tensor) -> Marginal:
    """-log p(x) on the images by quadrature, with its truncation bound and discretisation
    estimate (module docstring); for a code of one or two dimensions."""
    half_width, points = GRID[model.latent_dim]
    x = torch.cat(list(batches(images, 1000))).reshape(len(images), -1).double()
    fine, rough, band = log_marginal(model, x, half_width, points)
    # the box leaves out at most exp(-H(x)) P(outside): at most log(1 + that / sum) nats
    left_out = -binary_entropy(x) + log_outside(half_width, model.latent_dim) - fine
    return Marginal(images=len(images), half_width=half_width, points=points,
                    nll=-fine.mean().item(), discretisation=(fine - rough).abs().max().item() / 3,
                    truncation=torch.log1p(left_out.exp()).max().item(),
                    edge=torch.log1p((band - fine).exp()).max().item())
