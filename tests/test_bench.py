"""make bench's measurement on tiny data: every pipeline runs a whole epoch and the JSON adds up."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

import vae.bench
from conftest import TINY, write_mnist
from vae import VaeError
from vae.bench import run_bench
from vae.config import Config
from vae.data import load_split


def _bench(data_dir, **kwargs) -> dict:
    return dataclasses.asdict(run_bench(Config(**TINY), load_split(data_dir, "train"), load_split(data_dir, "test"),
                     data_dir, ceiling_steps=4, warmup=1, progress=False, sweep=False,
                                       **kwargs))


def test_bench_measures_three_pipelines(data_dir):
    result = _bench(data_dir, workers=2)
    for key in ("images_per_s", "notebook_images_per_s", "ceiling_images_per_s"):
        assert result[key] > 0
    train_images = len(load_split(data_dir, "train").images)
    for pipeline in ("ours", "notebook"):
        seconds = result[f"{pipeline}_train_seconds"] + result[f"{pipeline}_eval_seconds"]
        rate = result["images_per_s" if pipeline == "ours" else "notebook_images_per_s"]
        assert rate == pytest.approx(train_images / seconds)
        assert result[f"{pipeline}_train_images_per_s"] == pytest.approx(
            train_images / result[f"{pipeline}_train_seconds"])
    assert result["speedup"] == pytest.approx(result["images_per_s"] / result["notebook_images_per_s"])
    assert result["fraction_of_ceiling"] == pytest.approx(
        result["images_per_s"] / result["ceiling_images_per_s"])
    assert result["train_fraction_of_ceiling"] > result["fraction_of_ceiling"]


def test_both_pipelines_train_the_same_model(data_dir):
    """Same data, same initial weights, one epoch: the two test losses agree to within the
    noise of different shuffles, so the bench compares like with like."""
    result = _bench(data_dir, workers=0)
    assert result["ours_test_loss"] == pytest.approx(result["notebook_test_loss"], rel=0.05)


def test_ours_is_train_py_epoch(data_dir, monkeypatch):
    """The bench times the training loop the runs use, not a copy of it."""
    calls = []
    real = vae.bench.train_epoch
    monkeypatch.setattr(vae.bench, "train_epoch", lambda *a, **k: calls.append(1) or real(*a, **k))
    _bench(data_dir, workers=0)
    assert calls == [1]


def test_bench_reads_plain_idx_files_too(tmp_path):
    data = write_mnist(tmp_path / "plain", gz=False)
    assert _bench(data, workers=0)["notebook_images_per_s"] > 0


def test_spin_sweep_times_each_count_idle_and_busy(data_dir, monkeypatch):
    monkeypatch.setattr(vae.bench, "SPIN_COUNTS", ("0", "1000"))
    sweep = vae.bench.spin_sweep(Config(**TINY), data_dir, steps=2, warmup=1)
    assert list(sweep) == ["0", "1000"]
    assert all(rates.idle > 0 and rates.one_core_busy > 0 for rates in sweep.values())
    assert max(rates.idle_share for rates in sweep.values()) == 1.0


def test_a_failing_child_names_its_task(tmp_path, capfd):
    with pytest.raises(VaeError, match="'ceiling' failed"):
        vae.bench._child(Config(**TINY), "0", "ceiling", str(tmp_path / "nowhere"), "1", "1")
    assert "nowhere" in capfd.readouterr().err  # the child's own message reaches the user


def test_a_child_runs_with_exactly_the_spin_count_it_is_given(data_dir, monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # would override the count in libgomp
    result = vae.bench._child(Config(**TINY), "123", "ceiling", str(data_dir), "1", "1")
    assert result["spin_count"] == "123" and result["wait_policy"] is None


@pytest.mark.parametrize("env, expected", [({}, "1000"), ({"OMP_WAIT_POLICY": "ACTIVE"}, None),
                                           ({"GOMP_SPINCOUNT": "7"}, "7")])
def test_the_package_sets_a_short_spin_unless_the_user_chose(env, expected):
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    out = subprocess.run([sys.executable, "-c", "import os, vae; print(os.environ.get('GOMP_SPINCOUNT'))"],
                         env={**clean, **env}, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(expected)
