"""The bonus question's rule: when an interpolation path, as the digit classifier reads it,
counts as a smooth transition between its two digits. A path whose end frames do not show its
two digits says nothing about smoothness (the model cannot draw an end), so it is set apart:
smoothness is counted among the paths whose ends are drawn."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.statistics import ALPHA
from ..instrument.measurements import PathReading

SMOOTH_CHANGES = 2  # a smooth path changes digit at most this often...
JUMP = 2.0  # ...and no step between frames is this many times the mean step


def ends_drawn(p: PathReading) -> bool:
    """The first frame shows the start digit and the last the end digit."""
    return p.classes[0] == p.start and p.classes[-1] == p.end


def path_smooth(p: PathReading) -> bool:
    """Ends drawn, the digit changes at most SMOOTH_CHANGES times, and no jump."""
    return ends_drawn(p) and p.changes <= SMOOTH_CHANGES and p.jump <= JUMP


def smooth_paths(paths: list[PathReading]) -> int:
    return sum(path_smooth(p) for p in paths)


@dataclass(frozen=True)
class PathTally:
    """Paths of one kind, over a model's seeds: how many, how many with both ends drawn, and how
    many of those are smooth, with the exact (Clopper-Pearson) 1 - ALPHA interval of that share."""

    paths: int
    drawn: int
    smooth: int
    low: float  # 0 and 1 when no path has its ends drawn: nothing is known
    high: float


def tally(paths: list[PathReading]) -> PathTally:
    drawn = [p for p in paths if ends_drawn(p)]
    smooth = smooth_paths(drawn)
    if not drawn:
        return PathTally(len(paths), 0, 0, 0.0, 1.0)
    from scipy import stats  # here, not above: see core.statistics.paired
    interval = stats.binomtest(smooth, len(drawn)).proportion_ci(1 - ALPHA, method="exact")
    return PathTally(len(paths), len(drawn), smooth, float(interval.low), float(interval.high))
