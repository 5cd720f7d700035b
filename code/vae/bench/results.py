"""bench.json, what `make bench` measured: written by timings.py, read by build.py (without torch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from statistics import median

from ..core.records import read_record


@dataclass(frozen=True)
class SpinRates:
    """The compute ceiling at one GOMP_SPINCOUNT, images/s, and as a share of the best count."""

    idle: float
    one_core_busy: float
    idle_share: float
    one_core_busy_share: float


@dataclass(frozen=True)
class ModelBench:
    """One config's measurements; lists hold one value per round of alternating runs."""

    name: str
    architecture: str
    precision: str
    epochs: int
    train_images: int
    # one epoch plus the test evaluation after it, seconds: ours in one process; ours in `jobs`
    # one-thread processes side by side, until the last is done; the notebook's
    ours_seconds: list[float]
    jobs_seconds: list[float]
    notebook_seconds: list[float]
    # after one epoch from the same initial weights: both should land near each other
    ours_test_loss: float
    notebook_test_loss: float
    # the compute ceiling: one process with `threads` threads against `jobs` one-thread ones
    jobs: int
    threads: int
    train_flops_per_image: float  # forward and backward of one training step
    one_job_images_per_s: list[float]
    jobs_images_per_s: list[float]  # the sum over the jobs
    other_precision: str
    other_precision_images_per_s: float
    eval_seconds: float  # one final evaluation of a run
    iwae_k: int
    iwae_images: int

    @property
    def kind(self) -> str:
        return {"mlp": "MLP", "conv": "convolutional"}.get(self.architecture, self.architecture)

    @property
    def speedups(self) -> list[float]:
        return [n / o for n, o in zip(self.notebook_seconds, self.ours_seconds)]

    @property
    def speedup(self) -> float:
        """The median over the rounds of the notebook's time over ours."""
        return median(self.speedups)

    @property
    def jobs_speedups(self) -> list[float]:
        """Per round: training images per second of `jobs` epochs side by side over the
        notebook's one epoch."""
        return [self.jobs * n / j for n, j in zip(self.notebook_seconds, self.jobs_seconds)]

    @property
    def jobs_speedup(self) -> float:
        return median(self.jobs_speedups)

    @property
    def jobs_epoch_seconds(self) -> float:
        return median(self.jobs_seconds)

    @property
    def ours_epoch_seconds(self) -> float:
        return median(self.ours_seconds)

    @property
    def notebook_epoch_seconds(self) -> float:
        return median(self.notebook_seconds)

    @property
    def ours_images_per_s(self) -> float:
        return self.train_images / self.ours_epoch_seconds

    @property
    def notebook_images_per_s(self) -> float:
        return self.train_images / self.notebook_epoch_seconds

    @property
    def one_job_rate(self) -> float:
        return median(self.one_job_images_per_s)

    @property
    def jobs_rate(self) -> float:
        return median(self.jobs_images_per_s)

    @property
    def train_mflops_per_image(self) -> float:
        return self.train_flops_per_image / 1e6

    @property
    def jobs_gflops(self) -> float:
        """The arithmetic rate of the jobs side by side at the ceiling."""
        return self.jobs_rate * self.train_flops_per_image / 1e9

    @property
    def jobs_gains(self) -> list[float]:
        return [j / o for j, o in zip(self.jobs_images_per_s, self.one_job_images_per_s)]

    @property
    def jobs_gain(self) -> float:
        """The median over the rounds of N jobs' total rate over one job's."""
        return median(self.jobs_gains)

    @property
    def fraction_of_ceiling(self) -> float:
        """One process's epoch with its evaluation against one process's ceiling."""
        return self.ours_images_per_s / self.one_job_rate

    @property
    def eval_share(self) -> float:
        """The final evaluation's share of a run of `epochs` epochs like ours."""
        training = self.epochs * self.ours_epoch_seconds
        return self.eval_seconds / (training + self.eval_seconds)


@dataclass(frozen=True)
class BenchResult:
    threads: int
    allocator: str  # what allocated the tensors' memory (core/allocator.py)
    spin_count: str  # GOMP_SPINCOUNT of this project's loop ("unset" if none)
    wait_policy: str
    notebook_spin_count: str  # libgomp's default, which the notebook runs with
    workers: int
    rounds: int
    matmul_size: int
    matmul_gflops: float  # a float32 product of two matmul_size^2 matrices on `threads` threads
    models: list[ModelBench]
    spin_sweep: dict[str, SpinRates] | None  # of the first model

    @property
    def matmul_shares(self) -> list[float]:
        """Per model, the jobs' arithmetic rate at the ceiling as a share of the matrix
        product's."""
        return [m.jobs_gflops / self.matmul_gflops for m in self.models]

    @property
    def own_spin(self) -> SpinRates | None:
        """The sweep's rates at the spin count this project's loop ran with, if it swept it."""
        return (self.spin_sweep or {}).get(self.spin_count)


def read_bench(path: str | Path) -> BenchResult:
    return read_record(BenchResult, path, "bench")
