"""marginal.py and baselines.py: log p(x) by quadrature, and the data's own floor and baseline
of the -ELBO."""

from __future__ import annotations

import math

import pytest
import torch
from conftest import TINY_BASE, fixed_batch, synthetic_digits, tiny_model
from scipy.stats import norm
from vae.core.losses import log_importance_weights, reconstruction_nll, training_objective
from vae.core.train import make_optimizer
from vae.instrument.baselines import baselines, binary_entropy
from vae.core.model import VAE
from vae.instrument.marginal import GRID, grid_points, log_outside, marginal

pytestmark = pytest.mark.usefixtures("one_thread")


def digits(n: int) -> torch.Tensor:
    return torch.from_numpy(synthetic_digits(n, 5)[0])


class Constant(torch.nn.Module):
    """A decoder that ignores z: the same logits for every code."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(len(z), -1)


def test_a_decoder_that_ignores_z_has_its_likelihood_as_marginal():
    """p(x) = integral p(x|z) p(z) dz = p(x|z) when p(x|z) does not depend on z: the grid's
    weights must integrate the prior to one."""
    torch.manual_seed(0)
    model = tiny_model(latent_dim=1, precision="fp32")
    model.decoder = Constant(torch.randn(784))
    images = digits(6)
    found = marginal(model, images)
    x = images.reshape(6, -1).double() / 255
    exact = reconstruction_nll(model.decoder.logits.double().expand(6, -1), x)
    assert found.nll == pytest.approx(exact.mean().item(), abs=1e-6)
    assert found.discretisation < 1e-6 and found.truncation < 1e-100


def trained(dims: int) -> VAE:
    """A tiny model after a little training, so that q(z|x) is informative and the gap shows;
    its codes lie around (-3, 4.5) with standard deviations near 2 (in two dimensions)."""
    torch.manual_seed(1)
    model = tiny_model(latent_dim=dims, precision="fp32")
    optimizer = make_optimizer(TINY_BASE, model)
    x = fixed_batch(32, seed=5)
    for _ in range(40):
        optimizer.zero_grad()
        training_objective(model, x).objective.backward()
        optimizer.step()
    return model.eval()


@pytest.mark.parametrize("dims", [1, 2])
def test_the_bounds_lie_above_the_quadrature_and_the_iwae_bound_closes_in(dims, monkeypatch):
    """For any model, -ELBO >= IWAE(k) >= -log p(x) (on average over the draws), and the IWAE
    bound approaches -log p(x) as k grows: what the quadrature computes is what they bound."""
    monkeypatch.setitem(GRID, 2, (12.0, 481))  # this model's codes reach beyond the usual box
    model, x = trained(dims), fixed_batch(32, seed=5)
    found = marginal(model, digits(32))
    assert found.edge < 1e-3
    exact = found.nll
    with torch.no_grad():
        log_w = log_importance_weights(model, x, 4000).double()  # (k, B)
    negative_elbo = -log_w.mean().item()  # the -ELBO, to within its Monte Carlo error
    iwae = -(torch.logsumexp(log_w, 0) - math.log(len(log_w))).mean().item()
    assert negative_elbo - iwae > 0.5  # the model's posterior gap is real
    assert iwae >= exact - 0.05  # a bound: above the value, up to its Monte Carlo error
    assert iwae - exact < 0.2 * (negative_elbo - exact)  # and k = 4000 closes most of the gap


def test_a_box_too_small_for_the_codes_shows_in_its_edge(monkeypatch):
    monkeypatch.setitem(GRID, 2, (7.0, 281))
    model = trained(2)
    small = marginal(model, digits(32))
    monkeypatch.setitem(GRID, 2, (12.0, 481))
    wide = marginal(model, digits(32))
    assert small.edge > 0.1 and wide.edge < 1e-3
    assert small.nll > wide.nll + 0.1  # the mass left outside makes p(x) too small


def test_the_grid_weights_integrate_the_prior_and_the_tail_bound_is_the_normal_tail():
    z, log_w = grid_points(6.0, 601, 1)
    assert log_w.exp().sum().item() == pytest.approx(1 - 2 * norm.cdf(-6.0), abs=1e-9)
    z2, log_w2 = grid_points(6.0, 301, 2)
    assert z2.shape == (301 * 301, 2)
    assert log_w2.exp().sum().item() == pytest.approx((1 - 2 * norm.cdf(-6.0)) ** 2, abs=1e-6)
    assert log_outside(3.0, 1) == pytest.approx(math.log(2 * norm.cdf(-3.0)))
    assert log_outside(3.0, 2) == pytest.approx(math.log(4 * norm.cdf(-3.0)))  # union bound


def test_no_decoder_scores_below_the_entropy_floor():
    x = torch.rand(5, 784, dtype=torch.float64)
    floor = binary_entropy(x)
    for logits in (torch.randn(5, 784, dtype=torch.float64), torch.logit(x)):
        assert (reconstruction_nll(logits, x) >= floor - 1e-9).all()
    # at p = x the floor is reached
    assert reconstruction_nll(torch.logit(x), x) == pytest.approx(floor)
    assert binary_entropy(torch.tensor([[0.0, 1.0, 0.5]])).item() == pytest.approx(math.log(2))


def test_the_independent_pixel_baseline_uses_the_training_means():
    train = torch.zeros(3, 28, 28, dtype=torch.uint8)
    train[0] = 255  # each pixel's mean over 3 images: (255/255 + 0.5) / 4 = 0.375
    test = torch.zeros(2, 28, 28, dtype=torch.uint8)
    test[1] = 255
    found = baselines(train, test)
    per_pixel = [-math.log(1 - 0.375), -math.log(0.375)]  # an all-black and an all-white image
    assert found.independent == pytest.approx(784 * sum(per_pixel) / 2)
    assert found.floor == 0.0 and found.images == 2  # black and white pixels have no entropy
