"""Several runs side by side: seeds become runs, jobs train them, the summary averages them."""

from __future__ import annotations

import inspect
import os
import shutil
import statistics
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import TINY
from vae import VaeError
from vae.core.config import Config
from vae.core.data import load_split
from vae.core.jobs import _client, train_all
from vae.core.runs import Run
from vae.instrument.freshness import measured_runs
from vae.instrument.readings import measure
from vae.report.summary import write_summary

import build


@pytest.fixture(scope="module")
def two_seeds(tiny_run, tmp_path_factory):
    """The tiny run's folder with the second seed trained beside it by two jobs, measured."""
    runs, data = tiny_run
    root = tmp_path_factory.mktemp("seeds") / "runs"
    shutil.copytree(runs, root)
    cfg = Config(**{**TINY, "seeds": 2})
    said = []
    train_all(cfg.per_seed(), data, root, jobs=2, progress=False, log=said.append)
    out = root.parent / "measurements.json"
    measure(measured_runs(cfg.per_seed(), root), root, load_split(data, "train"),
            load_split(data, "test"), out, progress=False, log=lambda _: None, jobs=2)
    return cfg, root, out, said


def test_runs_are_measured_alike_one_or_two_at_a_time(two_seeds, tiny_run):
    cfg, root, out, _ = two_seeds  # measured two at a time
    _, data = tiny_run
    said = []
    alone = measure(measured_runs(cfg.per_seed(), root), root, load_split(data, "train"),
                    load_split(data, "test"), root.parent / "alone.json", progress=False,
                    log=said.append, jobs=1)
    assert [m.seed for m in alone.models] == [420, 421]
    assert (root.parent / "alone.json").read_bytes() == out.read_bytes()  # to the last digit
    assert [line for line in said if "measured]" in line] == \
        ["[1/2 measured] tiny seed 420", "[2/2 measured] tiny seed 421"]


def test_jobs_train_only_the_missing_seed_and_say_so(two_seeds):
    cfg, root, _, said = two_seeds
    assert any("tiny seed 420: finished run found" in line for line in said)
    assert any(line.startswith("tiny seed 421: epoch 1/") for line in said)
    assert all(Run(c, root).is_finished() for c in cfg.per_seed())
    again = []  # nothing to train, so not even the data is read (a folder without MNIST here)
    train_all(cfg.per_seed(), root.parent, root, jobs=2, progress=False, log=again.append)
    assert len(again) == 2 and all("not training again" in line for line in again)


def test_two_jobs_train_two_runs_side_by_side(tiny_run, tmp_path):
    runs, data = tiny_run
    cfg = Config(**{**TINY, "seed": 7, "seeds": 2, "epochs": 1})
    said = []
    train_all(cfg.per_seed(), data, tmp_path, jobs=2, progress=False, log=said.append)
    assert said[0].startswith("training 2 runs, 2 at a time")
    done = [line for line in said if "runs done" in line]
    assert [line.split("]")[0] for line in done] == ["[1/2 runs done", "[2/2 runs done"]
    assert sorted(line.split("] ")[1] for line in done) == ["tiny seed 7", "tiny seed 8"]
    a, b = (Run(c, tmp_path).read_results() for c in cfg.per_seed())
    assert a.test_loss != b.test_loss  # two seeds, two runs
    # the first seed again, alone in this process, which computes with two threads elsewhere
    torch.set_num_threads(2)
    alone = tmp_path / "alone"
    train_all(cfg.per_seed()[:1], data, alone, jobs=1, progress=False, log=lambda _: None)
    assert torch.get_num_threads() == 2  # the run's own thread count held only while it ran
    solo = Run(cfg.per_seed()[0], alone)
    assert solo.dir.name == Run(cfg.per_seed()[0], tmp_path).dir.name
    assert [m.valid_loss for m in solo.read_metrics()] == \
        [m.valid_loss for m in Run(cfg.per_seed()[0], tmp_path).read_metrics()]
    same = ("test_loss", "test_recon", "test_kl", "iwae_bound", "subset_test_loss", "valid_loss",
            "train_loss_final")
    assert {k: getattr(solo.read_results(), k) for k in same} == {k: getattr(a, k) for k in same}
    np.testing.assert_array_equal(solo.read_steps().recon, Run(cfg.per_seed()[0], tmp_path).read_steps().recon)


def test_local_workers_keep_freed_blocks_and_no_malloc_variable(tiny_run):
    """The allocator's setting reaches every worker: a freed 64 MiB block is reused without new
    page faults, and the nanny's MALLOC_TRIM_THRESHOLD_ is not in the workers' environment."""
    with _client(None, 2, log=lambda _: None) as client:
        found = client.run(_faults_reusing_a_block)
    assert len(found) == 2
    for variable, faults in found.values():
        assert variable is None and faults < 1000, found


def _faults_reusing_a_block(import_package: bool = True) -> tuple[str | None, int]:
    """The minor page faults of filling a 64 MiB block a second time, after freeing the first."""
    import os
    import resource
    if import_package:
        import vae  # noqa: F401  (as a worker does when it unpickles a run's task)
    bytearray(64 << 20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    bytearray(64 << 20)
    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_the_fault_probe_sees_dasks_setting_without_the_package():
    """The probe above can fail: under Dask's variable and without the package's setting,
    every 64 MiB block is mapped and faulted in anew."""
    code = (inspect.getsource(_faults_reusing_a_block)
            + "\nprint(_faults_reusing_a_block(import_package=False)[1])")
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert int(out) > 10000


def test_missing_data_stops_in_this_process_before_any_worker(tmp_path, monkeypatch, offline):
    """A folder without MNIST is named in one VaeError before a cluster starts."""
    import vae.core.jobs
    monkeypatch.setattr(vae.core.jobs, "_client", lambda *a, **k: pytest.fail("a cluster started"))
    cfg = Config(**{**TINY, "seeds": 2, "epochs": 1})
    with pytest.raises(VaeError, match="MNIST is not in"):
        train_all(cfg.per_seed(), tmp_path / "nodata", tmp_path / "runs", jobs=2, progress=False,
                  log=lambda _: None)


def test_the_summary_averages_over_seeds_and_keeps_each(two_seeds, tmp_path):
    cfg, root, measurements, _ = two_seeds
    summary = write_summary(cfg, [], root, tmp_path / "summary.json", measurements)
    entry = summary.main
    results = [Run(c, root).read_results() for c in cfg.per_seed()]
    losses = [r.test_loss for r in results]
    assert summary.seeds == 2 and [s.seed for s in entry.seeds] == [420, 421]
    assert [s.test_loss for s in entry.seeds] == losses
    assert entry.test_loss == pytest.approx(statistics.fmean(losses))
    assert entry.test_loss_sd == pytest.approx(statistics.stdev(losses))
    assert entry.subset_test_loss_sd == pytest.approx(
        statistics.stdev(r.subset_test_loss for r in results))
    assert entry.run_hash == results[0].run_hash  # the figures show the first seed
    assert entry.readings.seed == 420
    build.check_fresh(summary)
    summary.main.seeds[1] = type(entry.seeds[1])(**{**vars(entry.seeds[1]), "run_hash": "x"})
    with pytest.raises(VaeError, match="seed 421.*stale"):
        build.check_fresh(summary)


def test_the_summary_refuses_a_seed_without_measurements(two_seeds, tiny_measurements,
                                                         tmp_path):
    cfg, root, _, _ = two_seeds
    with pytest.raises(VaeError, match="no measurements of 'tiny' seed 421"):
        write_summary(cfg, [], root, tmp_path / "s.json", tiny_measurements)
