"""make bench's measurement on tiny data: every pipeline runs a whole epoch, in rounds, and the
medians and shares follow from what was measured."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest
import torch
import vae.bench.timings
from conftest import TINY, write_mnist
from scipy import stats
from vae import VaeError
from vae.bench.results import ModelBench, read_bench
from vae.bench.timings import alternate
from vae.core.allocator import tune_malloc
from vae.core.config import Config
from vae.core.data import load_split
from vae.core.runs import Run


def test_bench_measures_each_config_in_rounds(bench_json):
    result = read_bench(bench_json)
    assert [(m.name, m.architecture) for m in result.models] == [("tiny", "mlp")]
    for m in result.models:
        for values in (m.ours_seconds, m.jobs_seconds, m.notebook_seconds, m.one_job_images_per_s,
                       m.jobs_images_per_s):
            assert len(values) == result.rounds == 2 and min(values) > 0
        assert m.eval_seconds > 0 and {m.precision, m.other_precision} == {"fp32", "bf16"}
    assert result.allocator == tune_malloc() and "1024 MiB" in result.allocator  # as it ran


def test_both_pipelines_train_the_same_model(bench_json):
    """Same data, same initial weights, one epoch: the two test losses agree to within the
    noise of different shuffles, so the bench compares like with like."""
    for m in read_bench(bench_json).models:
        assert m.ours_test_loss == pytest.approx(m.notebook_test_loss, rel=0.05)


def test_the_bench_reads_plain_idx_files_too(bench_json):
    assert all(m.notebook_images_per_s > 0 for m in read_bench(bench_json).models)


def test_spin_sweep_times_each_count_idle_and_busy(bench_json):
    sweep = read_bench(bench_json).spin_sweep
    assert list(sweep) == list(vae.bench.timings.SPIN_COUNTS)
    assert all(rates.idle > 0 and rates.one_core_busy > 0 for rates in sweep.values())
    assert max(rates.idle_share for rates in sweep.values()) == 1.0


def test_a_conv_model_is_timed_and_counted_like_an_mlp(data_dir):
    """The conv model's paths through the bench, in process: an epoch of our loop, the
    compute ceiling and the FLOP count (the shared bench above times only the MLP)."""
    conv = Config(**{**TINY, "name": "tiny_conv", "architecture": "conv", "channels": 4})
    train, test = load_split(data_dir, "train").images, load_split(data_dir, "test").images
    seconds, loss, _ = vae.bench.timings._ours(conv, train, test, False)
    x = vae.bench.timings._first_batch(conv, train)
    assert seconds > 0 and loss > 0 and vae.bench.timings._ceiling(conv, x, 0.05) > 0
    assert vae.bench.timings.train_flops_per_image(conv, x) > 0


def test_ours_is_train_py_epoch(data_dir, monkeypatch):
    """The bench times the training loop the runs use, not a copy of it."""
    calls = []
    real = vae.bench.timings.train_epoch
    monkeypatch.setattr(vae.bench.timings, "train_epoch",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    seconds, loss, _ = vae.bench.timings._ours(Config(**TINY), load_split(data_dir, "train").images,
                                               load_split(data_dir, "test").images, False)
    assert calls == [1] and seconds > 0 and loss > 0


def test_medians_and_shares_follow_from_the_rounds():
    m = ModelBench(name="m", architecture="mlp", precision="fp32", epochs=10, train_images=600,
                   ours_seconds=[2.0, 3.0, 10.0], jobs_seconds=[4.0, 3.0, 8.0],
                   notebook_seconds=[8.0, 6.0, 20.0],
                   ours_test_loss=1.0, notebook_test_loss=1.0, jobs=2, threads=2,
                   train_flops_per_image=1e6,
                   one_job_images_per_s=[100.0, 200.0, 300.0],
                   jobs_images_per_s=[150.0, 100.0, 600.0], other_precision="bf16",
                   other_precision_images_per_s=10.0, eval_seconds=30.0, iwae_k=5,
                   iwae_images=5)
    assert m.speedups == [4.0, 2.0, 2.0] and m.speedup == 2.0  # median of ratios
    assert m.ours_epoch_seconds == 3.0 and m.ours_images_per_s == 200.0
    assert m.jobs_speedups == [4.0, 4.0, 5.0] and m.jobs_speedup == 4.0  # 2 epochs per wait
    assert m.jobs_gains == [1.5, 0.5, 2.0] and m.jobs_gain == 1.5
    assert m.fraction_of_ceiling == 1.0
    assert m.eval_share == 30.0 / (10 * 3.0 + 30.0)
    assert m.jobs_gflops == 150.0 * 1e6 / 1e9  # the jobs' median rate times the work per image


def test_the_flop_count_is_the_layers_arithmetic():
    """An MLP's matrix products: 2 FLOPs per weight and image forward, twice that backward,
    except the first layer's gradient for its input, which nothing needs."""
    cfg = Config(**{**TINY, "hidden": 16, "latent_dim": 2})
    x = torch.rand(8, 1, 28, 28)
    widths = [784, 16, 8, 4, 2, 4]  # encoder 784-16-8-4-2, head 2 * latent_dim
    decoder = [2, 2, 4, 8, 16, 784]
    weights = [a * b for a, b in zip(widths, widths[1:])] + [a * b for a, b in zip(decoder, decoder[1:])]
    expected = 6 * sum(weights) - 2 * 784 * 16
    assert vae.bench.timings.train_flops_per_image(cfg, x) == expected


def test_alternate_turns_the_order_every_round():
    order = []

    def arm(name):
        return lambda: order.append(name) or len(order)
    a, b, c = alternate(arm("a"), arm("b"), arm("c"), rounds=3)
    assert order == list("abccbaabc")
    assert a == [1, 6, 7] and b == [2, 5, 8] and c == [3, 4, 9]


def test_jobs_side_by_side_sum_their_rates(data_dir, monkeypatch):
    rates = iter([100.0, 250.0])
    monkeypatch.setattr(vae.bench.timings, "_collect", lambda child, task: child.kill() or
                        {"images_per_s": next(rates)})
    assert vae.bench.timings.ceiling_jobs(Config(**TINY), data_dir, "1000", 0.05, 2, 1) == 350.0


def test_a_ceiling_child_waits_for_the_start_signal(data_dir, tmp_path):
    """Side by side jobs must time the same window: each loads and warms up, then waits."""
    child = vae.bench.timings._spawn(Config(**TINY), "1000", tmp_path, "ceiling", str(data_dir), "0.01",
                             "1")
    assert child.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    assert child.poll() is None  # still waiting
    child.stdin.write("go\n")
    child.stdin.flush()
    assert vae.bench.timings._collect(child, "ceiling")["images_per_s"] > 0


def test_a_failing_child_names_its_task(tmp_path, capfd):
    with pytest.raises(VaeError, match="'ceiling' failed"):
        vae.bench.timings.ceiling_jobs(Config(**TINY), tmp_path / "nowhere", "0", 0.05, 1, 1)
    assert "nowhere" in capfd.readouterr().err  # the child's own message reaches the user


def test_a_child_runs_with_exactly_the_spin_count_it_is_given(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # would override the count in libgomp
    child = vae.bench.timings._spawn(Config(**TINY), "123", tmp_path, "ceiling", str(data_dir), "0.01", "1")
    assert child.stdout.readline().strip() == "ready"
    child.stdin.write("go\n")
    child.stdin.flush()
    result = vae.bench.timings._collect(child, "ceiling")
    assert result["spin_count"] == "123" and result["wait_policy"] is None


@pytest.mark.parametrize("env, expected", [({}, "1000"), ({"OMP_WAIT_POLICY": "ACTIVE"}, None),
                                           ({"GOMP_SPINCOUNT": "7"}, "7")])
def test_the_package_sets_a_short_spin_unless_the_user_chose(env, expected):
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    out = subprocess.run([sys.executable, "-c", "import os, vae; print(os.environ.get('GOMP_SPINCOUNT'))"],
                         env={**clean, **env}, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(expected)


def test_parity_pairs_fp32_and_bf16_runs_by_seed(tmp_path):
    from vae.bench.parity import describe, parity
    data = write_mnist(tmp_path / "data")
    cfg = Config(**{**TINY, "seeds": 3, "epochs": 1})
    rows = parity([cfg], data, tmp_path / "runs", jobs=1, log=lambda _: None)
    (row,) = rows
    assert row.seeds == [420, 421, 422] and len(row.fp32) == len(row.bf16) == 3
    assert {Run(c, tmp_path / "runs").read_results().precision
            for c in (replace(cfg, precision=p) for p in ("fp32", "bf16"))} == {"fp32", "bf16"}
    d = np.subtract(row.bf16, row.fp32)  # the 95% t interval, computed here by hand
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    test = row.test
    assert (test.mean, test.low, test.high) == pytest.approx((d.mean(), d.mean() - half,
                                                               d.mean() + half))
    assert row.separated == (test.low > 0 or test.high < 0)
    assert f"difference {d.mean():+.2f} [{d.mean() - half:+.2f}, {d.mean() + half:+.2f}]" \
        in describe(rows)
    with pytest.raises(VaeError, match="at least two seeds per config"):
        parity([replace(cfg, seeds=1)], data, tmp_path / "runs", jobs=1)


def test_speed_ups_are_medians_of_each_rounds_ratio_not_ratios_of_medians():
    m = ModelBench(
        name="m", architecture="mlp", precision="fp32", epochs=10, train_images=60_000,
        ours_seconds=[10.0, 20.0, 12.0], jobs_seconds=[15.0, 16.0, 30.0],
        notebook_seconds=[30.0, 30.0, 60.0], ours_test_loss=1.0, notebook_test_loss=1.0,
        jobs=2, threads=2, train_flops_per_image=6e6, one_job_images_per_s=[100.0, 110.0, 90.0],
        jobs_images_per_s=[150.0, 200.0, 120.0], other_precision="bf16",
        other_precision_images_per_s=1.0, eval_seconds=7.0, iwae_k=1000, iwae_images=500)
    assert m.speedups == [3.0, 1.5, 5.0] and m.speedup == 3.0  # medians' ratio: 30 / 12 = 2.5
    assert m.jobs_speedups == [4.0, 3.75, 4.0] and m.jobs_speedup == 4.0
    assert m.jobs_gain == pytest.approx(1.5) and m.jobs_gflops == pytest.approx(0.9)
    assert m.ours_images_per_s == 5_000 and m.eval_share == pytest.approx(7 / 127)
