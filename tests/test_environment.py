"""The locked environment: make installs exactly requirements.lock, and the report says so."""

from __future__ import annotations

import pytest
from conftest import ROOT
from vae import VaeError
from vae.report.summary import LOCK, environment, locked_versions


def test_every_installed_package_is_at_its_locked_version():
    assert LOCK == ROOT / "requirements.lock"
    env = environment()
    assert env.unlocked == [], "the environment differs from requirements.lock: run `make setup`"
    assert env.locked == len(locked_versions(LOCK)) > len(env.packages)
    assert {name: locked_versions(LOCK)[name] for name in env.packages} == env.packages


def test_a_package_that_differs_from_the_lock_is_named(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# a comment==1\nNumPy==0.0.1\n    # via torch\ntorch==2.14.1\n")
    assert locked_versions(lock) == {"numpy": "0.0.1", "torch": "2.14.1"}
    env = environment(lock)
    assert env.locked == 2 and env.unlocked == [f"numpy {env.packages['numpy']} (locked 0.0.1)"]


def test_a_missing_lock_is_refused(tmp_path):
    with pytest.raises(VaeError, match="make lock"):
        environment(tmp_path / "requirements.lock")
