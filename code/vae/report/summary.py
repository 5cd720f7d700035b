"""Gather finished runs into report/results/summary.json, the file the report template reads.

`Summary` is the file's one definition: write_summary fills it, build.py reads it back with
read_summary. No torch at import, so that build.py stays free of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .. import VaeError
from ..core.cache_keys import code_digest
from ..core.checkout import LOCK, declared_dependencies, locked_versions
from ..core.io import write_text
from ..core.config import Config
from ..core.records import read_record, write_record
from ..core.runs import Layer, Run
from ..instrument.measurements import (
    Baselines,
    ClassifierResults,
    ModelReadings,
    read_measurements,
)
from .comparisons import (FLAT, MARGIN, WITHIN, Comparison, Step, compare_all, difference,
                          first_look, path_to)
from .decisions import Decisions, best_of, decide, plane_of
from .precision import PrecisionCheck, precision_check, twins
from .numbers import SLOPE_EPOCHS, ModelNumbers, ReadingSpread, model_numbers, reading_spread
from ..core.statistics import ALPHA, CONFIDENCE
from .wording import LatentWords, ModelWords, latent_words, model_words



@dataclass(frozen=True)
class ModelSummary(ModelNumbers):
    """One config as the report shows it: its numbers over seeds, its place in the study, and
    what the classifier read in its models' images."""

    is_best: bool
    comparison: Comparison | None  # against its baseline; None for the main model
    readings: ModelReadings | None  # of the shown seed's model; None for binarised runs
    readings_spread: ReadingSpread | None


@dataclass(frozen=True)
class Environment:
    python: str
    platform: str
    cpu: str
    cores: int
    packages: dict[str, str]  # the dependencies pyproject.toml declares, as installed
    locked: int  # packages pinned in requirements.lock
    lock_digest: str  # of requirements.lock
    unlocked: list[str]  # installed packages whose version differs from the lock
    git_commit: str


@dataclass(frozen=True)
class Instrument:
    """The digit classifier and its readings of real images, the yardstick for the models'; and
    the data's own baselines of the -ELBO."""

    classifier: ClassifierResults
    train_images: int  # training images reconstructed, a seeded uniform subset
    confident_at: float
    test_confident: float
    train_test_frechet: float
    baselines: Baselines


@dataclass(frozen=True)
class Summary:
    seeds: int  # of the main model
    shared_seeds: list[int]  # those every model of the study trains
    all_seeds: list[int]  # those any model of the study trains
    # the verdicts on shared_seeds alone of the comparisons that pair more (the first look)
    first_look: dict[str, str]
    several_seeds: bool  # so that there is a spread to print and to test against
    alpha: float  # the family-wise error rate of the verdicts; intervals cover 1 - alpha
    comparisons: int  # the family Holm's correction counts
    margin: float  # nats: a comparison whose interval lies inside +-margin is `within`
    within: str  # that verdict's words
    slope_epochs: int  # the last epochs each model's validation curve slope is fitted over
    flat_slope: float  # nats per epoch: a mean slope below minus this counts as still improving
    confidence: int  # 100 (1 - alpha): the percent every interval covers
    active_unit_threshold: float
    instrument: Instrument
    main: ModelSummary
    main_layers: list[Layer]  # those with parameters: activations and reshapes have none
    main_model: ModelWords
    main_latent: LatentWords
    variants: list[ModelSummary]
    best: str
    best_is_main: bool
    plane_model: str | None  # the first run with a two-dimensional code, drawn as a plane
    improvement_over_main: float
    best_path: list[Step]  # from the main model to the best, one setting at a time
    single_changes: bool  # every variant differs from its baseline in one setting
    binarized: ModelSummary | None
    precision_check: PrecisionCheck | None  # the verdicts again from fp32 runs (PARITY=1)
    environment: Environment
    decisions: Decisions  # what Part II concludes and which models its figures show

    @property
    def runs(self) -> list[ModelSummary]:
        return [self.main, *self.variants]


def read_summary(path: str | Path) -> Summary:
    return read_record(Summary, path, "summary")


def _installed(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def environment(lock: Path = LOCK) -> Environment:
    """Where and with what the numbers were made, for the report's provenance appendix."""
    pins = locked_versions(lock)
    unlocked = [f"{name} {_installed(name)} (locked {pinned})" for name, pinned in pins.items()
                if _installed(name) != pinned]
    return Environment(
        python=platform.python_version(),
        platform=platform.platform(terse=True),
        cpu=_cpu_name(),
        cores=len(os.sched_getaffinity(0)),
        packages={name: _installed(name) for name in declared_dependencies()},
        locked=len(pins),
        lock_digest=hashlib.sha256(lock.read_bytes()).hexdigest()[:12],
        unlocked=unlocked,
        git_commit=_git_commit(),
    )


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+modified" if dirty else "")


def make_summary(main: Config, variants: list[Config], runs_root: str | Path,
                 measurements_path: str | Path, binarized: Config | None = None,
                 fp32_checked: list[Config] | None = None) -> Summary:
    """fp32_checked: the configs of the study (main first) that were trained in fp32 too."""
    configs = [main, *variants]
    numbers = [model_numbers(cfg, runs_root) for cfg in configs]  # refuses unfinished runs first
    measured = read_measurements(measurements_path)
    readings = {m.run_hash: m for m in measured.models}
    for model in numbers:
        missing = [s.seed for s in model.seeds if s.run_hash not in readings]
        if missing:
            raise VaeError(f"'{measurements_path}' has no measurements of '{model.name}' "
                           f"seed {missing[0]} as it is now; run `make measure` again")
    comparisons = compare_all(numbers)
    trained = [{s.seed for s in m.seeds} for m in numbers]
    shared = sorted(set.intersection(*trained))
    best, plane = best_of(numbers), plane_of(numbers)

    def summarised(model: ModelNumbers) -> ModelSummary:
        per_seed = [readings[s.run_hash] for s in model.seeds]
        return ModelSummary(**vars(model), is_best=model is best,
                            comparison=comparisons.get(model.name),
                            readings=readings[model.run_hash],
                            readings_spread=reading_spread(per_seed))
    everyone = [summarised(model) for model in numbers]
    main_entry, main_results = everyone[0], Run(main, runs_root).read_results()
    spreads = {m.name: m.readings_spread for m in everyone}
    binarized_numbers = model_numbers(binarized, runs_root) if binarized else None
    return Summary(
        seeds=len(main_entry.seeds), shared_seeds=shared, all_seeds=sorted(set.union(*trained)),
        first_look=first_look(numbers, shared),
        several_seeds=len(main_entry.seeds) > 1, alpha=ALPHA,
        comparisons=len(comparisons), margin=MARGIN, within=WITHIN, slope_epochs=min(SLOPE_EPOCHS, main_entry.epochs),
        flat_slope=FLAT, confidence=CONFIDENCE,
        active_unit_threshold=main_results.active_unit_threshold,
        instrument=Instrument(measured.classifier, measured.train_images, measured.confident_at,
                              measured.test_confident, measured.train_test_frechet,
                              measured.baselines),
        main=main_entry,
        main_layers=[layer for layer in main_results.layers if layer.params],
        main_model=model_words(main),
        main_latent=latent_words(main.latent_dim),
        variants=everyone[1:],
        best=best.name,
        best_is_main=best is numbers[0],
        plane_model=plane,
        improvement_over_main=difference(main_entry, best),
        best_path=path_to(best.name, comparisons),
        single_changes=all(len(c.changes) == 1 for c in comparisons.values()),
        binarized=(ModelSummary(**vars(binarized_numbers), is_best=False, comparison=None,
                                readings=None, readings_spread=None)
                   if binarized_numbers else None),
        precision_check=(precision_check(fp32_checked, runs_root, numbers)
                         if fp32_checked else None),
        environment=environment(),
        decisions=decide(numbers, spreads, best.name, plane, binarized_numbers,
                         [c.baseline for c in comparisons.values()]),
    )


def write_summary(main: Config, variants: list[Config], runs_root: str | Path,
                  out: str | Path, measurements_path: str | Path,
                  binarized: Config | None = None,
                  fp32_checked: list[Config] | None = None) -> Summary:
    """The summary into out, and beside it (out with suffix .key) the key of its inputs."""
    summary = make_summary(main, variants, runs_root, measurements_path, binarized, fp32_checked)
    write_record(out, summary)
    write_text(Path(out).with_suffix(".key"),
               inputs_key(configs_read([main, *variants], binarized, fp32_checked), runs_root,
                          measurements_path))
    return summary


def configs_read(study: list[Config], binarized: Config | None,
                 fp32_checked: list[Config] | None) -> list[Config]:
    """Every config whose runs a summary reads: the study, the binarised run, the fp32 twins."""
    return [*study, *filter(None, [binarized]), *(twins(fp32_checked) if fp32_checked else [])]


# The module whose code, with every project module it imports, computes a summary.
SUMMARIZER = "vae.report.summary"


def inputs_key(configs: list[Config], runs_root: str | Path,
               measurements_path: str | Path) -> str:
    """What a summary is computed from: the code that computes it, the environment it records
    (the commit included), the configs, every seed's results and the measurements. Equal keys
    give equal summaries, so an unchanged build need not compute it again (or import scipy)."""
    digest = hashlib.sha256(code_digest(SUMMARIZER).encode())
    digest.update(json.dumps(asdict(environment()), sort_keys=True).encode())
    digest.update(Path(measurements_path).read_bytes())
    for cfg in configs:
        digest.update(json.dumps(cfg.to_dict(), sort_keys=True).encode())
        for seed in cfg.per_seed():
            results = Run(seed, runs_root).results_path
            digest.update(results.read_bytes() if results.is_file() else b"no results")
    return digest.hexdigest()


def summary_current(configs: list[Config], runs_root: str | Path, out: str | Path,
                    measurements_path: str | Path) -> bool:
    """Whether out holds the summary of exactly these inputs (inputs_key)."""
    key = Path(out).with_suffix(".key")
    return (Path(out).is_file() and key.is_file() and Path(measurements_path).is_file()
            and key.read_text() == inputs_key(configs, runs_root, measurements_path))

