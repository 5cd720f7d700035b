"""The study's verdicts once from its bf16 runs and once from fp32 runs of the same configs and
seeds (bench/parity.py trains them): `make verdicts` prints them, `make report PARITY=1` puts them
in the report. A verdict that changes with the precision was not carried by the evidence."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .. import VaeError
from ..core.config import Config
from ..core.runs import run_hash
from .comparisons import Comparison, compare_all
from .numbers import ModelNumbers, model_numbers
from .wording import plural


@dataclass(frozen=True)
class VerdictPair:
    """One comparison of the study, its verdict in bf16 and in fp32."""

    name: str
    baseline: str
    bf16: Comparison
    fp32: Comparison


@dataclass(frozen=True)
class PrecisionCheck:
    """A study's comparisons in both precisions, as the report's appendix shows them."""

    comparisons: list[VerdictPair]
    changed: list[str]  # the variants whose verdict differs between the precisions
    # of those, the ones whose uncorrected intervals lie on the same side of zero in both
    # precisions (the verdict rule reads the corrected test, which differs between them)
    one_side: list[str]
    left_out: list[str]  # the study's models not trained in fp32
    left_slowest: bool  # every one of them trains slower per epoch than every model checked


def one_side(a: Comparison, b: Comparison) -> bool:
    """Both intervals (uncorrected) exclude zero, on the same side of it."""
    if a.test is None or b.test is None:
        return False
    return (a.test.high < 0 and b.test.high < 0) or (a.test.low > 0 and b.test.low > 0)


def twins(configs: list[Config]) -> list[Config]:
    """The fp32 runs that set each bf16 config's verdicts against fp32 ones."""
    trained = {cfg.precision for cfg in configs}
    if trained != {"bf16"}:
        raise VaeError(f"the precision check sets a study trained in bf16 against fp32, but these "
                       f"configs train in {', '.join(sorted(trained))} (precision = \"auto\" "
                       f"gives fp32 on a CPU without bf16 arithmetic)")
    return [replace(cfg, precision="fp32") for cfg in configs]


def precision_check(configs: list[Config], runs_root: str | Path,
                    study: list[ModelNumbers] | None = None) -> PrecisionCheck:
    """The study's comparisons (the first config is the main one) once from the bf16 runs and
    once from the fp32 runs that parity() trained, each with Holm over these comparisons;
    study: all of the study's models, read already (so not read again here), to name those the
    check leaves out."""
    known = {(m.name, m.run_hash): m for m in study or []}  # by name and shown seed's run

    def bf16(cfg: Config) -> ModelNumbers:
        read = [known[key] for c in cfg.per_seed() if (key := (c.name, run_hash(c))) in known]
        return read[0] if read else model_numbers(cfg, runs_root)
    numbers = {"bf16": [bf16(cfg) for cfg in configs],
               "fp32": [model_numbers(cfg, runs_root) for cfg in twins(configs)]}
    found = {name: compare_all(models) for name, models in numbers.items()}
    rows = [VerdictPair(name, c.baseline, c, found["fp32"][name])
            for name, c in found["bf16"].items()]
    checked = {m.name: m.seconds_per_epoch for m in numbers["bf16"]}
    left = [m for m in study or [] if m.name not in checked]
    changed = [r for r in rows if r.bf16.verdict != r.fp32.verdict]
    return PrecisionCheck(rows, [r.name for r in changed],
                          [r.name for r in changed if one_side(r.bf16, r.fp32)],
                          [m.name for m in left],
                          bool(left) and min(m.seconds_per_epoch for m in left)
                          > max(checked.values()))


def describe_verdicts(check: PrecisionCheck) -> str:
    rows, flips = check.comparisons, check.changed
    lines = [f"verdicts of {len(rows)} {plural(len(rows), 'comparison')} (test -ELBO, paired "
             f"by seed, Holm over these), trained in bf16 and in fp32: {len(flips)} "
             f"{plural(len(flips), 'differs', 'differ')}"]
    for r in rows:
        cells = [f"{c.delta:+.1f} [{c.test.low:+.2f}, {c.test.high:+.2f}] {c.verdict}"
                 if c.test else f"{c.delta:+.1f} {c.verdict}" for c in (r.bf16, r.fp32)]
        mark = "" if r.bf16.verdict == r.fp32.verdict else "   <- differs"
        lines.append(f"{r.name} vs {r.baseline}: bf16 {cells[0]}; fp32 {cells[1]}{mark}")
    return "\n".join(lines)
