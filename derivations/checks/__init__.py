"""SymPy checks of the derivations, one function per identity, in exercise order.

Every check is a `Check`: calling it returns a `CheckResult`. Its keyword arguments are the
things under test, with the correct ones as defaults, so a test can inject a wrong one. Its
scope says whether it covers its identity in general or only an instance of it.
"""

from .code import check_kl_code, check_kl_full_code, check_reconstruction_code, check_rsample_code
from .core import Check, CheckResult, Findings
from .decoder import (
                   check_bernoulli,
                   check_categorical,
                   check_continuous_bernoulli,
                   check_greyscale_normaliser,
)
from .elbo import (
                   check_any_decoder,
                   check_discrete_gap,
                   check_finite_decomposition,
                   check_gaussian_decomposition,
                   check_gaussian_gap,
)
from .gaussian_kl import check_diagonal_kl, check_full_kl, check_scalar_kl
from .information import (
                   check_average_elbo,
                   check_reconstruction_general,
                   check_reconstruction_under_assumption,
                   check_regularisation_aggregate,
                   check_regularisation_general,
)
from .model_code import (
                   check_encode_code,
                   check_forward_code,
                   check_iwae_code,
                   check_training_objective_code,
)
from .reparameterisation import (
                   check_covariance,
                   check_density,
                   check_form,
                   check_moments,
                   check_pathwise_gradient,
)

ALL_CHECKS: tuple[Check, ...] = (
    check_discrete_gap,
    check_gaussian_gap,
    check_iwae_code,
    check_finite_decomposition,
    check_gaussian_decomposition,
    check_any_decoder,
    check_training_objective_code,
    check_reconstruction_under_assumption,
    check_reconstruction_general,
    check_regularisation_general,
    check_regularisation_aggregate,
    check_average_elbo,
    check_categorical,
    check_bernoulli,
    check_greyscale_normaliser,
    check_continuous_bernoulli,
    check_reconstruction_code,
    check_scalar_kl,
    check_diagonal_kl,
    check_full_kl,
    check_kl_code,
    check_kl_full_code,
    check_encode_code,
    check_density,
    check_form,
    check_moments,
    check_covariance,
    check_pathwise_gradient,
    check_rsample_code,
    check_forward_code,
)

__all__ = ["ALL_CHECKS", "Check", "CheckResult", "Findings"]
