"""`python -m vae`: one-line errors with exit status 2, the offline message, and caching."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest

import vae.train
from conftest import TINY, write_mnist
from vae import cli
from vae.config import Config
from vae.data import ALL_FILES, raw_dir

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(autouse=True)
def restore_sigterm():
    """cli.main installs a SIGTERM handler; give pytest its own back."""
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


def run_vae(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "code")}
    return subprocess.run([sys.executable, "-m", "vae", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def tiny_config(tmp_path: Path, **changes) -> Path:
    cfg = Config(**{**TINY, "iwae_k": 4, "iwae_images": 20, "device": "cpu", **changes})
    path = tmp_path / "tiny.toml"
    path.write_text(cfg.to_toml())
    return path


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- errors from a separate process, exactly as `make` sees them ---------------------------


def test_bad_key_in_a_config_file_exits_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nlearning_rate = 0.1\n')
    done = run_vae("train", str(path), "--runs", str(tmp_path / "runs"),
                   "--data-dir", str(tmp_path / "data"), "--no-progress")
    assert done.returncode == 2, done.stderr
    line = one_error_line(done.stderr)
    assert "learning_rate" in line and str(path) in line
    assert not (tmp_path / "runs").exists() and not (tmp_path / "data").exists()


def test_bad_override_exits_2(tmp_path):
    done = run_vae("train", str(CONFIGS / "quick.toml"), "--set", "epoch=3",
                   "--runs", str(tmp_path / "runs"), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2, done.stderr
    assert "'epoch'" in one_error_line(done.stderr)


# --- in-process: errors ---------------------------------------------------------------------


@pytest.mark.parametrize("args,words", [
    (["--set", "lr=fast"], ("'lr'", "float")),
    (["--set", "latent_dim=0"], ("'latent_dim'", "positive")),
    (["--set", "optimizer=adagrad"], ("'optimizer'", "adamw")),
    (["--overlay", "missing-overlay.toml"], ("missing-overlay.toml",)),
])
def test_config_errors_are_one_line(tmp_path, capsys, args, words):
    rc = cli.main(["train", str(tiny_config(tmp_path)), *args, "--runs", str(tmp_path / "runs"),
                   "--data-dir", str(tmp_path / "data"), "--no-progress"])
    assert rc == 2
    line = one_error_line(capsys.readouterr().err)
    for word in words:
        assert word in line


class _Offline:
    def __init__(self, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def test_no_data_and_no_network(tmp_path, capsys, monkeypatch):
    torchvision_datasets = pytest.importorskip("torchvision.datasets")
    monkeypatch.setattr(torchvision_datasets, "MNIST", _Offline)
    data, runs = tmp_path / "empty", tmp_path / "runs"
    data.mkdir()
    rc = cli.main(["train", str(tiny_config(tmp_path)), "--runs", str(runs),
                   "--data-dir", str(data), "--no-progress"])
    assert rc == 2
    line = one_error_line(capsys.readouterr().err)
    assert "could not be downloaded" in line and "DATA_DIR" in line
    assert str(raw_dir(data)) in line
    assert all(name in line for name in ALL_FILES)
    assert not runs.exists()  # nothing is started without data


def test_an_interrupt_exits_130_with_the_resume_hint(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(vae.train, "train", interrupted)
    data = write_mnist(tmp_path / "data", n_train=40, n_test=20)
    rc = cli.main(["train", str(tiny_config(tmp_path)), "--runs", str(tmp_path / "runs"),
                   "--data-dir", str(data), "--no-progress"])
    assert rc == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "resume" in err and "Traceback" not in err


# --- in-process: training and caching ------------------------------------------------------


def test_train_then_not_again(tmp_path, capsys, monkeypatch):
    data = write_mnist(tmp_path / "data", n_train=96, n_test=40)
    runs = tmp_path / "runs"
    args = ["train", str(tiny_config(tmp_path)), "--runs", str(runs), "--data-dir", str(data),
            "--no-progress"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "epoch 2/2" in out
    finished = list(runs.glob("tiny-*/results.json"))
    assert len(finished) == 1
    mtime = finished[0].stat().st_mtime_ns

    shutil.rmtree(data)  # a finished run needs no data, not even to check it is finished
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "not training again" in out
    assert "epoch 1/2" not in out
    assert finished[0].stat().st_mtime_ns == mtime

    # a changed setting is another run, which does need the data
    torchvision_datasets = pytest.importorskip("torchvision.datasets")
    monkeypatch.setattr(torchvision_datasets, "MNIST", _Offline)
    assert cli.main([*args, "--set", "epochs=1"]) == 2
    assert "MNIST" in one_error_line(capsys.readouterr().err)


# --- how configs are layered ---------------------------------------------------------------


def test_overlay_and_set_layering():
    (cfg,) = cli.load_configs([str(CONFIGS / "default.toml")], str(CONFIGS / "quick.toml"),
                              ["epochs=3"])
    quick = cli.load_configs([str(CONFIGS / "quick.toml")], None, [])[0]
    default = cli.load_configs([str(CONFIGS / "default.toml")], None, [])[0]
    assert cfg.name == default.name and cfg.description == default.description  # protected
    assert cfg.train_limit == quick.train_limit and cfg.iwae_k == quick.iwae_k  # overlaid
    assert cfg.epochs == 3  # --set comes last
    assert cfg.hidden == default.hidden  # keys the overlay does not set stay the config's
