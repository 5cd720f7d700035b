"""The SymPy checks pass, each fails on a deliberately wrong input, and verify.py reports both."""

from __future__ import annotations

import functools
import json
import math

import pytest
import sympy as sp
import torch
from torch.distributions import Independent, Normal, kl_divergence
from vae.core.losses import iwae_bound, reconstruction_nll, training_objective
from vae.core.model import gaussian_posterior, standard_normal_prior

from derivations import verify  # importable through the repository root that conftest adds
from derivations.checks import ALL_CHECKS, Check, Findings, decoder, elbo, gaussian_kl
from derivations.results import GENERAL, checks_digest, read_verify

BY_ID = {c.id: c for c in ALL_CHECKS}
mu, sigma2 = gaussian_kl.mu, gaussian_kl.sigma2


def _continuous_bernoulli_nll(x, logit):
    """A normalised density on [0, 1]: BCE minus the log of its normaliser l / tanh(l/2)."""
    return decoder.bernoulli_nll(x, logit) - sp.log(logit / sp.tanh(logit / 2))


def _kl_without_minus_one(q):
    return (q.mean ** 2 + q.variance - q.variance.log()).sum(-1) / 2


def _diagonal_only_kl(q):
    return kl_divergence(Independent(Normal(q.mean, q.variance.sqrt()), 1),
                         Independent(Normal(torch.zeros_like(q.mean), 1.0), 1))


def _column_major_posterior(mu_, sigma2_, offdiag):
    """L's strict lower triangle filled in the wrong (column-major) order for d = 3."""
    return gaussian_posterior(mu_, sigma2_, offdiag[..., [0, 2, 1]])


def _scale_is_variance(mu_, sigma2_):
    return Independent(Normal(mu_, sigma2_), 1)


def _encode_without_eta(model, x):
    h, d = model.encoder(x), model.latent_dim
    return gaussian_posterior(h[:, :d], torch.nn.functional.softplus(h[:, d:2 * d]))


def _forward_without_gradient(model, x):
    q = model.encode(x)
    return model.decode(q.sample()), q


WRONG = [
    ("ex1-discrete-gap", "unnormalised posterior", dict(posterior=lambda joint: list(joint))),
    ("ex1-gaussian-gap", "wrong posterior variance",
     dict(posterior=(elbo.POSTERIOR[0], 2 * elbo.POSTERIOR[1]))),
    ("ex1-code-iwae", "without -log k",
     dict(bound_fn=lambda model, x, k, chunk=100: iwae_bound(model, x, k, chunk) + math.log(k))),
    ("ex2-finite", "KL added", dict(decompose=lambda rec, kl: rec + kl)),
    ("ex2-any-decoder", "KL added", dict(decompose=lambda rec, kl: rec + kl)),
    ("ex2-any-decoder", "KL counted twice", dict(decompose=lambda rec, kl: rec - 2 * kl)),
    ("ex2-code-negative-elbo", "KL weight ignored",
     dict(loss_fn=lambda model, x, weight=1.0: training_objective(model, x))),
    ("ex2-gaussian", "KL added", dict(decompose=lambda rec, kl: rec + kl)),
    ("ex3-assumption", "entropy sign flipped", dict(identity=lambda h, kl: h - kl)),
    ("ex3-general", "KL term dropped", dict(identity=lambda h, kl: -h)),
    ("ex4-general", "aggregate KL dropped", dict(identity=lambda mi, kl: mi)),
    ("ex4-aggregate", "uniform prior",
     dict(prior=lambda p_data, encoder: [sp.Rational(1, 2)] * 2)),
    ("ex4-average-elbo", "aggregate KL dropped", dict(identity=lambda h, kd, ka: -h - kd)),
    ("ex5-categorical", "probabilities without the log",
     dict(loss=lambda target, probs: -sum(t * p for t, p in zip(target, probs)))),
    ("ex5-bernoulli", "x and 1 - x swapped",
     dict(nll=lambda x, l: decoder.bernoulli_nll(1 - x, l))),
    ("ex5-greyscale", "continuous Bernoulli", dict(nll=_continuous_bernoulli_nll)),
    ("ex5-continuous-bernoulli", "tanh(l) for tanh(l/2)",
     dict(normaliser=lambda l: sp.tanh(l) / l)),
    ("ex5-continuous-bernoulli", "the l -> 0 limit as the normaliser",
     dict(normaliser=lambda l: sp.Rational(1, 2))),
    ("ex5-code-bce", "mean over pixels",
     dict(nll_fn=lambda logits, x: reconstruction_nll(logits, x) / 784)),
    ("ex6-scalar-kl", "without its -1", dict(closed_form=(mu ** 2 + sigma2 - sp.log(sigma2)) / 2)),
    ("ex6-scalar-kl", "log sign flipped",
     dict(closed_form=(mu ** 2 + sigma2 + sp.log(sigma2) - 1) / 2)),
    ("ex6-diagonal-kl", "sigma instead of sigma2",
     dict(closed_form=lambda mus, s2s: gaussian_kl.diagonal_kl(mus, [sp.sqrt(s) for s in s2s]))),
    ("ex6-full-kl", "without its -k",
     dict(closed_form=lambda m, S: (S.trace() + (m.T * m)[0, 0] - sp.log(S.det())) / 2)),
    ("ex6-code-kl-diagonal", "without its -1", dict(kl_fn=_kl_without_minus_one)),
    ("ex6-code-kl-diagonal", "reversed KL",
     dict(kl_fn=lambda q: kl_divergence(standard_normal_prior(q), q))),
    ("ex6-code-kl-full", "off-diagonal ignored", dict(kl_fn=_diagonal_only_kl)),
    ("ex6-code-kl-full", "column-major lower triangle", dict(posterior_fn=_column_major_posterior)),
    ("ex6-code-encode", "without eta", dict(encode=_encode_without_eta)),
    ("ex7-code-forward", "sample() instead of rsample()",
     dict(forward=_forward_without_gradient)),
    ("ex7-density", "sigma2 as the scale", dict(g=lambda e, m, s2: m + s2 * e)),
    ("ex7-form", "sigma2 as the scale", dict(g=lambda e, m, s2: m + s2 * e)),
    ("ex7-form", "the decreasing map", dict(g=lambda e, m, s2: m - sp.sqrt(s2) * e)),
    ("ex7-moments", "sigma2 as the scale", dict(g=lambda e, m, s2: m + s2 * e)),
    ("ex7-covariance", "L^T for L", dict(g=lambda e, m, L: m + L.T * e)),
    ("ex7-pathwise", "sigma2 as the scale", dict(g=lambda e, m, s2: m + s2 * e)),
    ("ex7-code-rsample", "sigma2 as the scale", dict(posterior_fn=_scale_is_variance)),
]


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.id)
def test_check_passes(check, verified):
    result = next(r for r in read_verify(verified).checks if r.id == check.id)
    assert result.passed, result.details


@pytest.mark.parametrize("check_id, inputs", [pytest.param(i, kw, id=f"{i}: {label}")
                                              for i, label, kw in WRONG])
def test_check_fails_on_wrong_input(check_id, inputs):
    result = BY_ID[check_id](**inputs)
    assert not result.passed
    # a mismatch that the check found, not an exception that merely aborted it
    assert result.details.startswith("FAILED"), result.details


def test_the_model_checks_compare_float64_layers_on_a_bf16_machine(monkeypatch):
    """precision = "auto" becomes bf16 on a CPU with bf16 arithmetic; the checks that build a
    model must not inherit its rounding."""
    from vae.core import config

    from derivations.checks import model_code

    monkeypatch.setattr(config, "native_precision", lambda device: "bf16")
    model_checks = [c for c in ALL_CHECKS if c.body.__module__ == model_code.__name__]
    assert len(model_checks) == 4
    for check in model_checks:
        result = check()
        assert result.passed, (check.id, result.details)


def test_every_check_has_a_wrong_input():
    assert {check_id for check_id, _, _ in WRONG} == set(BY_ID)


def test_metadata_is_complete():
    assert len(BY_ID) == len(ALL_CHECKS), "check ids must be unique"
    assert {c.exercise for c in ALL_CHECKS} == set(range(1, 8))
    for c in ALL_CHECKS:
        assert c.id.startswith(f"ex{c.exercise}-") and c.title and c.method and c.scope
        # the report typesets titles, methods and scopes as plain text
        assert not set(c.title + c.method + c.scope) & set("\\_^&%$#{}~"), c.id


def test_every_check_the_text_names_is_registered():
    """The prose names checks by id (derivations/*.tex, templates/): a renamed or removed check
    must not leave the text pointing at nothing."""
    import re
    from conftest import ROOT
    sources = [*(ROOT / "derivations").glob("*.tex"), *(ROOT / "templates").glob("*.j2")]
    named = {m for path in sources
             for m in re.findall(r"\\texttt\{(ex\d+-[a-z0-9-]+)\}", path.read_text())}
    assert len(named) >= 5, "the pattern no longer finds the ids the text names"
    assert named <= set(BY_ID), sorted(named - set(BY_ID))


# a check is general only if it covers every case of its identity; marking one general is a
# claim in the report, so this list changes only with a reason
GENERAL_CHECKS = {"ex5-bernoulli", "ex5-greyscale", "ex5-continuous-bernoulli", "ex6-scalar-kl",
                  "ex7-density", "ex7-form", "ex7-moments"}


def test_general_checks_are_the_ones_that_cover_their_identity():
    assert {c.id for c in ALL_CHECKS if c.scope == GENERAL} == GENERAL_CHECKS
    # a check of the training code runs on seeded inputs: always an instance
    assert not any(c.calls for c in ALL_CHECKS if c.scope == GENERAL)


def test_exception_is_a_failed_result():
    def body():
        raise ValueError("boom")

    result = Check(body, id="exX-raises", exercise=1, title="t", method="m", scope="s")()
    assert not result.passed and result.details == "raised ValueError: boom"


def test_empty_findings_do_not_pass():
    result = Check(Findings, id="exX-empty", exercise=1, title="t", method="m", scope="s")()
    assert not result.passed


FAST = (BY_ID["ex2-finite"], BY_ID["ex6-code-kl-diagonal"])


def test_verify_writes_json(tmp_path, capsys):
    out = tmp_path / "results" / "verify.json"
    assert verify.main(["--out", str(out)], checks=FAST) == 0
    payload = json.loads(out.read_text())
    assert payload["passed"] is True
    assert [c["id"] for c in payload["checks"]] == [c.id for c in FAST]
    assert payload["code"] == checks_digest()
    keys = {"id", "exercise", "title", "passed", "method", "scope", "calls", "details",
            "seconds"}
    assert all(set(c) == keys for c in payload["checks"])
    assert payload["checks"][0]["scope"] == FAST[0].scope
    assert "ex2-finite" in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == ["verify.json"]  # no temporary file left


def test_reuse_keeps_passing_results_until_the_checks_or_their_code_change(tmp_path, capsys,
                                                                         monkeypatch):
    out = tmp_path / "verify.json"
    ran = []

    def counted():
        ran.append(1)
        return FAST[0]()
    assert verify.main(["--out", str(out), "--reuse"], checks=[counted]) == 0 and ran == [1]
    assert verify.main(["--out", str(out), "--reuse"], checks=[counted]) == 0 and ran == [1]
    assert "up to date" in capsys.readouterr().out
    monkeypatch.setattr(verify, "checks_digest", lambda: "the code changed")
    assert verify.main(["--out", str(out), "--reuse"], checks=[counted]) == 0 and ran == [1, 1]


def test_verify_fails_naming_the_broken_checks(tmp_path, capsys):
    wrong_kl = (mu ** 2 + sigma2 - sp.log(sigma2)) / 2
    scalar = BY_ID["ex6-scalar-kl"]
    broken = Check(functools.partial(scalar.body, closed_form=wrong_kl), id=scalar.id,
                   exercise=6, title=scalar.title, method=scalar.method, scope=scalar.scope)

    def crashing():
        raise RuntimeError("boom")

    crash = Check(crashing, id="ex7-crash", exercise=7, title="t", method="m", scope="s")
    out = tmp_path / "verify.json"
    out.write_text("stale")
    assert verify.main(["--out", str(out)], checks=(*FAST, broken, crash)) == 1
    payload = json.loads(out.read_text())
    assert payload["passed"] is False
    assert [c["passed"] for c in payload["checks"]] == [True, True, False, False]
    err = capsys.readouterr().err
    assert "ex6-scalar-kl" in err and "residual" in err
    assert "ex7-crash" in err and "RuntimeError: boom" in err
