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
