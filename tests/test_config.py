"""The typed configuration: the assignment's defaults, the shipped files, and every error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from vae import VaeError
from conftest import ROOT
from vae.core.config import _CHOICES, Config, load_config, parse_overrides

CONFIGS = ROOT / "configs"
ASSIGNMENT = dict(seed=420, batch_size=128, optimizer="adamw", lr=1e-3, weight_decay=1e-2,
                  epochs=10, eta=1e-9, hidden=512, latent_dim=1, architecture="mlp",
                  activation="silu", covariance="diagonal", beta=1.0, binarize=False)
NOT_TRAINING = ("name", "description", "device", "seeds")


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(callable_, *args, **kwargs) -> str:
    with pytest.raises(VaeError) as err:
        callable_(*args, **kwargs)
    return str(err.value)


# --- defaults and the shipped files --------------------------------------------------------


def test_defaults_are_the_assignments():
    cfg = Config()
    for key, value in ASSIGNMENT.items():
        assert getattr(cfg, key) == value, key
        assert type(getattr(cfg, key)) is type(value), key


def test_default_toml_is_exactly_the_assignment():
    cfg = load_config(CONFIGS / "default.toml")
    for key, value in ASSIGNMENT.items():
        assert getattr(cfg, key) == value, key
    # and every other training setting is the default too
    assert cfg.training_key() == Config().training_key()
    assert cfg.digest() == Config().digest()


def test_quick_toml_loads_as_a_short_run():
    cfg = load_config(CONFIGS / "quick.toml")
    assert cfg.name == "quick"
    assert 0 < cfg.epochs < Config().epochs
    assert cfg.train_limit > 0


# configs/report.toml holds the title page (title, author, ...), not the settings of a run
NOT_RUN_CONFIGS = {CONFIGS / "report.toml"}


def _all_configs() -> list[Path]:
    return sorted(p for p in CONFIGS.rglob("*.toml") if p not in NOT_RUN_CONFIGS)


@pytest.mark.parametrize("path", _all_configs(), ids=lambda p: str(p.relative_to(CONFIGS)))
def test_every_shipped_config_loads(path):
    from vae.cli import load_configs

    cfg = load_config(path)
    assert cfg.name
    # and with the QUICK=1 overlay, as `make report QUICK=1` loads it
    (quick,) = load_configs([str(path)], str(CONFIGS / "quick.toml"), [])
    assert quick.name == cfg.name


def test_the_shipped_configs_were_found():
    names = {p.name for p in _all_configs()}
    assert {"default.toml", "quick.toml"} <= names


# --- unknown keys --------------------------------------------------------------------------


def test_unknown_key_in_a_file(tmp_path):
    path = write(tmp_path, 'epochs = 3\nlearning_rate = 0.1\n')
    message = error_of(load_config, path)
    assert message.startswith(f"config file '{path}': unknown key 'learning_rate'; known keys: ")
    assert "lr" in message  # the known keys are listed


def test_a_table_is_an_unknown_key(tmp_path):
    path = write(tmp_path, '[model]\nhidden = 64\n')
    assert "'model'" in error_of(load_config, path)


def test_unknown_key_in_an_override():
    message = error_of(parse_overrides, ["epochs=3", "epoch=4"])
    assert "'epoch'" in message and "epoch=4" in message


def test_unknown_key_in_an_override_dict():
    """load_config's own overrides argument must fail like a file does, not with TypeError."""
    message = error_of(load_config, None, {"bogus_key": 1})
    assert "bogus_key" in message


def test_override_without_equals_sign():
    assert "key=value" in error_of(parse_overrides, ["epochs"])


# --- wrong types and impossible values -----------------------------------------------------


@pytest.mark.parametrize("line,key,type_,got", [
    ('lr = "fast"', "lr", "float", "'fast'"),
    ("epochs = 2.5", "epochs", "int", "2.5"),
    ("binarize = 1", "binarize", "bool", "1"),
    ("seed = true", "seed", "int", "True"),
    ("hidden = 64.0", "hidden", "int", "64.0"),
    ("optimizer = 3", "optimizer", "str", "3"),
    ("beta = [1.0]", "beta", "float", "[1.0]"),
])
def test_wrong_type_names_file_key_type_and_value(tmp_path, line, key, type_, got):
    path = write(tmp_path, line + "\n")
    assert error_of(load_config, path) == (
        f"config file '{path}': config key '{key}' must be of type {type_}, got {got}")


@pytest.mark.parametrize("override,words", [
    ("lr=fast", ("'lr'", "type float", "'fast'")),
    ("epochs=2.5", ("'epochs'", "type int", "2.5")),
    ("binarize=1", ("'binarize'", "type bool")),
    ("lr=inf", ("'lr'", "finite", "inf")),
    ("grad_clip=-1", ("'grad_clip'", "negative", "-1")),
])
def test_a_bad_override_names_key_and_value(override, words):
    message = error_of(load_config, None, parse_overrides([override]))
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("values,key,words", [
    (dict(lr=-1e-3), "lr", ("positive",)),
    (dict(lr=0.0), "lr", ("positive",)),
    (dict(latent_dim=0), "latent_dim", ("positive",)),
    (dict(epochs=0), "epochs", ("positive",)),
    (dict(batch_size=-2), "batch_size", ("positive",)),
    (dict(eta=0.0), "eta", ("positive",)),
    (dict(beta=-0.5), "beta", ("negative",)),
    (dict(weight_decay=-1e-2), "weight_decay", ("negative",)),
    (dict(optimizer="adagrad"), "optimizer", ("adagrad", "adamw", "adam", "sgd")),
    (dict(architecture="resnet"), "architecture", ("mlp", "conv")),
    (dict(covariance="spherical"), "covariance", ("'spherical'", "diagonal, full")),
    (dict(activation="swish"), "activation", ("'swish'", "silu, relu, gelu, tanh")),
    (dict(device="tpu"), "device", ("'tpu'", "auto, cpu, cuda")),
    (dict(hidden=100), "hidden", ("divisible by 8", "4 hidden layers", "100")),
    (dict(hidden=102, hidden_layers=3), "hidden", ("divisible by 4", "3 hidden layers", "102")),
    (dict(hidden_layers=0), "hidden_layers", ("positive",)),
])
def test_impossible_values_name_the_key(values, key, words):
    message = error_of(Config, **values)
    assert f"'{key}'" in message
    for word in words:
        assert word in message


def test_impossible_value_in_a_file_names_the_file(tmp_path):
    path = write(tmp_path, "latent_dim = 0\n")
    assert error_of(load_config, path) == (
        f"config file '{path}': config key 'latent_dim' must be positive, got 0")


def test_hidden_need_not_divide_by_8_for_conv():
    assert Config(architecture="conv", hidden=100).hidden == 100


def test_hidden_layers_set_the_mlp_funnel():
    assert Config(hidden=512).mlp_widths() == (512, 256, 128, 64)
    assert Config(hidden=400, hidden_layers=1).mlp_widths() == (400,)
    assert Config(hidden=100, hidden_layers=3).mlp_widths() == (100, 50, 25)


@pytest.mark.parametrize("key", ["beta", "kl_warmup_epochs", "weight_decay", "grad_clip"])
def test_nan_is_rejected(key):
    """`--set beta=nan` passes `value < 0` and would only surface as a 'diverged' error."""
    message = error_of(Config, **{key: float("nan")})
    assert f"'{key}'" in message


# --- files ---------------------------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope" / "missing.toml"
    assert error_of(load_config, path) == f"config file '{path}' does not exist"


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, "epochs = = 3\n")
    message = error_of(load_config, path)
    assert str(path) in message and "TOML" in message


def test_non_utf8_file_names_the_file(tmp_path):
    """A config saved as Latin-1 is invalid TOML (which is UTF-8): a VaeError, no traceback."""
    path = tmp_path / "latin1.toml"
    path.write_bytes('description = "caf\u00e9"\n'.encode("latin-1"))
    assert str(path) in error_of(load_config, path)


def test_a_file_overrides_only_its_keys(tmp_path):
    cfg = load_config(write(tmp_path, "epochs = 3\n"))
    assert cfg.epochs == 3
    assert dataclasses.replace(cfg, epochs=Config().epochs) == Config()


def test_overrides_win_over_the_file(tmp_path):
    cfg = load_config(write(tmp_path, "epochs = 3\nlr = 0.1\n"), {"epochs": 5})
    assert (cfg.epochs, cfg.lr) == (5, 0.1)


# --- overrides -----------------------------------------------------------------------------


def test_overrides_parse_toml_values():
    parsed = parse_overrides(["epochs=3", "lr=3e-4", "binarize=true", "optimizer=sgd",
                              'name="my run"', "description=two words", " beta = 0.5 ",
                              "kl_warmup_epochs=2"])
    assert parsed == {"epochs": 3, "lr": 3e-4, "binarize": True, "optimizer": "sgd",
                      "name": "my run", "description": "two words", "beta": 0.5,
                      "kl_warmup_epochs": 2}
    assert type(parsed["epochs"]) is int and type(parsed["lr"]) is float
    assert type(parsed["binarize"]) is bool
    cfg = load_config(None, parsed)
    assert cfg.epochs == 3 and cfg.binarize is True and cfg.kl_warmup_epochs == 2


@pytest.mark.parametrize("override,key,value", [
    ("name=2024", "name", "2024"),
    ("description=true", "description", "true"),
    ("name=1e3", "name", "1e3"),
])
def test_string_keys_take_any_text(override, key, value):
    """A run called 2024 is a string: _coerce is given the key, so it can know the type."""
    assert getattr(load_config(None, parse_overrides([override])), key) == value


# --- digest --------------------------------------------------------------------------------


def _changed(f: dataclasses.Field, value):
    """A different valid value for one field."""
    if f.name in _CHOICES:  # not "auto": a precision of "auto" resolves to a concrete one
        return next(v for v in _CHOICES[f.name] if v != value and not
                    (f.name == "precision" and v == "auto"))
    if isinstance(value, bool):
        return not value
    if f.name == "hidden_layers":
        return value - 1  # more layers would need a wider first one
    if isinstance(value, int):
        return value + 8  # keeps hidden divisible by 8
    if isinstance(value, float):
        return value * 2 + 0.5
    raise AssertionError(f"no alternative for {f.name}")


TRAINING_FIELDS = [f for f in dataclasses.fields(Config) if f.name not in NOT_TRAINING]


@pytest.mark.parametrize("field", TRAINING_FIELDS, ids=lambda f: f.name)
def test_digest_changes_with_every_training_setting(field):
    base = Config()
    other = dataclasses.replace(base, **{field.name: _changed(field, getattr(base, field.name))})
    assert other.digest() != base.digest()


@pytest.mark.parametrize("key,value", [("name", "other"), ("description", "words"),
                                       ("device", "cpu"), ("seeds", 5)])
def test_digest_ignores_name_description_device_seeds(key, value):
    """How many seeds a study trains is not part of one seed's run: SEEDS=5 reuses 3's runs."""
    assert dataclasses.replace(Config(), **{key: value}).digest() == Config().digest()


@pytest.mark.parametrize("key,whole", [("lr", 1), ("weight_decay", 0), ("beta", 2),
                                       ("kl_warmup_epochs", 1)])
def test_equal_configs_have_equal_digests(key, whole):
    """lr = 1 and lr = 1.0 are one setting (the configs compare equal), so one run folder."""
    a, b = Config(**{key: whole}), Config(**{key: float(whole)})
    assert a == b
    assert a.digest() == b.digest()



# --- to_toml -------------------------------------------------------------------------------


def _every_field_changed() -> Config:
    base = Config()
    return dataclasses.replace(base, **{f.name: _changed(f, getattr(base, f.name))
                                        for f in dataclasses.fields(Config)
                                        if f.name not in ("name", "description")})


@pytest.mark.parametrize("cfg", [
    Config(),
    _every_field_changed(),
    Config(name="odd", description='quotes " and \\ backslash, tab\t, newline\n, \u03b2-VAE '
                                   '\u03c3\u00b2 \u2014 caf\u00e9'),
    Config(eta=1e-12, lr=3.0e-4, weight_decay=0.0, kl_warmup_epochs=0.25),
], ids=["defaults", "every-field-changed", "awkward-text", "small-floats"])
def test_to_toml_round_trips(tmp_path, cfg):
    path = write(tmp_path, cfg.to_toml())
    loaded = load_config(path)
    assert loaded == cfg
    assert loaded.to_dict() == cfg.to_dict()
    assert loaded.digest() == cfg.digest()


def test_to_toml_round_trips_characters_outside_the_bmp(tmp_path):
    """json.dumps writes an emoji as a surrogate pair \\ud83d\\ude42, which TOML forbids."""
    cfg = Config(description="smiley \U0001F642")
    assert load_config(write(tmp_path, cfg.to_toml())) == cfg


def test_per_seed_counts_up_from_the_first_seed():
    runs = Config(seed=420, seeds=3).per_seed()
    assert [c.seed for c in runs] == [420, 421, 422]
    assert len({c.digest() for c in runs}) == 3
    assert Config(seeds=1).per_seed() == [Config(seeds=1)]
