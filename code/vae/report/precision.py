"""`make verdicts`: the study's verdicts once from its bf16 runs and once from fp32 runs of the
same configs and seeds (bench/parity.py trains them). A verdict that changes with the precision
was not carried by the evidence."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..core.config import Config
from .comparisons import Comparison, compare_all
from .numbers import model_numbers
from .wording import plural


@dataclass(frozen=True)
class VerdictPair:
    """One comparison of the study, its verdict in bf16 and in fp32."""

    name: str
    baseline: str
    bf16: Comparison
    fp32: Comparison


def verdicts(configs: list[Config], runs_root: str | Path) -> list[VerdictPair]:
    """The study's comparisons (the first config is the main one) once from the bf16 runs and
    once from the fp32 runs that parity() trained, each with Holm over these comparisons."""
    found = {p: compare_all([model_numbers(replace(cfg, precision=p), runs_root)
                             for cfg in configs]) for p in ("bf16", "fp32")}
    return [VerdictPair(name, c.baseline, c, found["fp32"][name])
            for name, c in found["bf16"].items()]


def describe_verdicts(rows: list[VerdictPair]) -> str:
    flips = [r for r in rows if r.bf16.verdict != r.fp32.verdict]
    lines = [f"verdicts of {len(rows)} {plural(len(rows), 'comparison')} (test -ELBO, paired "
             f"by seed, Holm over these), trained in bf16 and in fp32: {len(flips)} "
             f"{plural(len(flips), 'differs', 'differ')}"]
    for r in rows:
        cells = [f"{c.delta:+.2f} [{c.test.low:+.2f}, {c.test.high:+.2f}] {c.verdict}"
                 if c.test else f"{c.delta:+.2f} {c.verdict}" for c in (r.bf16, r.fp32)]
        mark = "" if r.bf16.verdict == r.fp32.verdict else "   <- differs"
        lines.append(f"{r.name} vs {r.baseline}: bf16 {cells[0]}; fp32 {cells[1]}{mark}")
    return "\n".join(lines)
