"""`make plan`: what a build would do and why, read from the runs folder without training."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, TINY
from vae.core.cache_keys import module_digests
from vae.core.config import Config, load_config
from vae.core.runs import TRAINER, Run
from vae.plan import describe, plan, plan_runs

# `python -m vae plan` as make runs it, failing if the plan imported torch or numpy
PLAN_WITHOUT_TORCH = """
import runpy, sys
sys.argv = ["vae", *sys.argv[1:]]
try:
    runpy.run_module("vae", run_name="__main__")
finally:
    assert not {"torch", "numpy", "sympy"} & set(sys.modules), "the plan imported a library"
"""


def finished_elsewhere(cfg: Config, root, code: dict[str, str], **config) -> None:
    """A finished run of cfg's name and seed under another hash, as an earlier version left it."""
    folder = root / f"{cfg.name}-seed{cfg.seed}-0123456789ab"
    folder.mkdir(parents=True)
    results = {"name": cfg.name, "config": {**cfg.to_dict(), **config}, "code": code,
               "seconds_per_epoch": 30.0, "eval_seconds": 12.0}
    (folder / "results.json").write_text(json.dumps(results))


def test_each_run_to_train_has_its_reason_and_a_predicted_time(tmp_path):
    a, b, c, d = (Config(**{**TINY, "name": n}) for n in "abcd")
    finished_elsewhere(a, tmp_path, module_digests(TRAINER), latent_dim=3)
    code = {**module_digests(TRAINER), "vae.core.losses": "an older one"}
    finished_elsewhere(b, tmp_path, code)
    resumed = Run(c, tmp_path)
    resumed.dir.mkdir()
    (resumed.dir / "metrics.jsonl").write_text('{"epoch": 1}\n')
    reasons = {t.what: (t.reason, t.seconds) for t in plan_runs([a, b, c, d], tmp_path)}
    assert reasons == {
        "a seed 420": ("settings changed: latent_dim", 30.0 * a.epochs + 12.0),
        "b seed 420": ("code changed in vae.core.losses", 30.0 * b.epochs + 12.0),
        "c seed 420": (f"resume after epoch 1 of {c.epochs}", 30.0 * c.epochs + 12.0),
        "d seed 420": ("new run", 30.0 * d.epochs + 12.0)}  # by the architecture's runs


@pytest.mark.parametrize("every", [False, True])
def test_a_fresh_checkout_plans_every_run_and_step_without_torch(tmp_path, every):
    main = ROOT / "configs" / "default.toml"
    study = sorted(str(p) for p in (ROOT / "configs" / "study").glob("*.toml"))
    done = subprocess.run([sys.executable, "-c", PLAN_WITHOUT_TORCH, "plan", "--main", str(main),
                           "--variants", *study, "--runs", str(tmp_path / "runs"),
                           "--out", str(tmp_path / "report"), *(["--all"] if every else [])],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    runs = sum(load_config(path).seeds for path in [main, *study])  # each config's own count
    assert sum(line.startswith("train") and "new run" in line for line in lines) == runs
    # the report's figures depend on which model the runs make best: one line until they exist
    figures = 2 + len(study) if every else 1
    assert [line.split()[0] for line in lines if not line.startswith("train")][:-1] == \
        ["verify", "measure", *["figures"] * figures, "summary", "pdf"]
    assert lines[-1].startswith(f"{runs} runs to train")


def test_the_plan_of_finished_runs_chooses_the_report_s_figures_without_numpy(tiny_run, tmp_path):
    runs, _ = tiny_run
    main = tmp_path / "tiny.toml"
    main.write_text("".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in TINY.items()))
    done = subprocess.run([sys.executable, "-c", PLAN_WITHOUT_TORCH, "plan", "--main", str(main),
                           "--runs", str(runs), "--out", str(tmp_path / "report")], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    figures = [line for line in done.stdout.splitlines() if line.startswith("figures")]
    assert [line.split()[1] for line in figures] == ["tiny:", "study:"]
    assert "units" not in figures[0]  # a 2-D code: drawn as it is, so no KL per dimension


def test_the_plan_of_a_finished_run_names_nothing_to_train(tiny_run):
    runs, _ = tiny_run
    assert plan_runs([Config(**TINY)], runs) == []
    tasks = plan(Config(**TINY), [], None, runs, runs.parent / "no-report-yet")
    assert "train" not in {t.step for t in tasks} and "pdf" in {t.step for t in tasks}
    assert describe([], 2).startswith("nothing to do")
