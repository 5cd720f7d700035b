"""train.py: whole runs on tiny synthetic data: their files, caching, resume after an
interrupt, divergence, and the training settings."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import vae.core.runs
import vae.core.train
from conftest import TINY, write_mnist
from conftest import TINY_BASE as BASE
from vae import VaeError
from vae.core import evaluate, losses
from vae.core.data import load_split
from vae.core.evaluate import elbo_terms
from vae.core.io import read_json
from vae.core.losses import Terms
from vae.core.runs import CHECKPOINT, PREVIOUS, Run, run_hash
from vae.core.train import kl_weight, learning_rate, train

pytestmark = pytest.mark.usefixtures("one_thread")

N_TRAIN, N_TEST = 150, 40
N_FIT = N_TRAIN - TINY["validation"]  # the images trained on: the rest is held out
STEPS = -(-N_FIT // TINY["batch_size"])  # 5 steps per epoch, the last one of 14 images
TIMING_ROW = ("seconds", "images_per_s")
TIMING_RESULTS = ("seconds_per_epoch", "images_per_s", "eval_seconds")


@pytest.fixture(scope="module", autouse=True)
def pinned_code_digest():
    """Other people edit code/vae while these tests run; a run's folder must not move between
    the two train() calls of one test, so the code digest is read once."""
    digest = vae.core.runs.code_digest(vae.core.runs.TRAINER)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vae.core.runs, "code_digest", lambda *roots: digest)
        yield


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    data = write_mnist(tmp_path_factory.mktemp("data"), n_train=N_TRAIN, n_test=N_TEST)
    return load_split(data, "train", download=False), load_split(data, "test", download=False)


@pytest.fixture(scope="module")
def reference(splits, tmp_path_factory, pinned_code_digest) -> Path:
    """BASE trained without interruption."""
    return train(BASE, *splits, tmp_path_factory.mktemp("reference"), progress=False,
                 log=lambda _: None).dir


class Spy:
    """Stands in for vae.core.train.training_objective: counts calls, records what it is given, and can
    raise KeyboardInterrupt or return a NaN loss at a chosen call (1-based)."""

    def __init__(self, interrupt_at: int | None = None, nan_at: int | None = None,
                 forbid: bool = False):
        self.calls, self.weights, self.values = 0, [], set()
        self.interrupt_at, self.nan_at, self.forbid = interrupt_at, nan_at, forbid

    def __call__(self, model, x, kl_weight=1.0):
        assert not self.forbid, "a finished run was trained again"
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        self.weights.append(kl_weight)
        self.values.update(x.unique().tolist())
        terms = losses.training_objective(model, x, kl_weight)
        if self.calls == self.nan_at:
            return Terms(terms.objective * float("nan"), terms.recon, terms.kl)
        return terms


def spy_on(monkeypatch, **kwargs) -> Spy:
    spy = Spy(**kwargs)
    monkeypatch.setattr(vae.core.train, "training_objective", spy)
    return spy


def quiet(_: str) -> None:
    pass


def snapshot(directory: Path):
    results = read_json(directory / "results.json")
    for key in TIMING_RESULTS:
        results.pop(key)
    rows = [{k: v for k, v in json.loads(line).items() if k not in TIMING_ROW}
            for line in (directory / "metrics.jsonl").read_text().splitlines()]
    steps = np.load(directory / "steps.npy")
    weights = torch.load(directory / "model.pt", weights_only=True)
    return results, rows, steps, weights


def assert_same_run(a: Path, b: Path) -> None:
    """Everything but the timings is equal, bit for bit."""
    ra, ma, sa, wa = snapshot(a)
    rb, mb, sb, wb = snapshot(b)
    assert ra == rb
    assert ma == mb
    np.testing.assert_array_equal(sa, sb)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key


def interrupted(cfg, splits, runs, monkeypatch, at: int) -> Path:
    """Train cfg until training_objective's call number `at`, where a KeyboardInterrupt comes."""
    spy_on(monkeypatch, interrupt_at=at)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, *splits, runs, progress=False, log=quiet)
    monkeypatch.setattr(vae.core.train, "training_objective", losses.training_objective)
    return Run(cfg, runs).dir


# --- a whole run ---------------------------------------------------------------------------


def test_a_run_writes_its_files(reference, splits):
    files = {p.name for p in reference.iterdir()}
    assert {"config.toml", CHECKPOINT, "metrics.jsonl", "steps.npy", "model.pt",
            "results.json"} <= files
    assert not [f for f in files if f.endswith(".tmp")]
    results = read_json(reference / "results.json")
    assert results["run_hash"] == run_hash(BASE)
    assert results["epochs"] == BASE.epochs
    assert results["config"] == BASE.to_dict()
    steps = np.load(reference / "steps.npy")
    assert steps.shape == (BASE.epochs * STEPS, 3)
    rows = [json.loads(line) for line in (reference / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2]
    # loss = recon + kl with weight 1 in every step
    np.testing.assert_allclose(steps[:, 0], steps[:, 1] + steps[:, 2], rtol=1e-5)
    # the epoch mean weights each batch by its size (the last one holds 14 images)
    sizes = np.array([32.0] * (STEPS - 1) + [N_FIT - 32.0 * (STEPS - 1)])
    for epoch, row in enumerate(rows):
        block = steps[epoch * STEPS:(epoch + 1) * STEPS].astype(np.float64)
        expected = (block * sizes[:, None]).sum(0) / N_FIT
        np.testing.assert_allclose([row["train_loss"], row["train_recon"], row["train_kl"]],
                                   expected, rtol=1e-5)
    # the last epoch's validation value is the final one; the test set is read only at the end
    assert rows[-1]["valid_loss"] == results["valid_loss"]
    assert (results["train_images"], results["valid_images"]) == (N_FIT, TINY["validation"])


def test_the_saved_model_gives_the_reported_numbers(reference, splits):
    run = Run(BASE, reference.parent)
    model, results = run.load_model(), run.read_results()
    test_x = evaluate.evaluated(splits[1], BASE).images
    terms = elbo_terms(model, test_x, BASE, seed=BASE.seed + 1)
    assert terms.negative_elbo == results.test_loss
    assert terms.kl == results.test_kl


def test_two_runs_with_one_seed_agree_exactly(reference, splits, tmp_path):
    assert_same_run(train(BASE, *splits, tmp_path, progress=False, log=quiet).dir, reference)


def test_another_seed_gives_another_run(reference, splits, tmp_path):
    other = train(dataclasses.replace(BASE, seed=421), *splits, tmp_path, progress=False,
                  log=quiet).dir
    assert other != reference
    assert not np.array_equal(np.load(other / "steps.npy"), np.load(reference / "steps.npy"))


def test_a_finished_run_is_not_trained_again(reference, splits, monkeypatch):
    mtime = (reference / "results.json").stat().st_mtime_ns
    spy_on(monkeypatch, forbid=True)
    logs = []
    assert train(BASE, *splits, reference.parent, progress=False, log=logs.append).dir == reference
    assert any("not training again" in line for line in logs), logs
    assert (reference / "results.json").stat().st_mtime_ns == mtime


def test_a_change_of_training_setting_gives_another_folder(tmp_path):
    base = Run(BASE, tmp_path).dir
    assert base.parent == tmp_path and base.name.startswith(BASE.name + "-")
    for change in (dict(lr=3e-4), dict(epochs=3), dict(seed=1), dict(binarize=True)):
        assert Run(dataclasses.replace(BASE, **change), tmp_path).dir != base, change
    # the name is only a label: same settings, same hash
    renamed = dataclasses.replace(BASE, name="other", description="x", device="cpu")
    assert run_hash(renamed) == run_hash(BASE)


def test_a_code_change_gives_another_folder(monkeypatch, tmp_path):
    before = Run(BASE, tmp_path).dir
    monkeypatch.setattr(vae.core.runs, "code_digest", lambda *roots: "edited")
    assert Run(BASE, tmp_path).dir != before


# --- interruptions -------------------------------------------------------------------------


def test_resume_after_an_interrupt_is_exact(reference, splits, tmp_path, monkeypatch):
    d = interrupted(BASE, splits, tmp_path, monkeypatch, at=STEPS + 3)  # inside epoch 2
    assert not (d / "results.json").exists()
    assert torch.load(d / CHECKPOINT, weights_only=True)["epoch"] == 1
    assert len((d / "metrics.jsonl").read_text().splitlines()) == 1
    spy, logs = spy_on(monkeypatch), []
    assert train(BASE, *splits, tmp_path, progress=False, log=logs.append).dir == d
    assert spy.calls == STEPS  # only epoch 2 was trained again
    assert any("resuming after epoch 1" in line for line in logs), logs
    assert_same_run(d, reference)


def test_interrupt_in_the_first_epoch_restarts(reference, splits, tmp_path, monkeypatch):
    d = interrupted(BASE, splits, tmp_path, monkeypatch, at=3)
    assert not (d / CHECKPOINT).exists()
    spy = spy_on(monkeypatch)
    train(BASE, *splits, tmp_path, progress=False, log=quiet)
    assert spy.calls == 2 * STEPS
    assert_same_run(d, reference)


GARBAGE = b"\x00this is not a checkpoint\xff" * 8


@pytest.mark.parametrize("previous", ["intact", "absent", "corrupt", "missing-keys"])
def test_a_corrupt_checkpoint_is_set_aside(reference, splits, tmp_path, monkeypatch, previous):
    d = interrupted(BASE, splits, tmp_path, monkeypatch, at=STEPS + 2)
    current, prev = d / CHECKPOINT, d / PREVIOUS
    if previous == "intact":
        shutil.copy(current, prev)  # as after epoch 1 of 3: the fallback holds a good state
    elif previous == "corrupt":
        prev.write_bytes(b"also garbage")
    elif previous == "missing-keys":
        torch.save({"epoch": 1, "model": {}}, prev)  # readable, but not a checkpoint
    current.write_bytes(GARBAGE)
    spy, logs = spy_on(monkeypatch), []
    train(BASE, *splits, tmp_path, progress=False, log=logs.append)
    aside = list(d.glob(f"{CHECKPOINT}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == GARBAGE  # kept, not deleted
    assert any("warning" in line and CHECKPOINT in line for line in logs), logs
    if previous == "intact":
        assert spy.calls == STEPS  # resumed from the fallback after epoch 1
    else:
        assert spy.calls == 2 * STEPS  # started again
    if previous in ("corrupt", "missing-keys"):
        assert len(list(d.glob(f"{PREVIOUS}.corrupt-*"))) == 1
    assert_same_run(d, reference)


def test_the_resume_message_names_the_checkpoint_used(splits, tmp_path, monkeypatch):
    """After checkpoint.pt was set aside, the log must not say training resumes from it."""
    d = interrupted(BASE, splits, tmp_path, monkeypatch, at=STEPS + 2)
    shutil.copy(d / CHECKPOINT, d / PREVIOUS)
    (d / CHECKPOINT).write_bytes(GARBAGE)
    logs = []
    train(BASE, *splits, tmp_path, progress=False, log=logs.append)
    resuming = [line for line in logs if "resuming" in line]
    assert len(resuming) == 1 and PREVIOUS in resuming[0], resuming


def test_a_nan_loss_names_epoch_and_step_and_keeps_the_checkpoint(reference, splits, tmp_path,
                                                                  monkeypatch):
    spy_on(monkeypatch, nan_at=STEPS + 3)
    with pytest.raises(VaeError) as err:
        train(BASE, *splits, tmp_path, progress=False, log=quiet)
    message = str(err.value)
    assert "epoch 2, step 3" in message
    assert f"lr={BASE.lr}" in message and "grad_clip" in message
    d = Run(BASE, tmp_path).dir
    assert str(d) in message
    assert not (d / "results.json").exists()
    assert torch.load(d / CHECKPOINT, weights_only=True)["epoch"] == 1
    # the kept checkpoint is the good one: resuming from it gives the uninterrupted run
    spy = spy_on(monkeypatch)
    train(BASE, *splits, tmp_path, progress=False, log=quiet)
    assert spy.calls == STEPS
    assert_same_run(d, reference)


def test_a_real_divergence_is_caught(splits, tmp_path):
    cfg = dataclasses.replace(BASE, lr=1e6)
    with pytest.raises(VaeError) as err:
        train(cfg, *splits, tmp_path, progress=False, log=quiet)
    message = str(err.value)
    assert "diverged" in message and "lr=1000000.0" in message and "grad_clip" in message
    assert not (Run(cfg, tmp_path).dir / "results.json").exists()


def test_divergence_in_the_first_epoch_claims_no_checkpoint(splits, tmp_path, monkeypatch):
    """Before the first epoch ends there is no checkpoint: the message must not say one is
    'kept' ("after epoch 0")."""
    spy_on(monkeypatch, nan_at=2)
    with pytest.raises(VaeError) as err:
        train(BASE, *splits, tmp_path, progress=False, log=quiet)
    assert not (Run(BASE, tmp_path).dir / CHECKPOINT).exists()
    assert "epoch 1, step 2" in str(err.value)
    assert "after epoch 0" not in str(err.value)


# --- settings ------------------------------------------------------------------------------


def test_kl_weight_ramp():
    cfg = dataclasses.replace(BASE, beta=2.0, kl_warmup_epochs=2.0)
    ramp = [kl_weight(cfg, e, s, 10) for e in range(4) for s in range(10)]
    assert ramp[0] == 0.0
    assert all(a < b for a, b in zip(ramp[:20], ramp[1:21]))  # rising over two epochs
    assert kl_weight(cfg, 1, 0, 10) == pytest.approx(1.0)  # half-way
    assert all(w == 2.0 for w in ramp[20:])  # then beta
    assert kl_weight(dataclasses.replace(BASE, beta=0.5), 0, 0, 10) == 0.5  # no warm-up


def test_the_cosine_schedule_falls_from_lr_to_zero_over_all_steps():
    cfg = dataclasses.replace(BASE, lr=2e-3, epochs=2, lr_schedule="cosine")
    rates = [learning_rate(cfg, e, s, 10) for e in range(2) for s in range(10)]
    assert rates[0] == 2e-3 and rates[10] == pytest.approx(1e-3)  # half-way: half the rate
    assert all(a > b > 0 for a, b in zip(rates, rates[1:]))
    assert learning_rate(dataclasses.replace(cfg, lr_schedule="constant"), 1, 9, 10) == 2e-3


def test_the_schedule_reaches_the_optimizer_in_training(splits, tmp_path, monkeypatch):
    cfg = dataclasses.replace(BASE, lr_schedule="cosine", lr=1e-3)
    seen = []
    step = torch.optim.AdamW.step

    def spying(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return step(self, *args, **kwargs)
    monkeypatch.setattr(torch.optim.AdamW, "step", spying)
    train(cfg, *splits, tmp_path, progress=False, log=quiet)
    assert len(seen) == cfg.epochs * STEPS
    assert seen == [learning_rate(cfg, i // STEPS, i % STEPS, STEPS) for i in range(len(seen))]


def test_warm_up_in_training(splits, tmp_path, monkeypatch):
    cfg = dataclasses.replace(BASE, beta=0.5, kl_warmup_epochs=1.0)
    spy = spy_on(monkeypatch)
    d = train(cfg, *splits, tmp_path, progress=False, log=quiet).dir
    first, second = spy.weights[:STEPS], spy.weights[STEPS:]
    assert first[0] == 0.0
    assert all(a < b < 0.5 for a, b in zip(first, first[1:]))
    assert second == [0.5] * STEPS
    steps = np.load(d / "steps.npy")
    weights = np.array(spy.weights)[:, None]
    np.testing.assert_allclose(steps[:, 0], steps[:, 1] + weights[:, 0] * steps[:, 2],
                               rtol=1e-5)


def test_binarized_run(splits, tmp_path, monkeypatch):
    cfg = dataclasses.replace(BASE, binarize=True)
    spy = spy_on(monkeypatch)
    d = train(cfg, *splits, tmp_path, progress=False, log=quiet).dir
    assert spy.values == {0.0, 1.0}
    results = read_json(d / "results.json")
    assert all(math.isfinite(results[k]) for k in ("test_loss", "iwae_bound", "test_kl"))
    evaluated = evaluate.evaluated(splits[1], cfg).images
    assert set(evaluated.unique().tolist()) == {0, 255}
    # fixed by the seed, not redrawn at each evaluation
    assert torch.equal(evaluated, evaluate.evaluated(splits[1], cfg).images)


@pytest.mark.parametrize("architecture,covariance", [("mlp", "full"), ("conv", "diagonal")])
def test_other_architectures_finish_a_run(splits, tmp_path, architecture, covariance):
    cfg = dataclasses.replace(BASE, architecture=architecture, covariance=covariance, epochs=1,
                              train_limit=64, test_limit=16, iwae_images=8)
    results = read_json(train(cfg, *splits, tmp_path, progress=False, log=quiet).results_path)
    assert results["test_kl"] >= 0 and math.isfinite(results["iwae_bound"])
    assert results["epochs"] == 1


# --- what a run records ---------------------------------------------------------------------

def test_a_run_records_the_subset_it_was_bounded_on(reference):
    results = read_json(reference / "results.json")
    assert results["subset_seed"] == evaluate.SUBSET_SEED
    assert results["iwae_images"] == BASE.iwae_images
    # "auto" was resolved when the config was made: the record holds what the run trained in
    assert results["precision"] == BASE.precision != "auto"
