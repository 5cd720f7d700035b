"""The training code itself against the derivations: `training_objective`, `iwae_bound`,
`VAE.encode` and `VAE.forward`, called exactly as training calls them, on a tiny float64 model
with fixed weights. Every reference value is computed independently, from the lambdified
SymPy closed forms of exercises 5 and 6 and the samples z that the model decoded.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import sympy as sp
import torch
from vae.core.config import Config
from vae.core.losses import iwae_bound, training_objective
from vae.core.model import VAE

from . import decoder, gaussian_kl
from .core import NUMERIC_FLOAT64, Findings, check

TOL = 1e-6
SEED = 0
LATENT = 2
ETA = 1e-9

_x, _l = sp.symbols("x l", real=True)
BERNOULLI_NLL = sp.lambdify([_x, _l], decoder.bernoulli_nll(_x, _l), "numpy")
SCALAR_KL = sp.lambdify([gaussian_kl.mu, gaussian_kl.sigma2], gaussian_kl.SCALAR_KL, "numpy")
_z, _m, _v = sp.symbols("z m v", real=True)
LOG_NORMAL = sp.lambdify([_z, _m, _v], -sp.log(2 * sp.pi * _v) / 2 - (_z - _m) ** 2 / (2 * _v),
                         "numpy")


def tiny_model() -> VAE:
    """The package's MLP VAE, small, in float64, with weights fixed by SEED."""
    with torch.random.fork_rng():
        torch.manual_seed(SEED)
        # fp32 whatever the machine: "auto" would pick bf16 autocast on a CPU with bf16
        # arithmetic, which rounds the float64 layers this check compares at 1e-6
        return VAE(Config(hidden=16, latent_dim=LATENT, eta=ETA, precision="fp32")).double()


def constant_posterior_model(mean: float, variance: float) -> VAE:
    """A model whose decoder ignores z and whose encoder outputs N(mean, variance I) for every
    image: its posterior p(z|x) is the prior, whatever q."""
    model = tiny_model()
    with torch.no_grad():
        model.decoder[0].weight.zero_()
        last = model.encoder[-1]
        last.weight.zero_()
        last.bias[:LATENT] = mean
        last.bias[LATENT:2 * LATENT] = math.log(math.expm1(variance - ETA))  # softplus^-1
    return model


def images(n: int, binary: bool = False) -> torch.Tensor:
    gen = torch.Generator().manual_seed(SEED + 1)
    x = torch.rand(n, 1, 28, 28, generator=gen, dtype=torch.float64)
    return torch.bernoulli(x, generator=gen) if binary else x


def recording(model: VAE) -> list[torch.Tensor]:
    """Every z the model decodes from now on, in order."""
    seen: list[torch.Tensor] = []
    decode = model.decode

    def recorded(z: torch.Tensor) -> torch.Tensor:
        seen.append(z.detach())
        return decode(z)
    model.decode = recorded  # an instance attribute: forward's self.decode finds it
    return seen


def _seeded(fn: Callable, *args, **kwargs):
    with torch.random.fork_rng():
        torch.manual_seed(SEED + 2)
        return fn(*args, **kwargs)


def _posterior(model: VAE, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """mu and sigma2 of q(z|x) read from the encoder network's own output (softplus + eta)."""
    with torch.no_grad():
        head = model.encoder(x).numpy()
    return head[:, :LATENT], np.logaddexp(0.0, head[:, LATENT:2 * LATENT]) + ETA


def _bernoulli_nll(model: VAE, z: torch.Tensor, x: torch.Tensor) -> np.ndarray:
    """-log p(x|z) summed over pixels, from the SymPy binary cross-entropy."""
    with torch.no_grad():
        logits = model.decode(z).numpy()
    return BERNOULLI_NLL(x.reshape(len(x), -1).numpy(), logits).sum(-1)


@check(id="ex2-code-negative-elbo", exercise=2,
       title="Code: the training loss is reconstruction plus weighted KL",
       method=NUMERIC_FLOAT64,
       scope="a tiny model, 5 images",
       calls=("training_objective",))
def check_training_objective_code(loss_fn: Callable = training_objective) -> Findings:
    found = Findings()
    model, x = tiny_model(), images(5)
    mu, sigma2 = _posterior(model, x)
    kl = SCALAR_KL(mu, sigma2).sum(-1).mean()
    for weight in (1.0, 0.5):
        model = tiny_model()
        seen = recording(model)
        with torch.no_grad():
            terms = _seeded(loss_fn, model, x, weight)
        (z,) = seen
        recon = _bernoulli_nll(tiny_model(), z, x).mean()
        found.close(f"weight {weight}: recon term = mean over images of the Bernoulli NLL of "
                    f"the decoded sample", terms.recon, torch.tensor(recon), TOL)
        found.close(f"weight {weight}: KL term = mean over images of the closed form",
                    terms.kl, torch.tensor(kl), TOL)
        found.close(f"weight {weight}: objective = recon + weight * KL", terms.objective,
                    torch.tensor(recon + weight * kl), TOL)
    return found


@check(id="ex1-code-iwae", exercise=1,
       title="Code: the IWAE bound is the log mean importance weight",
       method=NUMERIC_FLOAT64,
       scope="a tiny model, 3 images",
       calls=("iwae_bound",))
def check_iwae_code(bound_fn: Callable = iwae_bound) -> Findings:
    found = Findings()
    x = images(3, binary=True)
    mu, sigma2 = _posterior(tiny_model(), x)
    for k in (1, 7):  # chunks of 3: the samples of one bound come in several calls
        model = tiny_model()
        seen = recording(model)
        with torch.no_grad():
            bound = _seeded(bound_fn, model, x, k, chunk=3)
        z = torch.cat(seen)  # (k, images, latent)
        log_w = (-_bernoulli_nll(tiny_model(), z, x)
                 + LOG_NORMAL(z.numpy(), 0.0, 1.0).sum(-1)
                 - LOG_NORMAL(z.numpy(), mu, sigma2).sum(-1))
        expected = torch.logsumexp(torch.from_numpy(log_w), 0) - math.log(k)
        found.close(f"k = {k}: log (1/k) sum_s p(x|z_s) p(z_s) / q(z_s|x)"
                    + (", the one-sample ELBO estimate" if k == 1 else ""), bound, expected, TOL)
    # a decoder that ignores z makes the posterior the prior N(0, I); with an encoder that
    # outputs N(0, I) every weight is p(x), and the bound is log p(x) for every k
    exact = constant_posterior_model(0.0, 1.0)
    log_px = -_bernoulli_nll(exact, torch.zeros(len(x), LATENT, dtype=torch.float64), x)
    for k in (1, 5):
        with torch.no_grad():
            bound = _seeded(bound_fn, exact, x, k)
        found.close(f"exact posterior, k = {k}: the bound equals log p(x)", bound,
                    torch.from_numpy(log_px), TOL)
    # with a poorer proposal N(1, 0.5 I) the bound rises with k in expectation (Burda et al.,
    # Theorem 1); 2,000 draws per k make the rise larger than the noise
    poor, many = constant_posterior_model(1.0, 0.5), x[:1].expand(2000, -1, -1, -1)
    with torch.no_grad():
        means = [float(_seeded(bound_fn, poor, many, k).mean()) for k in (1, 4, 16)]
    found.holds("the mean bound rises with k (k = 1, 4, 16) towards log p(x)",
                means[0] < means[1] < means[2] <= float(log_px[0]), f"means {means}")
    return found


@check(id="ex6-code-encode", exercise=6,
       title="Code: the encoder's variance is softplus plus eta, never below eta",
       method="float64 vs closed form",
       scope="a tiny model, 4 images",
       calls=("VAE.encode",))
def check_encode_code(encode: Callable = VAE.encode) -> Findings:
    found = Findings()
    model, x = tiny_model(), images(4)
    with torch.no_grad():
        q = encode(model, x)
        mu, sigma2 = _posterior(model, x)
        found.close("mean = the encoder's first outputs", q.mean, torch.from_numpy(mu), TOL)
        found.close("variance = softplus(second outputs) + eta", q.variance,
                    torch.from_numpy(sigma2), TOL)
        # pre-variances from -800 (softplus underflows to 0) to +800
        last = model.encoder[-1]
        last.weight.zero_()
        last.bias[LATENT:2 * LATENT] = torch.tensor([-800.0, 800.0])
        variance = encode(model, x).variance
    found.holds("sigma2 >= eta and finite at extreme pre-variances",
                bool(torch.isfinite(variance).all() and (variance >= ETA).all()),
                f"variances {variance[0].tolist()}")
    found.close("sigma2 = eta where softplus underflows", variance[:, 0],
                torch.full((len(x),), ETA, dtype=torch.float64), 1e-15)
    return found


@check(id="ex7-code-forward", exercise=7,
       title="Code: the forward pass decodes a reparameterised sample",
       method="float64 autograd",
       scope="a tiny model, 4 images",
       calls=("VAE.forward",))
def check_forward_code(forward: Callable = VAE.forward) -> Findings:
    found = Findings()
    model, x = tiny_model(), images(4)
    seen = recording(model)
    logits, q = _seeded(forward, model, x)
    (z,) = seen
    with torch.no_grad():
        found.close("the logits are the decoding of the sample", logits, model.decoder(z), TOL)
    # the reconstruction term alone, so that the KL's own gradient cannot hide a missing path
    torch.nn.functional.binary_cross_entropy_with_logits(
        logits, x.reshape(len(x), -1), reduction="sum").backward()
    missing = [i for i, p in enumerate(model.encoder.parameters())
               if p.grad is None or not p.grad.any()]
    found.holds("the reconstruction term's gradient reaches every encoder parameter",
                not missing, f"no gradient at encoder parameters {missing}")
    # the sample has the law q(z|x): 20,000 draws for one image
    model = tiny_model()
    seen = recording(model)
    n = 20000
    with torch.no_grad():
        _seeded(forward, model, x[:1].expand(n, -1, -1, -1))
    draws = seen[0].numpy()
    mu, sigma2 = _posterior(model, x[:1])
    z_mean = np.abs(draws.mean(0) - mu[0]) / np.sqrt(sigma2[0] / n)
    var_ratio = draws.var(0) / sigma2[0]
    found.holds("sample mean within 4 standard errors of mu", bool((z_mean < 4).all()),
                f"standardised deviations {z_mean.tolist()}")
    found.holds("sample variance within 5% of sigma2", bool((abs(var_ratio - 1) < 0.05).all()),
                f"variance ratios {var_ratio.tolist()}")
    return found
