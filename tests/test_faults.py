"""Faults a user can hit outside training: no TeX, a concurrent build."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess

import pytest
from conftest import ROOT
from vae import VaeError
from vae.report import tex_run

TEX_PACKAGES = ["latexmk", "texlive-latex-recommended", "texlive-latex-extra",
                "texlive-fonts-recommended", "texlive-science", "lmodern"]


def test_make_without_tex_and_without_apt_names_the_packages(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sh", "id"):  # a machine with a shell but neither TeX nor apt-get
        os.symlink(shutil.which(tool), bin_dir / tool)
    proc = subprocess.run([shutil.which("make"), "--no-print-directory", "tex"], cwd=ROOT,
                          env={"PATH": str(bin_dir)}, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "TeX is incomplete" in proc.stdout
    for package in TEX_PACKAGES:
        assert package in proc.stdout


def test_build_without_latexmk_names_the_packages(monkeypatch, tmp_path):
    monkeypatch.setattr(tex_run.shutil, "which", lambda _: None)
    with pytest.raises(VaeError) as err:
        tex_run.compile_pdf(tmp_path / "report.tex", tmp_path, ROOT)
    for package in TEX_PACKAGES:
        assert package in str(err.value)


def test_second_make_report_waits_for_the_first(tmp_path):
    lock = tmp_path / "lock"
    report_existed = (ROOT / "report").exists()
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running `make report` holds it
        # echo stands in for the inner make: past the lock it would return at once (so still
        # running means waiting), and the checkout's report is never built
        proc = subprocess.Popen(["make", "--no-print-directory", "report", f"REPORT_LOCK={lock}",
                                 "MAKE=echo"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.communicate(timeout=4)  # still waiting for the lock
        os.killpg(proc.pid, signal.SIGTERM)  # the whole group, so no waiter outlives the test
        output, _ = proc.communicate()
    assert "another 'make report' is running" in output
    assert f"(lock: {lock})" in output
    assert (ROOT / "report").exists() == report_existed
