"""model.py: the layers as the report describes them."""

from __future__ import annotations

import torch
from torch import nn
from vae.core.model import ConvTranspose2d


def test_the_transposed_convolution_with_its_own_bias_is_torchs():
    """Adding the bias outside the convolution computes what nn.ConvTranspose2d does, values
    and gradients, in the channels-last layout the conv model trains in."""
    torch.manual_seed(0)
    ours = ConvTranspose2d(8, 4, 4, stride=2, padding=1).to(memory_format=torch.channels_last)
    torchs = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1).to(memory_format=torch.channels_last)
    torchs.load_state_dict(ours.state_dict())
    x = torch.randn(5, 8, 7, 7).to(memory_format=torch.channels_last)
    a, b = ours(x), torchs(x)
    torch.testing.assert_close(a, b)
    assert a.shape == (5, 4, 14, 14)
    a.square().sum().backward()
    b.square().sum().backward()
    torch.testing.assert_close(ours.bias.grad, torchs.bias.grad)
    torch.testing.assert_close(ours.weight.grad, torchs.weight.grad)
    assert ours.bias.grad.abs().sum() > 0
