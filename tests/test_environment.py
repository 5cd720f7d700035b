"""The locked environment: make installs exactly requirements.lock, and the report says so."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions

import pytest
from conftest import ROOT
from vae import VaeError
from vae.core.checkout import LOCK, declared_dependencies, locked_versions, normal_name
from vae.report.summary import environment


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


def test_every_package_the_build_imports_is_declared_and_listed():
    """The provenance table lists pyproject's dependencies; every third-party package that the
    code, the checks or build.py import must be one of them (through its distribution)."""
    imported = set()
    sources = [*(ROOT / "code" / "vae").rglob("*.py"), *(ROOT / "derivations").rglob("*.py"),
               ROOT / "build.py"]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"vae", "derivations", "build"}
    distributions = packages_distributions()
    declared = set(declared_dependencies())
    undeclared = {m: distributions.get(m) for m in third_party
                  if not {normal_name(d) for d in distributions.get(m, [])} & declared}
    assert not undeclared, f"imported but not in pyproject.toml's dependencies: {undeclared}"
    assert {"torch", "distributed", "scipy", "scikit-learn"} <= declared
    assert list(environment().packages) == declared_dependencies()
