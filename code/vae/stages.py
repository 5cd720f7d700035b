"""Where a `make report` spent its time: the Makefile starts a stages file with
`began\t<Unix time in nanoseconds>` and appends `<stage>\t<wall nanoseconds>` for each stage
it runs; this module owns that file's format and
prints the table that ends the build, with what the run and classifier records written during
this build add (the final evaluation inside training, the classifier inside measuring).

Reads JSON only: no torch, so the table costs nothing when nothing was done.
"""

from __future__ import annotations

from pathlib import Path

from . import VaeError
from .core.records import read_record
from .core.runs import finished_results
from .instrument.measurements import (
    CLASSIFIER_RESULTS,
    ClassifierConfig,
    ClassifierResults,
    classifier_dir,
)

# The stages in the order make runs them, with the words the table uses.
STAGES = {"setup": "set-up (virtual environment)", "tex": "TeX (check, install if missing)",
          "checks": "symbolic checks", "training": "training (runs, with their evaluation)",
          "measurements": "measurements (classifier readings)", "figures": "figures",
          "summary": "summary", "pdf": "PDF"}


def read_stages(path: str | Path) -> tuple[float, dict[str, float]]:
    """When the build began (Unix seconds) and the seconds per stage that the file records,
    summed over repeats, in the order of STAGES."""
    began, seconds = None, {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        name, _, nanoseconds = line.partition("\t")
        if name not in (*STAGES, "began") or not nanoseconds.strip().isdigit():
            raise VaeError(f"'{path}' line {number} is not '<stage>\\t<nanoseconds>' with a "
                           f"stage of {', '.join(STAGES)}: {line!r}")
        if name == "began":
            began = int(nanoseconds) / 1e9
        else:
            seconds[name] = seconds.get(name, 0.0) + int(nanoseconds) / 1e9
    if began is None:
        raise VaeError(f"'{path}' has no 'began' line; `make report` writes it first")
    return began, {name: seconds[name] for name in STAGES if name in seconds}


def details(runs_root: str | Path, since: float) -> dict[str, str]:
    """What the records written since `since` (a Unix time) say inside two stages."""
    out = {}
    runs = finished_results(runs_root, since=since)
    if runs:
        train = sum(r["seconds_per_epoch"] * r["epochs"] for r in runs)
        evaluation = sum(r["eval_seconds"] for r in runs)
        out["training"] = (f"{len(runs)} run{'s' if len(runs) > 1 else ''}: "
                           f"{train / 60:.1f} min of epochs and "
                           f"{evaluation / 60:.1f} min of final evaluation, summed over jobs")
    classifier = classifier_dir(ClassifierConfig(), runs_root) / CLASSIFIER_RESULTS
    if classifier.is_file() and classifier.stat().st_mtime >= since:
        seconds = read_record(ClassifierResults, classifier, "measure").train_seconds
        out["measurements"] = f"of which {seconds:.0f} s training the classifier"
    return out


def table(path: str | Path, runs_root: str | Path) -> str:
    """The stages of the build that wrote `path`, with their share of its time."""
    began, seconds = read_stages(path)
    total = sum(seconds.values())
    notes = details(runs_root, began)
    rows = ["where this build's time went:"]
    for name, s in seconds.items():
        share = f"{100 * s / total:3.0f}%" if total else "  - "
        rows.append(f"  {STAGES[name]:40s} {_duration(s):>9s}  {share}"
                    + (f"   ({notes[name]})" if name in notes else ""))
    rows.append(f"  {'total':40s} {_duration(total):>9s}")
    return "\n".join(rows)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)  # round first: 59.6 s must not print as "60 s"
    return f"{minutes} min {rest:02d} s"
