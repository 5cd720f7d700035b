"""MNIST's IDX files in and out, every kind of damaged file, and the seeded batching."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import idx_bytes, synthetic_digits, write_mnist
from vae import VaeError
from vae.core.data import (
    ALL_FILES,
    IMAGES_MAGIC,
    LABELS_MAGIC,
    batches,
    binarize_fixed,
    load_split,
    num_batches,
    raw_dir,
    read_idx,
)

IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"


def write_split(root: Path, images: np.ndarray, labels: np.ndarray, gz: bool = False,
                images_magic: int = IMAGES_MAGIC, labels_magic: int = LABELS_MAGIC) -> Path:
    """Write the training pair under root/MNIST/raw; return root."""
    raw = raw_dir(root)
    raw.mkdir(parents=True, exist_ok=True)
    for stem, data in ((IMAGES, idx_bytes(images, images_magic)),
                       (LABELS, idx_bytes(labels, labels_magic))):
        if gz:
            (raw / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (raw / stem).write_bytes(data)
    return root


def full_range(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images using every byte value 0..255 (so a signed or scaled read shows) and labels 0..9."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[0, 0, :2] = (0, 255)
    labels = (np.arange(n) % 10).astype(np.uint8)
    return images, labels


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "plain"])
def test_round_trip_of_the_conftest_files(tmp_path, gz):
    root = write_mnist(tmp_path, n_train=37, n_test=11, gz=gz)
    suffix = ".gz" if gz else ""
    assert (raw_dir(root) / f"{IMAGES}{suffix}").is_file()
    for split, n, seed in (("train", 37, 0), ("test", 11, 1)):
        s = load_split(root, split, download=False)
        images, labels = synthetic_digits(n, seed)
        assert s.images.dtype == torch.uint8 and s.labels.dtype == torch.int64
        assert s.images.shape == (n, 28, 28) and s.labels.shape == (n,)
        assert len(s) == n
        np.testing.assert_array_equal(s.images.numpy(), images)
        np.testing.assert_array_equal(s.labels.numpy(), labels)


@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "plain"])
def test_round_trip_of_every_byte_value(tmp_path, gz):
    images, labels = full_range(25)
    root = write_split(tmp_path, images, labels, gz=gz)
    s = load_split(root, "train", download=False)
    np.testing.assert_array_equal(s.images.numpy(), images)
    np.testing.assert_array_equal(s.labels.numpy(), labels.astype(np.int64))
    assert int(s.images.max()) == 255 and int(s.images.min()) == 0


def test_read_idx_reads_one_file(tmp_path):
    images, _ = full_range(3)
    path = tmp_path / "x"
    path.write_bytes(gzip.compress(idx_bytes(images, IMAGES_MAGIC)))
    np.testing.assert_array_equal(read_idx(path, IMAGES_MAGIC), images)


# --- damaged files -------------------------------------------------------------------------


def _damage(kind: str, root: Path) -> tuple[list[Path], tuple[str, ...]]:
    """Write a training pair damaged in one way; return the files the message must name and
    words it must contain."""
    images, labels = full_range(10)
    raw = raw_dir(root)
    img, lab = raw / IMAGES, raw / LABELS
    if kind == "bad magic (images)":
        write_split(root, images, labels, images_magic=LABELS_MAGIC)
        return [img], ("magic", str(LABELS_MAGIC), str(IMAGES_MAGIC))
    if kind == "bad magic (labels)":
        write_split(root, images, labels, labels_magic=0x0803)  # a 3-d IDX where 1-d belongs
        return [lab], ("magic", str(LABELS_MAGIC))
    write_split(root, images, labels)
    if kind == "truncated":
        img.write_bytes(img.read_bytes()[:-100])
        return [img], ("truncated",)
    if kind == "padded":
        lab.write_bytes(lab.read_bytes() + b"\0\0\0")
        return [lab], ("padded",)
    if kind == "count mismatch":
        lab.write_bytes(idx_bytes(labels[:9], LABELS_MAGIC))
        return [img, lab], ("10 images", "9 labels")
    if kind == "label out of range":
        bad = labels.copy()
        bad[6] = 11
        lab.write_bytes(idx_bytes(bad, LABELS_MAGIC))
        return [lab], ("11", "0..9")
    if kind == "wrong image shape":
        img.write_bytes(idx_bytes(images[:, :, :27], IMAGES_MAGIC))
        return [img], ("28 x 28", "27")
    if kind == "shorter than a header":
        img.write_bytes(img.read_bytes()[:5])
        return [img], ("truncated", "header")
    if kind == "cut inside the header":
        img.write_bytes(img.read_bytes()[:12])  # magic and count, half the dimensions
        return [img], ("truncated",)
    if kind == "empty file":
        lab.write_bytes(b"")
        return [lab], ("truncated",)
    raise AssertionError(kind)


DAMAGE = ["bad magic (images)", "bad magic (labels)", "truncated", "padded", "count mismatch",
          "label out of range", "wrong image shape", "shorter than a header",
          "cut inside the header", "empty file"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_file_names_file_and_problem(tmp_path, kind):
    files, words = _damage(kind, tmp_path)
    with pytest.raises(VaeError) as err:
        load_split(tmp_path, "train", download=False)
    message = str(err.value)
    for path in files:
        assert str(path) in message, message
    for word in words:
        assert word in message, message


def _gzip_damage(kind: str, data: bytes) -> bytes:
    packed = gzip.compress(data)
    if kind == "cut stream":
        return packed[:len(packed) // 2]
    if kind == "wrong checksum":
        return packed[:-8] + bytes(b ^ 0xFF for b in packed[-8:-4]) + packed[-4:]
    if kind == "garbage deflate data":
        return packed[:10] + b"\x00garbage" * 20 + packed[-8:]
    if kind == "bad header flags":
        return packed[:3] + b"\xff" + packed[4:]
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["cut stream", "wrong checksum", "garbage deflate data",
                                  "bad header flags"])
def test_corrupt_gzip_names_the_file(tmp_path, kind):
    images, labels = full_range(10)
    root = write_split(tmp_path, images, labels, gz=True)
    path = raw_dir(root) / f"{IMAGES}.gz"
    path.write_bytes(_gzip_damage(kind, idx_bytes(images, IMAGES_MAGIC)))
    with pytest.raises(VaeError) as err:
        load_split(root, "train", download=False)
    assert str(path) in str(err.value)
    assert "intact copy" in str(err.value)


# --- missing files -------------------------------------------------------------------------


@pytest.mark.parametrize("present", ["nothing", "images only"])
def test_missing_files_without_network(tmp_path, offline, present):
    data = tmp_path / "data"
    if present == "images only":
        images, labels = full_range(3)
        write_split(data, images, labels)
        (raw_dir(data) / LABELS).unlink()
    with pytest.raises(VaeError) as err:
        load_split(data, "train")
    message = str(err.value)
    assert offline and offline[0].get("download") is True  # a download was attempted
    assert offline[0].get("root") == str(data)
    for name in ALL_FILES:
        assert name in message, message
    assert str(raw_dir(data)) in message
    assert "DATA_DIR" in message
    assert "downloaded" in message


def test_missing_files_with_download_disabled(tmp_path, offline):
    with pytest.raises(VaeError) as err:
        load_split(tmp_path / "empty", "test", download=False)
    assert str(raw_dir(tmp_path / "empty")) in str(err.value)
    assert not offline  # no download attempted


def test_present_files_need_no_download(tmp_path, offline):
    root = write_mnist(tmp_path, n_train=5, n_test=5)
    assert len(load_split(root, "test")) == 5
    assert not offline


# --- batching ------------------------------------------------------------------------------


def indexed_images(n: int) -> torch.Tensor:
    """Image i has every pixel equal to i (n <= 256), so a batch tells which images it holds."""
    assert n <= 256
    return torch.arange(n, dtype=torch.uint8)[:, None, None].expand(n, 28, 28).contiguous()


def indices(batch: torch.Tensor) -> list[int]:
    """The image numbers in a batch of indexed images (checking each image is uniform)."""
    assert torch.equal(batch, batch[:, :, :1, :1].expand_as(batch))
    return (batch[:, 0, 0, 0] * 255).round().long().tolist()


def epoch_order(images, batch_size, generator=None) -> list[int]:
    return [i for x in batches(images, batch_size, generator) for i in indices(x)]


@pytest.mark.parametrize("generator", [None, 7], ids=["sequential", "shuffled"])
def test_every_image_once_per_epoch_with_a_partial_last_batch(generator):
    n, size = 250, 32
    images = indexed_images(n)
    g = torch.Generator().manual_seed(generator) if generator is not None else None
    for _ in range(2):  # two epochs from one generator
        out = list(batches(images, size, g))
        assert len(out) == num_batches(n, size) == 8
        assert [len(x) for x in out] == [32] * 7 + [250 - 7 * 32]
        seen = [i for x in out for i in indices(x)]
        assert sorted(seen) == list(range(n))


def test_batch_values_dtype_and_shape():
    images, _ = full_range(70)
    images = torch.from_numpy(images)
    out = list(batches(images, 32, torch.Generator().manual_seed(0)))
    for x in out:
        assert x.dtype == torch.float32
        assert x.shape[1:] == (1, 28, 28)
        assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    everything = torch.cat(out)
    assert float(everything.max()) == 1.0 and float(everything.min()) == 0.0
    # the scale of torchvision's ToTensor: byte / 255
    sequential = torch.cat(list(batches(images, 32)))
    assert torch.allclose(sequential[:, 0], images.float() / 255, atol=0, rtol=1e-6)


def test_batches_leave_the_dataset_unchanged():
    images = torch.from_numpy(full_range(40)[0])
    before = images.clone()
    for _ in batches(images, 16, torch.Generator().manual_seed(1), binarize=True):
        pass
    assert torch.equal(images, before)


def test_no_generator_means_sequential_order():
    assert epoch_order(indexed_images(100), 32) == list(range(100))


def test_shuffle_is_seeded():
    images = indexed_images(200)
    a = torch.Generator().manual_seed(123)
    b = torch.Generator().manual_seed(123)
    c = torch.Generator().manual_seed(124)
    first_a, first_b, first_c = (epoch_order(images, 16, g) for g in (a, b, c))
    assert first_a == first_b  # one seed, one order
    assert first_a != list(range(200))  # it is shuffled
    assert first_a != first_c  # another seed, another order
    second_a, second_b = epoch_order(images, 16, a), epoch_order(images, 16, b)
    assert second_a == second_b
    assert second_a != first_a  # every epoch a fresh permutation


def test_binarize_samples_bernoulli_pixels():
    n = 64
    black, white = torch.zeros(n, 28, 28, dtype=torch.uint8), torch.full((n, 28, 28), 255,
                                                                         dtype=torch.uint8)
    grey = torch.full((n, 28, 28), 128, dtype=torch.uint8)
    g = torch.Generator().manual_seed(0)
    for images, expect in ((black, 0.0), (white, 1.0)):
        x = torch.cat(list(batches(images, 32, g, binarize=True)))
        assert torch.all(x == expect)
    x = torch.cat(list(batches(grey, 32, g, binarize=True)))
    assert set(x.unique().tolist()) == {0.0, 1.0}
    # p = 128/255: 50176 draws put the mean within 0.02 of it with overwhelming probability
    assert abs(float(x.mean()) - 128 / 255) < 0.02
    assert x.dtype == torch.float32 and x.shape == (n, 1, 28, 28)


def test_binarize_is_seeded():
    images = torch.from_numpy(full_range(50)[0])

    def draw(seed):
        return torch.cat(list(batches(images, 16, torch.Generator().manual_seed(seed),
                                      binarize=True)))
    assert torch.equal(draw(3), draw(3))
    assert not torch.equal(draw(3), draw(4))


def test_binarize_fixed():
    images = torch.from_numpy(full_range(30)[0])
    a, b, c = binarize_fixed(images, 420), binarize_fixed(images, 420), binarize_fixed(images, 421)
    assert a.dtype == torch.uint8 and a.shape == images.shape
    assert set(a.unique().tolist()) == {0, 255}
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert torch.all(a[images == 0] == 0) and torch.all(a[images == 255] == 255)
    # it does not consume the global RNG (evaluation must not shift training's random draws)
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    binarize_fixed(images, 1)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("n,size,expected", [(0, 4, 0), (1, 4, 1), (8, 4, 2), (9, 4, 3)])
def test_num_batches(n, size, expected):
    assert num_batches(n, size) == expected
    assert len(list(batches(indexed_images(n) if n else torch.zeros(0, 28, 28, dtype=torch.uint8),
                            size))) == expected


def test_batches_stay_on_the_device_of_the_images_and_binarise_alike():
    """The GPU path cuts batches where the images live; its draws come from the CPU generator,
    so a dataset on any device gives the same binarised batches."""
    images = torch.from_numpy(full_range(50)[0])
    meta = list(batches(images.to("meta"), 16))
    assert all(x.device.type == "meta" and x.dtype == torch.float32 for x in meta)

    def draw(source):
        return torch.cat(list(batches(source, 16, torch.Generator().manual_seed(5),
                                      binarize=True)))
    assert torch.equal(draw(images), draw(images.clone()))


def test_the_validation_images_are_a_fixed_uniform_draw_apart_from_those_trained_on():
    from vae.core.data import Split, held_out
    train = Split(torch.zeros(1000, 28, 28, dtype=torch.uint8), torch.arange(1000))
    fitted, valid = held_out(train, 100)
    assert (len(fitted), len(valid)) == (900, 100)
    assert not set(fitted.labels.tolist()) & set(valid.labels.tolist())  # disjoint, and all
    assert sorted(fitted.labels.tolist() + valid.labels.tolist()) == list(range(1000))
    assert torch.equal(valid.labels, held_out(train, 100)[1].labels)  # every run, every seed
    assert 30 < int((valid.labels >= 500).sum()) < 70  # from the whole set, not its end
    with pytest.raises(VaeError, match="hold out 1000 of the 1000 training images"):
        held_out(train, 1000)


def test_a_run_trains_on_the_split_less_its_validation_images_then_its_limit():
    from types import SimpleNamespace

    from vae.core.data import Split, held_out, trained_images
    from vae.instrument.readings import trained_on
    images = torch.arange(50, dtype=torch.uint8)[:, None, None].expand(50, 28, 28)
    train = Split(images, torch.arange(50) % 10)
    trained = {int(x[0, 0]) for x in trained_images(train, 10, 0).images}
    held = {int(x[0, 0]) for x in held_out(train, 10)[1].images}
    assert len(trained) == 40 and not trained & held
    assert torch.equal(trained_images(train, 10, 5).images, trained_images(train, 10, 0).images[:5])
    # the measurements read the same images, limit included
    runs = [SimpleNamespace(cfg=SimpleNamespace(validation=10, train_limit=5))] * 2
    assert torch.equal(trained_on(runs, train).images, trained_images(train, 10, 5).images)
    runs.append(SimpleNamespace(cfg=SimpleNamespace(validation=10, train_limit=7)))
    with pytest.raises(VaeError, match="trained on different numbers of images"):
        trained_on(runs, train)

