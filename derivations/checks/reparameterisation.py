"""Exercise 7: z = mu + sigma * eps has the law N(mu, sigma2), no other monotone map of eps
has, and its pathwise gradients."""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from sympy import stats

from ..results import GENERAL
from .core import SYMBOLIC_INTEGRATION, Findings, check
from .integrals import expectation, log_normal_pdf, normal_pdf, standard_normal_expectation

eps = sp.Symbol("epsilon", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
sigma2 = sp.Symbol("sigma2", positive=True)
z = sp.Symbol("z", real=True)


def reparameterise(eps: sp.Expr, mu: sp.Expr, sigma2: sp.Expr) -> sp.Expr:
    """g(eps, mu, sigma2) = mu + sigma * eps with sigma = sqrt(sigma2)."""
    return mu + sp.sqrt(sigma2) * eps


def reparameterise_full(eps: sp.Matrix, mu: sp.Matrix, L: sp.Matrix) -> sp.Matrix:
    """z = mu + L eps, the sample of a full-covariance encoder."""
    return mu + L * eps


@check(id="ex7-density", exercise=7, title="Change of variables: the sample is Gaussian",
       method=SYMBOLIC_INTEGRATION, scope=GENERAL)
def check_density(g: Callable = reparameterise) -> Findings:
    found = Findings()
    slope = sp.simplify(sp.diff(g(eps, mu, sigma2), eps))
    monotone = slope.is_positive is True or slope.is_negative is True
    found.holds("g is strictly monotone in eps, hence invertible", monotone,
                f"dg/deps = {slope}")
    inverses = sp.solve(sp.Eq(z, g(eps, mu, sigma2)), eps)
    found.holds("z = g(eps) has exactly one solution eps = h(z)", len(inverses) == 1,
                f"solutions {inverses}")
    h = inverses[0]
    density = normal_pdf(h, 0, 1) * sp.Abs(sp.diff(h, z))
    found.zero("p_z(z) = phi(h(z)) |h'(z)| is the N(mu, sigma2) density",
               sp.expand_log(sp.log(density), force=True) - log_normal_pdf(z, mu, sigma2))
    found.zero("it integrates to 1", sp.integrate(density, (z, -sp.oo, sp.oo)) - 1)
    return found


@check(id="ex7-form", exercise=7,
       title="Form of g: the only monotone maps of the noise onto the Gaussian",
       method="SymPy distribution functions", scope=GENERAL)
def check_form(g: Callable = reparameterise) -> Findings:
    """h(eps) ~ N(mu, sigma2) with h increasing means F(h(e)) = Phi(e) for every e, F being the
    distribution function of N(mu, sigma2); decreasing, F(h(e)) = 1 - Phi(e). F is strictly
    increasing, so each equation has one solution, which sympy.stats' quantile gives."""
    found = Findings()
    y = sp.Symbol("y", real=True)
    law = stats.Normal("z", mu, sp.sqrt(sigma2))
    cdf, quantile = stats.cdf(law), stats.quantile(law)
    phi = stats.cdf(stats.Normal("epsilon", 0, 1))
    density = sp.diff(cdf(y), y)
    found.holds("F is strictly increasing: its derivative is positive", density.is_positive is True,
                f"dF/dy = {density}")
    slope = sp.simplify(sp.diff(g(eps, mu, sigma2), eps))
    found.holds("g is strictly increasing in eps", slope.is_positive is True, f"dg/deps = {slope}")
    found.equal("the increasing solution F^-1(Phi(e)) is g(e)", quantile(phi(eps)),
                g(eps, mu, sigma2))
    found.equal("the decreasing solution F^-1(1 - Phi(e)) is g(-e)", quantile(1 - phi(eps)),
                g(-eps, mu, sigma2))
    return found


@check(id="ex7-moments", exercise=7, title="Mean and variance of the reparameterised sample",
       method=SYMBOLIC_INTEGRATION, scope=GENERAL)
def check_moments(g: Callable = reparameterise) -> Findings:
    found = Findings()
    sample = g(eps, mu, sigma2)
    phi = normal_pdf(eps, 0, 1)
    mean = sp.integrate(sample * phi, (eps, -sp.oo, sp.oo))
    found.equal("E g(eps) = mu", mean, mu)
    variance = sp.integrate((sample - mean) ** 2 * phi, (eps, -sp.oo, sp.oo))
    found.equal("Var g(eps) = sigma2", variance, sigma2)
    return found


@check(id="ex7-covariance", exercise=7, title="Mean and covariance of the full-covariance sample",
       method=SYMBOLIC_INTEGRATION, scope="dimensions 2 to 4")
def check_covariance(g: Callable = reparameterise_full,
                     dims: tuple[int, ...] = (2, 3, 4)) -> Findings:
    """For any square L with symbolic entries; eps ~ N(0, I_k)."""
    found = Findings()
    for k in dims:
        L = sp.Matrix(k, k, lambda i, j: sp.Symbol(f"l{i + 1}{j + 1}", real=True))
        mu_k = sp.Matrix(sp.symbols(f"mu1:{k + 1}", real=True))
        e = sp.Matrix(sp.symbols(f"e1:{k + 1}", real=True))
        sample = g(e, mu_k, L)

        def expect(entry: sp.Expr, e: sp.Matrix = e) -> sp.Expr:
            return standard_normal_expectation(entry, list(e))

        found.zero(f"k = {k}: E(mu + L eps) = mu", (sample.applyfunc(expect) - mu_k).norm())
        centred = sample - mu_k
        cov = (centred * centred.T).applyfunc(expect)
        found.zero(f"k = {k}: Cov(mu + L eps) = L L^T", sp.simplify(cov - L * L.T).norm())
    return found


@check(id="ex7-pathwise", exercise=7,
       title="Pathwise and score-function gradients agree; a constant moves only the score's variance",
       method=SYMBOLIC_INTEGRATION, scope="f a polynomial of degree at most 4")
def check_pathwise_gradient(g: Callable = reparameterise) -> Findings:
    """For every test function f(z) = c0 + c1 z + ... + c4 z^4 at once (symbolic c_i)."""
    found = Findings()
    sample = g(eps, mu, sigma ** 2)
    found.zero("dz/dmu = 1", sp.diff(sample, mu) - 1)
    found.zero("dz/dsigma = eps", sp.diff(sample, sigma) - eps)
    coefficients = sp.symbols("c0:5", real=True)
    shift = sp.Symbol("c", real=True)

    def f(value: sp.Expr) -> sp.Expr:
        return sum(c * value ** i for i, c in enumerate(coefficients))

    q_coords = [(z, mu, sigma ** 2)]
    target = expectation(f(z), q_coords)  # E_q f(z), integrated under q itself
    log_q = log_normal_pdf(z, mu, sigma ** 2)
    for theta in (mu, sigma):
        pathwise = standard_normal_expectation(sp.diff(f(z), z).subs(z, sample)
                                               * sp.diff(sample, theta), [eps])
        score = expectation(f(z) * sp.expand(sp.diff(log_q, theta)), q_coords)
        found.equal(f"pathwise estimator's mean = d/d{theta} E_q f(z)", pathwise,
                    sp.diff(target, theta))
        found.equal(f"score-function estimator's mean = d/d{theta} E_q f(z)", score,
                    sp.diff(target, theta))
        # f -> f + c leaves the pathwise estimator as it is (it reads only the slope of f) and,
        # as the score s has mean zero, adds 2c E[f s^2] + c^2 E[s^2] to the score estimator's
        # variance. E[(f + c)^2 s^2] - E[f^2 s^2] is taken as one expectation (linearity), so
        # that no moment above the eighth is integrated.
        s = sp.expand(sp.diff(log_q, theta))
        shifted = f(z) + shift
        added = (expectation((shifted ** 2 - f(z) ** 2) * s ** 2, q_coords)
                 - expectation(shifted * s, q_coords) ** 2 + expectation(f(z) * s, q_coords) ** 2)
        claimed = (2 * shift * expectation(f(z) * s ** 2, q_coords)
                   + shift ** 2 * expectation(s ** 2, q_coords))
        found.zero(f"f -> f + c adds 2c E[f s^2] + c^2 E[s^2] to the score-function "
                   f"estimator's variance, s = d log q/d{theta}",
                   sp.expand(added - claimed))  # a polynomial: expanded, simplify has no work
    return found
