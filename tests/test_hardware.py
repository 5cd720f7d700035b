"""precision = "auto": bf16 only where the device computes it natively, decided without torch,
and resolved before the run's hash is taken. The capabilities are faked: no machine here has
every kind of device."""

from __future__ import annotations

import pytest
from vae.core import hardware
from vae.core.config import Config
from vae.core.runs import Run


@pytest.fixture
def machine(monkeypatch):
    """Sets what the CPU and the GPU report: machine(cpu_flags, cuda_capability)."""
    def fake(flags: set[str], capability: float | None) -> None:
        monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset(flags))
        monkeypatch.setattr(hardware, "cuda_capability", lambda: capability)
    return fake


@pytest.mark.parametrize("flags, capability, device, chosen", [
    ({"avx2", "fma"}, None, "auto", "fp32"),  # AVX2 only: bf16 is emulated, about 20x slower
    ({"avx512f", "avx512_bf16"}, None, "auto", "bf16"),
    ({"avx512f", "amx_bf16", "amx_tile"}, None, "cpu", "bf16"),
    ({"avx512f"}, None, "auto", "fp32"),  # AVX-512 without its bf16 instructions
    ({"avx2"}, 9.0, "auto", "bf16"),  # an H100 or H200
    ({"avx2"}, 7.0, "cuda", "fp32"),  # a V100: no bf16 arithmetic
    ({"avx512_bf16"}, 7.0, "auto", "fp32"),  # the GPU trains, so the GPU decides
    ({"avx2"}, 9.0, "cpu", "fp32"),  # a GPU the config does not use
])
def test_auto_resolves_by_the_device_that_trains(machine, flags, capability, device, chosen):
    machine(flags, capability)
    assert hardware.native_precision(device) == chosen
    assert Config(device=device).precision == chosen  # resolved as the config is made
    assert Config(device=device, precision="fp32").precision == "fp32"  # an explicit choice stays


def test_the_resolved_precision_is_part_of_the_run_hash(machine, tmp_path):
    machine({"avx2"}, None)
    fp32 = Run(Config(), tmp_path)
    machine({"avx512_bf16"}, None)
    bf16 = Run(Config(), tmp_path)
    assert fp32.hash != bf16.hash and bf16.cfg.to_dict()["precision"] == "bf16"
    assert Run(Config(precision="bf16"), tmp_path).hash == bf16.hash


def test_the_flags_are_read_from_the_kernel():
    assert hardware.cpu_flags() == hardware.cpu_flags.__wrapped__()  # cached, not invented
    assert isinstance(hardware.cpu_flags(), frozenset)
