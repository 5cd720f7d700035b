"""The bonus question's rule: when an interpolation path, as the digit classifier reads it,
counts as a smooth transition between its two digits. A path whose end frames do not show its
two digits says nothing about smoothness (the model cannot draw an end), so it is set apart:
smoothness is counted among the paths whose ends are drawn."""

from __future__ import annotations

from dataclasses import dataclass

from .. import VaeError
from ..core.statistics import clustered_share
from ..instrument.measurements import PathReading

SMOOTH_CHANGES = 2  # a smooth path changes digit at most this often...
JUMP = 2.0  # ...and no step between frames is this many times the mean step
# The rule one step stricter and one step looser in each threshold, (changes, jump): how much
# the bonus answer rests on the two choices.
NEIGHBOUR_RULES = ((SMOOTH_CHANGES - 1, JUMP), (SMOOTH_CHANGES + 1, JUMP),
                   (SMOOTH_CHANGES, 1.5), (SMOOTH_CHANGES, 3.0))


def ends_drawn(p: PathReading) -> bool:
    """The first frame shows the start digit and the last the end digit."""
    return p.classes[0] == p.start and p.classes[-1] == p.end


def path_smooth(p: PathReading, changes: int = SMOOTH_CHANGES, jump: float = JUMP) -> bool:
    """Ends drawn, the digit changes at most `changes` times, and no step above `jump` times
    the mean one."""
    return ends_drawn(p) and p.changes <= changes and p.jump <= jump


def smooth_paths(paths: list[PathReading], changes: int = SMOOTH_CHANGES,
                 jump: float = JUMP) -> int:
    return sum(path_smooth(p, changes, jump) for p in paths)


def most_changing(paths: list[PathReading]) -> PathReading | None:
    """The path whose digit changes most often (the first of equals), which the text describes
    beside a figure; None when no path changes more than once, as a plain morph does."""
    worst = max(paths, key=lambda p: p.changes, default=None)
    return worst if worst is not None and worst.changes > 1 else None


@dataclass(frozen=True)
class PathTally:
    """Paths of one kind, over a model's seeds: how many, how many with both ends drawn, and how
    many of those are smooth, with the 1 - ALPHA interval of that share. Every seed draws the
    same pairs of images, so the paths of one pair are a cluster, not independent trials: the
    interval is core.statistics.clustered_share over the pairs."""

    paths: int
    drawn: int
    smooth: int
    low: float  # 0 and 1 when no path has its ends drawn: nothing is known
    high: float


def tally(per_seed: list[list[PathReading]], changes: int = SMOOTH_CHANGES,
          jump: float = JUMP) -> PathTally:
    """The paths of each seed, the i-th of every seed between the same pair of images, judged
    by the rule with these thresholds."""
    if len({len(paths) for paths in per_seed}) > 1:
        raise VaeError(f"the seeds' path readings cannot be between the same pairs of images: "
                       f"they hold {sorted(len(paths) for paths in per_seed)} paths; measure "
                       f"them again (make report)")
    pairs = list(zip(*per_seed))
    drawn = [sum(ends_drawn(p) for p in pair) for pair in pairs]
    smooth = [smooth_paths(list(pair), changes, jump) for pair in pairs]
    low, high = clustered_share(smooth, drawn)
    return PathTally(sum(map(len, per_seed)), sum(drawn), sum(smooth), low, high)
