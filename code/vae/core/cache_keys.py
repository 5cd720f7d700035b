"""What a cached result depends on, read from the code itself: the project's modules that a
module imports, directly or through others, and a digest of what they do.

Every cache (a run, the digit classifier, the measurements, each figure, the symbolic checks)
is keyed by the digest of its module's import closure, so a new helper module imported by
losses.py changes every run's hash without anyone listing it. The digest reads each module's
syntax tree without comments and docstrings: editing either keeps every cache. Only modules of
the project's own packages count (libraries are pinned by the lock file), and nothing is
imported: the closure is found from the source, so that checking a cache needs no torch.
"""

from __future__ import annotations

import ast
import copy
import functools
import hashlib
import importlib.util
import json
from pathlib import Path

PACKAGES = ("vae", "derivations")


@functools.cache
def _package_root(top: str) -> Path:
    spec = importlib.util.find_spec(top)  # finds, without importing, a top-level package
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"package '{top}' is not importable; run from the repository root")
    return Path(next(iter(spec.submodule_search_locations)))


def module_file(name: str) -> Path | None:
    """The source file of a module of PACKAGES, or None for anything else."""
    top, *rest = name.split(".")
    if top not in PACKAGES:
        return None
    base = _package_root(top).joinpath(*rest)
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _is_package(name: str) -> bool:
    path = module_file(name)
    return path is not None and path.name == "__init__.py"


def _absolute(name: str, module: str | None, level: int) -> str:
    """The absolute name of `from <level dots><module> import ...` written in module `name`."""
    if not level:
        return module or ""
    parts = name.split(".") if _is_package(name) else name.split(".")[:-1]
    base = parts[:len(parts) - level + 1]
    return ".".join(base + ([module] if module else []))


def _with_parents(name: str) -> list[str]:
    """name and the packages above it, whose __init__ runs when name is imported."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@functools.cache
def _parsed(path: Path, stamp: tuple[int, int]) -> ast.Module:
    """A file's syntax tree, parsed once per version of the file (stamp: mtime and size)."""
    return ast.parse(path.read_text(), str(path))


def direct_imports(name: str) -> frozenset[str]:
    """The project modules that module `name` imports anywhere in its body, lazy imports in
    functions included, with their parent packages."""
    path = module_file(name)
    if path is None:
        raise ImportError(f"'{name}' is not a module of {', '.join(PACKAGES)}")
    stat = path.stat()
    return _imports(name, path, (stat.st_mtime_ns, stat.st_size))


@functools.cache
def _imports(name: str, path: Path, stamp: tuple[int, int]) -> frozenset[str]:
    found: set[str] = set()
    for node in ast.walk(_parsed(path, stamp)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(name, node.module, node.level)
            # `from package import module` imports the module too
            targets = [source, *(f"{source}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            if module_file(target) is not None:
                found.update(_with_parents(target))
    found.discard(name)
    return frozenset(found)


def imported_modules(*roots: str) -> list[str]:
    """The roots and every project module they import, directly or not, sorted."""
    seen: set[str] = set()
    todo = [m for root in roots for m in _with_parents(root)]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(direct_imports(name))
    return sorted(seen)


def _code(name: str) -> str:
    """The syntax tree of a module as text, without docstrings (comments never reach it)."""
    path = module_file(name)
    stat = path.stat()
    return _stripped(path, (stat.st_mtime_ns, stat.st_size))


@functools.cache
def _stripped(path: Path, stamp: tuple[int, int]) -> str:
    tree = copy.deepcopy(_parsed(path, stamp))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def module_digests(*roots: str) -> dict[str, str]:
    """Each module that the roots import (and the roots), with a digest of what it does: what a
    cached result records, so that a plan can name the module whose edit made it stale."""
    return {name: hashlib.sha256(_code(name).encode()).hexdigest()[:12]
            for name in imported_modules(*roots)}


def code_digest(*roots: str) -> str:
    """A digest of what the roots and the project modules they import do."""
    return hashlib.sha256(json.dumps(module_digests(*roots), sort_keys=True).encode()).hexdigest()


def changed_modules(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The modules added, removed or edited between two module_digests."""
    return sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))
