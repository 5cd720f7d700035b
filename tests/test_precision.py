"""The study's verdicts set against the same study trained in fp32 (report/precision.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import TINY, write_mnist
from vae import VaeError
from vae.bench.parity import parity
from vae.core.config import Config
from vae.report.comparisons import compare_all
from vae.report.numbers import model_numbers
from vae.report.precision import describe_verdicts, precision_check, twins


def test_each_precisions_verdicts_come_from_its_own_runs_alone(tmp_path):
    """A tiny study of a main model and one variant in both precisions: each side of the check
    is the comparison compare_all makes from that precision's runs, and `changed` names the
    variant exactly when the two verdicts differ."""
    data, runs = write_mnist(tmp_path / "data"), tmp_path / "runs"
    main = Config(**{**TINY, "seeds": 2, "epochs": 1, "precision": "bf16"})
    study = [main, replace(main, name="wide", hidden=128)]
    parity(study, data, runs, jobs=1, log=lambda _: None)
    check = precision_check(study, runs)
    assert check.left_out == [] and not check.left_slowest
    (row,) = check.comparisons
    assert (row.name, row.baseline) == ("wide", "tiny")
    for precision, found in (("fp32", row.fp32), ("bf16", row.bf16)):
        alone = compare_all([model_numbers(replace(c, precision=precision), runs)
                             for c in study])["wide"]
        assert found == alone
    assert row.fp32.test != row.bf16.test  # two sets of runs, two tests
    assert check.changed == (["wide"] if row.fp32.verdict != row.bf16.verdict else [])
    said = describe_verdicts(check)
    assert said.startswith("verdicts of 1 comparison (") and "wide vs tiny: bf16 " in said
    assert ("<- differs" in said) == bool(check.changed)
    # the study's other models, named and timed against the ones checked
    study_numbers = [model_numbers(c, runs) for c in study]
    (slow, fast) = (replace(n, name=name, seconds_per_epoch=s) for n, name, s in
                    ((study_numbers[0], "slow", 1e6), (study_numbers[0], "fast", 1e-6)))
    assert precision_check(study, runs, [*study_numbers, slow]).left_out == ["slow"]
    assert precision_check(study, runs, [*study_numbers, slow]).left_slowest
    assert not precision_check(study, runs, [*study_numbers, slow, fast]).left_slowest


def test_the_bf16_side_is_the_study_s_numbers_not_read_again(tmp_path, monkeypatch):
    data, runs = write_mnist(tmp_path / "data"), tmp_path / "runs"
    main = Config(**{**TINY, "seeds": 2, "epochs": 1, "precision": "bf16"})
    study = [main, replace(main, name="wide", hidden=128)]
    parity(study, data, runs, jobs=1, log=lambda _: None)
    study_numbers = [model_numbers(c, runs) for c in study]
    alone = precision_check(study, runs)
    read = []

    def counted(cfg, root):
        read.append(cfg.precision)
        return model_numbers(cfg, root)
    monkeypatch.setattr("vae.report.precision.model_numbers", counted)
    assert precision_check(study, runs, study_numbers) == alone
    assert read == ["fp32", "fp32"]  # only the twins are read
    read.clear()
    precision_check(study, runs, study_numbers[:1])  # a model the study lacks is read
    assert read == ["bf16", "fp32", "fp32"]


def test_the_twins_are_the_same_configs_in_fp32():
    study = [Config(**{**TINY, "precision": "bf16"}), Config(**{**TINY, "name": "b", "precision": "bf16"})]
    assert twins(study) == [replace(c, precision="fp32") for c in study]


def test_a_study_trained_in_fp32_has_no_bf16_side_to_check():
    with pytest.raises(VaeError, match=r"trained in bf16 against fp32.*train in fp32"):
        twins([Config(**{**TINY, "precision": "fp32"})])


def test_a_direction_holds_only_where_both_intervals_exclude_zero_on_one_side():
    from types import SimpleNamespace

    from vae.core.statistics import Paired
    from vae.report.precision import one_side

    def found(low, high):
        return SimpleNamespace(test=Paired(3, (low + high) / 2, 1.0, low, high, 0.01))

    assert one_side(found(-23.7, -17.8), found(-28.1, -9.6))  # latent2's, both below zero
    assert one_side(found(0.5, 2.0), found(0.1, 3.0))
    assert not one_side(found(-23.7, -17.8), found(-28.1, 0.4))  # fp32 reaches zero
    assert not one_side(found(-2.0, -1.0), found(1.0, 2.0))  # opposite sides
    assert not one_side(SimpleNamespace(test=None), found(1.0, 2.0))  # one seed: no interval
