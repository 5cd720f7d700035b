"""Exercises 1 and 2: the ELBO, its gap to log p(x), and its two-term decomposition.

Three settings: a finite latent space with symbolic probabilities (three states, or any number
n of them), where the identities are algebra; the linear-Gaussian model p(z) = N(0, 1),
p(x|z) = N(a z + b, s2) with q(z|x) = N(m, v), where every expectation is an integral and the
posterior is known; and q(z|x) = N(mu, sigma2), p(z) = N(0, 1) with a decoder left unspecified.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from .core import SYMBOLIC_ALGEBRA, SYMBOLIC_INTEGRATION, Findings, check
from .integrals import expectation, gaussian_expectation, log_normal_pdf, normal_pdf


def decomposition(expected_log_likelihood: sp.Expr, kl: sp.Expr) -> sp.Expr:
    """Exercise 2: ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z))."""
    return expected_log_likelihood - kl


def bayes_posterior(joint: Sequence[sp.Expr]) -> list[sp.Expr]:
    """p(z|x) = p(x, z) / sum_z' p(x, z') for the values p(x, z) of one fixed x."""
    return [w / sum(joint) for w in joint]


def _log(expr: sp.Expr) -> sp.Expr:
    # all probabilities here are positive symbols, so splitting logs of products is valid
    return sp.expand_log(sp.log(expr), force=True)


# finite latent space with three values; q3 and p(z3) are fixed by normalisation
_q1, _q2 = sp.symbols("q1 q2", positive=True)
Q = [_q1, _q2, 1 - _q1 - _q2]
_r1, _r2 = sp.symbols("r1 r2", positive=True)
PRIOR = [_r1, _r2, 1 - _r1 - _r2]
LIKELIHOOD = list(sp.symbols("l1:4", positive=True))  # p(x|z_j) for the observed x


@check(id="ex1-discrete-gap", exercise=1, title="Finite z: the ELBO's gap is KL to the posterior",
       method=SYMBOLIC_ALGEBRA, scope="a 3-state latent")
def check_discrete_gap(posterior: Callable[[Sequence], list] = bayes_posterior) -> Findings:
    found = Findings()
    joint = [pz * lik for pz, lik in zip(PRIOR, LIKELIHOOD)]
    log_evidence = _log(sum(joint))
    post = posterior(joint)

    def elbo(q: Sequence[sp.Expr]) -> sp.Expr:
        return sum(qj * (_log(wj) - _log(qj)) for qj, wj in zip(q, joint))

    kl = sum(qj * (_log(qj) - _log(pj)) for qj, pj in zip(Q, post))
    found.zero("log p(x) - ELBO = KL(q || p(z|x))", sp.expand(log_evidence - elbo(Q) - kl))
    # the gap is >= 0 (Gibbs): f(q, p) = q log(q/p) - q + p is convex in q with f = f' = 0 at
    # q = p, so every term is >= 0, and the terms add up to the KL because q and p(z|x) each
    # sum to one
    qs, ps = sp.symbols("q p", positive=True)
    f = qs * sp.log(qs / ps) - qs + ps
    found.zero("f(p, p) = 0", f.subs(qs, ps))
    found.zero("df/dq(p, p) = 0", sp.diff(f, qs).subs(qs, ps))
    curvature = sp.diff(f, qs, 2)
    found.holds("d2f/dq2 > 0, so f >= 0", curvature.is_positive is True, f"d2f/dq2 = {curvature}")
    terms = sum(f.subs({qs: qj, ps: pj}, simultaneous=True) for qj, pj in zip(Q, post))
    found.zero("sum over z of f(q(z), p(z|x)) = KL(q || p(z|x)), hence KL >= 0",
               sp.expand(sp.expand_log(terms - kl, force=True)))
    # equality in Jensen's inequality: the bound is tight at q = p(z|x)
    found.zero("the gap is 0 at q = p(z|x)", sp.expand(log_evidence - elbo(post)))
    return found


# a finite latent space of any size n: the probabilities of state j are indexed symbols
n = sp.Symbol("n", integer=True, positive=True)
j, k = sp.symbols("j k", integer=True, positive=True)
Q_N, PRIOR_N, LIKELIHOOD_N = (sp.IndexedBase(name, positive=True) for name in ("q", "p", "l"))


def _over_states(expr: sp.Expr) -> sp.Expr:
    return sp.Sum(expr, (j, 1, n))


@check(id="ex2-finite", exercise=2,
       title="Finite z: ELBO = expected log-likelihood minus KL",
       method=SYMBOLIC_ALGEBRA, scope="a finite latent of any size n")
def check_finite_decomposition(decompose: Callable = decomposition) -> Findings:
    found = Findings()
    q, pz, lik = Q_N[j], PRIOR_N[j], LIKELIHOOD_N[j]
    elbo = _over_states(q * _log(pz * lik / q))
    decomposed = decompose(_over_states(q * _log(lik)), _over_states(q * _log(q / pz)))
    found.zero("the ELBO's definition equals the decomposition, for every n", elbo - decomposed)
    # a second route, through exercise 1's form: it needs q to sum to one, which the first
    # route never uses, so the two agree only for a normalised q
    evidence = sp.Sum(PRIOR_N[k] * LIKELIHOOD_N[k], (k, 1, n))
    gap_form = _log(evidence) - _over_states(q * _log(q * evidence / (pz * lik)))
    residual = sp.simplify(decomposed - gap_form)
    found.zero("the decomposition equals log p(x) - KL(q || p(z|x)) where q sums to 1",
               residual.subs(_over_states(q), 1))
    return found


# the linear-Gaussian model
x, a, b, m = sp.symbols("x a b m", real=True)
s2, v = sp.symbols("s2 v", positive=True)
z = sp.Symbol("z", real=True)
POSTERIOR = (a * (x - b) / (a ** 2 + s2), s2 / (a ** 2 + s2))
"""Mean and variance of p(z|x) in the linear-Gaussian model."""

LOG_PRIOR = log_normal_pdf(z, 0, 1)
LOG_LIKELIHOOD = log_normal_pdf(x, a * z + b, s2)
LOG_Q = log_normal_pdf(z, m, v)
Q_COORDS = [(z, m, v)]


def _gaussian_elbo() -> sp.Expr:
    return expectation(LOG_PRIOR + LOG_LIKELIHOOD - LOG_Q, Q_COORDS)


@check(id="ex1-gaussian-gap", exercise=1,
       title="Linear-Gaussian model: the gap is KL to the posterior",
       method=SYMBOLIC_INTEGRATION, scope="a linear-Gaussian model")
def check_gaussian_gap(posterior: tuple[sp.Expr, sp.Expr] = POSTERIOR) -> Findings:
    found = Findings()
    post_mean, post_var = posterior
    evidence = sp.integrate(normal_pdf(z, 0, 1) * normal_pdf(x, a * z + b, s2), (z, -sp.oo, sp.oo))
    log_evidence = _log(evidence)
    found.equal("p(x) = integral of p(z) p(x|z) is N(x; b, a^2 + s2)",
                log_evidence, log_normal_pdf(x, b, a ** 2 + s2))
    found.zero("Bayes: p(z) p(x|z) / p(x) is N(z; posterior mean, posterior variance)",
               sp.expand(LOG_PRIOR + LOG_LIKELIHOOD - log_evidence
                         - log_normal_pdf(z, post_mean, post_var)))
    gap = log_evidence - _gaussian_elbo()
    kl = expectation(LOG_Q - log_normal_pdf(z, post_mean, post_var), Q_COORDS)
    found.equal("log p(x) - ELBO = KL(q || p(z|x))", gap, kl)
    # the gap is a separable, strictly convex function of (m, v): its unique stationary
    # point is its global minimum, so it is >= 0 with equality only at that point
    curvature = [sp.simplify(sp.diff(gap, m, 2)), sp.simplify(sp.diff(gap, v, 2))]
    convex = sp.simplify(sp.diff(gap, m, v)) == 0 and all(c.is_positive for c in curvature)
    found.holds("gap is strictly convex in (m, v)", convex,
                f"second derivatives {curvature}")
    stationary = sp.solve([sp.diff(gap, m), sp.diff(gap, v)], [m, v], dict=True)
    unique = (len(stationary) == 1 and sp.simplify(stationary[0][m] - post_mean) == 0
              and sp.simplify(stationary[0][v] - post_var) == 0)
    found.holds("its only stationary point is the posterior", unique,
                f"stationary points {stationary}")
    found.zero("the gap is 0 there", gap.subs({m: post_mean, v: post_var}))
    return found


@check(id="ex2-gaussian", exercise=2,
       title="Linear-Gaussian model: ELBO = expected log-likelihood minus KL",
       method=SYMBOLIC_INTEGRATION, scope="a linear-Gaussian model")
def check_gaussian_decomposition(decompose: Callable = decomposition) -> Findings:
    found = Findings()
    # each side integrated on its own and held against a closed form found by hand, so that
    # the identity rests on the integrals, not on the linearity of the expectation
    reconstruction = expectation(LOG_LIKELIHOOD, Q_COORDS)
    kl = expectation(LOG_Q - LOG_PRIOR, Q_COORDS)
    reconstruction_form = log_normal_pdf(x, a * m + b, s2) - a ** 2 * v / (2 * s2)
    kl_form = (m ** 2 + v - sp.log(v) - 1) / 2
    found.equal("E_q log p(x|z) = log N(x; a m + b, s2) - a^2 v / (2 s2)", reconstruction,
                reconstruction_form)
    found.equal("KL(q || p(z)) = (m^2 + v - log v - 1) / 2", kl, kl_form)
    found.equal("the ELBO's integral = the decomposition of those closed forms", _gaussian_elbo(),
                decompose(reconstruction_form, kl_form))
    return found


# the report's encoder and prior in one dimension, with a decoder left unspecified
mu = sp.Symbol("mu", real=True)
sigma2 = sp.Symbol("sigma2", positive=True)
ell = sp.Function("ell", real=True)
"""log p(x|z) at the observed x, as a function of z: any decoder."""
p_x = sp.Symbol("p_x", positive=True)
"""p(x) = integral of p(z) p(x|z) dz, which no closed form gives for an unspecified decoder."""


@check(id="ex2-any-decoder", exercise=2,
       title="Gaussian q and prior, any decoder: ELBO = expected log-likelihood minus KL",
       method=SYMBOLIC_INTEGRATION, scope="a 1-D latent")
def check_any_decoder(decompose: Callable = decomposition) -> Findings:
    found = Findings()
    log_q = log_normal_pdf(z, mu, sigma2)
    log_joint = _log(normal_pdf(z, 0, 1) * sp.exp(ell(z)))  # p(x, z) = p(z) p(x|z)

    def e_q(integrand: sp.Expr) -> sp.Expr:
        return gaussian_expectation(integrand, z, mu, sigma2)

    elbo = e_q(log_joint - log_q)
    decomposed = decompose(e_q(ell(z)), e_q(log_q - LOG_PRIOR))
    found.equal("the ELBO's integral = E_q log p(x|z) - KL(q || p(z)), for every mu, sigma2",
                elbo, decomposed)
    # exercise 1's form, with the posterior p(x, z) / p(x): it agrees only because q integrates
    # to one, which SymPy computes here
    kl_posterior = e_q(log_q - (log_joint - sp.log(p_x)))
    found.equal("it equals log p(x) - KL(q || p(z|x))", decomposed,
                sp.log(p_x) - kl_posterior)
    return found
