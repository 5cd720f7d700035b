"""The report's figures, drawn from finished runs into figures/<config>/: this module picks the
data and the model each figure needs; one function draws each kind (figure_stamps.FIGURES).

Every figure is written as a PDF (for LaTeX) and a PNG preview beside it. All randomness
comes from generators seeded by the run's config, so redrawing gives identical files.
"""

from __future__ import annotations

import importlib
import inspect
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch

from .. import VaeError
from ..core.config import Config
from ..core.data import Split, load_split, trained_images
from ..core.evaluate import evaluated
from ..core.jobs import default_jobs, one_thread_pool
from ..core.runs import Run
from ..instrument.classifier import DigitClassifier, trained_classifier
from ..instrument.measurements import ClassifierConfig
from .figure_stamps import (
    FIGURES,
    STUDY,
    STUDY_FIGURES,
    figure_digests,
    record_drawn,
    report_figures,
    stale_figures,
)
from .numbers import typical_seed


def draw_stale(main: Config, variants: list[Config], runs_root: str | Path,
               data_dir: str | Path, out: str | Path, jobs: int | None = None,
               every: bool = False) -> list[Path]:
    """Draw the figures the report prints (figure_stamps.report_figures; every figure of every
    config with `every`) that figure_stamps.stale_figures finds missing or out of date, into
    out/<name>/ (the study's into out/study/), `jobs` configs at a time (default: one per
    core), and record in each folder's stamp the runs and code they came from."""
    configs = [main, *variants]
    names = [cfg.name for cfg in configs]
    for name in names:
        if names.count(name) > 1 or name == STUDY:
            raise VaeError(f"two configs are named '{name}', or one is named '{STUDY}'; figure "
                           f"folders are named after configs (and '{STUDY}' holds the study's "
                           f"figures), so give each config a name of its own")
    runs = {cfg.name: [Run(seed, runs_root) for seed in cfg.per_seed()] for cfg in configs}
    for seeds in runs.values():
        for run in seeds:
            run.read_results()  # refuses an unfinished run before anything is drawn
    todo = stale_figures(configs, runs_root, out,
                         None if every else report_figures(configs, runs_root))
    if not any(todo.values()):
        return []
    if any(_needs_classifier(todo[cfg.name]) for cfg in configs):
        # trained here, once, before the workers only load it
        trained_classifier(ClassifierConfig(), *_splits(str(data_dir)), runs_root, progress=False)
    work = [(cfg, todo[cfg.name]) for cfg in configs if todo[cfg.name]]
    digests = figure_digests()
    written: list[Path] = []
    with one_thread_pool(max(1, min(jobs or default_jobs(), len(work)))) as pool:
        for paths in pool.map(_draw_config, [runs[cfg.name] for cfg, _ in work],
                              [wanted for _, wanted in work], [str(runs_root)] * len(work),
                              [str(data_dir)] * len(work),
                              [Path(out) / cfg.name for cfg, _ in work], [digests] * len(work)):
            written += paths
    if todo[STUDY]:
        folder = Path(out) / STUDY
        for name in todo[STUDY]:
            written += drawing(STUDY_FIGURES[name].function)(runs, folder / f"{name}.pdf")
        record_drawn(folder, [run.hash for seeds in runs.values() for run in seeds],
                     todo[STUDY], digests)
    return written


@lru_cache(maxsize=1)
def _splits(data_dir: str) -> tuple[Split, Split]:
    return load_split(data_dir, "train"), load_split(data_dir, "test")


def _needs_classifier(wanted: list[str]) -> bool:
    return any("classifier" in inspect.signature(drawing(FIGURES[name].function)).parameters
               for name in wanted)


def _draw_config(seeds: list[Run], wanted: list[str], runs_root: str, data_dir: str,
                 folder: Path, digests: dict[str, str]) -> list[Path]:
    """In a worker process: the wanted figures of one config's runs into folder, and its
    stamp."""
    torch.set_num_threads(1)
    train, test = _splits(data_dir)
    classifier = (trained_classifier(ClassifierConfig(), train, test, runs_root, progress=False)[0]
                  if _needs_classifier(wanted) else None)
    written = draw_run(seeds, train, test, classifier, folder, wanted)
    record_drawn(folder, [run.hash for run in seeds], wanted, digests)
    return written


def shown_run(seeds: list[Run]) -> Run:
    """The run of the typical seed (numbers.typical_seed), whose model the figures show."""
    losses = {run.cfg.seed: run.read_results().test_loss for run in seeds}
    return next(run for run in seeds if run.cfg.seed == typical_seed(losses))


def draw_run(seeds: list[Run], train: Split, test: Split, classifier: DigitClassifier | None,
             out: Path, wanted: list[str]) -> list[Path]:
    """The named figures of one config into the folder out: training over all its seeds' runs,
    the images from the typical seed's model, on the images the run trained and was tested
    on."""
    run = shown_run(seeds)
    cfg = run.cfg
    train = trained_images(train, cfg.validation, cfg.train_limit)
    test = evaluated(test, cfg)
    draws = {name: drawing(FIGURES[name].function) for name in wanted}
    needs = {name: [p for p in inspect.signature(draw).parameters if p != "path"]
             for name, draw in draws.items()}
    # loading the model is the slow part of a figure that only plots the runs' records
    model = run.load_model() if any("model" in n for n in needs.values()) else None
    inputs = {"seeds": seeds, "model": model, "train": train, "test": test, "seed": cfg.seed,
              "name": cfg.name, "classifier": classifier}
    return [path for name, draw in draws.items()
            for path in draw(**{p: inputs[p] for p in needs[name]}, path=out / f"{name}.pdf")]


def drawing(function: str) -> Callable[..., list[Path]]:
    """The plotting function named by module and name (figure_stamps.FIGURES)."""
    module, name = function.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)
