"""English for numbers and settings: counts in words, plurals, lists, and the names the report
gives to a config's settings. No number is decided here, only how it reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..core.config import ACTIVATIONS, Config
from ..instrument.measurements import drawn_directly

class Check(Protocol):
    """What the words about a check read of it (derivations.results.CheckResult)."""

    general: bool  # holds for every value, not just the instance tested
    calls: list[str]  # the training code's functions it calls


SETTING_LABELS = {
    "latent_dim": "latent dimension", "covariance": "posterior covariance",
    "offdiag_scale": "off-diagonal scale",
    "kl_warmup_epochs": "KL warm-up epochs", "architecture": "architecture",
    "hidden": "hidden width", "hidden_layers": "hidden layers", "channels": "channels",
    "grad_clip": "gradient clipping",
    "activation": "activation", "weight_decay": "weight decay", "beta": "KL weight",
    "optimizer": "optimiser", "lr": "learning rate", "lr_schedule": "learning-rate schedule",
    "batch_size": "batch size", "residual": "skip connections", "validation": "validation images",
    "epochs": "epochs", "binarize": "binarised data", "eta": "eta", "seed": "seed",
}
# What each activation is like, after its name (config.ACTIVATIONS: the name torch gives it).
ACTIVATION_TRAITS = {"silu": "smooth with a small negative dip",
                     "relu": "piecewise linear, zero for negative inputs",
                     "gelu": "smooth and close to SiLU", "tanh": "smooth and bounded"}
OPTIMIZER_NAMES = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD"}
COUNT_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
               8: "eight", 9: "nine", 10: "ten"}


def count_words(n: int) -> str:
    return COUNT_WORDS.get(n, str(n))


def plural(n: int, one: str, many: str | None = None) -> str:
    """The word for n things: plural(2, "check") -> "checks", plural(2, "is", "are") -> "are"."""
    return one if n == 1 else many or f"{one}s"


def listing(items: list[str], conjunction: str = "and") -> str:
    """["a"] -> "a", ["a", "b"] -> "a and b", ["a", "b", "c"] -> "a, b and c" (or "or")."""
    return (items[0] if len(items) == 1
            else f"{', '.join(items[:-1])} {conjunction} {items[-1]}")


def activation_words(name: str) -> str:
    """"SiLU, smooth with a small negative dip"."""
    return f"{ACTIVATIONS[name]}, {ACTIVATION_TRAITS[name]}"


def check_count(symbolic: int, code: int) -> str:
    """How many checks, and of which kind: SymPy on the derivation, or on the training code."""
    total = symbolic + code
    if not code:
        return f"{total} symbolic {plural(total, 'check')}"
    if not symbolic:
        return f"{total} {plural(total, 'check')} of the training code"
    return f"{total} checks: {symbolic} symbolic, {code} of the training code"


def scope_count(checks: Sequence[Check]) -> str:
    """How many hold in general and how many test an instance: "1 general, 2 on instances"."""
    general = sum(1 for c in checks if c.general)
    if general == len(checks):
        return "all general" if general > 1 else "general"
    if not general:
        return "all on instances" if len(checks) > 1 else "on an instance"
    instances = len(checks) - general
    return f"{general} general, {instances} {plural(instances, 'on an instance', 'on instances')}"


def check_label(checks: Sequence[Check]) -> str:
    """Their count in words: "3 checks: 2 symbolic, 1 of the training code; 1 general, 2 on
    instances"."""
    code = sum(1 for c in checks if c.calls)
    return f"{check_count(len(checks) - code, code)}; {scope_count(checks)}"


@dataclass(frozen=True)
class ModelWords:
    """A config in the words the report describes the model with."""

    encoder_layers: str  # e.g. "layers of width 512, 256, 128 and 64"
    activation: str
    optimizer: str


def model_words(cfg: Config) -> ModelWords:
    if cfg.architecture == "mlp":
        widths = [str(w) for w in cfg.mlp_widths()]
        layers = f"{plural(len(widths), 'a layer', 'layers')} of width {listing(widths)}"
    else:
        layers = (f"two strided convolutions of {cfg.channels} and {2 * cfg.channels} channels "
                  f"and a dense layer of width {cfg.hidden}")
    return ModelWords(layers, ACTIVATIONS[cfg.activation], OPTIMIZER_NAMES[cfg.optimizer])


@dataclass(frozen=True)
class LatentWords:
    """How the text and the figures treat the main model's code."""

    manifold: str  # "line" (1-D), "plane" (2-D) or "" (no manifold figure)
    small_code: bool  # one or two dimensions: reconstructions are averages of similar digits
    dimensions: str  # "1 dimension", "16 dimensions"


def latent_words(latent_dim: int) -> LatentWords:
    return LatentWords(manifold={1: "line", 2: "plane"}.get(latent_dim, ""),
                       small_code=drawn_directly(latent_dim),
                       dimensions=f"{latent_dim} {plural(latent_dim, 'dimension')}")
