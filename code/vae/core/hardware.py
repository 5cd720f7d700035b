"""The arithmetic this machine computes natively, read without torch (from /proc/cpuinfo and
nvidia-smi), so that a run's hash can hold the precision it trains in without importing torch.

precision = "auto" means bf16 autocast where the device has bf16 arithmetic and fp32 elsewhere:
on a CPU with AVX512-BF16 or AMX, bf16 trained the study's MLP 1.8 times and its conv model 1.7
times as fast with test -ELBOs the seeds could not separate from fp32's; on a CPU without them
bf16 is emulated and about 20 times slower; GPUs from compute capability 8.0 (Ampere) on
compute bf16 in their tensor cores.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

CPU_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
CUDA_BF16_CAPABILITY = 8.0


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as the kernel reports them (empty where it does not)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


@functools.cache
def cuda_capability() -> float | None:
    """The lowest compute capability of the machine's NVIDIA GPUs; None without one."""
    if not Path("/proc/driver/nvidia/gpus").is_dir() or shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        return min(float(line) for line in out.split())
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def native_precision(device: str) -> str:
    """What precision = "auto" trains in on this machine, for the config's device setting."""
    capability = cuda_capability() if device in ("auto", "cuda") else None
    if capability is not None:
        return "bf16" if capability >= CUDA_BF16_CAPABILITY else "fp32"
    return "bf16" if CPU_BF16_FLAGS & cpu_flags() else "fp32"
