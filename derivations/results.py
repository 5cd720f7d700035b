"""verify.json: what `make verify` found. verify.py writes it and build.py reads it, both through
these types; nothing here imports SymPy or torch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vae.core.cache_keys import code_digest
from vae.core.records import read_record

CHECKS = "derivations.checks"  # verify.json is current while this package's closure is unchanged
GENERAL = "general"  # the scope of a check that covers every case of its identity


@dataclass(frozen=True)
class CheckResult:
    """One identity check: what it claims, how it was established, and whether it held."""

    id: str
    exercise: int
    title: str
    passed: bool
    method: str
    scope: str  # GENERAL, or the instance it tests, e.g. "k = 1 to 4"
    calls: list[str]  # the package functions it runs; empty for a check of the derivation alone
    details: str
    seconds: float

    @property
    def general(self) -> bool:
        """Whether the check covers every case of its identity, not an instance."""
        return self.scope == GENERAL


@dataclass(frozen=True)
class VerifyReport:
    passed: bool
    code: str  # code_digest(CHECKS) when the checks ran: the checks and the code they call
    checks: list[CheckResult]


def checks_digest() -> str:
    return code_digest(CHECKS)


def read_verify(path: str | Path) -> VerifyReport:
    return read_record(VerifyReport, path, "verify")
