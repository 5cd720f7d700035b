"""The repository this package runs from: its root, the lock file, and the dependencies that
pyproject.toml declares (the report's provenance table lists exactly those)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .errors import VaeError
from .cache_keys import module_file

CHECKOUT = module_file("vae").resolve().parents[2]  # code/vae/__init__.py
LOCK = CHECKOUT / "requirements.lock"
PYPROJECT = CHECKOUT / "pyproject.toml"


def normal_name(name: str) -> str:
    """A distribution's name as PEP 503 compares it: Scikit_Learn and scikit-learn are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies(pyproject: Path = PYPROJECT) -> list[str]:
    """The normalised names of the project's run-time dependencies, in pyproject's order."""
    try:
        declared = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise VaeError(f"cannot read the dependencies of '{pyproject}' ({exc})") from None
    return [normal_name(re.match(r"[A-Za-z0-9_.-]+", spec).group()) for spec in declared]


def locked_versions(path: Path = LOCK) -> dict[str, str]:
    """requirements.lock as {normalised name: version}."""
    if not path.is_file():
        raise VaeError(f"'{path}' is missing: the environment is not locked; restore it from "
                       f"git or write it with `make lock`")
    pins = {}
    for line in path.read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, pinned = line.split("#")[0].strip().split("==", 1)
            pins[normal_name(name)] = pinned.strip()
    return pins
