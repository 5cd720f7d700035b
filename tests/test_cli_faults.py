"""Faults provoked for real through the command line (issue 8), each with its exact outcome.

Every case runs `python -m vae ...` or `build.py` as a separate process, or calls their main()
in-process where a monkeypatch is needed, and expects: exit status 2, one `error: ...` line
that names the file, folder or key and the fix, no traceback, and nothing written.
What test_cli.py, test_data.py, test_config.py and test_train.py already cover is not repeated.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import ROOT, idx_bytes, one_error_line, tiny_config, write_mnist
from vae import cli
from vae.core.config import load_config
from vae.core.data import ALL_FILES, IMAGES_MAGIC, LABELS_MAGIC, raw_dir
from vae.core.model import VAE
from vae.core.runs import CHECKPOINT, CHECKPOINT_KEYS

import build

# in-process, no test may ever download MNIST: a download attempt fails as offline
pytestmark = pytest.mark.usefixtures("one_thread", "restore_sigterm", "offline")

TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"


# --- helpers -------------------------------------------------------------------------------


def run(*args: str, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess:
    """`python ARGS` from the repository root, as the Makefile runs it."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "code"), **(env or {})}
    return subprocess.run([*prefix, sys.executable, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_error(rc: int, stderr: str) -> str:
    """Exit status 2 and one error line without a traceback; returns that line."""
    assert rc == 2, stderr
    return one_error_line(stderr)


def nothing_in(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def train_in_process(capsys, config: Path, data: Path, runs: Path, *extra: str) -> tuple[int, str]:
    rc = cli.main(["train", str(config), "--data-dir", str(data), "--runs", str(runs),
                   "--no-progress", *extra])
    return rc, capsys.readouterr().err


# --- 1. data -------------------------------------------------------------------------------


def _damage(kind: str, data: Path) -> tuple[Path, tuple[str, ...]]:
    """Damage one file of a good DATA_DIR; return it and words its message must contain."""
    raw = raw_dir(data)
    images, labels = np.zeros((40, 28, 28), np.uint8), (np.arange(40) % 10).astype(np.uint8)
    if kind == "truncated images":
        path = raw / f"{TRAIN_IMAGES}.gz"
        path.write_bytes(gzip.compress(idx_bytes(images, IMAGES_MAGIC)[:-100]))
        return path, ("truncated",)
    if kind == "label 10 in the train labels":
        labels[7] = 10
        path = raw / f"{TRAIN_LABELS}.gz"
        path.write_bytes(gzip.compress(idx_bytes(labels, LABELS_MAGIC)))
        return path, ("label 10", "index 7", "0..9")
    if kind == "label 255 in the test labels":  # the test split is checked before training too
        labels = (np.arange(20) % 10).astype(np.uint8)
        labels[19] = 255
        path = raw / f"{TEST_LABELS}.gz"
        path.write_bytes(gzip.compress(idx_bytes(labels, LABELS_MAGIC)))
        return path, ("label 255", "0..9")
    if kind == "labels where images belong":  # wrong magic number
        path = raw / f"{TRAIN_IMAGES}.gz"
        path.write_bytes(gzip.compress(idx_bytes(labels, LABELS_MAGIC)))
        return path, ("magic number", str(LABELS_MAGIC), str(IMAGES_MAGIC))
    raise AssertionError(kind)


DAMAGE = ["truncated images", "label 10 in the train labels", "label 255 in the test labels",
          "labels where images belong"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_file_stops_before_anything_is_written(tmp_path, capsys, kind):
    data, runs = write_mnist(tmp_path / "data", n_train=40, n_test=20), tmp_path / "runs"
    path, words = _damage(kind, data)
    rc, err = train_in_process(capsys, tiny_config(tmp_path), data, runs)
    line = assert_error(rc, err)
    assert f"'{path}'" in line
    for word in words:
        assert word in line, line
    assert "intact copy" in line  # the fix
    assert nothing_in(runs)


@pytest.fixture
def dead_proxy():
    """Proxy settings that send every download to a local port nobody listens on: a machine
    without a network, as torchvision's real download code meets it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused at once
    proxy = f"http://127.0.0.1:{sock.getsockname()[1]}"
    yield {name: proxy for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")} | {
        "no_proxy": "", "NO_PROXY": ""}
    sock.close()


def test_a_data_dir_that_does_not_exist_offline(tmp_path, dead_proxy):
    data, runs = tmp_path / "no-such-dir", tmp_path / "runs"
    # tiny limits, so that even a download that got through could not train for long
    config = tiny_config(tmp_path, train_limit=32, test_limit=16)
    done = run("-m", "vae", "train", str(config), "--data-dir", str(data), "--runs", str(runs),
               "--no-progress", env=dead_proxy)
    line = assert_error(done.returncode, done.stderr)
    assert f"MNIST is not in '{raw_dir(data)}' and could not be downloaded" in line
    assert all(name in line for name in ALL_FILES)
    assert "DATA_DIR" in line
    assert nothing_in(runs)
    assert not [p for p in data.rglob("*") if p.is_file()]  # nothing was downloaded


def test_missing_test_files_offline(tmp_path, capsys):
    data, runs = write_mnist(tmp_path / "data", n_train=40, n_test=20), tmp_path / "runs"
    for path in raw_dir(data).glob("t10k-*"):
        path.unlink()
    rc, err = train_in_process(capsys, tiny_config(tmp_path), data, runs)
    line = assert_error(rc, err)
    assert f"MNIST is not in '{raw_dir(data)}'" in line and "DATA_DIR" in line
    assert nothing_in(runs)


def test_a_folder_where_a_file_belongs(tmp_path, capsys):
    data, runs = write_mnist(tmp_path / "data", n_train=40, n_test=20), tmp_path / "runs"
    images = raw_dir(data) / f"{TRAIN_IMAGES}.gz"
    images.unlink()
    images.with_suffix("").mkdir()  # train-images-idx3-ubyte is a folder
    rc, err = train_in_process(capsys, tiny_config(tmp_path), data, runs)
    line = assert_error(rc, err)
    assert f"'{raw_dir(data)}'" in line and TRAIN_IMAGES in line and "DATA_DIR" in line
    assert nothing_in(runs)


def _without_permission_override() -> tuple[str, ...]:
    """A command prefix under which chmod 000 stops reads: root reads anything through
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so the child process runs without them."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, where chmod 000 does not stop reads, and without "
                    "setpriv to drop the capabilities that let root read anyway")
    return (setpriv, "--bounding-set", "-dac_override,-dac_read_search")


def test_an_unreadable_data_dir(tmp_path):
    prefix = _without_permission_override()
    data, runs = write_mnist(tmp_path / "data", n_train=40, n_test=20), tmp_path / "runs"
    data.chmod(0o000)
    try:
        probe = subprocess.run([*prefix, "ls", str(data)], capture_output=True)
        if probe.returncode == 0:
            pytest.skip("chmod 000 does not stop reads here (root with its capabilities)")
        done = run("-m", "vae", "train", str(tiny_config(tmp_path)), "--data-dir", str(data),
                   "--runs", str(runs), "--no-progress", prefix=prefix)
    finally:
        data.chmod(0o755)
    line = assert_error(done.returncode, done.stderr)
    assert f"'{data}" in line and "Permission denied" in line
    assert "permissions" in line and "--data-dir" in line  # the fix
    assert nothing_in(runs)


# --- 2. configuration ----------------------------------------------------------------------

# What each config error says is test_config.py's; here, that the command line turns it into
# exit status 2 and one line before it reads data or starts a run.


def test_a_config_error_as_make_sees_it(tmp_path):
    config, data, runs = tmp_path / "bad.toml", tmp_path / "data", tmp_path / "runs"
    config.write_text('name = "bad"\nlearning_rate = 0.1\n')
    done = run("-m", "vae", "train", str(config), "--data-dir", str(data), "--runs", str(runs),
               "--no-progress")
    line = assert_error(done.returncode, done.stderr)
    assert line.startswith(f"error: config file '{config}': unknown key 'learning_rate'")
    assert not data.exists() and not runs.exists()  # no data read, no run started


@pytest.mark.parametrize("option,start", [
    (["--overlay", "{tmp}/absent.toml"], "error: config file '{tmp}/absent.toml' does not exist"),
    (["--overlay", "{tmp}/overlay.toml"],
     "error: config file '{tmp}/overlay.toml': unknown key 'epoch'; known keys: "),
    (["--set", "epoch=3"], "error: override 'epoch=3': unknown key 'epoch'; known keys: "),
], ids=["missing overlay", "unknown key in the overlay", "unknown key in --set"])
def test_an_overlay_or_set_error_writes_nothing(tmp_path, capsys, option, start):
    data, runs = tmp_path / "data", tmp_path / "runs"
    (tmp_path / "overlay.toml").write_text("epochs = 1\nepoch = 2\n")
    option = [part.format(tmp=tmp_path) for part in option]
    line = assert_error(*train_in_process(capsys, tiny_config(tmp_path), data, runs, *option))
    assert line.startswith(start.format(tmp=tmp_path)), line
    assert not data.exists() and not runs.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_cuda_without_a_cuda_device_writes_nothing(tmp_path, capsys):
    data, runs = write_mnist(tmp_path / "data", n_train=40, n_test=20), tmp_path / "runs"
    line = assert_error(*train_in_process(capsys, tiny_config(tmp_path), data, runs,
                                          "--set", "device=cuda"))
    assert "'device'" in line and "device=auto or device=cpu" in line
    assert nothing_in(runs)


@pytest.mark.parametrize("command", ["summary", "figures", "bench"])
def test_the_other_commands_check_their_configs(tmp_path, capsys, command):
    config, runs, out = tmp_path / "bad.toml", tmp_path / "runs", tmp_path / "out"
    config.write_text('name = "t"\noptimizer = "adagrad"\n')
    where = ["--main", str(config)] if command != "bench" else [str(config)]
    rc = cli.main([command, *where, "--runs", str(runs), "--data-dir", str(tmp_path / "data"),
                   "--out", str(out)])
    line = assert_error(rc, capsys.readouterr().err)
    assert "'optimizer'" in line and "adamw, adam, sgd" in line and str(config) in line
    assert not runs.exists() and not out.exists()


# --- 3. numerical divergence ---------------------------------------------------------------

# One batch per epoch: the first loss comes from the initial weights, whatever the learning
# rate. With AdamW every step moves each weight by about lr: lr=300 keeps two epochs finite on
# this data and then overflows, so a good checkpoint exists when training stops.
ONE_STEP_PER_EPOCH = dict(batch_size=32, epochs=4, optimizer="adamw")


def test_divergence_after_the_first_epoch_keeps_the_checkpoint(tmp_path):
    data, runs = write_mnist(tmp_path / "data", n_train=32, n_test=16), tmp_path / "runs"
    config = tiny_config(tmp_path, **ONE_STEP_PER_EPOCH)
    done = run("-m", "vae", "train", str(config), "--set", "lr=300", "--data-dir", str(data),
               "--runs", str(runs), "--no-progress")
    line = assert_error(done.returncode, done.stderr)
    found = re.search(r"training 'tiny seed 420' diverged: the loss became (nan|inf|-inf) at "
                      r"epoch (\d+), step (\d+)[ .]", line)
    assert found, line
    epoch, step = int(found.group(2)), int(found.group(3))
    assert epoch >= 2 and step == 1
    (directory,) = runs.iterdir()
    assert f"The last good checkpoint (after epoch {epoch - 1}) is kept in '{directory}'" in line
    assert "lr=300.0" in line and "grad_clip" in line  # the two hints
    # the last good checkpoint is there and loads into the model it came from
    state = torch.load(directory / CHECKPOINT, map_location="cpu", weights_only=True)
    assert CHECKPOINT_KEYS <= set(state) and state["epoch"] == epoch - 1
    model = VAE(load_config(config))
    model.load_state_dict(state["model"])
    assert all(torch.isfinite(p).all() for p in model.parameters())
    rows = (directory / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["epoch"] for r in rows] == list(range(1, epoch))
    assert not (directory / "results.json").exists() and not (directory / "model.pt").exists()


@pytest.mark.parametrize("n_train", [96, 32], ids=["mid-epoch", "at the end of an epoch"])
def test_sgd_with_a_huge_learning_rate_diverges_cleanly(tmp_path, capsys, n_train):
    data, runs = write_mnist(tmp_path / "data", n_train=n_train, n_test=16), tmp_path / "runs"
    config = tiny_config(tmp_path, batch_size=32, epochs=3, optimizer="sgd", lr=1e4)
    line = assert_error(*train_in_process(capsys, config, data, runs))
    assert "diverged" in line and "lr=10000.0" in line and "grad_clip" in line
    assert not list(runs.glob("*/results.json"))


# --- 4. build.py ---------------------------------------------------------------------------


META = ('title = "t"\nsubtitle = "s"\nauthor = "a"\nstudent_id = "1"\ncourse = "c"\n')


def build_args(tmp_path: Path) -> list[str]:
    meta = tmp_path / "report.toml"
    if not meta.exists():
        meta.write_text(META)
    return ["--results", str(tmp_path / "results"), "--figures", str(tmp_path / "figures"),
            "--meta", str(meta), "--build-dir", str(tmp_path / "build"),
            "--out", str(tmp_path / "report.pdf")]


def assert_no_build_output(tmp_path: Path) -> None:
    assert not (tmp_path / "build").exists() and not (tmp_path / "report.pdf").exists()


def test_build_without_summary_as_make_sees_it(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "verify.json").write_text('{"passed": true, "code": "", "checks": []}')
    done = run("build.py", *build_args(tmp_path))
    line = assert_error(done.returncode, done.stderr)
    assert line == f"error: '{results / 'summary.json'}' is missing; run `make summary` first"
    assert_no_build_output(tmp_path)


def test_build_without_verify(tmp_path, capsys):
    line = assert_error(build.main(build_args(tmp_path)), capsys.readouterr().err)
    verify = tmp_path / "results" / "verify.json"
    assert line == f"error: '{verify}' is missing; run `make verify` first"
    assert_no_build_output(tmp_path)


@pytest.mark.parametrize("text,words", [
    ("{not json", ("not valid JSON", "make summary")),
    ("{}", ("not written by this version", "lacks seeds, shared_seeds, all_seeds, first_look, several_seeds, alpha, comparisons,",
            "run `make summary` again")),
], ids=["invalid JSON", "no keys"])
def test_build_with_a_broken_summary(tmp_path, capsys, text, words):
    results = tmp_path / "results"
    results.mkdir()
    (results / "verify.json").write_text('{"passed": true, "code": "", "checks": []}')
    (results / "summary.json").write_text(text)
    line = assert_error(build.main(build_args(tmp_path)), capsys.readouterr().err)
    assert f"'{results / 'summary.json'}'" in line
    for word in words:
        assert word in line, line
    assert_no_build_output(tmp_path)


def test_build_with_an_unknown_key_in_the_meta_file(tmp_path, capsys):
    meta = tmp_path / "report.toml"
    meta.write_text(META + 'authr = "x"\n')
    line = assert_error(build.main(build_args(tmp_path)), capsys.readouterr().err)
    assert line.startswith(f"error: report config '{meta}': unknown key 'authr'; known keys: ")
    assert "author" in line
    assert_no_build_output(tmp_path)
