"""The run folder: its cache key, its lock, its typed files."""

from __future__ import annotations

import fcntl
import json
import os
import selectors
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import ROOT, TINY
from vae import VaeError
from vae.core.config import Config
from vae.core.records import StaleRecord, from_json, read_record, write_record
from vae.core.runs import STEP_COLUMNS, Run


def _wait_for_line(proc: subprocess.Popen, seconds: float = 60) -> str:
    """The first line the process prints, or fail after `seconds`."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=seconds):
            proc.kill()
            raise AssertionError("the second trainer printed nothing")
    return proc.stdout.readline()


def test_a_second_trainer_waits_and_then_finds_the_run_finished(tiny_run, tmp_path):
    finished_runs, data = tiny_run
    cfg = Config(**TINY)
    config = tmp_path / "tiny.toml"
    config.write_text(cfg.to_toml())
    run = Run(cfg, tmp_path / "runs")
    run.dir.mkdir(parents=True)
    with open(run.dir / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a first trainer holds it
        second = subprocess.Popen(
            [sys.executable, "-m", "vae", "train", str(config), "--runs", str(run.dir.parent),
             "--data-dir", str(data), "--no-progress"],
            cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        first_line = _wait_for_line(second)
        assert "another process is training" in first_line and "waiting" in first_line
        time.sleep(0.5)
        assert second.poll() is None, "the second trainer did not wait"
        # the first trainer finishes the run, then lets go of the lock
        shutil.copytree(Run(cfg, finished_runs).dir, run.dir, dirs_exist_ok=True)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "finished this run" in out and "not training again" in out
    assert "epoch 1/" not in out


def test_steps_are_read_by_column_name(tmp_path):
    run = Run(Config(**TINY), tmp_path)
    run.dir.mkdir(parents=True)
    rows = np.arange(12, dtype=np.float32).reshape(4, 3)
    run.write_steps(rows)
    steps = run.read_steps()
    for i, name in enumerate(STEP_COLUMNS):
        np.testing.assert_array_equal(getattr(steps, name), rows[:, i])
    np.testing.assert_array_equal(steps.loss, steps.recon + steps.kl)
    with pytest.raises(ValueError, match="columns"):
        run.write_steps(rows[:, :2])


def test_an_unfinished_run_is_refused_by_name(tmp_path):
    with pytest.raises(VaeError, match="'tiny seed 420' has no finished run.*make study"):
        Run(Config(**TINY), tmp_path).read_results()


@dataclass(frozen=True)
class Inner:
    value: float


@dataclass(frozen=True)
class Outer:
    name: str
    count: int
    items: list[Inner]
    table: dict[str, Inner] | None


def test_a_record_round_trips(tmp_path):
    record = Outer("a", 3, [Inner(1.5), Inner(2)], {"x": Inner(0.0)})
    write_record(tmp_path / "r.json", record)
    assert read_record(Outer, tmp_path / "r.json", "thing") == record


@pytest.mark.parametrize("data, words", [
    ({"name": "a", "count": 3, "items": []}, "lacks table"),
    ({"name": "a", "count": 3, "items": [], "table": None, "extra": 1}, "has unknown extra"),
    ({"name": "a", "count": 3.5, "items": [], "table": None}, "count should be a int"),
    ({"name": "a", "count": True, "items": [], "table": None}, "count should be a int"),
    ({"name": "a", "count": 3, "items": [{"value": "x"}], "table": None}, "items[0].value"),
    ({"name": "a", "count": 3, "items": [], "table": {"k": {}}}, "table.k lacks value"),
    ([1, 2], "is not an object"),
])
def test_a_foreign_record_is_refused_with_the_make_target(tmp_path, data, words):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    with pytest.raises(StaleRecord) as err:
        read_record(Outer, path, "thing")
    message = str(err.value)
    assert str(path) in message and words in message and "run `make thing` again" in message


def test_from_json_accepts_whole_numbers_for_floats():
    assert from_json(Inner, {"value": 2}) == Inner(2.0)
