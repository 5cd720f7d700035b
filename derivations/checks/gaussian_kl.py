"""Exercise 6: KL(q(z|x) || N(0, I)) for Gaussian q, scalar, diagonal and full covariance."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from ..results import GENERAL
from .core import SYMBOLIC_INTEGRATION, Findings, check
from .integrals import expectation, log_normal_pdf, normal_pdf, standard_normal_expectation

z = sp.Symbol("z", real=True)
mu = sp.Symbol("mu", real=True)
sigma2 = sp.Symbol("sigma2", positive=True)

SCALAR_KL = (mu ** 2 + sigma2 - sp.log(sigma2) - 1) / 2
"""KL(N(mu, sigma2) || N(0, 1)), the closed form of exercise 6."""


def diagonal_kl(mus: Sequence[sp.Expr], sigma2s: Sequence[sp.Expr]) -> sp.Expr:
    """KL(N(mu, diag sigma2) || N(0, I)) = sum over dimensions of the scalar closed form."""
    return sum(SCALAR_KL.subs({mu: m, sigma2: s}, simultaneous=True) for m, s in zip(mus, sigma2s))


def full_kl(m: sp.Matrix, S: sp.Matrix) -> sp.Expr:
    """KL(N(m, S) || N(0, I_k)) = 1/2 (tr S + m^T m - k - log det S)."""
    k = S.shape[0]
    return (S.trace() + (m.T * m)[0, 0] - k - sp.log(S.det())) / 2


@check(id="ex6-scalar-kl", exercise=6, title="Scalar Gaussian KL to the prior",
       method=SYMBOLIC_INTEGRATION, scope=GENERAL)
def check_scalar_kl(closed_form: sp.Expr = SCALAR_KL) -> Findings:
    found = Findings()
    q, p = normal_pdf(z, mu, sigma2), normal_pdf(z, 0, 1)
    log_ratio = sp.expand(sp.expand_log(sp.log(q) - sp.log(p), force=True))
    kl = sp.integrate(q * log_ratio, (z, -sp.oo, sp.oo))
    found.equal("integral of q log(q/p) equals the closed form", kl, closed_form)
    # the interpretation: zero exactly at the prior, and that is its only stationary point
    found.zero("closed form vanishes at (mu, sigma2) = (0, 1)",
               closed_form.subs({mu: 0, sigma2: 1}))
    stationary = sp.solve([sp.diff(closed_form, mu), sp.diff(closed_form, sigma2)], [mu, sigma2],
                          dict=True)
    unique = stationary == [{mu: 0, sigma2: 1}]
    found.holds("its only stationary point is (0, 1)", unique,
                f"stationary points {stationary}")
    return found


@check(id="ex6-diagonal-kl", exercise=6, title="Diagonal Gaussian KL is a sum over dimensions",
       method=SYMBOLIC_INTEGRATION, scope="dimensions 1 to 4")
def check_diagonal_kl(closed_form: Callable[[Sequence, Sequence], sp.Expr] = diagonal_kl,
                      dims: Sequence[int] = (1, 2, 3, 4)) -> Findings:
    found = Findings()
    for k in dims:
        zs = sp.symbols(f"z1:{k + 1}", real=True)
        mus = sp.symbols(f"mu1:{k + 1}", real=True)
        sigma2s = sp.symbols(f"sigma2_1:{k + 1}", positive=True)
        log_ratio = sum(log_normal_pdf(zj, mj, sj) - log_normal_pdf(zj, 0, 1)
                        for zj, mj, sj in zip(zs, mus, sigma2s))
        kl = expectation(log_ratio, list(zip(zs, mus, sigma2s)))
        found.equal(f"k = {k}: E_q log(q/p) over independent dimensions equals the closed form",
                    kl, closed_form(mus, sigma2s))
    return found


def _cholesky_factor(k: int) -> sp.Matrix:
    """A general k x k lower-triangular L with a positive diagonal, all entries symbolic."""
    return sp.Matrix(k, k, lambda i, j: sp.Symbol(f"l{i + 1}{j + 1}", positive=True) if i == j
                     else sp.Symbol(f"l{i + 1}{j + 1}", real=True) if i > j else sp.Integer(0))


@check(id="ex6-full-kl", exercise=6, title="Full-covariance Gaussian KL to the prior",
       method=SYMBOLIC_INTEGRATION, scope="dimensions 1 to 4")
def check_full_kl(closed_form: Callable[[sp.Matrix, sp.Matrix], sp.Expr] = full_kl,
                  dims: Sequence[int] = (1, 2, 3, 4)) -> Findings:
    """q = N(m, S) with S = L L^T for a symbolic Cholesky factor L; z = m + L t, t ~ N(0, I)."""
    found = Findings()
    for k in dims:
        L = _cholesky_factor(k)
        S = L * L.T
        S_inv = L.inv().T * L.inv()  # L is triangular: its inverse is cheap and exact
        m = sp.Matrix(sp.symbols(f"m1:{k + 1}", real=True))
        t = sp.Matrix(sp.symbols(f"t1:{k + 1}", real=True))
        zt = m + L * t
        log_q = (-(zt - m).T * S_inv * (zt - m))[0, 0] / 2 - k * sp.log(2 * sp.pi) / 2 \
            - sp.log(S.det()) / 2
        log_p = -(zt.T * zt)[0, 0] / 2 - k * sp.log(2 * sp.pi) / 2
        log_phi = sum(log_normal_pdf(ti, 0, 1) for ti in t)
        found.zero(f"k = {k}: q(m + L t) det L is the N(0, I) density of t",
                   sp.simplify(sp.expand_log(log_q + sp.log(L.det()) - log_phi, force=True)))
        log_ratio = sp.expand(sp.cancel(sp.expand_log(log_q - log_p, force=True)))
        kl = standard_normal_expectation(log_ratio, list(t))
        found.equal(f"k = {k}: E_q log(q/p) equals the closed form", kl, closed_form(m, S))
    return found
