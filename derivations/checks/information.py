"""Exercises 3 and 4 on a finite joint distribution with symbolic probabilities.

x takes three values and z two. The encoder joint is q(x, z) = p_data(x) q(z|x), with
aggregate posterior q(z) = sum_x p_data(x) q(z|x) and conditional q(x|z) = q(x, z) / q(z);
the decoder is r(x|z) (the VAE's p(x~|z)). Assumption A1 of exercise 3,
p_data(x) q(z|x) = p(z) p(x|z), is realised by building p_data and q from a prior p(z) and a
conditional p(x|z) with Bayes' rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from .core import SYMBOLIC_ALGEBRA, Findings, check

Dist = Sequence[sp.Expr]
X, Z = range(3), range(2)
JOINT = "x with 3 values, z with 2"  # the scope of every check here


def _log(expr: sp.Expr) -> sp.Expr:
    # every probability is a positive symbol or a positive combination of them
    return sp.expand_log(sp.log(expr), force=True)


def _difference(lhs: sp.Expr, rhs: sp.Expr) -> sp.Expr:
    return sp.expand(lhs - rhs)


def entropy(p: Dist) -> sp.Expr:
    return -sum(pi * _log(pi) for pi in p)


def kl(p: Dist, q: Dist) -> sp.Expr:
    return sum(pi * (_log(pi) - _log(qi)) for pi, qi in zip(p, q))


def _simplex(name: str, size: int) -> list[sp.Expr]:
    """A symbolic distribution with `size` outcomes; the last is fixed by normalisation."""
    free = list(sp.symbols(f"{name}0:{size - 1}", positive=True))
    return [*free, 1 - sum(free)]


def reconstruction_identity(conditional_entropy: sp.Expr, expected_kl: sp.Expr) -> sp.Expr:
    """Exercise 3: E[log r(x|z)] = -H(x|z) - E_z KL(p(x|z) || r(x|z))."""
    return -conditional_entropy - expected_kl


def regularisation_identity(mutual_information: sp.Expr, kl_aggregate: sp.Expr) -> sp.Expr:
    """Exercise 4: E_p_data KL(q(z|x) || p(z)) = I_q(x; z) + KL(q(z) || p(z))."""
    return mutual_information + kl_aggregate


def aggregate_posterior(p_data: Dist, encoder: Sequence[Dist]) -> list[sp.Expr]:
    """q(z) = sum_x p_data(x) q(z|x)."""
    return [sum(p_data[i] * encoder[i][j] for i in X) for j in Z]


def average_elbo_identity(data_entropy: sp.Expr, kl_decoder: sp.Expr,
                          kl_aggregate: sp.Expr) -> sp.Expr:
    """E_p_data ELBO = -H(p_data) - E_q(z) KL(q(x|z) || r(x|z)) - KL(q(z) || p(z))."""
    return -data_entropy - kl_decoder - kl_aggregate


class EncoderJoint:
    """q(x, z) = p_data(x) q(z|x) with its marginal q(z) and conditional q(x|z)."""

    def __init__(self, p_data: Dist, encoder: Sequence[Dist]) -> None:
        self.p_data, self.encoder = p_data, encoder
        self.q_z = aggregate_posterior(p_data, encoder)
        self.q_x_given_z = [[p_data[i] * encoder[i][j] / self.q_z[j] for i in X] for j in Z]

    def expect(self, f: Callable[[int, int], sp.Expr]) -> sp.Expr:
        """E_q(x,z)[f(x, z)]."""
        return sum(self.p_data[i] * self.encoder[i][j] * f(i, j) for i in X for j in Z)

    # every quantity below is written as an expectation under q(x, z) so that
    # p_data(x) q(z|x) multiplies each log term directly and SymPy needs no rational simplification
    def mutual_information(self) -> sp.Expr:
        """I_q(x; z) = H(q(z)) - E_p_data H(q(z|x)), from entropies rather than from the expected
        KL that exercise 4 equates it with."""
        return entropy(self.q_z) - sum(self.p_data[i] * entropy(self.encoder[i]) for i in X)

    def conditional_entropy(self) -> sp.Expr:
        """H_q(x|z) = E_q(z) H(q(x|z))."""
        return self.expect(lambda i, j: -_log(self.q_x_given_z[j][i]))

    def expected_kl(self, prior: Dist) -> sp.Expr:
        """E_p_data KL(q(z|x) || p(z))."""
        return self.expect(lambda i, j: _log(self.encoder[i][j]) - _log(prior[j]))

    def decoder_kl(self, r: Sequence[Dist]) -> sp.Expr:
        """E_q(z) KL(q(x|z) || r(x|z))."""
        return self.expect(lambda i, j: _log(self.q_x_given_z[j][i]) - _log(r[j][i]))


def general_joint() -> EncoderJoint:
    return EncoderJoint(_simplex("d", 3), [_simplex(f"e{i}_", 2) for i in X])


def decoder() -> list[list[sp.Expr]]:
    """r(x|z) for each z."""
    return [_simplex(f"r{j}_", 3) for j in Z]


def consistent_model() -> tuple[list, list, EncoderJoint]:
    """A prior p(z), a conditional p(x|z), and the encoder joint that satisfies A1."""
    prior = _simplex("w", 2)
    conditional = [_simplex(f"g{j}_", 3) for j in Z]
    p_data = [sum(prior[j] * conditional[j][i] for j in Z) for i in X]
    encoder = [[prior[j] * conditional[j][i] / p_data[i] for j in Z] for i in X]
    return prior, conditional, EncoderJoint(p_data, encoder)


@check(id="ex3-assumption", exercise=3,
       title="Reconstruction term when the joint factorises both ways",
       method=SYMBOLIC_ALGEBRA, scope=JOINT)
def check_reconstruction_under_assumption(identity: Callable = reconstruction_identity) -> Findings:
    found = Findings()
    prior, conditional, joint = consistent_model()
    r = decoder()
    found.zero("A1: p_data(x) q(z|x) = p(z) p(x|z)",
               sum(sp.cancel(joint.p_data[i] * joint.encoder[i][j] - prior[j] * conditional[j][i])
                   ** 2 for i in X for j in Z))
    found.zero("A1 makes the aggregate posterior the prior",
               sum(sp.cancel(qj - pj) ** 2 for qj, pj in zip(joint.q_z, prior)))
    lhs = joint.expect(lambda i, j: _log(r[j][i]))
    h = sum(prior[j] * entropy(conditional[j]) for j in Z)
    expected_kl = sum(prior[j] * kl(conditional[j], r[j]) for j in Z)
    found.zero("the identity", _difference(lhs, identity(h, expected_kl)))
    return found


@check(id="ex3-general", exercise=3,
       title="Reconstruction term for any encoder; the assumption is needed",
       method=SYMBOLIC_ALGEBRA, scope=JOINT)
def check_reconstruction_general(identity: Callable = reconstruction_identity) -> Findings:
    found = Findings()
    joint, r = general_joint(), decoder()
    lhs = joint.expect(lambda i, j: _log(r[j][i]))
    found.zero("the identity with the encoder joint's q(z) and q(x|z)",
               _difference(lhs, identity(joint.conditional_entropy(), joint.decoder_kl(r))))
    found.zero("H_q(x|z) = H(p_data) - I_q(x; z)",
               _difference(joint.conditional_entropy(),
                           entropy(joint.p_data) - joint.mutual_information()))
    # without A1 the sheet's right-hand side weights codes by p(z), which need not be q(z):
    # here p(z) is uniform while q(z) = (0.43, 0.57)
    instance = {"d0": "0.2", "d1": "0.3", "e0_0": "0.5", "e1_0": "0.1", "e2_0": "0.6",
                "r0_0": "0.3", "r0_1": "0.4", "r1_0": "0.1", "r1_1": "0.2"}
    numbers = {sp.Symbol(name, positive=True): sp.Rational(value)
               for name, value in instance.items()}
    prior = [sp.Rational(1, 2)] * 2
    sheet_rhs = identity(sum(prior[j] * entropy(joint.q_x_given_z[j]) for j in Z),
                         sum(prior[j] * kl(joint.q_x_given_z[j], r[j]) for j in Z))
    difference = float((lhs - sheet_rhs).subs(numbers))
    found.holds("without A1 the sheet's form fails (an instance with q(z) != p(z))",
                abs(difference) > 1e-3, f"difference {difference:.3f}")
    return found


@check(id="ex4-general", exercise=4, title="Expected KL = mutual information + aggregate KL",
       method=SYMBOLIC_ALGEBRA, scope=JOINT)
def check_regularisation_general(identity: Callable = regularisation_identity) -> Findings:
    found = Findings()
    joint, prior = general_joint(), _simplex("w", 2)
    found.zero("the identity for any p_data, q(z|x), p(z)",
               _difference(joint.expected_kl(prior),
                           identity(joint.mutual_information(), kl(joint.q_z, prior))))
    return found


@check(id="ex4-aggregate", exercise=4, title="Expected KL = mutual information when p(z) = q(z)",
       method=SYMBOLIC_ALGEBRA, scope=JOINT)
def check_regularisation_aggregate(prior: Callable = aggregate_posterior) -> Findings:
    found = Findings()
    joint = general_joint()
    found.zero("with the aggregate posterior as prior",
               _difference(joint.expected_kl(prior(joint.p_data, joint.encoder)),
                           joint.mutual_information()))
    model_prior, _, consistent = consistent_model()
    found.zero("under A1 of exercise 3",
               _difference(consistent.expected_kl(model_prior), consistent.mutual_information()))
    return found


@check(id="ex4-average-elbo", exercise=4, title="Averaged ELBO: the mutual information cancels",
       method=SYMBOLIC_ALGEBRA, scope=JOINT)
def check_average_elbo(identity: Callable = average_elbo_identity) -> Findings:
    found = Findings()
    joint, r, prior = general_joint(), decoder(), _simplex("w", 2)
    elbo = joint.expect(lambda i, j: _log(r[j][i])) - joint.expected_kl(prior)
    found.zero("exercise 3 (general form) plus exercise 4",
               _difference(elbo, identity(entropy(joint.p_data), joint.decoder_kl(r),
                                          kl(joint.q_z, prior))))
    return found
