"""Whether measurements.json is current, decided without torch, so that a rebuild with nothing
to measure stays quick (readings.py measures; this module decides whether it must). Nothing
that measures imports it, so editing it re-measures nothing."""

from __future__ import annotations

from pathlib import Path

from .. import VaeError
from ..core.cache_keys import code_digest
from ..core.config import Config
from ..core.records import read_record
from ..core.runs import Run
from .measurements import (
    CLASSIFIER_RESULTS,
    MEASURER,
    ClassifierConfig,
    ClassifierResults,
    Measurements,
    classifier_dir,
    read_measurements,
)


def measured_runs(configs: list[Config], runs_root: str | Path) -> list[Run]:
    """The runs that readings.py reads: binarised runs are left out, because the classifier
    reads grey-level images."""
    return [Run(cfg, runs_root) for cfg in configs if not cfg.binarize]


def current_measurements(runs: list[Run], runs_root: str | Path,
                         out: str | Path) -> Measurements | None:
    """The measurements in out if they were made from these runs, the classifier already
    trained and the measuring code as it is now; else None."""
    results = classifier_dir(ClassifierConfig(), runs_root) / CLASSIFIER_RESULTS
    if not results.is_file():
        return None
    classifier = read_record(ClassifierResults, results, "measure")
    try:
        previous = read_measurements(out)
    except VaeError:  # missing, or written by another version: measure again
        return None
    same = (previous.code == code_digest(MEASURER) and previous.classifier == classifier
            and [(m.name, m.run_hash) for m in previous.models]
            == [(run.cfg.name, run.hash) for run in runs])
    return previous if same else None
