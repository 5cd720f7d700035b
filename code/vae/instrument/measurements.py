"""The instrument's files: the digit classifier's folder, runs/classifier-<hash>/ with its
classifier.json, and measurements.json, what the classifier read in every model's images
(written by readings.py, read by the report's summary without torch). Shares are fractions in
[0, 1]; lists indexed by digit have ten entries."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from ..core.cache_keys import code_digest
from ..core.records import read_record

# The modules whose import closures key the classifier's folder and the measurements' digest.
CLASSIFIER = "vae.instrument.classifier"
MEASURER = "vae.instrument.readings"
CLASSIFIER_RESULTS = "classifier.json"  # in the classifier's folder, written last
# A code of at most this many dimensions is shown as it is (a line or a plane, with the images
# decoded along it) and its information I(x; z) estimated; larger codes are projected (t-SNE)
# and shown by their KL per dimension.
DRAWN_DIMS = 2


def drawn_directly(latent_dim: int) -> bool:
    return latent_dim <= DRAWN_DIMS


@dataclass(frozen=True)
class ClassifierConfig:
    seed: int = 420
    epochs: int = 4
    batch_size: int = 128
    lr: float = 2e-3  # at the start; it falls to zero along a cosine
    channels: int = 32  # of the first convolution, doubled in the second
    features: int = 128  # width of the layer whose activations the Frechet distance compares


def classifier_hash(cfg: ClassifierConfig) -> str:
    blob = json.dumps(asdict(cfg), sort_keys=True) + code_digest(CLASSIFIER)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def classifier_dir(cfg: ClassifierConfig, runs_root: str | Path) -> Path:
    return Path(runs_root) / f"classifier-{classifier_hash(cfg)}"


def digit_changes(classes: list[int]) -> int:
    """How often the digit read along a path or a line of images changes from one to the next."""
    return sum(1 for a, b in zip(classes, classes[1:]) if a != b)


@dataclass(frozen=True)
class ClassifierResults:
    classifier_hash: str
    config: ClassifierConfig
    train_images: int
    test_images: int
    test_accuracy: float
    train_seconds: float


@dataclass(frozen=True)
class Confusion:
    """Images of digit `true` that came out as `predicted`; share of the true class's images."""

    true: int
    predicted: int
    count: int
    share: float


@dataclass(frozen=True)
class Reconstructions:
    """Reconstructions at the posterior mean, classified against the input's label."""

    images: int
    accuracy: float
    per_class: list[float]
    confusions: list[Confusion]  # the most frequent, largest first
    shown: list[int]  # the digit read in each reconstruction of the figure (one per class)


@dataclass(frozen=True)
class Samples:
    """Decoder means of draws from the prior, as the classifier sees them."""

    images: int
    shares: list[float]  # of the samples classified as each digit
    confident: float  # classified with probability >= Measurements.confident_at
    frechet: float  # between classifier features of the test images and of the samples


@dataclass(frozen=True)
class PathReading:
    """One interpolation path, from an image of class `start` to one of class `end`."""

    start: int
    end: int
    classes: list[int]  # the classifier's digit for each decoded frame
    changes: int  # frames whose digit differs from the one before
    others: list[int]  # digits on the way that are neither end, in order of appearance
    jump: float  # largest pixel distance between neighbouring frames over the mean one


@dataclass(frozen=True)
class ManifoldReading:
    """The decoded grid of the manifold figure (1-D or 2-D codes only)."""

    classes: list[int]  # in the figure's reading order
    missing: list[int]  # digits that appear nowhere on the grid


@dataclass(frozen=True)
class Neighbours:
    """Leave-one-out k-nearest-neighbour vote among the test images' posterior means: how well
    the code separates the classes without being trained to."""

    k: int
    accuracy: float
    per_class: list[float]
    confusions: list[Confusion]


@dataclass(frozen=True)
class Information:
    """I(x; z) between a test image, drawn uniformly from the test set, and its code z ~ q(z|x),
    and the upper bound E_x KL(q(z|x) || p(z)) = I(x; z) + KL(q(z) || p(z)) on it."""

    images: int  # N, the test images; q(z) is their mixture (1/N) sum_n q(z | x_n)
    samples: int  # codes drawn per image
    estimate: float  # Monte Carlo mean of log q(z|x) - log q(z), nats; never above log N
    stderr: float  # over images, of the per-image means
    kl: float  # E_x KL(q(z|x) || p(z)) on the same images: I(x; z) is at most this

    @property
    def ceiling(self) -> float:
        """log N: the estimate's own upper limit."""
        return math.log(self.images)


@dataclass(frozen=True)
class Marginal:
    """-log p(x), p(x) = integral p(x|z) p(z) dz, by quadrature on the IWAE's test images
    (marginal.py): what the -ELBO and the IWAE value bound from above, for codes of one or
    two dimensions. Errors in nats per image, the worst over the images."""

    images: int
    half_width: float  # of the box [-H, H]^d the grid covers
    points: int  # per axis
    nll: float  # mean over the images
    discretisation: float  # estimated from the sums at steps h and 2h
    truncation: float  # bound on what the integral outside the box adds
    edge: float  # what the box's outer band adds (marginal.EDGE): mass still at the border


@dataclass(frozen=True)
class Baselines:
    """Where the grey-level test -ELBO of any model lies, from the data alone (baselines.py),
    nats per image, means over the test images."""

    images: int
    floor: float  # the summed binary entropy of the pixels: no model scores below it
    independent: float  # a decoder that ignores z: the training set's pixel means


@dataclass(frozen=True)
class ModelReadings:
    name: str
    seed: int
    run_hash: str
    train: Reconstructions
    test: Reconstructions
    samples: Samples
    linear_paths: list[PathReading]  # the figure's: straight lines between the codes of the ends
    spherical_paths: list[PathReading]  # great circles between the same codes
    random_linear: list[PathReading]  # between latent_paths.random_pairs, what the bonus counts
    random_spherical: list[PathReading]
    manifold: ManifoldReading | None
    neighbours: Neighbours
    information: Information | None  # codes of one or two dimensions only
    marginal: Marginal | None  # likewise


@dataclass(frozen=True)
class Measurements:
    classifier: ClassifierResults
    code: str  # digest of the measuring code
    train_images: int  # the seeded random training subset that is reconstructed
    confident_at: float  # the top-class probability from which a sample counts as a clear digit
    test_confident: float  # the confident share on real test images, for reference
    train_test_frechet: float  # between training subset and test set: the floor of real data
    baselines: Baselines
    models: list[ModelReadings]


def read_measurements(path: str | Path) -> Measurements:
    return read_record(Measurements, path, "measure")
