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
from concurrent.futures import ThreadPoolExecutor
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


def mutant_copy(root: Path, file: str = "", original: str = "", mutated: str = "") -> Path:
    """A copy of code/vae under root, with original replaced by mutated in file (if given)."""
    copy = root / "vae"
    shutil.copytree(ROOT / "code" / "vae", copy, ignore=shutil.ignore_patterns("__pycache__"))
    if file:
        source = copy / file
        text = source.read_text()
        assert text.count(original) == 1, f"the mutant's original text is not unique in {file}"
        source.write_text(text.replace(original, mutated))
    return copy


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Every mutant's verify run (and the unmutated copy's, under ""), one per core at a time:
    each is a one-thread process that mostly imports torch and SymPy."""
    copies = {"": mutant_copy(tmp_path_factory.mktemp("unmutated"))}
    for name, file, original, mutated, _ in MUTANTS:
        copies[name] = mutant_copy(tmp_path_factory.mktemp("mutant"), file, original, mutated)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        done = dict(zip(copies, pool.map(verify_code_checks, copies.values())))
    return done


def test_the_unmutated_copy_passes(outcomes):
    done = outcomes[""]
    assert done.returncode == 0, done.stderr
    assert "checks passed" in done.stdout and "no JSON written" in done.stdout


@pytest.mark.parametrize("name, check_id", [(m[0], m[4]) for m in MUTANTS],
                         ids=[m[0] for m in MUTANTS])
def test_every_mutant_fails_verify_naming_its_check(outcomes, name, check_id):
    done = outcomes[name]
    assert done.returncode == 1, f"{name}: verify passed\n{done.stdout}"
    assert f"  {check_id} (exercise" in done.stderr, done.stderr
