"""A variational autoencoder on MNIST, written to be read beside its derivations."""

import os

# How long torch's OpenMP threads spin before they sleep; libgomp reads it when torch is first
# imported, hence here. `make bench` measures the choice (its spin sweep): libgomp's default of
# 300,000 spins halved training speed whenever another process kept a core busy, passive waiting
# (0 spins) cost 13-21% on an idle machine, and 1000 spins kept the idle speed and lost about 20%
# under contention. A user's own setting wins.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "1000")

from .core.allocator import tune_malloc  # noqa: E402  (after the OpenMP setting above)
from .core.errors import VaeError  # noqa: E402  (the package's error, for every layer)

tune_malloc()

__all__ = ["VaeError"]
