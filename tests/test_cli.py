"""`python -m vae` in-process: the interrupt exit, reusing a finished run, layering configs.

Config and data errors at the command line are in test_cli_faults.py.
"""

from __future__ import annotations

import shutil

import pytest
import vae.core.train
from conftest import ROOT, one_error_line, tiny_config, write_mnist
from vae import cli

CONFIGS = ROOT / "configs"

pytestmark = pytest.mark.usefixtures("one_thread", "restore_sigterm")


# --- an interrupt --------------------------------------------------------------------------


def test_an_interrupt_exits_130_with_the_resume_hint(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(vae.core.train, "train", interrupted)
    data = write_mnist(tmp_path / "data", n_train=40, n_test=20)
    rc = cli.main(["train", str(tiny_config(tmp_path)), "--runs", str(tmp_path / "runs"),
                   "--data-dir", str(data), "--no-progress"])
    assert rc == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "resume" in err and "Traceback" not in err


# --- training and caching ------------------------------------------------------------------


def test_train_then_not_again(tmp_path, capsys, offline):
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
