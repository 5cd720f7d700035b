"""How much a code says about its image: a Monte Carlo estimate of the mutual information
I(x; z) = E_x E_{q(z|x)} [log q(z|x) - log q(z)], with x uniform over the test images and
q(z) = (1/N) sum_n q(z | x_n) their aggregate posterior (Exercise 4). Exact in q(z), which is
a finite mixture; cheap for codes of one or two dimensions, where N x N densities suffice."""

from __future__ import annotations

import math

import torch

from ..core.data import batches
from ..core.evaluate import seeded
from ..core.losses import kl_to_prior
from ..core.model import VAE
from .measurements import Information

SAMPLES = 4  # codes per image
INFORMATION_SEED = 7


@torch.inference_mode()
def mutual_information(model: VAE, images: torch.Tensor, samples: int = SAMPLES,
                       chunk: int = 500) -> Information:
    """The estimate over images (uint8, (N, 28, 28)). Each term includes the image's own
    component of q(z), so log q(z) >= log q(z|x) - log N and the estimate is at most log N."""
    q = model.encode(torch.cat(list(batches(images, 1000))))
    n = len(images)
    with seeded(INFORMATION_SEED):
        z = q.sample((samples,))  # (S, N, d)
    terms = torch.empty(samples, n, dtype=torch.float64)
    for start in range(0, n, chunk):
        zc = z[:, start:start + chunk]  # (S, B, d)
        # log q(z | x_m) for every code of the chunk against every image m: (S, B, N)
        every = q.log_prob(zc[:, :, None, :]).double()
        own = every[:, torch.arange(zc.shape[1]), torch.arange(start, start + zc.shape[1])]
        terms[:, start:start + chunk] = own - (torch.logsumexp(every, -1) - math.log(n))
    per_image = terms.mean(0)
    return Information(images=n, samples=samples, estimate=per_image.mean().item(),
                       stderr=(per_image.std() / math.sqrt(n)).item(),
                       kl=kl_to_prior(q).double().mean().item())

