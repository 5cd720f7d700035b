"""What the report's sentences say about the numbers: every verdict, threshold and choice of
wording that depends on a measured value or a setting is made here and reaches the templates
as a flag or a piece of text. The templates only typeset.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

import mpmath

from .config import Config

# Decimals the report prints losses with. Differences are taken between printed values, so
# that every difference on the page is the difference of the two numbers shown beside it.
PRINTED = 2
# A variant "takes longer" when its epochs take this many times its baseline's.
SLOWER = 1.5
# Settings that change how a model is measured or named, not what it learns; the seeds are
# what a comparison averages over.
NOT_COMPARED = {"name", "description", "device", "iwae_k", "iwae_images", "eval_batch_size",
                "seed", "seeds"}
# The study's verdict rule: a difference of mean test -ELBO over seeds counts when Welch's
# two-sided t-test gives p below ALPHA.
ALPHA = 0.05

SETTING_LABELS = {
    "latent_dim": "latent dimension", "covariance": "posterior covariance",
    "kl_warmup_epochs": "KL warm-up epochs", "architecture": "architecture",
    "hidden": "hidden width", "channels": "channels", "grad_clip": "gradient clipping",
    "activation": "activation", "weight_decay": "weight decay", "beta": "beta",
    "optimizer": "optimiser", "lr": "learning rate", "batch_size": "batch size",
    "epochs": "epochs", "binarize": "binarised data", "eta": "eta", "seed": "seed",
}
# The change whose reason the study text explains, when a variant makes several: the first
# of these that it changes.
EXPLAINED = ("architecture", "covariance", "kl_warmup_epochs", "beta", "grad_clip",
             "activation", "weight_decay", "latent_dim")
ACTIVATION_NAMES = {"silu": "SiLU", "relu": "ReLU", "gelu": "GELU", "tanh": "tanh"}
ACTIVATION_TRAITS = {"silu": "SiLU, smooth with a small negative dip",
                     "relu": "ReLU, piecewise linear and cheaper to compute",
                     "gelu": "GELU, smooth and close to SiLU", "tanh": "tanh, smooth and bounded"}
OPTIMIZER_NAMES = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD"}
COUNT_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
               8: "eight", 9: "nine", 10: "ten"}


def printed_difference(a: float, b: float) -> float:
    return round(round(a, PRINTED) - round(b, PRINTED), PRINTED)


def spherical_interpolation(latent_dim: int) -> bool:
    """Whether the interpolation figure follows a great circle rather than a straight line:
    beyond two dimensions, where a straight line between two typical draws of N(0, I) passes
    the improbable region near the centre."""
    return latent_dim > 2


def count_words(n: int) -> str:
    return COUNT_WORDS.get(n, str(n))


def plural(n: int, noun: str) -> str:
    return noun if n == 1 else f"{noun}s"


def check_count(symbolic: int, code: int) -> str:
    """How many checks, and of which kind: SymPy on the derivation, or on the training code."""
    total = symbolic + code
    if not code:
        return f"{total} symbolic {plural(total, 'check')}"
    if not symbolic:
        return f"{total} {plural(total, 'check')} of the training code"
    return f"{total} checks: {symbolic} symbolic, {code} of the training code"


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
    baseline_test_loss: float
    delta: float  # printed mean test loss minus the baseline's
    test: Welch | None  # over the seeds; None with one seed
    verdict: str  # "helped", "did not help" or "inconclusive"
    baseline_test_kl: float
    baseline_active_units: list[int]  # per seed
    baseline_latent_dim: int
    units_unchanged: bool  # same active units out of the same latent dimension
    warmup_failed: bool  # warm-up was the change and active units still fell
    baseline_seconds_per_epoch: float
    slower: bool  # epochs took SLOWER times as long or more


def changes(config: dict[str, Any], baseline: dict[str, Any]) -> list[Change]:
    return [Change(k, SETTING_LABELS.get(k, k), baseline[k], v) for k, v in config.items()
            if k not in NOT_COMPARED and baseline[k] != v]


@dataclass(frozen=True)
class Welch:
    """Welch's t-test of two groups of per-seed values (unequal variances)."""

    t: float
    df: float
    p: float  # two-sided


def welch(a: list[float], b: list[float]) -> Welch | None:
    """The test of mean(a) = mean(b); None when a group has fewer than two values."""
    if len(a) < 2 or len(b) < 2:
        return None
    return welch_from(statistics.fmean(a), statistics.stdev(a), len(a),
                      statistics.fmean(b), statistics.stdev(b), len(b))


def welch_from(mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float,
               n_b: int) -> Welch | None:
    """welch() from each group's mean, sample standard deviation and size."""
    if n_a < 2 or n_b < 2:
        return None
    va, vb = sd_a ** 2 / n_a, sd_b ** 2 / n_b
    diff = mean_a - mean_b
    if va + vb == 0:  # identical seeds: no spread to weigh the difference against
        return Welch(math.copysign(math.inf, diff) if diff else 0.0, math.inf,
                     0.0 if diff else 1.0)
    t = diff / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (n_a - 1) + vb ** 2 / (n_b - 1))
    # P(|T| > |t|) for Student's t with df degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2)
    p = float(mpmath.betainc(df / 2, 0.5, 0, df / (df + t * t), regularized=True))
    return Welch(t, df, p)


def leaders(scores: dict[str, tuple[float, float]], seeds: int, lower_better: bool) -> list[str]:
    """The best model by mean score (mean, sd over seeds), then every model that Welch's test
    cannot separate from it at ALPHA: the models that share first place on the evidence."""
    best = (min if lower_better else max)(scores, key=lambda name: scores[name][0])
    tied = []
    for name, (mean, sd) in scores.items():
        test = welch_from(mean, sd, seeds, *scores[best], seeds)
        if name != best and test is not None and test.p >= ALPHA:
            tied.append(name)
    return [best, *tied]


def verdict(delta: float, test: Welch | None) -> str:
    """"helped" (lower -ELBO) or "did not help" when the test passes ALPHA, else
    "inconclusive"; always inconclusive with a single seed."""
    if test is None or test.p >= ALPHA or delta == 0:
        return "inconclusive"
    return "helped" if delta < 0 else "did not help"


def compare(run: Any, base: Any, latent_grown_before: bool) -> Comparison:
    """run and base are summary entries (config, test_loss, seeds, test_kl, ...)."""
    found = changes(run.config, base.config)
    keys = [c.key for c in found]
    explained = next((k for k in EXPLAINED if k in keys), "")
    old = new = ""
    if explained == "activation":
        old = ACTIVATION_TRAITS[base.config["activation"]]
        new = ACTIVATION_TRAITS[run.config["activation"]]
    elif explained == "latent_dim":
        old, new = str(base.config["latent_dim"]), str(run.config["latent_dim"])
    delta = printed_difference(run.test_loss, base.test_loss)
    test = welch([s.test_loss for s in run.seeds], [s.test_loss for s in base.seeds])
    return Comparison(
        baseline=base.name, changes=found,
        several=count_words(len(found)) if len(found) > 1 else "",
        explained=explained, explained_from=old, explained_to=new,
        latent_again=explained == "latent_dim" and latent_grown_before,
        baseline_test_loss=base.test_loss, delta=delta, test=test,
        verdict=verdict(delta, test), baseline_test_kl=base.test_kl,
        baseline_active_units=base.active_units, baseline_latent_dim=base.latent_dim,
        units_unchanged=(run.active_units == base.active_units
                         and run.latent_dim == base.latent_dim),
        warmup_failed=("kl_warmup_epochs" in keys
                       and max(run.active_units) < min(base.active_units)),
        baseline_seconds_per_epoch=base.seconds_per_epoch,
        slower=run.seconds_per_epoch > SLOWER * base.seconds_per_epoch,
    )


def closest_baseline(run: Any, earlier: list[Any]) -> Any:
    """The earlier run that differs from run in the fewest settings (the latest on a tie)."""
    return min(reversed(earlier), key=lambda e: len(changes(run.config, e.config)))


@dataclass(frozen=True)
class ModelWords:
    """A config in the words the report describes the model with."""

    encoder_layers: str  # e.g. "layers of width 512, 256, 128 and 64"
    activation: str
    optimizer: str


def model_words(cfg: Config) -> ModelWords:
    if cfg.architecture == "mlp":
        widths = [str(w) for w in cfg.mlp_widths()]
        layers = f"layers of width {', '.join(widths[:-1])} and {widths[-1]}"
    else:
        layers = (f"two strided convolutions of {cfg.channels} and {2 * cfg.channels} channels "
                  f"and a dense layer of width {cfg.hidden}")
    return ModelWords(layers, ACTIVATION_NAMES[cfg.activation], OPTIMIZER_NAMES[cfg.optimizer])


@dataclass(frozen=True)
class LatentWords:
    """How the text and the figures treat the main model's code."""

    manifold: str  # "line" (1-D), "plane" (2-D) or "" (no manifold figure)
    small_code: bool  # one or two dimensions: reconstructions are averages of similar digits
    dimensions: str  # "1 dimension", "16 dimensions"


def latent_words(latent_dim: int) -> LatentWords:
    return LatentWords(manifold={1: "line", 2: "plane"}.get(latent_dim, ""),
                       small_code=latent_dim <= 2,
                       dimensions=f"{latent_dim} {plural(latent_dim, 'dimension')}")
