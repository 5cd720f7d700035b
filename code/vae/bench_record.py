"""bench.json, what `make bench` measured: written by bench.py, read by build.py (without torch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .records import read_record


@dataclass(frozen=True)
class SpinRates:
    """The compute ceiling at one GOMP_SPINCOUNT, images/s, and as a share of the best count."""

    idle: float
    one_core_busy: float
    idle_share: float
    one_core_busy_share: float


@dataclass(frozen=True)
class BenchResult:
    threads: int
    spin_count: str  # GOMP_SPINCOUNT of this project's loop ("unset" if none)
    wait_policy: str
    notebook_spin_count: str  # libgomp's default, which the notebook runs with
    workers: int
    ours_train_seconds: float
    ours_eval_seconds: float
    notebook_train_seconds: float
    notebook_eval_seconds: float
    # one epoch from the same initial weights: both should land near each other
    ours_test_loss: float
    notebook_test_loss: float
    images_per_s: float  # training images per second of epoch plus evaluation
    notebook_images_per_s: float
    ceiling_images_per_s: float
    precision: str  # the config's, which every pipeline ran in
    other_precision: str  # the ceiling again in the other precision: the measurement that
    other_precision_ceiling_images_per_s: float  # chooses Config.precision's default
    speedup: float
    fraction_of_ceiling: float
    # the epoch alone, without the evaluation after it: like for like with the ceiling
    ours_train_images_per_s: float
    notebook_train_images_per_s: float
    train_fraction_of_ceiling: float
    spin_sweep: dict[str, SpinRates] | None

    @property
    def own_spin(self) -> SpinRates | None:
        """The sweep's rates at the spin count this project's loop ran with, if it swept it."""
        return (self.spin_sweep or {}).get(self.spin_count)


def read_bench(path: str | Path) -> BenchResult:
    return read_record(BenchResult, path, "bench")
