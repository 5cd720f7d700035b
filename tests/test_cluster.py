"""Runs sent to a real Dask cluster on 127.0.0.1: a scheduler and two worker processes, as on
two machines, trained through `python -m vae train --scheduler`; a worker killed mid-run leaves
a run that another attempt resumes from its checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, tiny_config, write_mnist
from vae.core.config import load_config
from vae.core.runs import CHECKPOINT, Run

pytestmark = pytest.mark.slow


def wait_for(condition, seconds: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.02)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two workers without nannies (so that killing one kills its work), each
    writing its output to a file; yields the address and the workers' processes and logs."""
    scheduler_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(scheduler_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    wait_for(scheduler_file.exists, what="the scheduler's file")
    address = json.loads(scheduler_file.read_text())["address"]
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    for i, log in enumerate(logs):
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--no-nanny",
             "--nthreads", "1", "--name", f"worker{i}", "--no-dashboard", "--host", "127.0.0.1"],
            stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=ROOT))
    try:
        from distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, procs[1:], logs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def config(tmp_path: Path, name: str, **changes) -> Path:
    """A tiny config file of its own name."""
    path = tiny_config(tmp_path, name=name, **changes).rename(tmp_path / f"{name}.toml")
    return path


def train(address: str, *configs: Path, runs: Path, data: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vae", "train", *map(str, configs),
                             "--scheduler", address, "--runs", str(runs), "--data-dir", str(data),
                             "--no-progress"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_two_workers_train_runs_and_a_killed_worker_leaves_a_resumable_run(cluster, tmp_path):
    address, workers, logs = cluster
    data = write_mnist(tmp_path / "data")
    runs = tmp_path / "runs"
    a = config(tmp_path, name="a", seeds=2)
    b = config(tmp_path, name="b")
    done = train(address, a, b, runs=runs, data=data)
    out, _ = done.communicate(timeout=300)
    assert done.returncode == 0, out
    assert "training on the cluster at tcp://127.0.0.1" in out and "[3/3 runs done]" in out
    assert all(Run(cfg, runs).is_finished()
               for path in (a, b) for cfg in load_config(path).per_seed())
    trained_by = [log.read_text() for log in logs]
    assert all("epoch 1/" in text for text in trained_by), "each worker trained a run"

    long = config(tmp_path, name="long", epochs=40)
    run = Run(load_config(long), runs)
    build = train(address, long, runs=runs, data=data)

    def training() -> list[int]:  # the worker that has finished an epoch of it
        return [i for i, log in enumerate(logs) if "long seed 420: epoch 1/" in log.read_text()]
    wait_for(training, what="the first epoch of the long run")
    victim = training()[0]
    assert (run.dir / CHECKPOINT).exists() and not run.is_finished()
    os.kill(workers[victim].pid, signal.SIGKILL)
    out, _ = build.communicate(timeout=300)
    assert build.returncode == 0, out
    survivor = logs[1 - victim].read_text()
    assert "long seed 420: resuming after epoch" in survivor, survivor[-2000:]
    assert run.is_finished() and run.read_results().epochs == 40
    assert len(run.read_metrics()) == 40
