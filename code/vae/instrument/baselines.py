"""Two numbers that locate every model's -ELBO on the grey-level test set, from the data alone:
the floor of the sheet's objective, and a decoder that ignores z.

- For one pixel of grey level x in [0, 1], the Bernoulli term -x log p - (1 - x) log(1 - p) is
  smallest at p = x, where it is h(x) = -x log x - (1 - x) log(1 - x), the binary entropy. So
  no decoder, whatever z, scores below sum_i h(x_i) per image, and the KL only adds: the
  -ELBO and every bound on the same objective lie above the test images' mean summed entropy.
- A decoder that ignores z is best off with each pixel's mean over the training images (here
  with one pseudo-image of grey 1/2 added, so that no pixel is certain); its KL is zero, and
  its -ELBO is the test images' cross-entropy against those means.
"""

from __future__ import annotations

import torch

from ..core.data import to_float
from .measurements import Baselines


def binary_entropy(x: torch.Tensor) -> torch.Tensor:
    """sum_i h(x_i) per image in nats; x (N, 784) in [0, 1]."""
    return (torch.special.entr(x) + torch.special.entr(1 - x)).sum(-1)


def baselines(train: torch.Tensor, test: torch.Tensor) -> Baselines:
    """From uint8 images (N, 28, 28): the entropy floor and the independent-pixel model's
    -ELBO on the test images, whose pixel means come from the training images."""
    x = to_float(test).reshape(len(test), -1).double()
    means = (to_float(train).reshape(len(train), -1).double().sum(0) + 0.5) / (len(train) + 1)
    cross = torch.nn.functional.binary_cross_entropy(x.new_ones(x.shape) * means, x,
                                                     reduction="none").sum(-1)
    return Baselines(images=len(test), floor=binary_entropy(x).mean().item(),
                     independent=cross.mean().item())
