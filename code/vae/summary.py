"""Gather finished runs into report/results/summary.json, the file the report template reads."""

from __future__ import annotations

import json
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

import torch

from . import VaeError
from .config import Config
from .evaluate import ACTIVE_UNIT_THRESHOLD
from .io import read_json, write_json
from .train import is_finished, run_dir

ENTRY_KEYS = ("name", "description", "run_hash", "epochs", "train_images", "test_images",
              "test_loss", "test_recon", "test_kl", "subset_test_loss", "iwae_nll", "iwae_stderr",
              "iwae_k", "iwae_images", "active_units", "params", "seconds_per_epoch", "images_per_s",
              "eval_seconds", "device")
CONFIG_KEYS = ("latent_dim", "architecture", "covariance", "hidden", "activation", "beta",
               "kl_warmup_epochs", "optimizer", "lr", "weight_decay", "grad_clip", "binarize")


# Settings that change how a model is measured or named, not what it learns.
NOT_COMPARED = {"name", "description", "device", "iwae_k", "iwae_images", "eval_batch_size"}
# Decimals the report prints losses with. Differences are taken between printed values, so
# that every difference on the page is the difference of the two numbers shown beside it.
PRINTED = 2


def printed_difference(a: float, b: float) -> float:
    return round(round(a, PRINTED) - round(b, PRINTED), PRINTED)


def run_entry(cfg: Config, runs_root: str | Path) -> dict[str, Any]:
    """One run's numbers; refuses a missing or stale run instead of reporting old numbers."""
    directory = run_dir(cfg, runs_root)
    if not is_finished(cfg, directory):
        raise VaeError(f"config '{cfg.name}' has no finished run for the current config and code "
                       f"(expected '{directory}/results.json'); run `make study` first")
    results = read_json(directory / "results.json")
    entry = {key: results[key] for key in ENTRY_KEYS}
    entry.update({key: results["config"][key] for key in CONFIG_KEYS})
    entry["config"] = results["config"]
    entry["description"] = cfg.description  # wording may be edited without retraining
    entry["run_dir"] = str(directory)
    history = read_json_lines(directory / "metrics.jsonl")
    entry["final_train_loss"] = history[-1]["train_loss"]
    late = [row["test_loss"] for row in history[len(history) // 2:]]
    entry["late_test_loss_min"], entry["late_test_loss_max"] = min(late), max(late)
    entry["late_spread"] = printed_difference(max(late), min(late))
    entry["iwae_gain"] = printed_difference(entry["subset_test_loss"], entry["iwae_nll"])
    entry["train_minutes"] = entry["seconds_per_epoch"] * entry["epochs"] / 60
    return entry


def changes(config: dict[str, Any], baseline: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "baseline": baseline[k], "value": v} for k, v in config.items()
            if k not in NOT_COMPARED and baseline[k] != v]


def attach_baselines(entries: list[dict[str, Any]]) -> None:
    """Compare each variant with the earlier run it differs from in the fewest settings
    (the latest such run on a tie), so that every difference is read against few changes."""
    for i, entry in enumerate(entries[1:], start=1):
        base = min(reversed(entries[:i]), key=lambda e: len(changes(entry["config"], e["config"])))
        entry["baseline"] = base["name"]
        entry["changes"] = changes(entry["config"], base["config"])
        entry["delta"] = printed_difference(entry["test_loss"], base["test_loss"])
        entry["baseline_test_loss"] = base["test_loss"]
        entry["baseline_test_kl"] = base["test_kl"]
        entry["baseline_active_units"] = base["active_units"]
        entry["baseline_latent_dim"] = base["latent_dim"]
        entry["baseline_seconds_per_epoch"] = base["seconds_per_epoch"]
        # the larger of the two runs' late epoch-to-epoch spreads: below it, no verdict
        entry["noise"] = max(entry["late_spread"], base["late_spread"])
        entry["conclusive"] = abs(entry["delta"]) > entry["noise"]


def read_json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def environment() -> dict[str, Any]:
    """Where and with what the numbers were made, for the report's provenance appendix."""
    packages = ("torch", "torchvision", "numpy", "sympy", "matplotlib", "jinja2", "tqdm")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpu": _cpu_name(),
        "cores": torch.get_num_threads(),
        "packages": {name: version(name) for name in packages},
        "git_commit": _git_commit(),
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+modified" if dirty else "")


def write_summary(main: Config, variants: list[Config], runs_root: str | Path,
                  out: str | Path, binarized: Config | None = None) -> dict[str, Any]:
    directory = run_dir(main, runs_root)
    main_entry = run_entry(main, runs_root)
    results = read_json(directory / "results.json")
    main_entry["layers"] = results["layers"]
    main_entry["history"] = read_json_lines(directory / "metrics.jsonl")
    entries = [run_entry(cfg, runs_root) for cfg in variants]
    attach_baselines([main_entry, *entries])
    everyone = [main_entry, *entries]
    best = min(everyone, key=lambda e: e["test_loss"])
    iwae_images = sorted({e["iwae_images"] for e in everyone})
    summary = {
        "iwae_images_all": iwae_images,
        "active_unit_threshold": ACTIVE_UNIT_THRESHOLD,
        "main": main_entry,
        "variants": entries,
        "best": best["name"],
        "improvement_over_main": printed_difference(main_entry["test_loss"], best["test_loss"]),
        "binarized": run_entry(binarized, runs_root) if binarized else None,
        "environment": environment(),
    }
    write_json(out, summary)
    return summary
