"""make bench's measurement on tiny data: every pipeline runs and the JSON has its keys."""

from __future__ import annotations

import pytest

from conftest import TINY
from vae.bench import run_bench
from vae.config import Config
from vae.data import load_split


def test_bench_measures_three_pipelines(data_dir):
    cfg = Config(**TINY)
    result = run_bench(cfg, load_split(data_dir, "train"), data_dir, steps=6, warmup=2, workers=2)
    for key in ("images_per_s", "notebook_images_per_s", "ceiling_images_per_s"):
        assert result[key] > 0
    assert result["speedup"] == pytest.approx(result["images_per_s"] / result["notebook_images_per_s"])
    assert result["fraction_of_ceiling"] == pytest.approx(
        result["images_per_s"] / result["ceiling_images_per_s"])
    assert result["steps"] == 6 and result["batch_size"] == cfg.batch_size


def test_bench_reads_plain_idx_files_too(tmp_path):
    from conftest import write_mnist
    data = write_mnist(tmp_path / "plain", gz=False)
    result = run_bench(Config(**TINY), load_split(data, "train"), data, steps=2, warmup=1,
                       workers=0)
    assert result["notebook_images_per_s"] > 0
