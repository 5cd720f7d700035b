"""SymPy checks of the derivations, one function per identity, in exercise order.

Every check is a `Check`: calling it returns a `CheckResult`. Its keyword arguments are the
things under test, with the correct ones as defaults, so a test can inject a wrong one. Its
scope says whether it covers its identity in general or only an instance of it.
"""

# Importing each module registers its checks (core.REGISTERED).
from . import code, decoder, elbo, gaussian_kl, information, model_code, reparameterisation  # noqa: F401
from .core import REGISTERED, Check, CheckResult, Findings

# By exercise; within one, the derivation's own checks before those that run the training code
# against it (calls), each group in the order the modules define them.
ALL_CHECKS: tuple[Check, ...] = tuple(sorted(REGISTERED, key=lambda c: (c.exercise, bool(c.calls))))

__all__ = ["ALL_CHECKS", "Check", "CheckResult", "Findings"]
