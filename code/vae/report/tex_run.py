"""The TeX run: latexmk on the rendered report, and what its log and its pages show (the first
error with its source, overfull lines, pages left empty in one block)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .. import VaeError

def first_tex_error(log: str, context_lines: int = 4) -> str:
    """The first 'file:line: message' of a -file-line-error log, with the source around it."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(.+?\.(?:tex|sty|cls|bbl)):(\d+): (.*)$", line)
        if not m:
            continue
        file, lineno, message = m.group(1), int(m.group(2)), m.group(3)
        detail = "\n".join(lines[i + 1:i + 1 + context_lines]).rstrip()
        out = [f"LaTeX error in {file}, line {lineno}: {message}", detail]
        source = Path(file)
        if source.is_file():
            src = source.read_text(errors="replace").splitlines()
            lo, hi = max(0, lineno - 1 - context_lines), min(len(src), lineno + context_lines)
            out.append("source:")
            out += [f"{'>' if n + 1 == lineno else ' '} {n + 1:5d} | {src[n]}" for n in range(lo, hi)]
        return "\n".join(s for s in out if s)
    tail = "\n".join(lines[-15:])
    return f"LaTeX failed without a file:line error; the log ends with:\n{tail}"


def compile_pdf(tex: Path, build_dir: Path, root: Path) -> Path:
    """The PDF of tex, compiled in build_dir, with root's derivations/ and templates/ (the
    proofs' sources, the preamble's style and the bibliography) on TeX's search paths."""
    if shutil.which("latexmk") is None:
        raise VaeError("latexmk is not installed; run `make setup` (it installs TeX as root) or "
                       "install: latexmk texlive-latex-recommended texlive-latex-extra "
                       "texlive-fonts-recommended texlive-science lmodern")
    env = dict(os.environ,
               TEXINPUTS=f"{root / 'derivations'}:{root / 'templates'}:",
               BIBINPUTS=f"{root / 'templates'}:",
               max_print_line="10000")  # TeX wraps log lines at 79 characters, paths included
    cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           f"-outdir={build_dir}", str(tex)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=build_dir)
    if proc.returncode != 0:
        log = tex.with_suffix(".log")
        text = log.read_text(errors="replace") if log.is_file() else proc.stdout + proc.stderr
        raise VaeError(first_tex_error(text) + f"\n(full log: {log})")
    return build_dir / tex.with_suffix(".pdf").name


OVERFULL_PT = 1.0  # an overfull line wider than this is reported: it shows in the margin
OVERFULL_RE = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\) (.*)$", re.M)


def overfull_lines(log: str, limit: float = OVERFULL_PT) -> list[str]:
    """LaTeX's overfull lines wider than limit points, as "40.1 pt in paragraph at lines 9--12"."""
    return [f"{float(width):.1f} pt {where.strip()}" for width, where in OVERFULL_RE.findall(log)
            if float(width) > limit]


MARGIN_CM = 2.4  # the geometry package's margin in preamble.tex.j2
EMPTIEST = 1 / 3  # a page emptier than this in one block gets a warning


def blank_fractions(pdf: Path, dpi: int = 30) -> list[float]:
    """For each page, the longest run of empty lines of pixels inside the text block, as a share
    of the block's height: how much of the page a reader sees empty in one piece."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), f"{tmp}/page"],
                       check=True, capture_output=True)
        fractions = []
        for image in sorted(Path(tmp).glob("page-*.pgm"), key=lambda p: int(p.stem[5:])):
            magic, width, height, _, pixels = image.read_bytes().split(maxsplit=4)
            page = np.frombuffer(pixels, np.uint8).reshape(int(height), int(width))
            margin = round(MARGIN_CM / 2.54 * dpi)
            empty = (page[margin:-margin, margin:-margin] > 200).all(axis=1)
            runs = np.diff(np.flatnonzero(np.concatenate([[True], ~empty, [True]]))) - 1
            fractions.append(float(runs.max()) / len(empty))
        return fractions


def empty_pages(pdf: Path) -> dict[int, float]:
    """The pages (numbered from 1) emptier than EMPTIEST in one block, with their share; the
    title page (with the contents) and the last page may end early."""
    fractions = blank_fractions(pdf)
    return {page: fraction for page, fraction in enumerate(fractions, start=1)
            if 1 < page < len(fractions) and fraction > EMPTIEST}
