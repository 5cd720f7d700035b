"""glibc's malloc set so that a training step's large tensor buffers are reused, not handed
back to the kernel and faulted in again, zeroed, on the next step.

By default glibc maps every block above a threshold (128 KiB, raised as such blocks are freed,
to at most 32 MiB) straight from the kernel and unmaps it on free; a convolution's activations
for a batch, or an IWAE chunk's 5,000 decoder passes, exceed even the raised threshold. Dask's
nanny makes it worse: its MALLOC_TRIM_THRESHOLD_=65536 freezes the threshold at 128 KiB, and a
third of a worker's CPU went to page faults. Both thresholds at 1 GiB keep the blocks in the
heap. Measured on one core (README, Speed): the same results, 25-30% less time than Dask's
setting and as fast as tcmalloc, with no library to install. Called at run time in every
process of the package (vae/__init__.py), so a worker of any cluster gets it whatever its
environment held when it started.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

THRESHOLD = 1 << 30  # bytes: blocks below it come from the heap, which is never trimmed below it
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt(3)'s parameter numbers


@functools.cache
def tune_malloc() -> str:
    """Set glibc's mmap and trim thresholds once per process; say what this process allocates
    with, for the records that state it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        version = libc.gnu_get_libc_version().decode()
    except (OSError, AttributeError):  # not glibc (musl, macOS): its own allocator, untouched
        return "the system's malloc (not glibc; untuned)"
    if mallopt(M_MMAP_THRESHOLD, THRESHOLD) and mallopt(M_TRIM_THRESHOLD, THRESHOLD):
        return f"glibc {version} malloc, mmap and trim thresholds {THRESHOLD >> 20} MiB"
    return f"glibc {version} malloc (it refused the {THRESHOLD >> 20} MiB thresholds)"
