"""What each trained VAE's images are, read by the digit classifier: the numbers behind every
sentence of Part II about a figure. Written to report/results/measurements.json
(measurements.Measurements); freshness.py decides, without torch, whether they must be redone.
"""

from __future__ import annotations

import dataclasses
import functools
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .. import VaeError
from ..core.cache_keys import code_digest
from ..core.data import Split, batches, limited, to_float, trained_images
from ..core.evaluate import SUBSET_SEED, encode_means, subset_indices
from ..core.jobs import default_jobs, one_thread_pool
from ..core.model import VAE
from ..core.records import write_record
from ..core.runs import Run
from ..core.train import torch_threads
from .baselines import baselines
from .classifier import DigitClassifier, read_images, trained_classifier
from .information import mutual_information
from .latent_paths import (
    first_of_each_class,
    interpolations,
    manifold_grid,
    prior_draws,
    random_pairs,
)
from .marginal import marginal
from .measurements import (
    MEASURER,
    ClassifierConfig,
    Confusion,
    ManifoldReading,
    Measurements,
    ModelReadings,
    Neighbours,
    PathReading,
    Reconstructions,
    Samples,
    digit_changes,
    drawn_directly,
    read_measurements,
)

# At most this many training images are reconstructed and prior samples drawn per model; no
# more than the test images the runs were evaluated on (all 10,000, or a smoke test's limit).
IMAGES = 10_000
CONFIDENT = 0.9  # a sample whose top class has this probability counts as a clear digit
NEIGHBOURS = 10  # k of the k-nearest-neighbour vote in the latent space
CONFUSIONS = 3  # the most frequent confusions kept


# -- readings of plain arrays, each testable on a hand-made case -------------------------------

def class_shares(classes: np.ndarray) -> list[float]:
    """The share of each digit 0-9 among the classes."""
    return (np.bincount(classes, minlength=10) / max(1, len(classes))).tolist()


def confusions(true: np.ndarray, predicted: np.ndarray, top: int = CONFUSIONS) -> list[Confusion]:
    """The `top` most frequent (true, predicted) pairs with true != predicted."""
    counts = np.zeros((10, 10), dtype=np.int64)
    np.add.at(counts, (true, predicted), 1)
    np.fill_diagonal(counts, 0)
    totals = np.bincount(true, minlength=10)
    order = np.argsort(-counts, axis=None, kind="stable")[:top]
    pairs = [np.unravel_index(i, counts.shape) for i in order]
    return [Confusion(int(a), int(b), int(counts[a, b]), float(counts[a, b] / totals[a]))
            for a, b in pairs if counts[a, b]]


def per_class_accuracy(true: np.ndarray, predicted: np.ndarray) -> list[float]:
    """Share of each digit's images predicted as that digit (NaN for an absent digit)."""
    return [float(np.mean(predicted[true == y] == y)) if np.any(true == y) else float("nan")
            for y in range(10)]


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """|m_a - m_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between Gaussians fitted to the rows
    of a and b. tr (S_a S_b)^(1/2) is the sum of the square roots of the eigenvalues of the
    symmetric S_a^(1/2) S_b S_a^(1/2), which avoids a non-symmetric matrix square root."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(cross, 0, None)).sum()
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
                 - 2 * trace_root)


def path_reading(start: int, end: int, classes: list[int], frames: np.ndarray) -> PathReading:
    """The class sequence along one path and its largest step; frames are (T, pixels)."""
    steps = np.linalg.norm(np.diff(frames.reshape(len(frames), -1), axis=0), axis=1)
    others: list[int] = []
    for c in classes:
        if c not in (start, end) and c not in others:
            others.append(c)
    return PathReading(
        start=start, end=end, classes=list(classes),
        changes=digit_changes(classes),
        others=others, jump=float(steps.max() / steps.mean()) if steps.mean() > 0 else 1.0)


def neighbour_vote(z: np.ndarray, labels: np.ndarray, k: int = NEIGHBOURS,
                   chunk: int = 1000) -> np.ndarray:
    """Each point's label as predicted by the majority of its k nearest other points
    (Euclidean; ties go to the smaller digit)."""
    points = torch.from_numpy(z.astype(np.float64))
    votes = []
    for start in range(0, len(points), chunk):
        dist = torch.cdist(points[start:start + chunk], points)
        rows = torch.arange(start, min(start + chunk, len(points)))
        dist[rows - start, rows] = float("inf")  # leave the point itself out
        nearest = dist.topk(k, largest=False).indices.numpy()
        counts = np.apply_along_axis(np.bincount, 1, labels[nearest], minlength=10)
        votes.append(counts.argmax(1))
    return np.concatenate(votes)


# -- readings of a model ------------------------------------------------------------------------

def classify(classifier: DigitClassifier, images: torch.Tensor) -> tuple[np.ndarray, np.ndarray,
                                                                        np.ndarray]:
    """Predicted digit, its probability and the feature vector of float images."""
    probs, features = read_images(classifier, images)
    top, digit = probs.max(1)
    return digit.numpy(), top.numpy(), features.numpy()


@torch.inference_mode()
def reconstruction_reading(model: VAE, classifier: DigitClassifier, split: Split, shown: Split,
                           batch_size: int = 1000) -> Reconstructions:
    """Reconstructions of split, and of the images in the figure (the first of each class of
    the split `shown` they are drawn from)."""
    recon = torch.cat([model.reconstruct(x) for x in batches(split.images, batch_size)])
    predicted, _, _ = classify(classifier, recon)
    true = split.labels.numpy()
    figure = to_float(shown.images[list(first_of_each_class(shown.labels).values())])
    in_figure, _, _ = classify(classifier, model.reconstruct(figure))
    return Reconstructions(len(true), float(np.mean(predicted == true)),
                           per_class_accuracy(true, predicted), confusions(true, predicted),
                           in_figure.tolist())


@torch.inference_mode()
def sample_reading(model: VAE, classifier: DigitClassifier, seed: int, count: int,
                   test_features: np.ndarray) -> Samples:
    predicted, top, features = classify(classifier, model.generate(
        prior_draws(model.latent_dim, count, seed)))
    return Samples(count, class_shares(predicted), float(np.mean(top >= CONFIDENT)),
                   frechet_distance(test_features, features))


@torch.inference_mode()
def path_readings(model: VAE, classifier: DigitClassifier, test: Split, spherical: bool,
                  indices: list[tuple[int, int]] | None = None) -> list[PathReading]:
    """The classifier's digit in every frame of the interpolation paths, straight or spherical:
    the figure's, or those between the pairs of test images `indices`."""
    paths = interpolations(model, test, spherical, indices)
    found = []
    for (a, b), frames in zip(paths.pairs, paths.decoded):
        classes, _, _ = classify(classifier, frames)
        found.append(path_reading(a, b, classes.tolist(), frames.numpy()))
    return found


@torch.inference_mode()
def model_readings(run: Run, classifier: DigitClassifier, train: Split, subset: Split,
                   test: Split, test_features: np.ndarray) -> ModelReadings:
    """All readings of one run; subset is the training images it reconstructs (and as many
    prior samples are drawn), train the whole training set (the figure's images come from it)."""
    model = run.load_model()
    manifold = None
    if drawn_directly(model.latent_dim):
        grid, _, _ = classify(classifier, model.generate(manifold_grid(model.latent_dim)))
        manifold = ManifoldReading(grid.tolist(), [y for y in range(10) if y not in grid])
    labels = test.labels.numpy()
    vote = neighbour_vote(encode_means(model, test.images).numpy(), labels)
    return ModelReadings(
        name=run.cfg.name, seed=run.cfg.seed, run_hash=run.hash,
        train=reconstruction_reading(model, classifier, subset, train),
        test=reconstruction_reading(model, classifier, test, test),
        samples=sample_reading(model, classifier, run.cfg.seed, len(subset), test_features),
        linear_paths=path_readings(model, classifier, test, spherical=False),
        spherical_paths=path_readings(model, classifier, test, spherical=True),
        random_linear=path_readings(model, classifier, test, False, random_pairs(test.labels)),
        random_spherical=path_readings(model, classifier, test, True, random_pairs(test.labels)),
        manifold=manifold,
        neighbours=Neighbours(NEIGHBOURS, float(np.mean(vote == labels)),
                              per_class_accuracy(labels, vote), confusions(labels, vote)),
        information=(mutual_information(model, test.images)
                     if drawn_directly(model.latent_dim) else None),
        marginal=(marginal(model, test.images[subset_indices(len(test), run.cfg.iwae_images)])
                  if drawn_directly(model.latent_dim) else None))


def training_subset(train: Split, count: int = IMAGES) -> Split:
    """count training images drawn uniformly by SUBSET_SEED, the same for every model."""
    index = torch.from_numpy(np.random.default_rng(SUBSET_SEED)
                             .permutation(len(train))[:count])
    return Split(train.images[index], train.labels[index])


def _common(runs: list[Run], key: str, differ: str) -> int | None:
    """The config value `key` that every run shares (None without runs): every model is read
    on the same images."""
    values = {getattr(run.cfg, key) for run in runs}
    if len(values) > 1:
        raise VaeError(f"the runs to measure {differ} ({key} {sorted(values)}); measure them "
                       f"separately or give them one {key}")
    return values.pop() if values else None


def evaluated_test_set(runs: list[Run], test: Split) -> Split:
    """The test images the runs were evaluated on (evaluate.evaluated)."""
    return limited(test, _common(runs, "test_limit", "were evaluated on different test sets") or 0)


def trained_on(runs: list[Run], train: Split) -> Split:
    """The training images the runs were trained on (data.trained_images)."""
    size = _common(runs, "validation", "held out different validation sets")
    limit = _common(runs, "train_limit", "trained on different numbers of images")
    return train if size is None else trained_images(train, size, limit or 0)


@dataclass(frozen=True)
class Inputs:
    """What every model is read against: the classifier, the training images the runs were
    trained on, the subset of them that is reconstructed, the test images, and the classifier's
    features of those."""

    classifier: DigitClassifier
    train: Split
    subset: Split
    test: Split
    test_top: np.ndarray  # the classifier's probability of its digit, per test image
    test_features: np.ndarray


def read_against(classifier: DigitClassifier, runs: list[Run], train: Split,
                 test: Split) -> Inputs:
    """The Inputs of these runs, read by this classifier."""
    test = evaluated_test_set(runs, test)
    train = trained_on(runs, train)
    _, test_top, test_features = classify(classifier, to_float(test.images))
    return Inputs(classifier, train, training_subset(train, min(IMAGES, len(test))), test,
                  test_top, test_features)


_inputs: Inputs | None = None  # a measuring worker's, from _start_worker


def _start_worker(runs: list[Run], runs_root: str, train: Split, test: Split) -> None:
    global _inputs
    classifier, _ = trained_classifier(ClassifierConfig(), train, test, runs_root, progress=False)
    _inputs = read_against(classifier, runs, train, test)


def _read_run(run: Run, inputs: Inputs | None = None) -> ModelReadings:
    """One run's readings against inputs (None: in a worker, the worker's)."""
    inputs = inputs or _inputs
    assert inputs is not None
    return model_readings(run, inputs.classifier, inputs.train, inputs.subset, inputs.test,
                          inputs.test_features)


def reusable(out: str | Path, header: Measurements) -> dict[tuple[str, str], ModelReadings]:
    """The readings in out that measuring again would repeat, by config name and run hash: those
    of a file made by this code, with this classifier, on the same data (its readings of real
    images and its baselines equal `header`'s). A run is read in a process of its own with one
    thread, so its readings do not depend on which other runs are read beside it."""
    try:
        previous = read_measurements(out)
    except VaeError:  # missing, damaged or of another version: measure everything
        return {}
    if dataclasses.replace(previous, models=[]) != header:
        return {}
    return {(m.name, m.run_hash): m for m in previous.models}


def measure(runs: list[Run], runs_root: str | Path, train: Split, test: Split,
            out: str | Path, progress: bool = True, log: Callable[[str], None] = print,
            jobs: int | None = None) -> Measurements:
    """Measurements of every run (finished, and of grey-level images: freshness.measured_runs)
    into out, with the digit classifier trained first if its folder is missing. The runs are
    read `jobs` at a time (default: one per core), each in a process of one thread, so that
    the numbers do not depend on how many cores read them; a run whose readings out already
    holds (reusable) is not read again."""
    for run in runs:
        run.read_results()  # refuses an unfinished run before anything is measured
    classifier, trained = trained_classifier(ClassifierConfig(), train, test, runs_root,
                                             progress, log)
    with torch_threads(1):
        common = read_against(classifier, runs, train, test)
        _, _, train_features = classify(common.classifier, to_float(common.subset.images))
    header = Measurements(
        classifier=trained, code=code_digest(MEASURER), train_images=len(common.subset),
        confident_at=CONFIDENT,
        test_confident=float(np.mean(common.test_top >= CONFIDENT)),
        train_test_frechet=frechet_distance(common.test_features, train_features),
        baselines=baselines(common.train.images, common.test.images), models=[])
    kept = reusable(out, header)
    todo = [run for run in runs if (run.cfg.name, run.hash) not in kept]
    workers = max(1, min(jobs or default_jobs(), len(todo)))
    log(f"measuring reconstructions, samples, paths and the latent space of {len(todo)} runs, "
        f"{workers} at a time" + (f" ({len(runs) - len(todo)} read before, unchanged)"
                                   if len(todo) < len(runs) else ""))
    new: dict[tuple[str, str], ModelReadings] = {}
    with ExitStack() as stack:
        if workers == 1:  # here, as a worker would
            stack.enter_context(torch_threads(1))
            found = map(functools.partial(_read_run, inputs=common), todo)
        else:
            found = stack.enter_context(one_thread_pool(
                workers, _start_worker, (todo, str(runs_root), train, test))).map(_read_run, todo)
        for run, reading in zip(todo, found):
            new[run.cfg.name, run.hash] = reading
            log(f"[{len(new)}/{len(todo)} measured] {run.cfg.label}")
    readings = [kept.get((run.cfg.name, run.hash)) or new[run.cfg.name, run.hash]
                for run in runs]
    result = dataclasses.replace(header, models=readings)
    write_record(out, result)
    log(f"wrote {out}")
    return result
