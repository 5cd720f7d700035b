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
}
STAMP = "drawn.json"


def figures_of(cfg: Config) -> list[str]:
    """The figures a config gets: the manifold only for codes of one or two dimensions."""
    return [name for name in FIGURE_MODULES if name != "manifold" or cfg.latent_dim <= 2]


def figure_digests() -> dict[str, str]:
    """Each figure's code digest."""
    return {name: code_digest(module) for name, module in FIGURE_MODULES.items()}


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
    the code that draws them."""
    digests = figure_digests()
    stale = {}
    for cfg in configs:
        folder = Path(out) / cfg.name
        drawn = _drawn(folder, [Run(seed, runs_root).hash for seed in cfg.per_seed()])
        stale[cfg.name] = [name for name in figures_of(cfg) if drawn.get(name) != digests[name]
                           or not (folder / f"{name}.pdf").exists()]
    return stale
