"""Each reading of measure.py on a hand-made case whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from vae import VaeError
from vae.instrument.readings import (
    class_shares,
    confusions,
    frechet_distance,
    neighbour_vote,
    path_reading,
    per_class_accuracy,
)


def test_a_histogram_missing_a_digit():
    shares = class_shares(np.array([0, 0, 1, 2, 3, 5, 6, 7, 8, 9]))
    assert shares[4] == 0.0
    assert shares[0] == pytest.approx(0.2)
    assert sum(shares) == pytest.approx(1.0)


def test_confusions_are_the_most_frequent_off_diagonal_pairs_with_their_share():
    true = np.array([4, 4, 4, 4, 5, 5, 3, 3])
    predicted = np.array([9, 9, 9, 4, 3, 5, 3, 3])
    found = confusions(true, predicted, top=3)
    assert [(c.true, c.predicted, c.count) for c in found] == [(4, 9, 3), (5, 3, 1)]
    assert found[0].share == pytest.approx(0.75) and found[1].share == pytest.approx(0.5)
    assert per_class_accuracy(true, predicted)[3] == 1.0
    assert np.isnan(per_class_accuracy(true, predicted)[0])


def frames_along(steps: list[float]) -> np.ndarray:
    """Frames whose neighbours are the given pixel distances apart (one moving pixel)."""
    values = np.concatenate([[0.0], np.cumsum(steps)])
    frames = np.zeros((len(values), 4))
    frames[:, 0] = values
    return frames


def test_a_path_that_stays_in_one_class():
    reading = path_reading(0, 6, [0] * 10, frames_along([1.0] * 9))
    assert reading.changes == 0 and reading.others == []
    assert reading.jump == pytest.approx(1.0)


def test_a_path_with_one_jump_and_a_digit_on_the_way():
    classes = [2, 2, 6, 6, 3, 3, 5, 5, 5, 5]
    reading = path_reading(2, 5, classes, frames_along([1, 1, 1, 1, 10, 1, 1, 1, 1]))
    assert reading.changes == 3
    assert reading.others == [6, 3]  # in order of appearance, the ends left out
    assert reading.jump == pytest.approx(10 / (18 / 9))


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20_000, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    # N(0, I) against N(m, 4I) in 3-D: |m|^2 + 3 (1 + 4 - 2 * 2) = |m|^2 + 3
    b = 2 * rng.normal(size=(20_000, 3)) + np.array([1.0, 2.0, 0.0])
    assert frechet_distance(a, b) == pytest.approx(5.0 + 3.0, rel=0.05)


def test_neighbour_vote_separates_clusters_and_leaves_each_point_out():
    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    labels = np.repeat([0, 1, 2], 20)
    z = centres[labels] + rng.normal(scale=0.5, size=(60, 2))
    assert (neighbour_vote(z, labels, k=5, chunk=7) == labels).all()
    # a lone point of class 3 inside cluster 0: its neighbours outvote it (it cannot vote itself)
    z = np.vstack([z, [[0.1, 0.1]]])
    labels = np.append(labels, 3)
    assert neighbour_vote(z, labels, k=5)[-1] == 0


def test_reconstruction_and_sample_readings_of_a_tiny_run(tiny_run):
    """The model readings run end to end on the tiny run and are shares and digits."""
    from conftest import TINY
    from vae.core.config import Config
    from vae.core.data import load_split, to_float
    from vae.core.runs import Run
    from vae.instrument.classifier import DigitClassifier, read_images
    from vae.instrument.measurements import ClassifierConfig
    from vae.instrument.latent_paths import RANDOM_PAIRS, random_pairs
    from vae.instrument.readings import model_readings, training_subset

    runs, data = tiny_run
    train, test = load_split(data, "train"), load_split(data, "test")
    torch.manual_seed(0)
    classifier = DigitClassifier(ClassifierConfig(channels=4)).eval()
    features = read_images(classifier, to_float(test.images))[1].numpy()
    readings = model_readings(Run(Config(**TINY), runs), classifier, train,
                              training_subset(train), test, features)
    assert 0 <= readings.test.accuracy <= 1 and len(readings.test.shown) == 10
    assert sum(readings.samples.shares) == pytest.approx(1.0)
    pairs = [(0, 6), (1, 7), (3, 8), (4, 9), (2, 5)]
    assert [(p.start, p.end) for p in readings.linear_paths] == pairs
    assert [(p.start, p.end) for p in readings.spherical_paths] == pairs
    # the bonus's random pairs: the same for every model, of two different digits each
    drawn = random_pairs(test.labels)
    assert [(p.start, p.end) for p in readings.random_linear] == \
        [(int(test.labels[a]), int(test.labels[b])) for a, b in drawn]
    assert len(drawn) == RANDOM_PAIRS and all(p.start != p.end for p in readings.random_linear)
    assert drawn == random_pairs(test.labels) and len(set(drawn)) > RANDOM_PAIRS // 2
    assert readings.manifold is not None and len(readings.manifold.classes) == 15 * 15
    info = readings.information  # a two-dimensional code: estimated, within both bounds
    assert info is not None and info.images == len(test)
    assert 0 <= info.estimate <= info.ceiling and info.estimate <= info.kl + 3 * info.stderr
    assert readings.neighbours.k == 10 and readings.samples.frechet >= 0


def test_models_are_read_on_the_test_images_they_were_evaluated_on(tiny_run):
    from conftest import TINY
    from vae.core.config import Config
    from vae.core.data import load_split
    from vae.core.runs import Run
    from vae.instrument.readings import evaluated_test_set

    runs, data = tiny_run
    test = load_split(data, "test")
    full, limited = Config(**TINY), Config(**{**TINY, "test_limit": 30})
    assert len(evaluated_test_set([Run(full, runs)], test).images) == len(test.images)
    part = evaluated_test_set([Run(limited, runs)], test)
    assert len(part.images) == len(part.labels) == 30
    with pytest.raises(VaeError, match="different test sets"):
        evaluated_test_set([Run(full, runs), Run(limited, runs)], test)


class FixedEncoder:
    """A stand-in for a VAE whose q(z|x) is N(mu_n, s^2 I) for the n-th image."""

    def __init__(self, mu: torch.Tensor, sd: float) -> None:
        self.mu, self.sd = mu, sd

    def encode(self, x: torch.Tensor) -> torch.distributions.Distribution:
        mu = self.mu[:len(x)]
        return torch.distributions.Independent(
            torch.distributions.Normal(mu, torch.full_like(mu, self.sd)), 1)


def test_information_is_log_n_for_codes_apart_and_zero_for_one_shared_code():
    from vae.instrument.information import mutual_information

    images = torch.zeros(50, 28, 28, dtype=torch.uint8)
    apart = FixedEncoder(torch.arange(50.0)[:, None].repeat(1, 2) * 10, 0.1)
    found = mutual_information(apart, images, samples=4, chunk=7)
    assert found.estimate == pytest.approx(np.log(50), abs=1e-6)  # each code names its image
    assert found.estimate <= found.ceiling + 1e-9 and found.ceiling == pytest.approx(np.log(50))
    shared = mutual_information(FixedEncoder(torch.zeros(50, 2), 0.5), images, samples=4)
    assert shared.estimate == pytest.approx(0.0, abs=1e-6)  # q(z|x) = q(z): no information
    # the KL to the prior is E KL = I + KL(q(z) || p(z)) >= I, here by a wide margin
    assert found.kl > found.estimate and shared.kl > 0
    again = mutual_information(apart, images, samples=4, chunk=50)
    assert again == found  # seeded, and the chunking changes nothing


def test_measuring_again_reads_only_the_runs_not_read_before(tiny_run, tiny_measurements,
                                                             tmp_path):
    import dataclasses
    import json
    import shutil
    from conftest import TINY
    from vae.core.config import Config
    from vae.core.data import load_split
    from vae.core.runs import Run
    from vae.core.train import train as train_run
    from vae.instrument.readings import measure

    runs_root, data = tiny_run
    runs = tmp_path / "runs"
    shutil.copytree(runs_root, runs)  # with the classifier that tiny_measurements trained
    train, test = load_split(data, "train"), load_split(data, "test")
    first, second = Config(**TINY), dataclasses.replace(Config(**TINY), seed=421)
    train_run(second, train, test, runs, progress=False, log=lambda _: None)
    out, said = tmp_path / "measurements.json", []
    alone = measure([Run(first, runs)], runs, train, test, out, progress=False, log=said.append)
    both = measure([Run(first, runs), Run(second, runs)], runs, train, test, out,
                   progress=False, log=said.append)
    assert "of 1 runs, 1 at a time (1 read before, unchanged)" in said[-3]
    assert [m.seed for m in both.models] == [420, 421] and both.models[0] == alone.models[0]
    again = measure([Run(second, runs)], runs, train, test, tmp_path / "fresh.json",
                    progress=False, log=lambda _: None)
    assert again.models[0] == both.models[1]  # read alone, the same as read after another
    stale = json.loads(out.read_text())
    stale["code"] = "an older measuring code"
    out.write_text(json.dumps(stale))
    measure([Run(first, runs), Run(second, runs)], runs, train, test, out, progress=False,
            log=said.append)
    assert "of 2 runs" in said[-4] and "read before" not in said[-4]
