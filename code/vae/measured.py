"""Where the digit classifier lives and whether measurements.json is current, decided without
torch, so that a rebuild with nothing to measure stays quick (measure.py measures; this module
decides whether it must). Kept out of the classifier's hash: editing it retrains nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from . import VaeError
from .config import Config
from .measure_record import ClassifierConfig, ClassifierResults, Measurements, read_measurements
from .records import read_record
from .runs import Run, code_digest

# What the classifier's hash covers (measure_record.py holds its record types: a changed record
# must not find an old file), and what the measurements' digest covers besides the classifier.
CLASSIFIER_CODE = ("classifier.py", "measure_record.py", "data.py")
MEASURING_CODE = ("measure.py", "measure_record.py", "latent.py")
CLASSIFIER_RESULTS = "classifier.json"  # in the classifier's folder, written last


def classifier_hash(cfg: ClassifierConfig) -> str:
    blob = json.dumps(asdict(cfg), sort_keys=True) + code_digest(CLASSIFIER_CODE)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def classifier_dir(cfg: ClassifierConfig, runs_root: str | Path) -> Path:
    return Path(runs_root) / f"classifier-{classifier_hash(cfg)}"


def measured_runs(configs: list[Config], runs_root: str | Path) -> list[Run]:
    """The runs measure.py reads: binarised runs are left out, because the classifier reads
    grey-level images."""
    return [Run(cfg, runs_root) for cfg in configs if not cfg.binarize]


def up_to_date(out: str | Path, runs: list[Run],
               classifier: ClassifierResults) -> Measurements | None:
    """The measurements in out if they were made from these runs, this classifier and the
    measuring code as it is now; else None."""
    try:
        previous = read_measurements(out)
    except VaeError:  # missing, or written by another version: measure again
        return None
    same = (previous.code == code_digest(MEASURING_CODE) and previous.classifier == classifier
            and [(m.name, m.run_hash) for m in previous.models]
            == [(run.cfg.name, run.hash) for run in runs])
    return previous if same else None


def current_measurements(configs: list[Config], runs_root: str | Path,
                         out: str | Path) -> Measurements | None:
    """up_to_date for the configs' runs and the classifier already trained, without torch."""
    results = classifier_dir(ClassifierConfig(), runs_root) / CLASSIFIER_RESULTS
    if not results.is_file():
        return None
    classifier = read_record(ClassifierResults, results, "measure")
    return up_to_date(out, measured_runs(configs, runs_root), classifier)
