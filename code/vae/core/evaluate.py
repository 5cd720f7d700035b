"""A trained model's measurements: the negative ELBO and its parts on the training, validation
and test images, the IWAE bound, active units."""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import torch

from .config import Config
from .data import Split, batches, binarize_fixed, limited
from .losses import iwae_bound, kl_to_prior, reconstruction_nll
from .model import VAE

ACTIVE_UNIT_THRESHOLD = 0.01  # Burda et al. (2016): Cov_x(E_q[z_u]) above this is active
# Fixed for every run and seed, so that all models meet the same images: the test subset of
# the IWAE bound, and the one binarisation of the test set.
SUBSET_SEED = 2024
BINARIZE_SEED = 2025


def _evaluating(model: VAE) -> torch.device:
    """Put the model in evaluation mode and return the device its parameters live on."""
    model.eval()
    return next(model.parameters()).device


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with the global RNG (used by rsample) seeded, leaving training's RNG as it was."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        yield


@dataclass(frozen=True)
class ElboTerms:
    """The negative ELBO and its two parts, means in nats per image."""

    negative_elbo: float
    recon: float
    kl: float


@dataclass(frozen=True)
class FinalMetrics:
    """What a run's results record about the trained model (runs.RunResults holds these fields
    too): the -ELBO with the final weights on as many training images as there are validation
    images (over-fitting shows as train_loss_final below valid_loss), on the validation images
    (what models are chosen on), and on the test set, read once."""

    train_loss_final: float
    valid_loss: float
    test_loss: float
    test_recon: float
    test_kl: float
    subset_test_loss: float  # the same quantity on the IWAE's images, to compare image for image
    subset_seed: int
    iwae_bound: float
    iwae_stderr: float
    iwae_k: int
    iwae_images: int
    precision: str
    active_units: int
    active_unit_threshold: float


@torch.inference_mode()
def elbo_terms(model: VAE, images: torch.Tensor, cfg: Config, seed: int) -> ElboTerms:
    """Mean negative ELBO, reconstruction and KL in nats per image (one z per image)."""
    device = _evaluating(model)
    total_recon = total_kl = 0.0
    with seeded(seed):
        for x in batches(images, cfg.eval_batch_size):
            x = x.to(device)
            q = model.encode(x)
            total_recon += reconstruction_nll(model.decode(q.rsample()), x).sum().item()
            total_kl += kl_to_prior(q).sum().item()
    n = len(images)
    return ElboTerms((total_recon + total_kl) / n, total_recon / n, total_kl / n)


@torch.inference_mode()
def iwae_bound_on_nll(model: VAE, images: torch.Tensor, k: int, seed: int,
                      batch_size: int = 50) -> tuple[float, float]:
    """The k-sample IWAE upper bound on -log p(x): mean and standard error over images. It
    estimates the negative log-likelihood only where p(x|z) is a normalised density of x
    (binarised data); on grey levels it is a tighter version of the -ELBO, no more."""
    device = _evaluating(model)
    bounds = []
    with seeded(seed):
        for x in batches(images, batch_size):
            bounds.append(iwae_bound(model, x.to(device), k).cpu())
    upper = -torch.cat(bounds).double()
    stderr = upper.std().item() / math.sqrt(len(upper)) if len(upper) > 1 else float("nan")
    return upper.mean().item(), stderr


def varies(variances: torch.Tensor) -> torch.Tensor:
    """Which variances of the posterior mean across the data mark an active direction."""
    return variances > ACTIVE_UNIT_THRESHOLD


def active_units(model: VAE, images: torch.Tensor) -> int:
    """Latent dimensions whose posterior mean varies across the data: coordinates of a diagonal
    posterior (its axes are the model's own), eigenvalues of Cov(mu) under a full covariance,
    whose axes may turn."""
    means = encode_means(model, images).double()
    if model.full_covariance:
        variances = torch.linalg.eigvalsh(torch.cov(means.T).reshape(means.shape[1], -1))
    else:
        variances = means.var(dim=0)
    return int(varies(variances).sum())


def evaluated(test: Split, cfg: Config) -> Split:
    """The test set as a run is evaluated on it: limited, and for binarised runs binarised once
    by BINARIZE_SEED."""
    test = limited(test, cfg.test_limit)
    if cfg.binarize:
        return Split(binarize_fixed(test.images, BINARIZE_SEED), test.labels)
    return test


def subset_indices(n: int, size: int) -> torch.Tensor:
    """`size` of n images drawn uniformly without replacement by SUBSET_SEED, in order. A
    prefix would not do: MNIST's first 5,000 test images are the cleaner half."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(SUBSET_SEED))
    return order[:min(size, n)].sort().values


@torch.inference_mode()
def encode_means(model: VAE, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """E[q(z|x)] for every image, shape (N, latent_dim); images are the uint8 dataset."""
    if images.dtype != torch.uint8:
        raise TypeError(f"encode_means takes uint8 images (N, 28, 28), got {images.dtype}")
    device = _evaluating(model)
    return torch.cat([model.encode(x.to(device)).mean.cpu() for x in batches(images, batch_size)])


def final_metrics(model: VAE, train: torch.Tensor, valid: torch.Tensor, images: torch.Tensor,
                  cfg: Config) -> FinalMetrics:
    """Everything a run's results record about the trained model; `images` is the test set."""
    seen = train[subset_indices(len(train), len(valid))]
    terms = elbo_terms(model, images, cfg, seed=cfg.seed + 1)
    subset = images[subset_indices(len(images), cfg.iwae_images)]
    bound, stderr = iwae_bound_on_nll(model, subset, cfg.iwae_k, seed=cfg.seed + 2)
    return FinalMetrics(
        train_loss_final=elbo_terms(model, seen, cfg, seed=cfg.seed + 1).negative_elbo,
        valid_loss=elbo_terms(model, valid, cfg, seed=cfg.seed + 1).negative_elbo,
        test_loss=terms.negative_elbo, test_recon=terms.recon, test_kl=terms.kl,
        subset_test_loss=elbo_terms(model, subset, cfg, seed=cfg.seed + 1).negative_elbo,
        subset_seed=SUBSET_SEED, iwae_bound=bound, iwae_stderr=stderr, iwae_k=cfg.iwae_k,
        iwae_images=len(subset), precision=cfg.precision,
        active_units=active_units(model, images), active_unit_threshold=ACTIVE_UNIT_THRESHOLD)
