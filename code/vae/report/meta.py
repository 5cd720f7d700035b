"""The title page's fields (configs/report.toml), the placeholders a report must not be handed in
with, and the published figures it quotes (templates/literature.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .. import VaeError
from ..core.checkout import CHECKOUT


@dataclass(frozen=True)
class ReportMeta:
    """The title page's fields (configs/report.toml)."""

    title: str
    subtitle: str
    author: str
    student_id: str
    course: str


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise VaeError(f"{what} '{path}' does not exist")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise VaeError(f"{what} '{path}' is not valid TOML: {exc}") from None


# configs/report.toml as shipped: a report that still carries these is not anyone's yet
PLACEHOLDERS = {"author": "Student Name", "student_id": "0000000"}


def placeholders_left(meta: ReportMeta) -> list[str]:
    """The title-page fields that still hold the shipped placeholders."""
    return [key for key, value in PLACEHOLDERS.items() if getattr(meta, key) == value]


def placeholder_warning(meta: ReportMeta, path: Path) -> str | None:
    """A warning naming the title-page fields that still hold the shipped placeholders."""
    left = placeholders_left(meta)
    if not left:
        return None
    return (f"warning: {' and '.join(left)} in '{path}' still hold the placeholders "
            f"({', '.join(repr(PLACEHOLDERS[k]) for k in left)}); edit them before you hand "
            f"the report in")


def draft_mark(meta: ReportMeta, path: Path) -> str | None:
    """The line printed at the top of every page while the title page holds placeholders."""
    left = placeholders_left(meta)
    if not left:
        return None
    shown = path.relative_to(CHECKOUT) if path.is_relative_to(CHECKOUT) else path
    return f"DRAFT: fill in {' and '.join(left)} in {shown.as_posix()}"


def load_meta(path: Path) -> ReportMeta:
    values = _read_toml(path, "report config")
    names = [f.name for f in fields(ReportMeta)]
    for key, value in values.items():
        if key not in names:
            raise VaeError(f"report config '{path}': unknown key '{key}'; known keys: "
                           f"{', '.join(names)}")
        if not isinstance(value, str):
            raise VaeError(f"report config '{path}': key '{key}' must be a string")
    missing = [n for n in names if n not in values]
    if missing:
        raise VaeError(f"report config '{path}' lacks {', '.join(missing)}")
    return ReportMeta(**values)


def load_literature(path: Path) -> dict[str, Any]:
    """Published figures the report quotes, each entry with the bibliography key of its source."""
    entries = _read_toml(path, "literature file")
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("cite"), str):
            raise VaeError(f"literature file '{path}': entry '{name}' must be a table with a "
                           f"'cite' key naming its source in templates/references.bib")
    return entries
