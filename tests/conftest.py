"""Shared fixtures and helpers: tiny MNIST-like IDX files, tiny configs and a tiny trained run
(made by the tests), MNIST offline, and the one-line error check of the command line."""

from __future__ import annotations

import gzip
import signal
import sys
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import vae  # noqa: F401  (first, so that its OpenMP setting precedes torch's import)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so that `derivations` and `build` import as in the Makefile


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def synthetic_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Ten easily told apart 28x28 patterns (a bar at a label-dependent place) plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, y in enumerate(labels):
        images[i, 2 + 2 * y: 6 + 2 * y, 4:24] = 255
    return images, labels


def write_mnist(root: Path, n_train: int = 300, n_test: int = 100, gz: bool = True) -> Path:
    """Write the four IDX files under root/MNIST/raw and return root (a DATA_DIR)."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
        images, labels = synthetic_digits(n, seed)
        for kind, array, magic, dims in (("images", images, 2051, 3), ("labels", labels, 2049, 1)):
            data = idx_bytes(array, magic)
            name = f"{prefix}-{kind}-idx{dims}-ubyte"
            if gz:
                (raw / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (raw / name).write_bytes(data)
    return root


TINY = dict(name="tiny", seeds=1, hidden=64, latent_dim=2, epochs=2, batch_size=32, iwae_k=8,
            iwae_images=50, eval_batch_size=64, validation=8)


def _tiny_base():
    from vae.core.config import Config
    return Config(**{**TINY, "iwae_k": 4, "iwae_images": 20})


TINY_BASE = _tiny_base()  # the unit tests' model and run settings


def fixed_batch(n: int = 32, seed: int = 3):
    """n synthetic digits as a float batch (n, 1, 28, 28)."""
    import torch
    from vae.core.data import to_float
    return to_float(torch.from_numpy(synthetic_digits(n, seed)[0]))


def tiny_model(**changes):
    """A VAE of TINY_BASE with the changes, initialised from seed 0."""
    import dataclasses

    import torch
    from vae.core.model import VAE
    torch.manual_seed(0)
    return VAE(dataclasses.replace(TINY_BASE, **changes))


def tiny_config(tmp_path: Path, **changes) -> Path:
    """TINY on the CPU as a config file, for the command line."""
    from vae.core.config import Config

    # 16 IWAE images: no more than the smallest test split the tests write
    cfg = Config(**{**TINY, "iwae_k": 4, "iwae_images": 16, "device": "cpu", **changes})
    path = tmp_path / "tiny.toml"
    path.write_text(cfg.to_toml())
    return path


def one_error_line(stderr: str) -> str:
    """The one `error: ...` line a failed command may print; no traceback, nothing else."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


class Offline:
    """torchvision.datasets.MNIST on a machine without a network; `calls` keeps the keyword
    arguments of every attempt."""

    calls: list[dict] = []

    def __init__(self, *args, **kwargs):
        Offline.calls.append(kwargs)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_mnist(tmp_path / "data")


@pytest.fixture
def offline(monkeypatch) -> list[dict]:
    """No download can reach the network: MNIST fails as offline. Returns the attempts."""
    torchvision_datasets = pytest.importorskip("torchvision.datasets")
    Offline.calls = []
    monkeypatch.setattr(torchvision_datasets, "MNIST", Offline)
    return Offline.calls


@pytest.fixture
def restore_sigterm():
    """cli.main installs a SIGTERM handler; give pytest its own back."""
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished two-epoch run on synthetic data: (runs folder, data folder)."""
    from vae.core.config import Config
    from vae.core.data import load_split
    from vae.core.train import train

    base = tmp_path_factory.mktemp("tiny")
    data = write_mnist(base / "data")
    cfg = Config(**TINY)
    train(cfg, load_split(data, "train"), load_split(data, "test"), base / "runs",
          progress=False, log=lambda _: None)
    return base / "runs", data


@pytest.fixture(scope="session")
def tiny_measurements(tiny_run) -> Path:
    """measurements.json of the tiny run, read by a classifier trained on the synthetic data."""
    from vae.core.config import Config
    from vae.core.data import load_split
    from vae.instrument.freshness import measured_runs
    from vae.instrument.readings import measure

    runs, data = tiny_run
    out = runs.parent / "measurements.json"
    measure(measured_runs([Config(**TINY)], runs), runs, load_split(data, "train"), load_split(data, "test"), out,
            progress=False, log=lambda _: None)
    return out


@pytest.fixture(scope="module")
def one_thread():
    """Run torch on one thread for a module. On a shared two-core machine OpenMP's spinning
    worker threads make the tiny test models up to a hundred times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def verified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every derivation check run once, as `make verify` runs them (the slowest minute of the
    suite, so the tests that need the results share it): the path of its verify.json."""
    from derivations import verify
    out = tmp_path_factory.mktemp("verify") / "verify.json"
    verify.main(["--out", str(out)])  # 1 when a check fails: the tests read which one
    return out


@pytest.fixture(scope="session")
def bench_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`vae bench` of a tiny MLP, spin sweep included, on plain (not gzipped) IDX files, run
    once: every bench round spawns processes that import torch, so the bench's tests and the
    end-to-end report share it. The path of its bench.json."""
    import subprocess

    base = tmp_path_factory.mktemp("bench")
    data = write_mnist(base / "plain", gz=False)
    out = base / "bench.json"
    done = subprocess.run([sys.executable, "-m", "vae", "bench", str(tiny_config(base)),
                           "--data-dir", str(data), "--rounds", "2", "--ceiling-seconds", "0.05",
                           "--no-progress", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


def entry(name: str = "base", test_loss: float = 130.0, spread: float = 1.0,
          active_units: int = 7, seconds_per_epoch: float = 10.0, slope: float = -0.1,
          **settings):
    """A model's numbers as compare reads them: seeds 420-422 around test_loss."""
    import dataclasses
    from types import SimpleNamespace

    from vae.core.config import Config
    config = dataclasses.replace(Config(latent_dim=16), **settings).to_dict()
    seeds = [SimpleNamespace(seed=420 + i, test_loss=test_loss + d * spread,
                             valid_loss=test_loss + 0.3 + d * spread,
                             train_loss_final=test_loss - 2.0 + d * spread,
                             subset_test_loss=test_loss + 0.5 + d * spread,
                             iwae_bound=test_loss - 4.0 + d * spread)
             for i, d in enumerate((-1.0, 0.0, 1.0))]
    return SimpleNamespace(name=name, config=config, test_loss=test_loss, test_kl=20.0,
                           seeds=seeds, active_units=[active_units] * 3,
                           latent_dim=config["latent_dim"], seconds_per_epoch=seconds_per_epoch,
                           late_slope=slope, late_slope_high=slope + 0.3,
                           train_loss_final=test_loss - 2.0)
