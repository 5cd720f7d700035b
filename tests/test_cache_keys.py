"""The package's layers and the cache keys read from its import graph: imports run one way, and
each cache follows the code it imports, no more and no less."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from vae.core.cache_keys import direct_imports, imported_modules, module_file

PACKAGE = ROOT / "code" / "vae"
# What each stage may import besides itself and the package root (VaeError).
MAY_IMPORT = {"core": set(), "instrument": {"core"}, "bench": {"core"},
              "report": {"core", "instrument"}}
# The cached steps and the module whose import closure keys each.
ROOTS = ("vae.core.train", "vae.instrument.classifier", "vae.instrument.readings",
         "vae.report.training_figure", "vae.report.digit_figures", "vae.report.latent_figures",
         "derivations.checks")


def package_modules() -> list[str]:
    return sorted(".".join(("vae", *p.relative_to(PACKAGE).with_suffix("").parts))
                  .removesuffix(".__init__") for p in PACKAGE.rglob("*.py"))


def stage(module: str) -> str | None:
    """core, instrument, bench or report; None for the root package and the command line."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else None


def layering_errors(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a stage that its layer forbids, and every circle of imports."""
    errors = [f"{a} imports {b}" for a, targets in graph.items() for b in targets
              if stage(a) and stage(b) and stage(b) != stage(a)
              and stage(b) not in MAY_IMPORT[stage(a)]]
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                errors.append("circle: " + " -> ".join(path[path.index(nxt):] + [node, nxt])
                              if nxt in path else f"circle through {nxt}")
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = "done"
    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return errors


def test_imports_run_one_way_without_circles():
    graph = {name: set(direct_imports(name)) for name in package_modules()}
    assert layering_errors(graph) == []
    assert {stage(m) for m in graph} == {None, *MAY_IMPORT}  # one folder per stage, all used
    assert len([m for m in graph if stage(m) is None]) <= 5  # a handful of top-level modules


def test_the_core_names_nothing_above_it_not_even_the_package_root():
    """The root imports the core (the allocator, the error), so the core importing the root
    would run back up; the root still runs first, as the parent package of every module."""
    above = []
    for path in sorted((ROOT / "code/vae/core").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                source = (node.module or "") if node.level == 0 else \
                    ".".join(["vae", "core"][:3 - node.level] + [node.module or ""]).strip(".")
                if source == "vae" or (source.startswith("vae.")
                                       and not source.startswith("vae.core")):
                    above.append(f"{path.name}: from {source} import ...")
    assert above == []


@pytest.mark.parametrize("graph, found", [
    ({"vae.core.a": {"vae.report.b"}, "vae.report.b": set()}, "vae.core.a imports vae.report.b"),
    ({"vae.bench.a": {"vae.instrument.b"}}, "vae.bench.a imports vae.instrument.b"),
    ({"vae.report.a": {"vae.report.b"}, "vae.report.b": {"vae.report.a"}}, "circle"),
])
def test_the_layering_check_finds_upward_imports_and_circles(graph, found):
    assert any(found in error for error in layering_errors(graph))


def test_lazy_and_relative_imports_are_followed():
    """cli imports its commands inside functions; report modules import the core with '..'."""
    assert "vae.report.figures" in direct_imports("vae.cli")
    assert "vae.core.runs" in direct_imports("vae.report.figure_stamps")
    assert "vae.core.model" in direct_imports("vae.core.runs")  # only inside load_model
    assert module_file("torch") is None and "torch" not in imported_modules("vae.core.train")


def digests(tree: Path) -> dict[str, str]:
    """The code digest of each cached step, computed by a copy of the repository at tree."""
    script = ("import json; from vae.core.cache_keys import code_digest; "
              f"print(json.dumps({{r: code_digest(r) for r in {ROOTS!r}}}))")
    done = subprocess.run([sys.executable, "-c", script], cwd=tree, capture_output=True,
                          text=True, check=True,
                          env={**os.environ, "PYTHONPATH": f"{tree / 'code'}{os.pathsep}{tree}"})
    return json.loads(done.stdout)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package and the derivations."""
    for part in ("code/vae", "derivations"):
        shutil.copytree(ROOT / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.tex"))
    return tmp_path


def test_comments_and_docstrings_keep_every_cache(tree):
    before = digests(tree)
    for path in [*(tree / "code/vae").rglob("*.py"), *(tree / "derivations").rglob("*.py")]:
        text = path.read_text()
        text = re.sub(r'^"""', '"""Edited. ', text, count=1)  # the module's docstring
        path.write_text(text.replace("\ndef ", "\n# a new comment\ndef ", 1))
    assert digests(tree) == before


def test_a_new_module_imported_by_the_loss_is_part_of_every_run_hash(tree):
    losses = tree / "code/vae/core/losses.py"
    (tree / "code/vae/core/scale.py").write_text("SCALE = 1.0\n")
    losses.write_text(losses.read_text().replace("from .model import",
                                                 "from .scale import SCALE\nfrom .model import"))
    before = digests(tree)
    (tree / "code/vae/core/scale.py").write_text("SCALE = 2.0\n")
    after = digests(tree)
    # the runs, and the checks that call the loss, change; the classifier does not use the loss
    changed = {root for root in ROOTS if after[root] != before[root]}
    assert {"vae.core.train", "derivations.checks", "vae.instrument.readings"} <= changed
    assert "vae.instrument.classifier" not in changed


def test_each_figure_follows_only_its_own_drawing_code(tree):
    before = digests(tree)
    latent = tree / "code/vae/report/latent_figures.py"
    latent.write_text(latent.read_text() + "\nEDITED = True\n")
    after = digests(tree)
    assert [root for root in ROOTS if after[root] != before[root]] == \
        ["vae.report.latent_figures"]
