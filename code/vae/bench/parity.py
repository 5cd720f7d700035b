"""`make parity`: the evidence behind precision = "auto". Each config trains in fp32 and in bf16
over its seeds (cached runs, side by side as `make report` trains), and the test -ELBOs are
compared seed by seed with the study's paired test (core/statistics.py): the difference
bf16 - fp32, its mean and 1 - ALPHA interval. bf16 is fit to be chosen where the interval
contains zero (the seeds cannot separate the two); report/precision.py compares a whole
study's verdicts between the two precisions (`make verdicts`). On a CPU without
native bf16 the bf16 runs are emulated and about 20 times slower."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .. import VaeError
from ..core.config import Config
from ..core.jobs import train_all
from ..core.runs import Run
from ..core.statistics import CONFIDENCE, Paired, paired


@dataclass(frozen=True)
class Parity:
    """bf16 against fp32 for one config, paired by seed (nats per image, test -ELBO)."""

    name: str
    seeds: list[int]
    fp32: list[float]
    bf16: list[float]
    fp32_seconds_per_epoch: float
    bf16_seconds_per_epoch: float

    @property
    def test(self) -> Paired:
        """bf16 - fp32 paired by seed (two seeds or more, as parity() demands)."""
        return paired(dict(zip(self.seeds, self.bf16)), dict(zip(self.seeds, self.fp32)))

    @property
    def separated(self) -> bool:
        return self.test.low > 0 or self.test.high < 0


def parity(configs: list[Config], data_dir: str | Path, runs_root: str | Path, jobs: int | None,
           log: Callable[[str], None] = print) -> list[Parity]:
    if min(cfg.seeds for cfg in configs) < 2:
        raise VaeError("bf16 against fp32 pairs runs by seed, and a paired interval needs at "
                       "least two seeds per config; set seeds = 2 or more (or SEEDS=3)")
    arms = {cfg.name: [replace(seed, precision=p) for p in ("fp32", "bf16")
                       for seed in cfg.per_seed()] for cfg in configs}
    train_all([run for runs in arms.values() for run in runs], data_dir, runs_root, jobs,
              progress=False, log=log)
    found = []
    for cfg in configs:
        results = [Run(run, runs_root).read_results() for run in arms[cfg.name]]
        fp32, bf16 = results[:cfg.seeds], results[cfg.seeds:]
        found.append(Parity(cfg.name, [r.config["seed"] for r in fp32],
                            [r.test_loss for r in fp32], [r.test_loss for r in bf16],
                            statistics.fmean(r.seconds_per_epoch for r in fp32),
                            statistics.fmean(r.seconds_per_epoch for r in bf16)))
    return found


def describe(rows: list[Parity]) -> str:
    lines = ["test -ELBO (nats), bf16 against fp32 paired by seed; bf16 may be chosen where "
             f"the {CONFIDENCE}% interval of the mean difference contains 0"]
    for r in rows:
        test = r.test
        pairs = ", ".join(f"{s}: {a:.2f} -> {b:.2f}" for s, a, b in zip(r.seeds, r.fp32, r.bf16))
        lines.append(f"{r.name}: {pairs}; difference {test.mean:+.2f} "
                     f"[{test.low:+.2f}, {test.high:+.2f}] -> "
                     f"{'separated: keep fp32' if r.separated else 'not separated'}; "
                     f"{r.fp32_seconds_per_epoch:.1f} vs {r.bf16_seconds_per_epoch:.1f} s/epoch "
                     f"({r.fp32_seconds_per_epoch / r.bf16_seconds_per_epoch:.2f}x)")
    return "\n".join(lines)
