"""Figures: every file is written as PDF + PNG of the right size, deterministically."""

from __future__ import annotations

import dataclasses
import inspect
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import TINY
from vae import VaeError
from vae.core.config import Config
from vae.core.data import batches, limited, load_split
from vae.core.evaluate import evaluated
from vae.core.losses import kl_to_prior
from vae.core.model import VAE
from vae.core.runs import Run
from vae.core.train import train
from vae.instrument.classifier import trained_classifier
from vae.instrument.latent_paths import interpolate, prior_quantiles
from vae.instrument.measurements import ClassifierConfig
from vae.report.convergence_figure import plot_convergence
from vae.report.digit_figures import (plot_reconstructions, plot_samples, prior,
                                      shown_reconstructions)
from vae.report.figure_stamps import FIGURES, STUDY, STUDY_FIGURES, report_figures
from vae.report.figures import draw_stale, drawing
from vae.report.images import show_digits
from vae.report.latent_figures import (
    kl_per_dimension,
    plot_interpolation,
    plot_latent,
    plot_manifold,
    plot_units,
    quantile_label,
    spread_apart,
)
from vae.report.style import FULL, PANEL, PNG_DPI, RIDGES, figure, grouped, save
from vae.report.training_figure import plot_training


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def pdf_size_inches(path: Path) -> tuple[float, float]:
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", path.read_bytes())
    assert box, f"{path} has no MediaBox"
    return float(box[1]) / 72, float(box[2]) / 72


def check_pair(paths: list[Path]) -> tuple[float, float]:
    """A non-empty PDF and a PNG preview of the same size at PNG_DPI; the size in inches."""
    pdf, png = paths
    assert pdf.suffix == ".pdf" and png == pdf.with_suffix(".png")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    # Text in embedded TrueType fonts (extractable), never in Type 3 fonts (drawn glyphs), and
    # only in Computer Modern, the body's design: no glyph falls back to STIX or DejaVu.
    assert b"/FontFile2" in pdf.read_bytes() and b"/Type3" not in pdf.read_bytes()
    fonts = set(re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([\w-]+)", pdf.read_bytes()))
    assert fonts and all(f.lower().startswith(b"cm") for f in fonts), (pdf.name, fonts)
    assert png.read_bytes().startswith(b"\x89PNG")
    width, height = pdf_size_inches(pdf)
    for pixels, inches in zip(png_size(png), (width, height)):  # MediaBox is in whole points
        assert abs(pixels - inches * PNG_DPI) <= 1
    return width, height


@pytest.fixture(scope="module")
def tiny(tiny_run):
    runs, data = tiny_run
    run = Run(Config(**TINY), runs)
    cfg, model = run.cfg, run.load_model()
    train_split, test_split = load_split(data, "train"), load_split(data, "test")
    classifier, _ = trained_classifier(ClassifierConfig(), train_split, test_split, runs,
                                       progress=False, log=lambda _: None)
    return (run, cfg, model, limited(train_split, cfg.train_limit), evaluated(test_split, cfg),
            classifier)


@pytest.fixture(scope="module")
def study(tiny_run, tmp_path_factory):
    """The tiny run plus tiny runs with a 1-D and a 3-D latent, in one runs folder."""
    runs, data = tiny_run
    root = tmp_path_factory.mktemp("study") / "runs"
    main = Config(**TINY)
    shutil.copytree(Run(main, runs).dir, Run(main, root).dir)
    variants = [Config(**{**TINY, "latent_dim": d, "name": f"tiny{d}d"}) for d in (1, 3)]
    train_split, test_split = load_split(data, "train"), load_split(data, "test")
    for cfg in variants:
        train(cfg, train_split, test_split, root, progress=False, log=lambda _: None)
    return main, variants, root, data


def test_each_figure_writes_a_pdf_and_a_png_of_its_size(tiny, tmp_path):
    run, cfg, model, train_split, test_split, classifier = tiny
    drawn = {
        "training": plot_training([run], tmp_path / "training.pdf"),
        "reconstructions": plot_reconstructions(model, train_split, test_split, classifier,
                                                tmp_path / "reconstructions.pdf"),
        "samples": plot_samples(model, cfg.seed, tmp_path / "samples.pdf"),
        "manifold": plot_manifold(model, tmp_path / "manifold.pdf"),
        "latent": plot_latent(model, test_split, cfg.seed, tmp_path / "latent.pdf"),
        "interpolation": plot_interpolation(model, test_split, classifier,
                                            tmp_path / "interpolation.pdf"),
        "units": plot_units(model, test_split, "latent16", tmp_path / "units.pdf"),
        "convergence": plot_convergence({"tiny": [run], "again": [run]},
                                        tmp_path / "convergence.pdf"),
    }
    assert set(drawn) == {*FIGURES, *STUDY_FIGURES}  # a figure added to the registry is drawn here
    for name, paths in drawn.items():
        width, _ = check_pair(paths)
        assert width <= FULL + 1e-6, name
    assert png_size(drawn["training"][1])[0] == round(FULL * PNG_DPI)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}.{ext}" for name in drawn for ext in ("pdf", "png"))


def test_every_figure_is_drawn_for_1d_2d_and_3d_latents(study, tmp_path):
    main, variants, runs, data = study
    written = draw_stale(main, variants, runs, data, tmp_path, every=True)
    expected = set()
    for cfg in (main, *variants):
        names = [n for n in FIGURES if n != ("manifold" if cfg.latent_dim > 2 else "units")]
        expected |= {tmp_path / cfg.name / f"{n}.pdf" for n in names}
    expected |= {tmp_path / STUDY / f"{n}.pdf" for n in STUDY_FIGURES}
    expected |= {p.with_suffix(".png") for p in expected}
    assert set(written) == expected and len(written) == len(expected)
    for pdf in sorted(p for p in expected if p.suffix == ".pdf"):
        check_pair([pdf, pdf.with_suffix(".png")])
    for cfg in (main, *variants):  # sized for the report: ridges at full width, scatter at ~0.8
        size = check_pair([tmp_path / cfg.name / f"latent.{ext}" for ext in ("pdf", "png")])
        assert size == pytest.approx(RIDGES if cfg.latent_dim == 1 else PANEL, abs=0.01)


def test_by_default_only_the_figures_the_report_prints_are_drawn(study, tmp_path):
    main, variants, runs, data = study
    shown = report_figures([main, *variants], runs)
    assert set(shown) < {main.name, *(v.name for v in variants)}  # a variant goes without
    written = draw_stale(main, variants, runs, data, tmp_path)
    expected = {tmp_path / name / f"{figure}.{ext}" for name, figures in shown.items()
                for figure in figures for ext in ("pdf", "png")}
    expected |= {tmp_path / STUDY / f"{n}.{ext}" for n in STUDY_FIGURES for ext in ("pdf", "png")}
    assert set(written) == expected
    # the rest, drawn on request, leave the report's figures as they are
    rest = draw_stale(main, variants, runs, data, tmp_path, every=True)
    assert rest and not set(rest) & expected


def test_figures_are_byte_identical_when_drawn_twice_one_or_two_at_a_time(study, tmp_path):
    main, variants, runs, data = study
    first = draw_stale(main, variants[1:], runs, data, tmp_path / "a", jobs=1, every=True)
    second = draw_stale(main, variants[1:], runs, data, tmp_path / "b", jobs=2, every=True)
    assert [p.relative_to(tmp_path / "a") for p in first] == \
           [p.relative_to(tmp_path / "b") for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between two drawings"


def test_an_unfinished_run_is_named_in_the_error(study, tmp_path):
    main, _, runs, data = study
    unfinished = Config(**{**TINY, "name": "not-trained-yet", "epochs": 3})
    with pytest.raises(VaeError, match="'not-trained-yet seed 420'.*make study"):
        draw_stale(main, [unfinished], runs, data, tmp_path)
    assert not any(tmp_path.iterdir()), "nothing is drawn before every run is found"


def test_digits_are_shown_in_0_1_without_rescaling():
    fig, ax = figure(2.0, width=2.0)
    show_digits(ax, torch.rand(4, 1, 28, 28) * 0.5, ncols=2)
    image = ax.get_images()[0]
    assert image.get_clim() == (0.0, 1.0)
    assert image.get_cmap().name == "gray_r" and image.get_interpolation() == "nearest"


def test_interpolation_starts_and_ends_at_the_endpoints():
    za, zb = torch.randn(3, 2), torch.randn(3, 2)
    t = torch.linspace(0, 1, 5)
    for a, b in ((za, zb), (torch.randn(3, 5), torch.randn(3, 5))):
        for spherical in (False, True):
            path = interpolate(a, b, t, spherical)
            assert path.shape == (3, 5, a.shape[1])
            torch.testing.assert_close(path[:, 0], a)
            torch.testing.assert_close(path[:, -1], b)
    unit_a, unit_b = torch.eye(4)[:1], torch.eye(4)[1:2]  # slerp keeps the norm of unit vectors
    torch.testing.assert_close(interpolate(unit_a, unit_b, t, True).norm(dim=-1),
                               torch.ones(1, 5))
    torch.testing.assert_close(interpolate(unit_a, unit_b, t)[0, 2], (unit_a + unit_b)[0] / 2)


def test_prior_quantiles_are_symmetric_and_centred():
    z = prior_quantiles(20)
    torch.testing.assert_close(z, -z.flip(0))
    assert z[0] == pytest.approx(-1.96, abs=0.01)


def test_titles_name_the_prior_and_the_quantiles():
    assert "(0, 1)" in prior(1) and "(0, I_m)" in prior(2) and "(0, I_m)" in prior(16)
    assert quantile_label(16) == r"$q = (2i-1)/32$ for $i$ from 1 to 16"


def test_labels_are_spread_only_where_they_crowd():
    points = np.array([[0.0, 0.0], [0.01, 0.0], [5.0, 5.0], [0.0, 0.0]])
    moved = spread_apart(points, min_gap=0.5)
    gaps = [np.hypot(*(moved[i] - moved[j])) for i in range(4) for j in range(i + 1, 4)]
    assert min(gaps) >= 0.5 - 1e-9
    assert np.allclose(moved[2], points[2])  # far from the others: untouched
    assert np.allclose(moved[[0, 1, 3]].mean(axis=0), points[[0, 1, 3]].mean(axis=0))


@pytest.mark.parametrize("n, shown", [(999, "999"), (1000, r"$1\,000$"),
                                      (60000, r"$60\,000$"), (5, "5")])
def test_figure_numbers_are_grouped_as_in_the_text(n, shown):
    assert grouped(n) == shown


def test_each_figure_is_drawn_by_the_function_its_stamp_follows():
    """The registry names functions that exist in the modules whose digests key the figures,
    and each takes the output path last."""
    for registered in {**FIGURES, **STUDY_FIGURES}.values():
        draw = drawing(registered.function)
        assert f"{draw.__module__}.{draw.__name__}" == registered.function
        assert list(inspect.signature(draw).parameters)[-1] == "path"
    assert drawing(FIGURES["units"].function) is plot_units


def test_only_what_an_edit_can_change_is_redrawn(study, tmp_path, monkeypatch):
    import vae.report.figure_stamps
    main, variants, runs, data = study
    first = draw_stale(main, variants[:1], runs, data, tmp_path, every=True)
    assert first and draw_stale(main, variants[:1], runs, data, tmp_path, every=True) == []
    real = vae.report.figure_stamps.code_digest

    def edited(*roots):  # as if latent_figures.py had been edited
        return real(*roots) + ("edited" if roots[0].endswith("latent_figures") else "")
    monkeypatch.setattr(vae.report.figure_stamps, "code_digest", edited)
    redrawn = draw_stale(main, variants[:1], runs, data, tmp_path, every=True)
    assert {p.stem for p in redrawn} == {"latent", "interpolation", "manifold"}
    assert {p.parent.name for p in redrawn} == {main.name, variants[0].name}  # not the study's
    (tmp_path / main.name / "samples.pdf").unlink()  # a lost file is drawn again, alone
    assert [p.name for p in draw_stale(main, variants[:1], runs, data, tmp_path, every=True)] \
        == ["samples.pdf", "samples.png"]


def test_a_figure_with_text_too_small_to_print_is_refused(tmp_path):
    fig, ax = figure(2.0)
    ax.set_xticks([0, 1], ["a", "b"], fontsize=6)
    with pytest.raises(ValueError, match=r"under 7 pt.*'a' at 6 pt"):
        save(fig, tmp_path / "small.pdf")
    assert not (tmp_path / "small.pdf").exists()


def test_the_kl_per_dimension_sums_to_the_kl_and_is_each_marginals_under_a_full_covariance(
        tiny):
    _, cfg, model, _, test_split, _ = tiny
    images = test_split.images[:64]
    x = next(batches(images, len(images)))
    with torch.inference_mode():
        whole = kl_to_prior(model.encode(x)).double().mean().item()
    assert kl_per_dimension(model, images).sum() == pytest.approx(whole, rel=1e-5)
    torch.manual_seed(0)
    full = VAE(dataclasses.replace(cfg, covariance="full", latent_dim=3))
    with torch.inference_mode():
        q = full.encode(x)
        mu2, sigma2 = q.mean.double() ** 2, q.variance.double()
        marginals = (0.5 * (mu2 + sigma2 - sigma2.log() - 1)).mean(0).numpy()
    assert kl_per_dimension(full, images) == pytest.approx(marginals, rel=1e-4)


def test_the_digits_under_the_interpolation_frames_are_those_the_text_reads(tiny, tmp_path,
                                                                            monkeypatch):
    import vae.report.latent_figures as latent_figures
    from vae.instrument.readings import path_readings
    _, _, model, _, test_split, classifier = tiny
    shown: list[list[int]] = []
    real = latent_figures.label_columns

    def capture(ax, labels, *args, **kwargs):
        shown.append([int(label) for label in labels])
        return real(ax, labels, *args, **kwargs)
    monkeypatch.setattr(latent_figures, "label_columns", capture)
    latent_figures.plot_interpolation(model, test_split, classifier, tmp_path / "paths.pdf")
    read = [p.classes for p in path_readings(model, classifier, test_split, spherical=False)]
    assert shown and shown == read


def test_the_manifold_s_axis_labels_lie_symmetric_about_zero():
    from vae.instrument.latent_paths import prior_quantiles
    from vae.report.latent_figures import _z_labels

    labels = _z_labels(prior_quantiles(15), every=3)
    shown = [float(t.strip("$")) for t in labels if t]
    assert shown == [-v for v in reversed(shown)] and 0.0 in shown
    assert len(shown) == 5 and labels[0] == ""  # 15 columns, every third from the middle one
    assert all(_z_labels(prior_quantiles(7)))  # every one labelled by default


def test_the_reconstructions_figure_prints_the_readings_the_text_counts(tiny):
    """The digits under the figure's reconstructions are the ones the measurements record for
    the text ("In the figure, ... come back as another digit")."""
    from vae.instrument.readings import reconstruction_reading
    _, _, model, train_split, test_split, classifier = tiny
    for split in (train_split, test_split):
        index, x, _, digits = shown_reconstructions(model, classifier, split)
        assert [int(split.labels[i]) for i in index] == list(range(len(index)))  # one per class
        assert digits == reconstruction_reading(model, classifier, split, split).shown
