"""What `make report` would do, and why, decided before anything runs: every run to train, every
measurement, figure and step to redo, each with its reason and the time the runs already done
predict. Reads only what the steps themselves check (run hashes, stamps, the code's digests)
and imports neither torch nor numpy, so that it answers in well under a second."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from pathlib import Path

from derivations.verify import is_current as verify_is_current

from .core.cache_keys import changed_modules, module_digests
from .core.checkout import CHECKOUT
from .core.config import Config
from .core.runs import TRAINER, Run, finished_results
from .instrument.freshness import measured_runs, measurements_current
from .report.figure_stamps import report_figures, stale_figures
from .report.precision import twins

# What the PDF step reads besides results/*.json and figures/: editing any of these rebuilds it.
BUILD_INPUTS = ("build.py", "templates", "derivations", "configs/report.toml", "code/vae/report")


@dataclass(frozen=True)
class Task:
    step: str  # train, verify, measure, figures, summary or pdf
    what: str
    reason: str
    seconds: float | None = None  # predicted from finished runs; None where nothing predicts it


def _run_reason(run: Run, root: Path) -> str:
    """Why this run must train: resumed, settings or code changed, or never trained."""
    cfg = run.cfg
    if run.epochs_done():
        return f"resume after epoch {run.epochs_done()} of {cfg.epochs}"
    for results in finished_results(root, cfg.name, cfg.seed):
        now = cfg.training_key()
        settings = [k for k in now if now[k] != results["config"].get(k)]
        if settings:
            return f"settings changed: {', '.join(settings)}"
        if "code" not in results:
            return "code changed (the earlier run recorded no module digests)"
        modules = changed_modules(results["code"], module_digests(TRAINER))
        if modules:
            shown = ", ".join(modules[:3]) + (f" and {len(modules) - 3} more" if modules[3:] else "")
            return f"code changed in {shown}"
    return "new run"


def _run_seconds(cfg: Config, root: Path) -> float | None:
    """The training time of a run of this config, predicted from finished runs of the same name
    (any code version), else of the same architecture, per epoch and scaled to cfg.epochs."""
    same_name, same_kind = [], []
    for results in finished_results(root):
        try:
            per_run = results["seconds_per_epoch"] * cfg.epochs + results["eval_seconds"]
        except (TypeError, KeyError):
            continue
        if results["config"].get("train_limit") != cfg.train_limit:
            continue
        if results.get("name") == cfg.name:
            same_name.append(per_run)
        elif results["config"].get("architecture") == cfg.architecture:
            same_kind.append(per_run)
    found = same_name or same_kind
    return statistics.median(found) if found else None


def plan_runs(configs: list[Config], runs_root: str | Path) -> list[Task]:
    root = Path(runs_root)
    tasks = []
    for cfg in configs:
        for seed in cfg.per_seed():
            run = Run(seed, root)
            if not run.is_finished():
                tasks.append(Task("train", seed.label, _run_reason(run, root),
                                  _run_seconds(seed, root)))
    return tasks


def plan(main: Config, variants: list[Config], binarized: Config | None, runs_root: str | Path,
         out: str | Path, fp32_checked: list[Config] | None = None,
         every: bool = False) -> list[Task]:
    """Every step of `make report` that has work to do, in the order make runs them; every:
    the figure stage draws every figure of every config (`vae figures --all`)."""
    out = Path(out)
    results, figures, pdf = out / "results", out / "figures", out / "report.pdf"
    configs = [main, *variants]
    tasks = plan_runs(configs + ([binarized] if binarized else [])
                      + (twins(fp32_checked) if fp32_checked else []), runs_root)
    if not verify_is_current(results / "verify.json"):
        what = "missing" if not (results / "verify.json").is_file() else \
            "the checks or the code they call changed, or a check failed"
        tasks.append(Task("verify", "verify.json", what))
    untrained = {t.what for t in tasks if t.step == "train"}
    runs = measured_runs([seed for cfg in configs for seed in cfg.per_seed()], runs_root)
    if not measurements_current(runs, runs_root, results / "measurements.json"):
        reason = ("runs to train first" if untrained
                  else "missing" if not (results / "measurements.json").is_file()
                  else "runs, the classifier or the measuring code changed")
        tasks.append(Task("measure", "measurements.json", reason))
    if untrained and not every:
        tasks.append(Task("figures", "those the report prints",
                          "runs to train first, whose numbers choose the models shown"))
    else:
        shown = None if every else report_figures(configs, runs_root)
        for name, stale in stale_figures(configs, runs_root, figures, shown).items():
            if stale:
                tasks.append(Task("figures", f"{name}: {', '.join(stale)}",
                                  "missing, or drawn from other runs or drawing code"))
    summary = results / "summary.json"
    if any(t.step in ("train", "measure") for t in tasks) or not summary.is_file():
        tasks.append(Task("summary", "summary.json", "missing" if not summary.is_file()
                          else "runs or measurements changed"))
    newest_input = max(_newest(CHECKOUT / p) for p in BUILD_INPUTS)
    if tasks or not pdf.is_file() or pdf.stat().st_mtime < max(
            newest_input, _newest(results)):
        tasks.append(Task("pdf", str(pdf), "missing" if not pdf.is_file()
                          else "its inputs changed"))
    return tasks


def _newest(path: Path) -> float:
    """The newest modification time of a file or of the files below a folder (0 if none)."""
    if path.is_file():
        return path.stat().st_mtime
    times = [p.stat().st_mtime for p in path.rglob("*") if p.is_file()
             and "__pycache__" not in p.parts] if path.is_dir() else []
    return max(times, default=0.0)


def describe(tasks: list[Task], jobs: int) -> str:
    """The plan as the terminal shows it, with the training time it predicts."""
    if not tasks:
        return "nothing to do: every run, measurement, figure and the PDF are up to date"
    width = max(len(t.what) for t in tasks)
    lines = [f"{t.step:8s} {t.what:{width}s}  {t.reason}"
             + (f"  (~{t.seconds / 60:.1f} min)" if t.seconds is not None else "")
             for t in tasks]
    runs = [t for t in tasks if t.step == "train"]
    if runs:
        known = [t.seconds for t in runs if t.seconds is not None]
        line = f"{len(runs)} {'run' if len(runs) == 1 else 'runs'} to train"
        if known:
            total = sum(known)
            line += (f": ~{total / 60:.0f} min of training for the {len(known)} with a "
                     f"prediction, about {total / 60 / min(jobs, len(known)):.0f} min with "
                     f"{min(jobs, len(known))} side by side")
            if len(known) < len(runs):
                line += f"; {len(runs) - len(known)} without one (no finished run to go by)"
        else:
            line += "; no finished run to predict their time from"
        lines.append(line)
    return "\n".join(lines)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
