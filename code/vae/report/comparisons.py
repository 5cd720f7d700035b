"""The improvements study's comparisons: each variant read against the earlier model it differs
from in the fewest settings, paired by seed, with Holm's correction over all the study's
comparisons, and the flags the text's wording turns on. Every choice that depends on a number
is made here, none in the templates."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean
from typing import Any

from ..core.statistics import ALPHA, MAX_SEEDS, Paired, holm, paired, seeds_to_decide, within
from .latex import LOSS_DECIMALS, printed_difference
from .numbers import ModelNumbers
from .wording import SETTING_LABELS, activation_words, count_words

# Differences of test -ELBO smaller than this (nats per image) count as no difference: a variant
# whose paired interval lies within +-MARGIN of its baseline is "within 2 nats" of it.
MARGIN = 2.0
# A variant "takes longer" when its epochs take this many times its baseline's.
SLOWER = 1.5
# Settings that change how a model is measured or named, not what it learns; the seeds are
# what a comparison averages over.
NOT_COMPARED = {"name", "description", "device", "iwae_k", "iwae_images", "eval_batch_size",
                "seed", "seeds"}
# The change whose reason the study text explains, when a variant makes several: the first
# of these that it changes.
EXPLAINED = ("architecture", "residual", "covariance", "offdiag_scale", "kl_warmup_epochs",
             "beta", "grad_clip", "activation", "weight_decay", "optimizer", "lr_schedule",
             "hidden_layers", "latent_dim")
# A mean validation curve that still falls faster than this over the last epochs (nats per epoch),
# and whose slope's 1 - ALPHA interval lies below zero, has not levelled off: its verdict may change
# with longer training.
FLAT = 0.5


def still_falling(model: ModelNumbers) -> bool:
    return model.late_slope < -FLAT and model.late_slope_high < 0


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    baseline: Any
    value: Any


@dataclass(frozen=True)
class Comparison:
    """A variant read against its baseline, the earlier run it differs from in fewest settings."""

    baseline: str
    changes: list[Change]
    several: str  # "two", "three", ... when more than one setting changed, else ""
    explained: str  # the changed setting whose reason the text gives (one of EXPLAINED), or ""
    explained_from: str  # for activation and latent_dim: the old and new value in words
    explained_to: str
    latent_again: bool  # an earlier variant already grew the code, so say "again"
    delta: float  # printed mean test loss minus the baseline's (comparisons.difference)
    test: Paired | None  # of the per-seed differences; None with one seed
    p_holm: float  # Holm-adjusted over the study's comparisons (1 with one seed)
    verdict: str  # one of VERDICTS
    # the seeds that would decide an undecided difference of this size and spread (MAX_SEEDS
    # + 1: more than MAX_SEEDS); None for a decided one, or with one seed
    seeds_needed: int | None
    warmup_failed: bool  # warm-up was the change and active units still fell
    baseline_seconds_per_epoch: float
    slower: bool  # epochs took SLOWER times as long or more
    baseline_train_loss: float  # the final weights' training -ELBO, mean over seeds
    # the model with the lower test -ELBO also has the lower training -ELBO with its final
    # weights: a difference in how the two train, not in how they generalise
    fits_as_it_tests: bool
    # on the IWAE's images, the per-seed differences of the -ELBO and of the IWAE bound, each
    # read alone (for a variant whose KL weight differs: how much of its -ELBO difference the
    # tighter bound keeps); None with one seed
    subset_test: Paired | None
    iwae_test: Paired | None


def changes(config: dict[str, Any], baseline: dict[str, Any]) -> list[Change]:
    return [Change(k, SETTING_LABELS.get(k, k), baseline[k], v) for k, v in config.items()
            if k not in NOT_COMPARED and baseline[k] != v]


BETTER, WORSE, WITHIN, UNDECIDED = "better", "worse", f"within {MARGIN:g} nats", "undecided"
VERDICTS = (BETTER, WORSE, WITHIN, UNDECIDED)


def verdict(delta: float, test: Paired | None, p_holm: float) -> str:
    """BETTER (lower -ELBO) or WORSE when the corrected test rejects at ALPHA; WITHIN when the
    interval lies inside +-MARGIN (no difference larger than MARGIN); else UNDECIDED: the
    seeds show neither, and no conclusion may rest on the comparison."""
    if test is not None and p_holm < ALPHA and delta != 0:
        return BETTER if delta < 0 else WORSE
    if test is not None and within(test, MARGIN):
        return WITHIN
    return UNDECIDED


def seed_losses(model: ModelNumbers, measure: str = "test_loss") -> dict[int, float]:
    return {s.seed: getattr(s, measure) for s in model.seeds}


def difference(run: ModelNumbers, base: ModelNumbers) -> float:
    """run's mean test -ELBO minus base's, as printed; where the two trained different seeds, the
    mean of their paired differences, so that a difference and its interval rest on the same
    seeds."""
    a, b = seed_losses(run), seed_losses(base)
    shared = a.keys() & b.keys()
    if a.keys() == b.keys() or len(shared) < 2:
        return printed_difference(run.test_loss, base.test_loss)
    return round(fmean(a[s] - b[s] for s in shared), LOSS_DECIMALS)


def compare(run: ModelNumbers, base: ModelNumbers, latent_grown_before: bool,
            p_holm: float = 1.0, family: int = 1) -> Comparison:
    """run against base; p_holm is its test's p after Holm's correction over a family of
    `family` comparisons."""
    found = changes(run.config, base.config)
    keys = [c.key for c in found]
    explained = next((k for k in EXPLAINED if k in keys), "")
    old = new = ""
    if explained == "activation":
        old = activation_words(base.config["activation"])
        new = activation_words(run.config["activation"])
    elif explained == "latent_dim":
        old, new = str(base.config["latent_dim"]), str(run.config["latent_dim"])
    elif explained == "hidden_layers":
        old = count_words(base.config["hidden_layers"])
        new = count_words(run.config["hidden_layers"])
    delta = difference(run, base)
    test = paired(seed_losses(run), seed_losses(base))
    said = verdict(delta, test, p_holm)
    return Comparison(
        baseline=base.name, changes=found,
        several=count_words(len(found)) if len(found) > 1 else "",
        explained=explained, explained_from=old, explained_to=new,
        latent_again=explained == "latent_dim" and latent_grown_before,
        delta=delta, test=test, p_holm=p_holm,
        verdict=said,
        seeds_needed=(seeds_to_decide(test, family, MARGIN) or MAX_SEEDS + 1
                      if test is not None and said == UNDECIDED else None),
        warmup_failed=("kl_warmup_epochs" in keys
                       and max(run.active_units) < min(base.active_units)),
        baseline_seconds_per_epoch=base.seconds_per_epoch,
        slower=run.seconds_per_epoch > SLOWER * base.seconds_per_epoch,
        baseline_train_loss=base.train_loss_final,
        fits_as_it_tests=((run.train_loss_final < base.train_loss_final)
                          == (run.test_loss < base.test_loss)),
        subset_test=paired(seed_losses(run, "subset_test_loss"),
                           seed_losses(base, "subset_test_loss")),
        iwae_test=paired(seed_losses(run, "iwae_bound"), seed_losses(base, "iwae_bound")),
    )


def closest_baseline(config: dict[str, Any], earlier: list[dict[str, Any]]) -> int:
    """The index of the earlier config that differs from config in the fewest settings; on a
    tie, the one closest to the main config (earlier[0]), so that a 16-dimensional code is read
    against the sheet's model and not against the 2-dimensional one; then the latest."""
    main = earlier[0]
    return min(reversed(range(len(earlier))),
               key=lambda i: (len(changes(config, earlier[i])), len(changes(earlier[i], main))))


def baselines(configs: list[dict[str, Any]]) -> list[int]:
    """For each variant (every config after the first, the main one), the index of the earlier
    config it is compared with."""
    return [closest_baseline(c, configs[:i]) for i, c in enumerate(configs[1:], start=1)]


def compared_pairs(models: list[ModelNumbers]) -> list[tuple[ModelNumbers, ModelNumbers]]:
    """Each variant (every model after the first, the main one) with its baseline."""
    return [(model, models[base]) for model, base
            in zip(models[1:], baselines([m.config for m in models]))]


def compare_all(models: list[ModelNumbers]) -> dict[str, Comparison]:
    """Each variant (every model after the first, the main one) against its closest earlier
    model, so that every difference is read against few changes; the verdicts hold for all
    the comparisons together (Holm)."""
    pairs = compared_pairs(models)
    tests = [paired(seed_losses(model), seed_losses(base)) for model, base in pairs]
    adjusted = holm([test.p if test else 1.0 for test in tests])
    found: dict[str, Comparison] = {}
    latent_grown = False
    for (model, base), p_holm in zip(pairs, adjusted):
        comparison = compare(model, base, latent_grown, p_holm, len(pairs))
        latent_grown |= comparison.explained == "latent_dim"
        found[model.name] = comparison
    return found


def first_look(models: list[ModelNumbers], seeds: list[int]) -> dict[str, str]:
    """The verdict of each comparison that pairs more seeds than `seeds` (those every model
    trains), as the study read it on `seeds` alone: the first look, before the models of a
    comparison it left undecided were given more seeds. The same family, corrected the same way."""
    def kept(model: ModelNumbers) -> dict[int, float]:
        return {s: loss for s, loss in seed_losses(model).items() if s in seeds}
    pairs = compared_pairs(models)
    tests = [paired(kept(model), kept(base)) for model, base in pairs]
    adjusted = holm([test.p if test else 1.0 for test in tests])
    return {model.name: verdict(printed_difference(fmean(kept(model).values()),
                                                   fmean(kept(base).values())), test, p_holm)
            for (model, base), test, p_holm in zip(pairs, tests, adjusted)
            if len(seed_losses(model).keys() & seed_losses(base).keys()) > len(seeds)}


@dataclass(frozen=True)
class Step:
    """One link of the chain of comparisons from the main model to another."""

    model: str
    baseline: str
    changes: list[Change]
    delta: float
    verdict: str


def path_to(name: str, comparisons: dict[str, Comparison]) -> list[Step]:
    """The comparisons that lead from the main model (the one compared with nothing) to the
    model `name`, main first: a difference between two models that differ in several settings,
    split into single ones."""
    steps = []
    while name in comparisons:
        c = comparisons[name]
        steps.append(Step(name, c.baseline, c.changes, c.delta, c.verdict))
        name = c.baseline
    return steps[::-1]
