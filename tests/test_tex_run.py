"""The TeX run's page check (report/tex_run.py): which pages a reader sees partly empty."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from vae.report.tex_run import EMPTIEST, empty_pages

LINE = "A line of text."
FULL, FEW = 40, 10  # lines: an article page holds about 45


def pdf_of(tmp_path: Path, pages: list[int]) -> Path:
    """A PDF whose page i holds pages[i] one-line paragraphs, each page ended by hand."""
    if shutil.which("pdflatex") is None or shutil.which("pdftoppm") is None:
        pytest.fail("TeX and poppler-utils are required (make setup installs them)")
    body = "\\newpage\n".join("\n\n".join([LINE] * n) + "\n" for n in pages)
    (tmp_path / "p.tex").write_text("\\documentclass{article}\n\\begin{document}\n"
                                    f"{body}\\end{{document}}\n")
    subprocess.run(["pdflatex", "-interaction=batchmode", "p.tex"], cwd=tmp_path, check=True,
                   capture_output=True)
    return tmp_path / "p.pdf"


def test_a_half_empty_page_inside_the_document_is_named(tmp_path):
    over = empty_pages(pdf_of(tmp_path, [FULL, FULL, FEW, FULL, FEW]))
    assert list(over) == [3] and EMPTIEST < over[3] < 1  # the first and last may end early


def test_full_pages_are_not_named(tmp_path):
    assert empty_pages(pdf_of(tmp_path, [FULL, FULL, FULL])) == {}
