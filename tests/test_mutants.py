"""Mutation suite: each mutant is a small bug planted in a copy of code/vae, and the derivation
checks must fail on it, naming the check that catches it.

The mutants run `python -m derivations.verify --code-only`: the checks that call the package.
The other checks are SymPy on paper and import nothing from code/vae, so no mutant of the
package can change their outcome; `make verify` runs both kinds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

# (name, file, original text, mutated text, the check that must name it)
MUTANTS = [
    ("sample instead of rsample", "core/model.py",
     "z = q.rsample()", "z = q.sample()", "ex7-code-forward"),
    ("the mean instead of a sample", "core/model.py",
     "z = q.rsample()", "z = q.mean", "ex7-code-forward"),
    ("a negative variance", "core/model.py",
     "sigma2 = nn.functional.softplus(pre_sigma2) + self.eta",
     "sigma2 = -nn.functional.softplus(pre_sigma2) - 1", "ex6-code-encode"),
    ("eta dropped", "core/model.py",
     "sigma2 = nn.functional.softplus(pre_sigma2) + self.eta",
     "sigma2 = nn.functional.softplus(pre_sigma2)", "ex6-code-encode"),
    ("the prior's scale changed", "core/model.py",
     "Normal(mu, torch.ones_like(mu))", "Normal(mu, 2 * torch.ones_like(mu))",
     "ex6-code-kl-diagonal"),
    ("L filled above the diagonal", "core/model.py",
     "rows, cols = torch.tril_indices(d, d, offset=-1)",
     "cols, rows = torch.tril_indices(d, d, offset=-1)", "ex6-code-kl-full"),
    ("-log k dropped from the IWAE bound", "core/losses.py",
     "dim=0) - math.log(k)", "dim=0)", "ex1-code-iwae"),
    ("log q added instead of subtracted", "core/losses.py",
     "- q.log_prob(z)", "+ q.log_prob(z)", "ex1-code-iwae"),
    ("KL scaled", "core/losses.py",
     "return kl_divergence(q, standard_normal_prior(q))",
     "return 2 * kl_divergence(q, standard_normal_prior(q))", "ex6-code-kl-diagonal"),
    ("KL shifted", "core/losses.py",
     "return kl_divergence(q, standard_normal_prior(q))",
     "return kl_divergence(q, standard_normal_prior(q)) + 0.5", "ex6-code-kl-diagonal"),
    ("reversed KL", "core/losses.py",
     "return kl_divergence(q, standard_normal_prior(q))",
     "return kl_divergence(standard_normal_prior(q), q)", "ex6-code-kl-diagonal"),
    ("mean over pixels instead of the sum", "core/losses.py",
     'reduction="none").sum(-1)', 'reduction="none").mean(-1)', "ex5-code-bce"),
    ("sum over images instead of the mean", "core/losses.py",
     "recon = reconstruction_nll(logits, x).mean()", "recon = reconstruction_nll(logits, x).sum()",
     "ex2-code-negative-elbo"),
    ("KL weight ignored", "core/losses.py",
     "Terms(recon + kl_weight * kl, recon, kl)", "Terms(recon + kl, recon, kl)",
     "ex2-code-negative-elbo"),
]


def verify_code_checks(package: Path) -> subprocess.CompletedProcess:
    """The package-calling checks, run against the copy of the package in `package`."""
    env = {**os.environ, "PYTHONPATH": str(package.parent), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "derivations.verify", "--code-only"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def package(tmp_path) -> Path:
    copy = tmp_path / "mutant" / "vae"
    shutil.copytree(ROOT / "code" / "vae", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_unmutated_copy_passes(package):
    done = verify_code_checks(package)
    assert done.returncode == 0, done.stderr
    assert "checks passed" in done.stdout and "no JSON written" in done.stdout


@pytest.mark.parametrize("name, file, original, mutated, check_id", MUTANTS,
                         ids=[m[0] for m in MUTANTS])
def test_every_mutant_fails_verify_naming_its_check(package, name, file, original, mutated,
                                                      check_id):
    source = package / file
    text = source.read_text()
    assert text.count(original) == 1, f"the mutant's original text is not unique in {file}"
    source.write_text(text.replace(original, mutated))
    done = verify_code_checks(package)
    assert done.returncode == 1, f"{name}: verify passed\n{done.stdout}"
    assert f"  {check_id} (exercise" in done.stderr, done.stderr
