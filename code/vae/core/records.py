"""Typed JSON files: a dataclass is the one definition that the writer and the reader share.

`write_record` stores a dataclass as JSON; `read_record` rebuilds it and refuses a file whose
fields differ from the dataclass's (an older version, another program's file) with the make
target that writes it anew. No torch here: build.py reads these files without it.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from .errors import VaeError
from .io import write_json

R = TypeVar("R")


class StaleRecord(VaeError):
    """A results file that does not match the record type of this version of the code."""


def write_record(path: str | Path, record: Any) -> None:
    write_json(path, dataclasses.asdict(record))


def read_record(cls: type[R], path: str | Path, target: str) -> R:
    """The record in path; a missing, unreadable or foreign file names `make target`."""
    path = Path(path)
    if not path.is_file():
        raise VaeError(f"'{path}' is missing; run `make {target}` first")
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
        raise StaleRecord(f"'{path}' is not valid JSON ({exc}); run `make {target}` again") from None
    try:
        return from_json(cls, data)
    except _Mismatch as exc:
        raise StaleRecord(f"'{path}' was not written by this version of the code ({exc}); "
                          f"run `make {target}` again") from None


class _Mismatch(Exception):
    pass


def from_json(cls: Any, data: Any, where: str = "") -> Any:
    """data (parsed JSON) as an instance of the type cls, checked field by field."""
    origin, args = typing.get_origin(cls), typing.get_args(cls)
    if dataclasses.is_dataclass(cls):
        if not isinstance(data, dict):
            raise _Mismatch(f"{where or 'the file'} is not an object")
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in data]
        unknown = [k for k in data if k not in hints]
        if missing or unknown:
            parts = ([f"lacks {', '.join(missing)}"] if missing else []) + \
                    ([f"has unknown {', '.join(unknown)}"] if unknown else [])
            raise _Mismatch(f"{where or 'it'} {' and '.join(parts)}")
        return cls(**{n: from_json(hints[n], data[n], f"{where}{'.' if where else ''}{n}")
                      for n in names})
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return from_json(inner, data, where)
    if origin is list:
        if not isinstance(data, list):
            raise _Mismatch(f"{where} is not a list")
        return [from_json(args[0], item, f"{where}[{i}]") for i, item in enumerate(data)]
    if origin is dict:
        if not isinstance(data, dict):
            raise _Mismatch(f"{where} is not an object")
        return {k: from_json(args[1], v, f"{where}.{k}") for k, v in data.items()}
    if cls is Any:
        return data
    expected = {float: (int, float), int: int, str: str, bool: bool}[cls]
    if isinstance(data, bool) and cls is not bool or not isinstance(data, expected):
        raise _Mismatch(f"{where} should be a {cls.__name__}, not {data!r}")
    return float(data) if cls is float else data
