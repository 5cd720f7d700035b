"""Exercise 5: the categorical decoder's log-likelihood, the Bernoulli (sigmoid) case, and the
continuous Bernoulli density that greyscale pixels call for."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from ..results import GENERAL
from .core import SYMBOLIC_ALGEBRA, SYMBOLIC_INTEGRATION, Findings, check

K = 4  # categories in the symbolic check; the proof holds for any number


def softmax(logits: Sequence[sp.Expr]) -> list[sp.Expr]:
    total = sum(sp.exp(f) for f in logits)
    return [sp.exp(f) / total for f in logits]


def sigmoid(logit: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-logit))


def cross_entropy(target: Sequence[sp.Expr], probs: Sequence[sp.Expr]) -> sp.Expr:
    """H(target, probs) = -sum_i target_i log probs_i."""
    return -sum(t * sp.log(p) for t, p in zip(target, probs))


def bernoulli_nll(x: sp.Expr, logit: sp.Expr) -> sp.Expr:
    """-log Bernoulli(x | sigmoid(logit)): the binary cross-entropy of one pixel."""
    lam = sigmoid(logit)
    return -(x * sp.log(lam) + (1 - x) * sp.log(1 - lam))


def cb_normaliser(logit: sp.Expr) -> sp.Expr:
    """Z(l) = tanh(l/2) / l, the mass of exp(-BCE) on [0, 1] (1/2 in the limit l -> 0)."""
    return sp.tanh(logit / 2) / logit


def _expand(expr: sp.Expr) -> sp.Expr:
    return sp.expand(sp.expand_log(expr, force=True))


@check(id="ex5-categorical", exercise=5, title="Categorical log-likelihood is a log-softmax",
       method=SYMBOLIC_ALGEBRA, scope=f"{K} categories")
def check_categorical(loss: Callable = cross_entropy) -> Findings:
    found = Findings()
    logits = sp.symbols(f"f1:{K + 1}", real=True)
    probs = softmax(logits)
    one_hots = [[sp.Integer(int(i == j)) for i in range(K)] for j in range(K)]
    found.zero("softmax is a distribution", sum(probs) - 1)
    found.all_zero("the product form picks the entry at x",
                   [sp.Mul(*(p ** t for p, t in zip(probs, e))) - probs[j]
                    for j, e in enumerate(one_hots)])
    log_softmax = [f - sp.log(sum(sp.exp(g) for g in logits)) for f in logits]
    found.all_zero("the loss at a one-hot x is -log softmax(f)_x",
                   [_expand(loss(e, probs) + log_softmax[j]) for j, e in enumerate(one_hots)])
    return found


@check(id="ex5-bernoulli", exercise=5,
       title="Sigmoid output is the k = 2 softmax: binary cross-entropy",
       method=SYMBOLIC_ALGEBRA, scope=GENERAL)
def check_bernoulli(nll: Callable = bernoulli_nll) -> Findings:
    found = Findings()
    x, logit = sp.Symbol("x", real=True), sp.Symbol("l", real=True)
    found.zero("sigmoid(l) = softmax(0, l)_2", sigmoid(logit) - softmax([0, logit])[1])
    found.zero("BCE = cross-entropy of (1 - x, x) against the k = 2 softmax",
               _expand(nll(x, logit) - cross_entropy([1 - x, x], softmax([0, logit]))))
    found.zero("BCE = log(1 + e^l) - x l, the form computed from logits",
               _expand(nll(x, logit) - (sp.log(1 + sp.exp(logit)) - x * logit)))
    found.zero("the probabilities of x = 0 and x = 1 sum to 1",
               sp.exp(-nll(0, logit)) + sp.exp(-nll(1, logit)) - 1)
    # d independent pixels, d symbolic: pixel i has value x[i] and logit l[i]
    d, i = sp.Symbol("d", integer=True, positive=True), sp.Symbol("i", integer=True, positive=True)
    xs, logits = sp.IndexedBase("x", real=True), sp.IndexedBase("l", real=True)
    lam = sigmoid(logits[i])
    product = sp.Product(lam ** xs[i] * (1 - lam) ** (1 - xs[i]), (i, 1, d))
    found.zero("independent pixels, any number d: -log of the product is the sum of BCEs",
               sp.expand_log(-sp.log(product), force=True)
               - sp.Sum(nll(xs[i], logits[i]), (i, 1, d)))
    return found


@check(id="ex5-greyscale", exercise=5, title="exp(-BCE) is not a density on [0, 1]",
       method=SYMBOLIC_INTEGRATION, scope=GENERAL)
def check_greyscale_normaliser(nll: Callable = bernoulli_nll) -> Findings:
    found = Findings()
    x = sp.Symbol("x", real=True)
    for sign in ("positive", "negative"):
        logit = sp.Symbol("l", **{sign: True})
        mass = sp.integrate(sp.exp(-nll(x, logit)), (x, 0, 1))
        found.zero(f"the integral is tanh(l/2)/l for {sign} l",
                   (mass - cb_normaliser(logit)).rewrite(sp.exp))
    u = sp.Symbol("u", real=True)
    found.zero("the integral tends to 1/2 as l -> 0",
               sp.limit(cb_normaliser(u), u, 0) - sp.Rational(1, 2))
    return found


@check(id="ex5-continuous-bernoulli", exercise=5,
       title="Continuous Bernoulli: a density, and its -log is below BCE - log 2",
       method=SYMBOLIC_INTEGRATION, scope=GENERAL)
def check_continuous_bernoulli(normaliser: Callable = cb_normaliser,
                               nll: Callable = bernoulli_nll) -> Findings:
    """Per pixel, for every x in [0, 1] and real l != 0; l = 0 is the limit Z = 1/2."""
    found = Findings()
    x = sp.Symbol("x", real=True)
    for sign in ("positive", "negative"):
        logit = sp.Symbol("l", **{sign: True})
        density = sp.simplify(sp.exp(-nll(x, logit)) / normaliser(logit))
        found.zero(f"p_CB = exp(-BCE) / Z integrates to 1 over [0, 1] for {sign} l",
                   (sp.integrate(density, (x, 0, 1)) - 1).rewrite(sp.exp))
    logit = sp.Symbol("l", real=True)
    found.zero("Z is even in l", normaliser(-logit) - normaliser(logit))
    # Z(l) < 1/2 for l > 0: with u = l/2, 1/2 - Z = (u - tanh u) / (2u), and u - tanh u is the
    # integral of tanh^2 from 0 to u, positive for u > 0; evenness covers l < 0
    u, t = sp.Symbol("u", positive=True), sp.Symbol("t", positive=True)
    found.zero("1/2 - Z(2u) = (u - tanh u) / (2u)",
               sp.Rational(1, 2) - normaliser(2 * u) - (u - sp.tanh(u)) / (2 * u))
    found.zero("u - tanh u = integral of tanh(t)^2 from 0 to u",
               sp.integrate(sp.tanh(t) ** 2, (t, 0, u)) - (u - sp.tanh(u)))
    # hence -log p_CB = BCE + log Z < BCE - log 2
    found.holds("tanh(t)^2 > 0 for t > 0, so Z(l) < 1/2 for l != 0",
                (sp.tanh(t) ** 2).is_positive is True)
    return found
