"""Exercise 5: the categorical decoder's log-likelihood, and the Bernoulli (sigmoid) case."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from .core import SYMBOLIC_ALGEBRA, SYMBOLIC_INTEGRATION, Findings, check

K = 4  # categories in the symbolic check; nothing depends on the value


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


def _expand(expr: sp.Expr) -> sp.Expr:
    return sp.expand(sp.expand_log(expr, force=True))


@check(id="ex5-categorical", exercise=5, title="Categorical log-likelihood is a log-softmax",
       method=SYMBOLIC_ALGEBRA)
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
       method=SYMBOLIC_ALGEBRA)
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
    xs = sp.symbols("x1:4", real=True)
    logits = sp.symbols("l1:4", real=True)
    product = sp.Mul(*(sigmoid(l) ** xi * (1 - sigmoid(l)) ** (1 - xi)
                       for xi, l in zip(xs, logits)))
    found.zero("independent pixels: -log of the product is the sum of per-pixel BCEs",
               _expand(-sp.log(product) - sum(nll(xi, l) for xi, l in zip(xs, logits))))
    return found


@check(id="ex5-greyscale", exercise=5, title="exp(-BCE) is not a density on [0, 1]",
       method=SYMBOLIC_INTEGRATION)
def check_greyscale_normaliser(nll: Callable = bernoulli_nll) -> Findings:
    found = Findings()
    x = sp.Symbol("x", real=True)
    for sign in ("positive", "negative"):
        logit = sp.Symbol("l", **{sign: True})
        mass = sp.integrate(sp.exp(-nll(x, logit)), (x, 0, 1))
        found.zero(f"the integral is tanh(l/2)/l for {sign} l",
                   (mass - sp.tanh(logit / 2) / logit).rewrite(sp.exp))
    u = sp.Symbol("u", real=True)
    # tanh(u) < u for u > 0 because u - tanh(u) starts at 0 and has derivative tanh(u)^2
    found.zero("d/du (u - tanh u) = tanh(u)^2", sp.diff(u - sp.tanh(u), u) - sp.tanh(u) ** 2)
    found.zero("the integral tends to 1/2 as l -> 0",
               sp.limit(sp.tanh(u / 2) / u, u, 0) - sp.Rational(1, 2))
    return found
