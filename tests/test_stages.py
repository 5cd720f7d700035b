"""stages.py: the table of where a `make report` spent its time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from vae import VaeError
from vae.core.records import write_record
from vae.instrument.measurements import (
    CLASSIFIER_RESULTS,
    ClassifierConfig,
    ClassifierResults,
    classifier_dir,
)
from vae.stages import read_stages, table


def stages_file(tmp_path, lines):
    path = tmp_path / "stages.tsv"
    path.write_text("".join(f"{name}\t{value}\n" for name, value in lines))
    return path


def test_stages_are_summed_in_make_order_with_their_shares(tmp_path):
    path = stages_file(tmp_path, [("began", 1_000 * 10**9), ("pdf", 3 * 10**9),
                                  ("training", 90 * 10**9), ("pdf", 7 * 10**9)])
    began, seconds = read_stages(path)
    assert began == 1000.0 and seconds == {"training": 90.0, "pdf": 10.0}
    rows = table(path, tmp_path / "runs").splitlines()
    assert rows[1].split()[0] == "training" and "1 min 30 s" in rows[1] and rows[1].endswith("90%")
    assert rows[2].startswith("  PDF") and "10.0 s" in rows[2] and rows[2].endswith("10%")
    assert rows[-1].split()[-2:] == ["40", "s"] and "1 min 40 s" in rows[-1]


def test_a_duration_just_under_a_whole_minute_carries_into_the_minutes(tmp_path):
    path = stages_file(tmp_path, [("began", 0), ("training", int(2219.7 * 10**9))])
    assert "36 min 60 s" not in table(path, tmp_path / "runs")
    assert "37 min 00 s" in table(path, tmp_path / "runs")


def test_records_written_during_the_build_split_training_and_measuring(tmp_path):
    runs = tmp_path / "runs"
    for name, seconds, when in (("new-seed1-abc", 30.0, 2_000), ("old-seed1-def", 999.0, 500)):
        (runs / name).mkdir(parents=True)
        (runs / name / "results.json").write_text(json.dumps(
            {"config": {}, "seconds_per_epoch": seconds, "epochs": 10, "eval_seconds": 60.0}))
        os.utime(runs / name / "results.json", (when, when))
    classifier = classifier_dir(ClassifierConfig(), runs) / CLASSIFIER_RESULTS
    classifier.parent.mkdir()
    write_record(classifier, ClassifierResults("x", ClassifierConfig(), 60_000, 10_000, 0.99, 88.4))
    os.utime(classifier, (2_000, 2_000))
    path = stages_file(tmp_path, [("began", 1_000 * 10**9), ("training", 200 * 10**9),
                                  ("measurements", 100 * 10**9)])
    text = table(path, runs)
    assert "1 run: 5.0 min of epochs and 1.0 min of final evaluation" in text  # not the old run
    assert "of which 88 s training the classifier" in text


@pytest.mark.parametrize("lines", [[("began", 1), ("trianing", 5)], [("began", 1), ("pdf", "5s")],
                                   [("pdf", 5)]])
def test_a_damaged_stages_file_is_named(tmp_path, lines):
    path = stages_file(tmp_path, lines)
    with pytest.raises(VaeError, match="stages.tsv"):
        read_stages(path)


def test_make_records_each_stage_it_runs_inside_a_report(tmp_path):
    """The Makefile's wiring: stages-begin starts the file, a stage's recipe appends its line,
    and the command line prints the table (the TeX check stands for every stage)."""
    make = ["make", "-s", "--no-print-directory", "-C", str(ROOT), f"OUT={tmp_path}"]
    subprocess.run([*make, "stages-begin"], check=True, capture_output=True)
    subprocess.run([*make, "tex"], check=True, capture_output=True)
    began, seconds = read_stages(tmp_path / "build" / "stages.tsv")
    assert list(seconds) == ["tex"] and 0 < seconds["tex"] < 60
    assert abs(began - time.time()) < 120
    shown = subprocess.run([sys.executable, "-m", "vae", "stages",
                            str(tmp_path / "build" / "stages.tsv"), "--runs", str(tmp_path)],
                           capture_output=True, text=True, check=True).stdout
    assert shown.splitlines()[1].lstrip().startswith("TeX") and "total" in shown
