"""What a check is, what it reports, and how its sub-claims are recorded."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import sympy as sp

from ..results import CheckResult

MAX_NOTE = 240  # a failed residual can be a page of SymPy output; the gist is enough

# how a check establishes its identity, as shown in the report
SYMBOLIC_INTEGRATION = "SymPy integration"
SYMBOLIC_ALGEBRA = "SymPy algebra"
NUMERIC_FLOAT64 = "float64 vs lambdified SymPy"


class Findings:
    """The sub-claims one check established; a failed one keeps a note of what differed."""

    def __init__(self) -> None:
        self._items: list[tuple[str, bool, str]] = []

    def holds(self, claim: str, ok: bool, why_not: str = "") -> None:
        """Record a claim; `why_not` is reported only if it failed."""
        self._items.append((claim, bool(ok), why_not[:MAX_NOTE]))

    def zero(self, claim: str, expr: sp.Expr) -> None:
        """The claim that `expr` simplifies to exactly 0."""
        residual = sp.simplify(expr)
        self.holds(claim, residual == 0, f"residual {sp.sstr(residual)}")

    def all_zero(self, claim: str, exprs: list[sp.Expr]) -> None:
        """The claim that every expression in `exprs` simplifies to 0."""
        residuals = [sp.simplify(expr) for expr in exprs]
        bad = [f"case {i}: residual {sp.sstr(r)}" for i, r in enumerate(residuals) if r != 0]
        self.holds(claim, not bad, "; ".join(bad))

    def equal(self, claim: str, lhs: sp.Expr, rhs: sp.Expr) -> None:
        self.zero(claim, lhs - rhs)

    def close(self, claim: str, actual, expected, tol: float) -> None:
        """The claim that two arrays agree to `tol` in the largest absolute difference."""
        if tuple(actual.shape) != tuple(expected.shape):
            self.holds(claim, False, f"shape {tuple(actual.shape)} != {tuple(expected.shape)}")
            return
        difference = actual - expected
        if hasattr(difference, "detach"):  # a tensor still attached to an autograd graph
            difference = difference.detach()
        err = float(abs(difference).max())
        self.holds(f"{claim} (max |diff| {err:.1e})", err <= tol, f"tolerance {tol:.0e}")

    @property
    def passed(self) -> bool:
        # a check that established nothing must not pass
        return bool(self._items) and all(ok for _, ok, _ in self._items)

    def details(self) -> str:
        failed = [f"FAILED {claim}" + (f" ({why})" if why else "")
                  for claim, ok, why in self._items if not ok]
        return "; ".join(failed or [claim for claim, _, _ in self._items])


class Check:
    """A named identity check; calling it times the body, and an exception counts as a failure.

    Its scope is GENERAL ("general") when it covers every case of the identity it checks, and
    otherwise names the instance it tests ("a 3-state latent", "k = 1 to 4"), so that the
    report claims no more than the check shows.
    """

    def __init__(self, body: Callable[..., Findings], *, id: str, exercise: int, title: str,
                 method: str, scope: str, calls: tuple[str, ...] = ()) -> None:
        functools.update_wrapper(self, body)
        self.body = body
        self.id = id
        self.exercise = exercise
        self.title = title
        self.method = method
        self.scope = scope
        self.calls = calls

    def __call__(self, **inputs) -> CheckResult:
        start = time.perf_counter()
        try:
            findings = self.body(**inputs)
            passed, details = findings.passed, findings.details()
        except Exception as error:  # any error is this check's failure, not the whole run's
            passed, details = False, f"raised {type(error).__name__}: {error}"[:MAX_NOTE]
        return CheckResult(self.id, self.exercise, self.title, passed, self.method, self.scope,
                           list(self.calls), details, round(time.perf_counter() - start, 3))


# Every Check that @check made, in the order their modules define them: checks/__init__.py
# imports each module and orders this list, so a new check is listed where it is written.
REGISTERED: list[Check] = []


def check(*, id: str, exercise: int, title: str, method: str, scope: str,
          calls: tuple[str, ...] = ()):
    """Turn a function returning Findings into a Check with the given report metadata, and
    register it; `calls` names the package functions it runs (none: it checks the derivation
    alone)."""
    def register(body: Callable[..., Findings]) -> Check:
        made = Check(body, id=id, exercise=exercise, title=title, method=method, scope=scope,
                     calls=calls)
        REGISTERED.append(made)
        return made
    return register

