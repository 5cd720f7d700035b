"""A variational autoencoder on MNIST, written to be read beside its derivations."""

import os

# How long torch's OpenMP threads spin before they sleep; libgomp reads it when torch is first
# imported, hence here. Measured on this 2-core machine (scripts in the bench's docstring):
# libgomp's default of 300,000 spins lost 65% of training speed whenever another process was
# busy, and passive waiting (0 spins) lost 14% on an idle machine; 1000 spins keep the idle
# speed within noise and lose 20% under contention. A user's own setting wins.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "1000")
SPIN_DEFAULT = "300000"  # libgomp's own count, what a notebook runs with


class VaeError(Exception):
    """A user-facing failure: the message names the file or option and the fix."""
