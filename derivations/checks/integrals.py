"""Gaussian densities and expectations computed by SymPy integration.

Expectations of polynomials under independent Gaussians are assembled monomial by monomial:
each one-dimensional moment is a genuine integral over the real line, and Fubini's theorem
turns a product density into a product of such integrals.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import sympy as sp


def normal_pdf(z: sp.Expr, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    return sp.exp(-(z - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def log_normal_pdf(z: sp.Expr, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """log N(z; mean, var), written out so that it is a polynomial in z."""
    return -sp.log(2 * sp.pi * var) / 2 - (z - mean) ** 2 / (2 * var)


@functools.cache
def moment(power: int, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """E[z^power] for z ~ N(mean, var), by integrating against the density."""
    z = sp.Dummy("z", real=True)
    return sp.simplify(sp.integrate(z ** power * normal_pdf(z, mean, var), (z, -sp.oo, sp.oo)))


def expectation(poly: sp.Expr, coords: Sequence[tuple[sp.Symbol, sp.Expr, sp.Expr]]) -> sp.Expr:
    """E[poly] when the variables (symbol, mean, var) in `coords` are independent Gaussians.

    `poly` must be a polynomial in those symbols (its coefficients may be anything).
    """
    symbols = [symbol for symbol, _, _ in coords]
    total = sp.Integer(0)
    for powers, coeff in sp.Poly(sp.expand(poly), *symbols).terms():
        term = coeff
        for power, (_, mean, var) in zip(powers, coords):
            term *= moment(power, mean, var)
        total += term
    return total


@functools.cache
def _gaussian_integral(factor: sp.Expr, z: sp.Symbol, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    return sp.integrate(factor * normal_pdf(z, mean, var), (z, -sp.oo, sp.oo))


def gaussian_expectation(integrand: sp.Expr, z: sp.Symbol, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """E[integrand] for z ~ N(mean, var), any integrand, integrated term by term.

    The integral's linearity is the one step taken on trust: SymPy does not split an integral it
    cannot finish. A term it cannot integrate, such as an unspecified function of z, stays an
    Integral, the same one wherever it occurs.
    """
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(integrand)):
        constant, factor = term.as_independent(z, as_Add=False)
        total += constant * _gaussian_integral(factor, z, mean, var)
    return total


def standard_normal_expectation(poly: sp.Expr, symbols: Sequence[sp.Symbol]) -> sp.Expr:
    return expectation(poly, [(symbol, sp.Integer(0), sp.Integer(1)) for symbol in symbols])
