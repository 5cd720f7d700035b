"""Whether measurements.json is current, decided without torch, so that a rebuild with nothing
to measure stays quick (readings.py measures; this module decides whether it must). Nothing
that measures imports it, so editing it re-measures nothing."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..core.cache_keys import code_digest
from ..core.config import Config
from ..core.records import read_record
from ..core.runs import Run
from .measurements import (
    CLASSIFIER_RESULTS,
    MEASURER,
    ClassifierConfig,
    ClassifierResults,
    classifier_dir,
)


def measured_runs(configs: list[Config], runs_root: str | Path) -> list[Run]:
    """The runs that readings.py reads: binarised runs are left out, because the classifier
    reads grey-level images."""
    return [Run(cfg, runs_root) for cfg in configs if not cfg.binarize]


def measurements_current(runs: list[Run], runs_root: str | Path, out: str | Path) -> bool:
    """Whether out holds the measurements of these runs, made with the classifier already
    trained and the measuring code as it is now. Reads the file's fields as plain JSON: the
    code's digest stands for its format, and the records' types take a second to rebuild."""
    results = classifier_dir(ClassifierConfig(), runs_root) / CLASSIFIER_RESULTS
    if not results.is_file():
        return False
    classifier = read_record(ClassifierResults, results, "measure")
    try:
        previous = json.loads(Path(out).read_text())
        return (previous["code"] == code_digest(MEASURER)
                and previous["classifier"] == asdict(classifier)
                and [(m["name"], m["run_hash"]) for m in previous["models"]]
                == [(run.cfg.name, run.hash) for run in runs])
    except (OSError, ValueError, KeyError, TypeError):  # missing, damaged or of another version
        return False
