"""Which figures are up to date: each config's figure folder holds drawn.json, the runs and the
code digest each figure was drawn from. Torch-free, so that a `make report` with nothing to
redraw never imports torch or matplotlib (figures.py draws; this module decides what)."""

from __future__ import annotations

from pathlib import Path

from ..core.cache_keys import code_digest
from ..core.config import Config
from ..core.io import read_json, write_json
from ..core.runs import Run

# The module that draws each figure: an edit to it, or to a module it imports, redraws that
# figure (of every config), an edit elsewhere does not. Runs are compared by hash, so new runs
# redraw their own.
FIGURE_MODULES = {
    "training": "vae.report.training_figure",
    "reconstructions": "vae.report.digit_figures",
    "samples": "vae.report.digit_figures",
    "manifold": "vae.report.latent_figures",
    "latent": "vae.report.latent_figures",
    "interpolation": "vae.report.latent_figures",
    "units": "vae.report.latent_figures",
}
# Figures of the whole study, drawn from every config's runs into STUDY/.
STUDY_FIGURES = {"convergence": "vae.report.convergence_figure"}
STUDY = "study"
STAMP = "drawn.json"


def figures_of(cfg: Config) -> list[str]:
    """The figures a config gets: the manifold only for codes of one or two dimensions, the
    KL per dimension only for larger ones."""
    small = cfg.latent_dim <= 2
    return [name for name in FIGURE_MODULES
            if (name != "manifold" or small) and (name != "units" or not small)]


# What else a figure depends on: the rule that picks the seed shown (numbers.typical_seed),
# and for the interpolation figure the digit classifier's settings, whose readings it prints.
SHOWN_SEED = "vae.report.numbers"
ALSO = {"interpolation": ("vae.instrument.measurements",)}


def figure_digests() -> dict[str, str]:
    """Each figure's code digest."""
    return {name: code_digest(module, SHOWN_SEED, *ALSO.get(name, ()))
            for name, module in {**FIGURE_MODULES, **STUDY_FIGURES}.items()}


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


def stale_figures(configs: list[Config], runs_root: str | Path,
                  out: str | Path) -> dict[str, list[str]]:
    """Per config name, its figures in out/<name>/ that are missing or older than its runs or
    the code that draws them; under STUDY, the study's figures, drawn from every run."""
    digests = figure_digests()
    stale = {}

    def missing(folder: Path, hashes: list[str], names: list[str]) -> list[str]:
        drawn = _drawn(folder, hashes)
        return [name for name in names if drawn.get(name) != digests[name]
                or not (folder / f"{name}.pdf").exists()]
    for cfg in configs:
        stale[cfg.name] = missing(Path(out) / cfg.name, run_hashes(cfg, runs_root),
                                  figures_of(cfg))
    stale[STUDY] = missing(Path(out) / STUDY,
                           [h for cfg in configs for h in run_hashes(cfg, runs_root)],
                           list(STUDY_FIGURES))
    return stale


def run_hashes(cfg: Config, runs_root: str | Path) -> list[str]:
    return [Run(seed, runs_root).hash for seed in cfg.per_seed()]
