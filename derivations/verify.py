"""Run every derivation check, print a table, and write report/results/verify.json.

    python -m derivations.verify [--out PATH] [--reuse]

Exits 1, naming each failed check and what differed, if any check fails. With --reuse, a
verify.json that passed for the checks and the code they call as they are now is kept, and
neither SymPy nor torch is imported.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vae import VaeError
from vae.core.checkout import CHECKOUT
from vae.core.records import write_record

from .results import CheckResult, VerifyReport, checks_digest, read_verify

if TYPE_CHECKING:
    from .checks import Check

DEFAULT_OUT = CHECKOUT / "report" / "results" / "verify.json"
COLUMNS = ("check", "exercise", "method", "scope", "result", "seconds")


def _row(result: CheckResult) -> tuple[str, ...]:
    return (result.id, str(result.exercise), result.method, result.scope,
            "PASS" if result.passed else "FAIL", f"{result.seconds:.2f}")


def format_table(results: Sequence[CheckResult]) -> str:
    rows = [COLUMNS, *(_row(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def is_current(path: Path) -> bool:
    """Whether path holds passing results of the checks and the code they call as they are."""
    try:
        report = read_verify(path)
    except VaeError:  # missing, or written by another version
        return False
    return report.passed and report.code == checks_digest()


def main(argv: Sequence[str] | None = None, checks: Sequence[Check] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m derivations.verify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="JSON output (default: report/results/verify.json)")
    parser.add_argument("--code-only", action="store_true",
                        help="run only the checks that call the package's training code (a few "
                             "seconds, after an edit of code/vae) and write no JSON: the report "
                             "needs every check")
    parser.add_argument("--reuse", action="store_true",
                        help="keep --out if it passed for the checks and code as they are now")
    args = parser.parse_args(argv)
    if args.reuse and not args.code_only and is_current(args.out):
        print(f"{args.out} is up to date with the checks and the code they call")
        return 0
    if checks is None:
        from .checks import ALL_CHECKS  # SymPy and torch, only when checks run
        checks = ALL_CHECKS
    if args.code_only:
        checks = [c for c in checks if c.calls]
    results = [run() for run in checks]
    print(format_table(results))
    total = sum(r.seconds for r in results)
    if not args.code_only:
        write_record(args.out, VerifyReport(all(r.passed for r in results), checks_digest(),
                                            list(results)))
    failed = [r for r in results if not r.passed]
    where = "no JSON written (--code-only)" if args.code_only else f"results in {args.out}"
    print(f"\n{len(results) - len(failed)}/{len(results)} checks passed in {total:.1f} s; {where}")
    if failed:
        print(f"{len(failed)} check(s) failed:", file=sys.stderr)
        for r in failed:
            print(f"  {r.id} (exercise {r.exercise}): {r.details}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
