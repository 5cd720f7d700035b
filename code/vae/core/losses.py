"""The ELBO's parts and the importance-weighted bound, in nats per image.

The SymPy checks in derivations/checks call these very functions.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch.distributions import Distribution, kl_divergence
from torch.nn.functional import binary_cross_entropy_with_logits

from .model import VAE, standard_normal_prior


class Terms(NamedTuple):
    """Per-image means over a batch: objective = recon + weight * kl, what training minimises
    (the negative ELBO at weight 1)."""

    objective: torch.Tensor
    recon: torch.Tensor
    kl: torch.Tensor


def reconstruction_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) for independent Bernoulli pixels with p = sigmoid(logits).

    -sum_i [x_i log sigmoid(l_i) + (1 - x_i) log(1 - sigmoid(l_i))], summed over pixels:
    the binary cross-entropy, computed from logits for stability.
    """
    x = x.reshape(logits.shape)
    return binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def kl_to_prior(q: Distribution) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)); for a diagonal q it equals
    1/2 sum_j (mu_j^2 + sigma2_j - log sigma2_j - 1)."""
    return kl_divergence(q, standard_normal_prior(q))


def training_objective(model: VAE, x: torch.Tensor, kl_weight: float = 1.0) -> Terms:
    """E_q[-log p(x|z)] + kl_weight * KL(q || p), one reparameterised sample of z per image:
    at weight 1 the negative ELBO, -ELBO = E_q[-log p(x|z)] + KL(q || p)."""
    logits, q = model(x)
    recon = reconstruction_nll(logits, x).mean()
    kl = kl_to_prior(q).mean()
    return Terms(recon + kl_weight * kl, recon, kl)


def log_importance_weights(model: VAE, x: torch.Tensor, k: int) -> torch.Tensor:
    """log w_s = log p(x|z_s) + log p(z_s) - log q(z_s|x) for k samples z_s ~ q; shape (k, B)."""
    q = model.encode(x)
    z = q.sample((k,))
    log_px_z = -reconstruction_nll(model.decode(z), x.reshape(1, len(x), -1).expand(k, -1, -1))
    return log_px_z + standard_normal_prior(q).log_prob(z) - q.log_prob(z)


def iwae_bound(model: VAE, x: torch.Tensor, k: int, chunk: int = 40) -> torch.Tensor:
    """log (1/k) sum_s w_s per image (Burda et al., 2016): a lower bound on log p(x) that
    tightens as k grows; chunks of samples bound the memory (40 samples of 50 images keep each
    buffer under glibc's per-thread arenas' 64 MiB, which would otherwise be mapped and unmapped
    per chunk)."""
    parts = [log_importance_weights(model, x, min(chunk, k - start))
             for start in range(0, k, chunk)]
    return torch.logsumexp(torch.cat(parts), dim=0) - math.log(k)
