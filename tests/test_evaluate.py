"""evaluate.py: what a run measures on the test set, and on which images."""

from __future__ import annotations

import torch
from vae.core import evaluate


def test_the_iwae_subset_is_uniform_and_the_same_for_every_run():
    index = evaluate.subset_indices(10_000, 500)
    assert torch.equal(index, evaluate.subset_indices(10_000, 500))  # every model, every seed
    assert len(index.unique()) == 500 and torch.equal(index, index.sort().values)
    assert not torch.equal(index, torch.arange(500))  # not a prefix of the test set
    # drawn from the whole set: about half of the images come from each half
    assert 200 < int((index >= 5_000).sum()) < 300
    assert len(evaluate.subset_indices(40, 500)) == 40


def test_active_units_under_a_full_covariance_do_not_depend_on_the_axes():
    """Codes spread along one diagonal direction: two coordinates vary, one direction does."""
    from conftest import tiny_model

    model = tiny_model(latent_dim=2, covariance="full")
    line = torch.linspace(-1, 1, 64)

    class Diagonal(torch.nn.Module):  # the encoder's means on the line z1 = z2
        def forward(self, x):
            t = line[: len(x)]
            return torch.stack([t, t, torch.zeros_like(t), torch.zeros_like(t),
                                torch.zeros_like(t)], 1)

    model.encoder = Diagonal()
    images = torch.zeros(64, 28, 28, dtype=torch.uint8)
    assert evaluate.active_units(model, images) == 1  # eigenvalues of Cov(mu): 0.69 and 0
    model.full_covariance = False
    assert evaluate.active_units(model, images) == 2  # per coordinate, as for a diagonal q
