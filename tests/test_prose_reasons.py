"""Why the study tried each change (report/prose_reasons.py), one reason per explained setting."""

from __future__ import annotations

from dataclasses import replace

from conftest import entry
from vae.report.comparisons import EXPLAINED, compare
from vae.report.prose_reasons import reason

BASE = entry(test_loss=130.0)


def variant(**settings):
    """The comparison of a variant that changes these settings against BASE, with its config."""
    model = entry("v", test_loss=129.0, **settings)
    return compare(model, BASE, False, p_holm=0.01), model.config


def test_every_setting_the_study_explains_has_a_reason_of_its_own():
    _, config = variant()
    found, _ = variant(activation="relu")
    reasons = {key: reason(replace(found, explained=key, several=""), config)
               for key in EXPLAINED}
    assert all(reasons.values()), [k for k, text in reasons.items() if not text]
    assert len(set(reasons.values())) == len(EXPLAINED)  # none borrows another's words


def test_a_reason_is_worded_from_the_variant_s_own_settings():
    found, config = variant(architecture="conv", channels=24, hidden=300)
    assert found.explained == "architecture"
    said = reason(found, config)
    assert "(24 and 48 channels" in said and "dense layer of 300 units" in said
    found, config = variant(latent_dim=32)
    assert "grows from 16 to 32 dimensions" in reason(found, config)
    again = reason(replace(found, latent_again=True), config)
    assert again == "The code grows again, from 16 to 32 dimensions."


def test_the_decay_dropped_under_adamw_is_sized_from_the_learning_rate_and_the_baseline_s_decay():
    found, config = variant(weight_decay=0.0, lr=2e-3)  # BASE decays by Config's default
    assert found.explained == "weight_decay"
    fraction = 2e-3 * BASE.config["weight_decay"]
    assert rf"a fraction of \num{{{fraction:g}}}, apart" in reason(found, config)
    found, config = variant(weight_decay=0.0, optimizer="adam")  # decay inside the gradient
    assert "fraction" not in reason(replace(found, explained="weight_decay"), config)


def test_a_variant_of_several_changes_says_none_can_be_credited():
    found, config = variant(batch_size=64, lr=0.002, lr_schedule="cosine")
    assert found.several == "three" and found.explained == "lr_schedule"
    said = reason(found, config)
    assert said.startswith("The learning rate falls from its start to zero")
    assert said.endswith("This variant changes three settings at once, so its effect cannot be "
                         "credited to any one of them.")
    alone, _ = variant(lr_schedule="cosine")
    assert "at once" not in reason(alone, config)


def test_a_kl_weight_is_read_by_its_side_of_one():
    below, low = variant(beta=0.5)
    above, high = variant(beta=2.0)
    assert below.explained == above.explained == "beta"
    said_below, said_above = reason(below, low), reason(above, high)
    assert "$\\beta=0.5$" in said_below and "no longer bounds" in said_below
    assert "$\\beta=2$" in said_above and "closer to the prior" in said_above
    assert "bounds" not in said_above
