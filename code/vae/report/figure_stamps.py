"""Which figures are up to date: each config's figure folder holds drawn.json, the runs and the
code digest each figure was drawn from. Torch-free, so that a `make report` with nothing to
redraw never imports torch or matplotlib (figures.py draws; this module decides what)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from ..core.cache_keys import code_digest
from ..core.config import Config
from ..core.io import read_json, write_json
from ..core.runs import Run
from ..instrument.measurements import drawn_directly
from .decisions import best_of, figures_shown, plane_of


@dataclass(frozen=True)
class Figure:
    """A figure of the report: the function that draws it (module.name; figures.draw_run calls
    it with the inputs its parameters name), the codes it is drawn for ("any", or only those
    "drawn" directly or "projected", measurements.drawn_directly), and the modules besides its
    own whose edit redraws it."""

    function: str
    codes: str = "any"
    also: tuple[str, ...] = ()


# The figures of each config. An edit to a figure's module, or to a module that one imports,
# redraws that figure (of every config), an edit elsewhere does not. Runs are compared by hash,
# so new runs redraw their own. The reconstructions and the interpolation print the classifier's
# readings, so its settings count too.
FIGURES = {
    "training": Figure("vae.report.training_figure.plot_training"),
    "reconstructions": Figure("vae.report.digit_figures.plot_reconstructions",
                              also=("vae.instrument.measurements",)),
    "samples": Figure("vae.report.digit_figures.plot_samples"),
    "manifold": Figure("vae.report.latent_figures.plot_manifold", codes="drawn"),
    "latent": Figure("vae.report.latent_figures.plot_latent"),
    "interpolation": Figure("vae.report.latent_figures.plot_interpolation",
                            also=("vae.instrument.measurements",)),
    "units": Figure("vae.report.latent_figures.plot_units", codes="projected"),
}
# Figures of the whole study, drawn from every config's runs into STUDY/.
STUDY_FIGURES = {"convergence": Figure("vae.report.convergence_figure.plot_convergence")}
STUDY = "study"
STAMP = "drawn.json"


def figures_of(cfg: Config) -> list[str]:
    """The figures a config gets: those for any code, and those for its kind of code."""
    kind = "drawn" if drawn_directly(cfg.latent_dim) else "projected"
    return [name for name, figure in FIGURES.items() if figure.codes in ("any", kind)]


# What every figure of a config depends on: the rule that picks the seed shown
# (numbers.typical_seed).
SHOWN_SEED = "vae.report.numbers"


def figure_digests() -> dict[str, str]:
    """Each figure's code digest."""
    return {name: code_digest(figure.function.rsplit(".", 1)[0], SHOWN_SEED, *figure.also)
            for name, figure in {**FIGURES, **STUDY_FIGURES}.items()}


def _drawn(folder: Path, hashes: list[str]) -> dict[str, str]:
    """The figures the folder's stamp records as drawn from these runs, with their digests."""
    stamp = read_json(folder / STAMP) if (folder / STAMP).exists() else {}
    return stamp.get("figures", {}) if stamp.get("runs") == hashes else {}


def record_drawn(folder: Path, hashes: list[str], names: list[str],
                 digests: dict[str, str]) -> None:
    """Add the figures just drawn from these runs to the folder's stamp."""
    drawn = _drawn(folder, hashes)
    drawn.update({name: digests[name] for name in names})
    write_json(folder / STAMP, {"runs": hashes, "figures": drawn})


@dataclass(frozen=True)
class _Model:
    """A config as decisions.figures_shown reads it (decisions.Candidate)."""

    name: str
    latent_dim: int
    valid_loss: float  # the mean over its seeds' finished runs


def report_figures(configs: list[Config], runs_root: str | Path) -> dict[str, list[str]]:
    """The figures the report prints, per config name (decisions.figures_shown), from the
    configs' finished runs, main first. Reads the runs' results only, without numpy."""
    models = [_Model(cfg.name, cfg.latent_dim, statistics.fmean(
        Run(seed, runs_root).read_results().valid_loss for seed in cfg.per_seed()))
        for cfg in configs]
    return figures_shown(models, best_of(models).name, plane_of(models))


def stale_figures(configs: list[Config], runs_root: str | Path, out: str | Path,
                  shown: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Per config name, its figures in out/<name>/ that are missing or older than its runs or
    the code that draws them, of those in shown (None: every figure of every config); under
    STUDY, the study's figures, drawn from every run."""
    digests = figure_digests()
    stale = {}

    def missing(folder: Path, hashes: list[str], names: list[str]) -> list[str]:
        drawn = _drawn(folder, hashes)
        return [name for name in names if drawn.get(name) != digests[name]
                or not (folder / f"{name}.pdf").exists()]
    for cfg in configs:
        wanted = [name for name in figures_of(cfg)
                  if shown is None or name in shown.get(cfg.name, [])]
        stale[cfg.name] = missing(Path(out) / cfg.name, run_hashes(cfg, runs_root), wanted)
    stale[STUDY] = missing(Path(out) / STUDY,
                           [h for cfg in configs for h in run_hashes(cfg, runs_root)],
                           list(STUDY_FIGURES))
    return stale


def run_hashes(cfg: Config, runs_root: str | Path) -> list[str]:
    return [Run(seed, runs_root).hash for seed in cfg.per_seed()]
