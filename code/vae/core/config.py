"""The one typed configuration of a run, loaded from TOML with command-line overrides."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import VaeError
from .hardware import native_precision

ARCHITECTURES = ("mlp", "conv")
COVARIANCES = ("diagonal", "full")
OPTIMIZERS = ("adamw", "adam", "sgd")
LR_SCHEDULES = ("constant", "cosine")
# Each activation a config may name, and the torch.nn module that computes it (model.py).
ACTIVATIONS = {"silu": "SiLU", "relu": "ReLU", "gelu": "GELU", "tanh": "Tanh"}
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class Config:
    """Every setting of one training run; the defaults are the assignment's."""

    name: str = "assignment"
    description: str = "the assignment's MLP VAE"
    seed: int = 420  # the first seed; a study trains seeds seed, seed + 1, ..., seed + seeds - 1
    seeds: int = 3  # how many seeds the study trains of this config (1: the run of `seed` only)
    # data
    batch_size: int = 128
    binarize: bool = False  # dynamic binarisation in training, a fixed one for the test set
    train_limit: int = 0  # use only the first N training images (0 = all); for smoke tests
    test_limit: int = 0  # likewise for the test set
    # training images held out (the same seeded draw for every run) to measure each epoch and to
    # choose models on, so that the test set is read once, for the final tables
    validation: int = 10000
    # model
    architecture: str = "mlp"
    hidden: int = 512  # widest hidden layer; the MLP halves it layer by layer
    hidden_layers: int = 4  # MLP only: 4 gives the sheet's h, h/2, h/4, h/8; 1 a single layer
    # conv only: channels of the first convolution, doubled in the second; 16, not 32, because
    # 32 costs 1.6-1.75x the time per step for 1.3-1.5 nats of validation -ELBO (resconv and
    # best, seed 420): the study's three conv models at 32 would not fit the 40-minute build
    channels: int = 16
    latent_dim: int = 1  # dimension of z (the sheet's "latent_dim = 2" counts mean and variance)
    activation: str = "silu"
    # skip connections: in the MLP between hidden layers, parameter-free (a mean of each pair of
    # units where the width halves, each unit twice where it doubles); in the conv net one
    # pre-activation residual block at each resolution of the encoder and the decoder
    residual: bool = False
    covariance: str = "diagonal"
    # full covariance only: L's strict lower triangle is this times the encoder's outputs, so
    # that it starts and moves an order below the means and variances (1: the outputs as they
    # are, which cost about 14 nats of test -ELBO in an earlier version of the study)
    offdiag_scale: float = 0.1
    eta: float = 1e-9  # added to the Softplus variance so that log sigma2 stays finite
    # loss
    beta: float = 1.0  # weight of the KL term (1 = the ELBO)
    kl_warmup_epochs: float = 0.0  # linear ramp of the KL weight from 0 to beta
    # optimisation
    optimizer: str = "adamw"
    lr: float = 1e-3
    lr_schedule: str = "constant"  # "cosine": lr * (1 + cos(pi t / T)) / 2 over the T steps
    weight_decay: float = 1e-2
    epochs: int = 10
    grad_clip: float = 0.0  # max gradient norm (0 = no clipping)
    # evaluation
    iwae_k: int = 1000  # importance samples per image for the IWAE bound (evaluate.py)
    iwae_images: int = 200  # a seeded uniform subset of the test set, the same for every run
    eval_batch_size: int = 1000
    device: str = "auto"
    # CPU threads of one run's arithmetic. Part of the run's identity: the order in which floats
    # are summed depends on it, so the same config and seed give the same numbers however many
    # runs train beside it; `--jobs auto` trains cores // threads runs side by side
    threads: int = 1
    # bf16 autocast runs the layers in bfloat16 (the losses stay in float32); "auto" becomes
    # bf16 where the device computes it natively and fp32 elsewhere (hardware.py), as soon as
    # the config is made, so that the run's hash and record hold the precision it trains in;
    # "fp32" gives numbers comparable across machines
    precision: str = "auto"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            # 1 and 1.0 must give one digest, so whole numbers of float keys become floats
            if f.type == "float" and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, f.name, float(value))
        _validate(self)
        if self.precision == "auto":
            object.__setattr__(self, "precision", native_precision(self.device))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_toml(self) -> str:
        lines = []
        for key, value in self.to_dict().items():
            lines.append(f"{key} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    def training_key(self) -> dict[str, Any]:
        """The settings that change what one run computes (not its name, device or how many
        other seeds the study trains)."""
        d = self.to_dict()
        for key in ("name", "description", "device", "seeds"):
            d.pop(key)
        return d

    @property
    def label(self) -> str:
        """How logs name the run: the config and its seed."""
        return f"{self.name} seed {self.seed}"

    def per_seed(self) -> list[Config]:
        """One config per seed of the study: seed, seed + 1, ..., seed + seeds - 1."""
        return [dataclasses.replace(self, seed=self.seed + i) for i in range(self.seeds)]

    def mlp_widths(self) -> tuple[int, ...]:
        """The MLP's hidden widths from the image side: h, h/2, ..., h/2^(hidden_layers - 1)."""
        return tuple(self.hidden // 2 ** i for i in range(self.hidden_layers))

    def digest(self) -> str:
        blob = json.dumps(self.training_key(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    return repr(value)


_CHOICES = {
    "architecture": ARCHITECTURES,
    "covariance": COVARIANCES,
    "optimizer": OPTIMIZERS,
    "lr_schedule": LR_SCHEDULES,
    "activation": tuple(ACTIVATIONS),
    "device": DEVICES,
    "precision": PRECISIONS,
}
_POSITIVE = ("seeds", "batch_size", "hidden", "hidden_layers", "channels", "latent_dim", "epochs",
             "lr", "eta", "iwae_k", "iwae_images", "eval_batch_size", "threads")
_NON_NEGATIVE = ("train_limit", "test_limit", "validation", "beta", "kl_warmup_epochs", "weight_decay",
                 "grad_clip", "seed", "offdiag_scale")


def _validate(cfg: Config) -> None:
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        expected = {"int": int, "float": (int, float), "str": str, "bool": bool}[f.type]
        if isinstance(value, bool) and f.type != "bool" or not isinstance(value, expected):
            raise VaeError(f"config key '{f.name}' must be of type {f.type}, got {value!r}")
    for key, allowed in _CHOICES.items():
        if getattr(cfg, key) not in allowed:
            raise VaeError(f"config key '{key}' is {getattr(cfg, key)!r}; "
                           f"allowed values: {', '.join(allowed)}")
    for key in _POSITIVE:
        if not getattr(cfg, key) > 0:
            raise VaeError(f"config key '{key}' must be positive, got {getattr(cfg, key)!r}")
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if f.type == "float" and not math.isfinite(value):
            raise VaeError(f"config key '{f.name}' must be a finite number, got {value!r}")
    for key in _NON_NEGATIVE:
        if getattr(cfg, key) < 0:
            raise VaeError(f"config key '{key}' must not be negative, got {getattr(cfg, key)!r}")
    if cfg.architecture == "conv" and cfg.residual and cfg.channels < 4:
        raise VaeError(f"config key 'channels' must be at least 4 for residual blocks (their "
                       f"branches narrow to channels/4), got {cfg.channels}")
    narrowest = 2 ** (cfg.hidden_layers - 1)
    if cfg.architecture == "mlp" and cfg.hidden % narrowest:
        raise VaeError(f"config key 'hidden' must be divisible by {narrowest} for an MLP of "
                       f"{cfg.hidden_layers} hidden layers (it narrows to hidden/{narrowest}), "
                       f"got {cfg.hidden}")


def _coerce(key: str, text: str) -> Any:
    """Parse a command-line override value with TOML's rules; text keys take any bare text."""
    is_text = {f.name: f.type for f in fields(Config)}[key] == "str"
    if is_text and not text.startswith(('"', "'")):
        return text
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_overrides(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep:
            raise VaeError(f"override '{item}' must look like key=value, e.g. epochs=3")
        _check_keys({key: None}, f"override '{item}'")
        out[key] = _coerce(key, text.strip())
    return out


def _check_keys(values: dict[str, Any], where: str) -> None:
    known = {f.name for f in fields(Config)}
    for key in values:
        if key not in known:
            raise VaeError(f"{where}: unknown key '{key}'; known keys: {', '.join(sorted(known))}")


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Load a TOML file over the defaults, then apply overrides; every error names the key."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise VaeError(f"config file '{path}' does not exist")
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise VaeError(f"config file '{path}' is not valid UTF-8 TOML: {exc}") from None
        _check_keys(values, f"config file '{path}'")
    _check_keys(overrides or {}, "overrides")
    values.update(overrides or {})
    where = f"config file '{path}': " if path is not None else ""
    try:
        return Config(**values)
    except VaeError as exc:
        raise VaeError(where + str(exc)) from None
