"""The sentences about seeds: which ones each model trains, what the study's means are over,
which the paired comparisons pair, and what adding seeds after a first look costs."""

from __future__ import annotations

from markupsafe import Markup

from ..core.statistics import MAX_SEEDS
from .comparisons import UNDECIDED, Comparison
from .latex import model_name, num
from .numbers import DRAWN_SEEDS, ModelNumbers
from .wording import count_words, listing, plural


def seeds_cell(c: Comparison) -> Markup:
    """The seeds a comparison pairs and, after an arrow, the seeds an undecided difference would
    need at its mean and spread to be separated or shown within the margin ("" with one seed,
    where there is nothing to pair)."""
    if c.test is None:
        return Markup("")
    if c.seeds_needed is None:
        return Markup(str(c.test.seeds))
    needed = f">{MAX_SEEDS}" if c.seeds_needed > MAX_SEEDS else str(c.seeds_needed)
    return Markup(f"${c.test.seeds}\\to{needed}$")


def training_seeds(seeds: int) -> Markup:
    """Which of the main model's seeds the training figure draws."""
    if seeds <= DRAWN_SEEDS:
        return Markup("one colour per seed")
    return Markup(f"one colour for each of its first {count_words(DRAWN_SEEDS)} seeds "
                  f"(of {count_words(seeds)})")


def seed_span(seeds: list[int]) -> str:
    """[420, 421, 422] -> "420 to 422"; seeds that do not follow one another, listed."""
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]} to {seeds[-1]}"
    return listing([str(s) for s in seeds])


def _by_count(models: list[ModelNumbers], shared: list[int]) -> dict[int, list[ModelNumbers]]:
    """The models that train more seeds than the shared ones, by how many they train."""
    more: dict[int, list[ModelNumbers]] = {}
    for m in models:
        if len(m.seeds) > len(shared):
            more.setdefault(len(m.seeds), []).append(m)
    return dict(sorted(more.items()))


def _names(models: list[ModelNumbers]) -> str:
    return listing([model_name(m.name) for m in models])


def seed_counts(models: list[ModelNumbers], shared: list[int], inside: bool = False) -> Markup:
    """What the study's means are over: "three seeds", or "three seeds (eight for x and y)";
    inside parentheses (`inside`), "three seeds, eight for x and y"."""
    text = f"{count_words(len(shared))} {plural(len(shared), 'seed')}"
    more = "; ".join(f"{count_words(n)} for {_names(group)}"
                     for n, group in _by_count(models, shared).items())
    if more:
        text += f", {more}" if inside else f" ({more})"
    return Markup(text)


def seed_plan(models: list[ModelNumbers], shared: list[int]) -> Markup:
    """The seeds every model trains, and the further ones of the models that train more."""
    text = f"the same seeds {seed_span(shared)}"
    for group in _by_count(models, shared).values():
        extra = [s.seed for s in group[0].seeds if s.seed not in shared]
        text += f", and {seed_span(extra)} too for {_names(group)}"
    return Markup(text)


def more_seeds(comparisons: dict[str, Comparison], first: dict[str, str], shared: list[int],
               alpha: float) -> Markup | None:
    """The comparisons that pair more seeds than every model trains: their verdict on the shared
    seeds alone (`first`), and what a second look costs. None where there are none."""
    if not first:
        return None
    items = [f"{model_name(name)} against {model_name(comparisons[name].baseline)} "
             f"({count_words(comparisons[name].test.seeds)} seeds; on {seed_span(shared)} "
             f"alone: {verdict})" for name, verdict in first.items()]
    text = (f"{plural(len(items), 'One comparison pairs', 'Some comparisons pair')} more than "
            f"the {count_words(len(shared))} seeds every model trains: {listing(items)}.")
    if UNDECIDED in first.values():
        text += (f" Those seeds were added because the first {count_words(len(shared))} left "
                 f"the comparison undecided, and a verdict read again after adding seeds has two "
                 f"chances to go wrong: at most $2\\alpha={num(2 * alpha, 2)}$, not $\\alpha$, "
                 f"by the union bound over the two looks.")
    return Markup(text)


def undecided(comparisons: dict[str, Comparison]) -> Markup | None:
    """The undecided comparisons in words: uninformative at this budget, how many seeds would
    decide each at its present mean and spread, and that nothing rests on them. None if none."""
    open_ones = [(name, c) for name, c in comparisons.items()
                 if c.verdict == UNDECIDED and c.seeds_needed is not None]
    if not open_ones:
        return None
    items = [f"{model_name(name)} against {model_name(c.baseline)} on "
             f"{count_words(c.test.seeds)} seeds, where "
             + (f"more than {MAX_SEEDS}" if c.seeds_needed > MAX_SEEDS
                else f"about {c.seeds_needed}")
             + " would decide it were its mean and spread to stay" for name, c in open_ones]
    return Markup(f"Uninformative at this budget: {listing(items)}. No conclusion rests on "
                  f"{plural(len(items), 'it', 'them')}.")
