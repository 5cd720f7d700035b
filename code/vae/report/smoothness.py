"""The bonus question's rule: when an interpolation path, as the digit classifier reads it,
counts as a smooth transition between its two digits."""

from __future__ import annotations

from ..instrument.measurements import PathReading

SMOOTH_CHANGES = 2  # a smooth path changes digit at most this often...
JUMP = 2.0  # ...and no step between frames is this many times the mean step


def path_smooth(p: PathReading) -> bool:
    """Starts and ends on its two digits, changes digit at most SMOOTH_CHANGES times, no jump."""
    return (p.classes[0] == p.start and p.classes[-1] == p.end
            and p.changes <= SMOOTH_CHANGES and p.jump <= JUMP)


def smooth_paths(paths: list[PathReading]) -> int:
    return sum(path_smooth(p) for p in paths)
