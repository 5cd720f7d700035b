"""model.py: the layers as the report describes them."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from conftest import TINY_BASE as BASE
from conftest import fixed_batch, tiny_model as model_of
from torch import nn
from vae.core.losses import iwae_bound, kl_to_prior, training_objective
from vae.core.model import VAE, ConvTranspose2d, Residual, ResidualBlock
from vae.core.train import make_optimizer

pytestmark = pytest.mark.usefixtures("one_thread")


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


@pytest.mark.parametrize("architecture,covariance", [("mlp", "full"), ("conv", "diagonal"),
                                                     ("conv", "full")])
def test_other_architectures_train_a_step(architecture, covariance):
    model = model_of(architecture=architecture, covariance=covariance, latent_dim=3)
    cfg = dataclasses.replace(BASE, architecture=architecture, covariance=covariance)
    optimizer = make_optimizer(cfg, model)
    x = fixed_batch(8)
    before = [p.detach().clone() for p in model.parameters()]
    terms = training_objective(model, x)
    assert torch.isfinite(terms.objective) and torch.isfinite(terms.kl) and terms.kl >= 0
    optimizer.zero_grad()
    terms.objective.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    optimizer.step()
    assert any(not torch.equal(a, p) for a, p in zip(before, model.parameters()))
    with torch.no_grad():
        q = model.encode(x)
        kl = kl_to_prior(q)
        assert kl.shape == (8,) and torch.isfinite(kl).all() and (kl >= 0).all()
        assert torch.isfinite(iwae_bound(model, x, 5)).all()
        assert model.reconstruct(x).shape == (8, 1, 28, 28)


def test_the_conv_model_in_channels_last_computes_what_the_plain_layout_does():
    model = model_of(architecture="conv", latent_dim=3)
    assert model.encoder[0].weight.is_contiguous(memory_format=torch.channels_last)
    plain = VAE(dataclasses.replace(BASE, architecture="conv", latent_dim=3))
    plain.load_state_dict(model.state_dict())
    for p in plain.parameters():
        p.data = p.data.contiguous()
    x = fixed_batch(8)
    with torch.no_grad():
        torch.manual_seed(1)
        a = training_objective(model, x)
        torch.manual_seed(1)
        b = training_objective(plain, x)
    assert torch.allclose(torch.stack(a), torch.stack(b), rtol=1e-5)


def test_bf16_runs_the_layers_in_bf16_and_hands_the_losses_float32():
    model = model_of(precision="bf16")
    seen = []
    model.encoder[1].register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    x = fixed_batch(8)
    terms = training_objective(model, x)
    assert seen == [torch.bfloat16]
    assert model.decode(model.encode(x).mean).dtype == torch.float32
    assert terms.objective.dtype == torch.float32 and torch.isfinite(terms.objective)
    fp32 = model_of()
    assert abs(training_objective(fp32, x).objective.item() - terms.objective.item()) < 0.05 * terms.objective.item()


def test_the_residual_mlp_keeps_the_sheets_parameters_and_its_shortcuts_have_none():
    plain, skipped = model_of(hidden=64, latent_dim=2), model_of(hidden=64, latent_dim=2,
                                                                 residual=True)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(plain) == count(skipped)
    x = fixed_batch(4)
    logits, _ = skipped(x)
    assert logits.shape == (4, 784)
    # a shortcut halving 4 units to 2 averages neighbours; doubling repeats each unit
    half, double = Residual(nn.Identity(), 4, 2), Residual(nn.Identity(), 2, 4)
    h = torch.tensor([[1.0, 3.0, 5.0, 9.0]])
    assert half.shortcut(h).tolist() == [[2.0, 7.0]]
    assert double.shortcut(torch.tensor([[1.0, 2.0]])).tolist() == [[1.0, 1.0, 2.0, 2.0]]
    with pytest.raises(ValueError, match="no parameter-free shortcut from 4 to 3"):
        Residual(nn.Identity(), 4, 3)


def test_a_residual_block_starts_as_the_identity_and_then_learns():
    torch.manual_seed(0)
    block = ResidualBlock(8, nn.SiLU)
    x = torch.randn(2, 8, 7, 7)
    assert torch.equal(block(x), x)
    block(x).square().sum().backward()
    last = block.branch[-1]
    assert last.weight.grad.abs().sum() > 0  # the zero layer gets a gradient and moves
    conv = model_of(architecture="conv", latent_dim=3, residual=True)
    assert sum(isinstance(m, ResidualBlock) for m in conv.modules()) == 4  # each resolution, twice
