"""Which figures are up to date: each model's figure folder holds drawn.json, the runs and the
code its figures were drawn from. Torch-free, so that a `make report` with nothing to redraw
never imports torch or matplotlib (figures.py draws; this module decides what)."""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .io import read_json, write_json
from .runs import Run, code_digest

# The modules each figure is drawn by: an edit to one of them redraws that figure (of every
# model), an edit elsewhere does not. Runs are compared by hash, so new runs redraw their own.
_TILES = ("figures.py", "images.py", "style.py")
_LATENT = ("latent_figures.py", "latent.py", "images.py", "findings.py", "style.py")
FIGURE_CODE = {
    "training": ("figures.py", "style.py"),
    "reconstructions": (*_TILES, "latent.py"),
    "samples": _TILES,
    "manifold": _LATENT,
    "latent": _LATENT,
    "interpolation": _LATENT,
}
STAMP = "drawn.json"


def figures_of(cfg: Config) -> list[str]:
    """The figures a config gets: the manifold only for codes of one or two dimensions."""
    return [name for name in FIGURE_CODE if name != "manifold" or cfg.latent_dim <= 2]


def figure_digests() -> dict[str, str]:
    """Each figure's code digest; each set of modules is read once."""
    by_files = {files: code_digest(files) for files in set(FIGURE_CODE.values())}
    return {name: by_files[files] for name, files in FIGURE_CODE.items()}


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


def draw_stale(main: Config, variants: list[Config], runs_root: str | Path,
               data_dir: str | Path, out: str | Path) -> list[Path] | None:
    """Draw the stale figures (stale_figures) and return the files; None when none is stale.
    Only then are figures.py, torch and matplotlib imported."""
    todo = stale_figures([main, *variants], runs_root, out)
    if not any(todo.values()):
        return None
    from .figures import draw_all
    return draw_all(main, variants, runs_root, data_dir, out, todo)
