"""The project's loss code against the closed forms: float64, seeded inputs, tolerance 1e-6."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp
import torch
from torch.distributions import Independent, MultivariateNormal, Normal, kl_divergence
from vae.core.losses import kl_to_prior, reconstruction_nll
from vae.core.model import gaussian_posterior

from . import decoder, gaussian_kl
from .core import NUMERIC_FLOAT64, Findings, check

TOL = 1e-6
SEED = 0


def _generator() -> torch.Generator:
    return torch.Generator().manual_seed(SEED)


def _posterior_inputs(batch: int, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Means of either sign and variances from about 0.01 to 100, so no regime goes untested."""
    gen = _generator()
    mu = 2 * torch.randn(batch, dim, generator=gen, dtype=torch.float64)
    sigma2 = torch.exp(1.5 * torch.randn(batch, dim, generator=gen, dtype=torch.float64))
    return mu, sigma2


def _full_kl_function(dim: int) -> Callable[..., np.ndarray]:
    """The SymPy full-covariance closed form with L's diagonal sqrt(sigma2), lambdified."""
    ms = sp.symbols(f"m1:{dim + 1}", real=True)
    sigma2s = sp.symbols(f"s1:{dim + 1}", positive=True)
    rows, cols = np.tril_indices(dim, -1)  # row-major, the order the code documents
    offdiag = sp.symbols(f"o1:{len(rows) + 1}", real=True)
    L = sp.diag(*[sp.sqrt(s) for s in sigma2s])
    for o, r, c in zip(offdiag, rows, cols):
        L[r, c] = o
    kl = gaussian_kl.full_kl(sp.Matrix(ms), L * L.T)
    kl = kl.subs(sp.log((L * L.T).det()), sp.log(sp.factor((L * L.T).det())))
    return sp.lambdify([ms, sigma2s, offdiag], kl, "numpy")


def _lower_triangular(sigma2: torch.Tensor, offdiag: torch.Tensor) -> torch.Tensor:
    """L with diagonal sqrt(sigma2) and strict lower triangle `offdiag`, built independently."""
    dim = sigma2.shape[-1]
    rows, cols = np.tril_indices(dim, -1)
    L = torch.diag_embed(sigma2.sqrt())
    L[:, rows, cols] = offdiag
    return L


@check(id="ex6-code-kl-diagonal", exercise=6, title="Code: diagonal KL equals the closed form",
       method=NUMERIC_FLOAT64,
       scope="64 seeded posteriors in 3 dimensions",
       calls=("kl_to_prior", "gaussian_posterior"))
def check_kl_code(kl_fn: Callable = kl_to_prior,
                  posterior_fn: Callable = gaussian_posterior) -> Findings:
    found = Findings()
    mu, sigma2 = _posterior_inputs(64, 3)
    actual = kl_fn(posterior_fn(mu, sigma2))
    scalar_kl = sp.lambdify([gaussian_kl.mu, gaussian_kl.sigma2], gaussian_kl.SCALAR_KL, "numpy")
    expected = torch.from_numpy(scalar_kl(mu.numpy(), sigma2.numpy()).sum(-1))
    found.close("equals the lambdified SymPy closed form", actual, expected, TOL)
    q = Independent(Normal(mu, sigma2.sqrt()), 1)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    found.close("equals torch.distributions.kl_divergence", actual, kl_divergence(q, prior), TOL)
    return found


@check(id="ex6-code-kl-full", exercise=6,
       title="Code: full-covariance KL equals the closed form",
       method=NUMERIC_FLOAT64,
       scope="32 seeded posteriors in 3 dimensions",
       calls=("kl_to_prior", "gaussian_posterior"))
def check_kl_full_code(kl_fn: Callable = kl_to_prior,
                       posterior_fn: Callable = gaussian_posterior, dim: int = 3) -> Findings:
    found = Findings()
    mu, sigma2 = _posterior_inputs(32, dim)
    offdiag = 0.7 * torch.randn(32, dim * (dim - 1) // 2, generator=_generator(),
                                dtype=torch.float64)
    q = posterior_fn(mu, sigma2, offdiag)
    L = _lower_triangular(sigma2, offdiag)
    found.close("q's covariance is L L^T (L filled row by row)", q.covariance_matrix,
                L @ L.transpose(-1, -2), TOL)
    actual = kl_fn(q)
    expected = _full_kl_function(dim)(mu.numpy().T, sigma2.numpy().T, offdiag.numpy().T)
    found.close("equals the lambdified SymPy closed form", actual, torch.from_numpy(expected), TOL)
    prior = MultivariateNormal(torch.zeros_like(mu), scale_tril=torch.eye(dim, dtype=mu.dtype))
    found.close("equals torch.distributions.kl_divergence", actual,
                kl_divergence(MultivariateNormal(mu, scale_tril=L), prior), TOL)
    return found


@check(id="ex5-code-bce", exercise=5, title="Code: reconstruction loss equals the Bernoulli NLL",
       method=NUMERIC_FLOAT64,
       scope="16 seeded images",
       calls=("reconstruction_nll",))
def check_reconstruction_code(nll_fn: Callable = reconstruction_nll) -> Findings:
    found = Findings()
    gen = _generator()
    logits = 3 * torch.randn(16, 784, generator=gen, dtype=torch.float64)
    greyscale = torch.rand(8, 784, generator=gen, dtype=torch.float64)
    x = torch.cat([greyscale, torch.bernoulli(greyscale, generator=gen)])  # both kinds of image
    x_sym, logit_sym = sp.symbols("x l", real=True)
    nll = sp.lambdify([x_sym, logit_sym], decoder.bernoulli_nll(x_sym, logit_sym), "numpy")
    expected = torch.from_numpy(nll(x.numpy(), logits.numpy()).sum(-1))
    actual = nll_fn(logits, x.reshape(16, 1, 28, 28))  # images, as the model passes them
    found.close("equals the lambdified SymPy NLL, summed over pixels", actual, expected, TOL)
    return found


@check(id="ex7-code-rsample", exercise=7, title="Code: rsample has the pathwise derivatives",
       method="float64 autograd",
       scope="16 seeded posteriors in 3 dimensions",
       calls=("gaussian_posterior",))
def check_rsample_code(posterior_fn: Callable = gaussian_posterior) -> Findings:
    found = Findings()
    mu, sigma2 = (t.requires_grad_() for t in _posterior_inputs(16, 3))
    with torch.random.fork_rng():  # leave the caller's random stream as it was
        torch.manual_seed(SEED)
        z = posterior_fn(mu, sigma2).rsample()
    found.holds("the sample is attached to the graph", z.requires_grad)
    z.sum().backward()  # each z_j depends only on its own mu_j and sigma2_j
    eps = ((z - mu) / sigma2.sqrt()).detach()  # the noise rsample must have used
    found.close("dz/dmu = 1", mu.grad, torch.ones_like(mu), TOL)
    sigma = sigma2.detach().sqrt()
    found.close("dz/dsigma2 = eps / (2 sigma)", sigma2.grad, eps / (2 * sigma), TOL)
    return found
