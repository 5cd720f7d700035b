"""losses.py: the negative ELBO's two terms, their gradients and the IWAE bound."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from conftest import TINY_BASE as BASE
from conftest import fixed_batch, tiny_model as model_of
from vae.core import losses
from vae.core.losses import iwae_bound, kl_to_prior, reconstruction_nll, training_objective
from vae.core.model import gaussian_posterior
from vae.core.train import make_optimizer

pytestmark = pytest.mark.usefixtures("one_thread")


# --- the loss and its gradients ------------------------------------------------------------


def seeded_loss(model, x) -> float:
    with torch.random.fork_rng(), torch.no_grad():
        torch.manual_seed(1)
        return training_objective(model, x).objective.item()


def test_loss_goes_down_on_a_fixed_batch():
    model, x = model_of(), fixed_batch()
    optimizer = make_optimizer(BASE, model)
    before = seeded_loss(model, x)
    for _ in range(40):
        loss = training_objective(model, x).objective
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = seeded_loss(model, x)
    assert after < 0.9 * before, (before, after)


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_gradient_reaches_the_encoder_through_rsample(architecture):
    """The reconstruction term alone depends on the encoder only through z = mu + sigma eps."""
    model, x = model_of(architecture=architecture), fixed_batch(8)
    logits, q = model(x)
    reconstruction_nll(logits, x).mean().backward()
    first = next(m for m in model.encoder if isinstance(m, (nn.Linear, nn.Conv2d)))
    assert first.weight.grad is not None
    assert torch.isfinite(first.weight.grad).all()
    assert first.weight.grad.abs().sum() > 0


def test_kl_of_a_diagonal_posterior_is_the_closed_form():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(50, 3, generator=g, dtype=torch.float64) * 2
    sigma2 = torch.rand(50, 3, generator=g, dtype=torch.float64) * 3 + 1e-3
    kl = kl_to_prior(gaussian_posterior(mu, sigma2))
    closed = 0.5 * (mu ** 2 + sigma2 - sigma2.log() - 1).sum(-1)
    assert kl.shape == (50,)
    torch.testing.assert_close(kl, closed, rtol=1e-12, atol=1e-12)


def test_kl_of_the_model_posterior_is_the_closed_form():
    model, x = model_of(), fixed_batch(16)
    with torch.no_grad():
        q = model.encode(x)
        mu, sigma2 = q.mean, q.variance
        closed = 0.5 * (mu ** 2 + sigma2 - sigma2.log() - 1).sum(-1)
        torch.testing.assert_close(kl_to_prior(q), closed, rtol=1e-5, atol=1e-5)
        assert torch.all(sigma2 >= BASE.eta)


def test_kl_of_a_full_covariance_posterior_is_the_closed_form():
    g = torch.Generator().manual_seed(1)
    d = 3
    mu = torch.randn(20, d, generator=g, dtype=torch.float64)
    sigma2 = torch.rand(20, d, generator=g, dtype=torch.float64) + 0.1
    offdiag = torch.randn(20, d * (d - 1) // 2, generator=g, dtype=torch.float64)
    q = gaussian_posterior(mu, sigma2, offdiag)
    cov = q.covariance_matrix
    # diag(L) = sqrt(sigma2), the strict lower triangle of L is offdiag, row by row
    L = q.scale_tril
    torch.testing.assert_close(torch.diagonal(L, dim1=-2, dim2=-1), sigma2.sqrt())
    rows, cols = torch.tril_indices(d, d, offset=-1)
    torch.testing.assert_close(L[:, rows, cols], offdiag)
    closed = 0.5 * (torch.diagonal(cov, dim1=-2, dim2=-1).sum(-1) + (mu ** 2).sum(-1) - d
                    - torch.logdet(cov))
    torch.testing.assert_close(kl_to_prior(q), closed, rtol=1e-10, atol=1e-10)


# --- the importance-weighted bound ---------------------------------------------------------


@pytest.fixture(scope="module")
def trained_model():
    """A model trained a few dozen steps, so that q(z|x) differs from the prior."""
    model, x = model_of(), fixed_batch(32)
    optimizer = make_optimizer(BASE, model)
    torch.manual_seed(0)
    for _ in range(40):
        loss = training_objective(model, x).objective
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), x[:16]


def _per_image_mean_and_se(samples: torch.Tensor) -> tuple[float, float]:
    """samples: (repetitions, images). The mean over both, and its standard error from the
    variation within each image only (the images are the same in what is compared)."""
    r, b = samples.shape
    return samples.mean().item(), math.sqrt(samples.double().var(0).sum().item() / r) / b


def _elbo_samples(model, x, repetitions):
    out = []
    with torch.no_grad():
        for _ in range(repetitions):
            logits, q = model(x)
            out.append(-(reconstruction_nll(logits, x) + kl_to_prior(q)))
    return torch.stack(out)


def _iwae_samples(model, x, k, repetitions):
    with torch.no_grad():
        return torch.stack([iwae_bound(model, x, k) for _ in range(repetitions)])


def test_iwae_with_one_sample_is_the_elbo_in_expectation(trained_model):
    model, x = trained_model
    torch.manual_seed(11)
    elbo, se_elbo = _per_image_mean_and_se(_elbo_samples(model, x, 400))
    one, se_one = _per_image_mean_and_se(_iwae_samples(model, x, 1, 400))
    tolerance = 5 * math.hypot(se_elbo, se_one) + 1e-3
    assert abs(one - elbo) < tolerance, (one, elbo, tolerance)


def test_iwae_grows_with_k_and_stays_above_the_elbo(trained_model):
    model, x = trained_model
    torch.manual_seed(12)
    elbo, se_elbo = _per_image_mean_and_se(_elbo_samples(model, x, 400))
    bounds = {k: _per_image_mean_and_se(_iwae_samples(model, x, k, r))
              for k, r in ((1, 400), (10, 100), (200, 10))}
    for k in (10, 200):
        mean, se = bounds[k]
        assert mean > elbo - 5 * math.hypot(se, se_elbo), (k, mean, elbo)
    (m10, s10), (m200, s200) = bounds[10], bounds[200]
    assert m200 > m10 - 5 * math.hypot(s10, s200), bounds
    # and the bound is strictly tighter, not merely equal, for this non-trivial posterior
    assert m200 > elbo + 5 * math.hypot(s200, se_elbo), (m200, elbo)


def test_iwae_is_the_log_mean_of_the_weights_across_chunks(monkeypatch):
    """With known log-weights the bound is log((1/k) sum_s w_s) exactly, however the k samples
    are chunked (a missing or per-chunk log k would pass the inequalities above)."""
    x = fixed_batch(3)
    drawn = []

    def known_weights(model, x, k):
        start = sum(drawn)
        drawn.append(k)
        s = torch.arange(start, start + k, dtype=torch.float32)[:, None]
        return (-0.01 * s).expand(k, len(x))

    monkeypatch.setattr(losses, "log_importance_weights", known_weights)
    bound = iwae_bound(None, x, 250, chunk=100)
    assert drawn == [100, 100, 50]
    expected = torch.logsumexp(-0.01 * torch.arange(250.0, dtype=torch.float64), 0) - math.log(250)
    torch.testing.assert_close(bound, torch.full((3,), expected.item()), rtol=0, atol=1e-5)
