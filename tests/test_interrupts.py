"""Training stopped by SIGINT, SIGTERM or SIGKILL resumes to exactly the uninterrupted numbers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, write_mnist

pytestmark = pytest.mark.slow
TIMINGS = {"seconds", "images_per_s", "seconds_per_epoch", "eval_seconds"}
CONFIG = ('name = "sig"\nseeds = 1\nhidden = 128\nlatent_dim = 2\nepochs = 4\nbatch_size = 16\n'
          'iwae_k = 4\niwae_images = 50\nvalidation = 500\n')


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("signals")
    data = write_mnist(base / "data", n_train=3000, n_test=200)
    config = base / "sig.toml"
    config.write_text(CONFIG)
    reference = base / "reference"
    train(config, data, reference).check_returncode()
    return base, data, config, read_run(reference)


def train(config: Path, data: Path, runs: Path, **popen) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "vae", "train", str(config), "--data-dir", str(data),
           "--runs", str(runs), "--no-progress"]
    if popen:
        # SIGINT as at a terminal: a shell's background job (a CI runner's, say) starts its
        # children with SIGINT ignored, and Python then never turns it into KeyboardInterrupt
        return subprocess.Popen(cmd, cwd=ROOT, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def read_run(runs: Path) -> dict:
    (run,) = runs.glob("sig-*")
    results = {k: v for k, v in json.loads((run / "results.json").read_text()).items()
               if k not in TIMINGS}
    metrics = [{k: v for k, v in json.loads(line).items() if k not in TIMINGS}
               for line in (run / "metrics.jsonl").read_text().splitlines()]
    return {"results": results, "metrics": metrics, "steps": np.load(run / "steps.npy")}


def wait_for_epochs(runs: Path, n: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = list(runs.glob("sig-*/metrics.jsonl"))
        if rows and len(rows[0].read_text().splitlines()) >= n:
            return
        assert proc.poll() is None, "training ended before it could be interrupted"
        time.sleep(0.01)
    raise AssertionError("training made no progress")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_training_resumes_to_identical_numbers(setup, tmp_path, sig):
    base, data, config, reference = setup
    runs = tmp_path / "runs"
    proc = train(config, data, runs, popen=True)
    wait_for_epochs(runs, 1, proc)
    if sig != signal.SIGKILL:
        time.sleep(0.2)  # into the next epoch, so the stop falls mid-epoch
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
    assert not list(runs.glob("sig-*/results.json")), "stopped before it finished"
    resumed = train(config, data, runs)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after epoch" in resumed.stdout
    again = read_run(runs)
    assert again["results"] == reference["results"]
    assert again["metrics"] == reference["metrics"]
    np.testing.assert_array_equal(again["steps"], reference["steps"])
