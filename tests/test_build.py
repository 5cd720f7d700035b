"""build.py: the Jinja environment for LaTeX, freshness checks, and TeX error reporting."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import pytest
from vae import VaeError
from vae.core import evaluate
from vae.core.config import Config
from vae.core.data import held_out, load_split
from vae.core.runs import Run
from vae.core.train import torch_threads
from vae.report import tex_run
from vae.report.latex import LOSS_DECIMALS, printed_difference
from vae.report.numbers import model_numbers
from vae.report.summary import summary_current, write_summary

import build


def render_string(tmp_path: Path, text: str, **values) -> str:
    (tmp_path / "t.j2").write_text(text)
    return build.render(tmp_path, values, name="t.j2")


def test_special_characters_are_escaped(tmp_path):
    out = render_string(tmp_path, "<< s >>", s="a_b 50% & #1 $x$ {y} ~^\\")
    assert out == (r"a\_b 50\% \& \#1 \$x\$ \{y\} \textasciitilde{}\textasciicircum{}"
                   r"\textbackslash{}")


def test_missing_value_fails_naming_it(tmp_path):
    with pytest.raises(VaeError, match="test_loss"):
        render_string(tmp_path, "<< main.test_loss >>", main={"name": "x"})


def test_none_value_fails(tmp_path):
    with pytest.raises(VaeError, match="None"):
        render_string(tmp_path, "<< v >>", v=None)


def test_num_filter_formats_and_refuses_non_numbers(tmp_path):
    assert render_string(tmp_path, "<< v|num(2) >> << n|num >>", v=3.14159, n=60000) == \
        r"\num{3.14} \num{60000}"
    with pytest.raises(VaeError, match="non-finite"):
        render_string(tmp_path, "<< v|num >>", v=float("nan"))
    with pytest.raises(VaeError, match="expected a number"):
        render_string(tmp_path, "<< v|num >>", v="12")


def test_spread_filters_print_a_spread_only_over_several_seeds(tmp_path):
    text = "<< m|pm(s, n) >>; << f|pm_percent(g, n) >>; << u|span >>; << p|p_value >>"
    assert render_string(tmp_path, text, m=96.054, s=0.128, f=0.9731, g=0.004, n=3,
                         u=[16, 14, 16], p=0.0123) == \
        r"\num{96.1 +- 0.1}; \qty{97.3 +- 0.4}{\percent}; 14--16; \(p = \num{0.012}\)"
    assert render_string(tmp_path, text, m=96.054, s=0.0, f=0.9731, g=0.0, n=1, u=[16],
                         p=0.0004) == \
        r"\num{96.1}; \qty{97.3}{\percent}; 16; \(p < \num{0.001}\)"
    assert render_string(tmp_path, "<< p|p_value(true) >>", p=0.0004) == r"\num{< 0.001}"
    assert render_string(tmp_path, "<< a|interval(b) >>", a=-5.26, b=1.04) == \
        r"\mbox{$[$\num{-5.3}, \num{1.0}$]$}"  # one box: an interval never breaks
    # ends that one decimal prints alike get the decimals that tell them apart, two at most
    assert render_string(tmp_path, "<< a|interval(b) >>", a=-0.041, b=-0.018) == \
        r"\mbox{$[$\num{-0.04}, \num{-0.02}$]$}"
    assert render_string(tmp_path, "<< a|interval(b) >>", a=0.1, b=0.1001) == \
        r"\mbox{$[$\num{0.100}, \num{0.100}$]$}"


def test_latex_markup_from_filters_is_not_escaped_twice(tmp_path):
    assert render_string(tmp_path, "<< v|sci >>", v=0.001) == r"\num{0.001}"


def test_stale_summary_is_refused(tiny_run, tiny_measurements, tmp_path):
    runs, _ = tiny_run
    from conftest import TINY
    summary = write_summary(Config(**TINY), [], runs, tmp_path / "summary.json",
                            tiny_measurements)
    build.check_fresh(summary)
    stale = copy.deepcopy(summary)
    stale.main.config["lr"] = 0.5
    with pytest.raises(VaeError, match="stale"):
        build.check_fresh(stale)


def test_summary_refuses_an_unfinished_run(tmp_path):
    with pytest.raises(VaeError, match="no finished run"):
        write_summary(Config(name="never"), [], tmp_path / "runs", tmp_path / "s.json",
                      tmp_path / "measurements.json")


def test_summary_refuses_measurements_of_another_run(tiny_run, tiny_measurements, tmp_path):
    runs, _ = tiny_run
    from conftest import TINY
    data = json.loads(tiny_measurements.read_text())
    data["models"][0]["run_hash"] = "0123456789ab"  # measured on an earlier version of the run
    stale = tmp_path / "measurements.json"
    stale.write_text(json.dumps(data))
    with pytest.raises(VaeError, match="no measurements of 'tiny' seed 420 as it is now.*make measure"):
        write_summary(Config(**TINY), [], runs, tmp_path / "s.json", stale)


def test_measurements_are_reused_until_a_run_changes(tiny_run, tiny_measurements, tmp_path):
    from conftest import TINY
    from vae.instrument.freshness import measured_runs, measurements_current
    runs, _ = tiny_run
    measured = measured_runs([Config(**TINY)], runs)
    assert measurements_current(measured, runs, tiny_measurements)
    other = measured_runs([Config(**{**TINY, "seed": 421})], runs)  # another run
    assert not measurements_current(other, runs, tiny_measurements)
    assert not measurements_current(measured, tmp_path, tiny_measurements)  # no classifier
    edited = json.loads(tiny_measurements.read_text())
    edited["code"] = "0" * 64  # measured by other code
    for text in (json.dumps(edited), '{"code": ', ""):
        (tmp_path / "m.json").write_text(text)
        assert not measurements_current(measured, runs, tmp_path / "m.json")


def test_first_tex_error_shows_file_line_and_source(tmp_path):
    src = tmp_path / "broken.tex"
    src.write_text("line one\n\\begin{document}\n\\undefinedmacro\nline four\n")
    log = f"noise\n{src}:3: Undefined control sequence.\nl.3 \\undefinedmacro\n\nmore\n"
    message = tex_run.first_tex_error(log)
    assert f"{src}, line 3: Undefined control sequence" in message
    assert ">     3 | \\undefinedmacro" in message


def test_missing_figure_is_named(tmp_path):
    fig = build.FigureFinder(tmp_path, {"main": ["training"]})
    with pytest.raises(VaeError, match="training.pdf"):
        fig("main", "training")


def test_a_figure_no_registry_holds_the_figure_stage_does_not_draw_or_no_template_prints_is_named(
        tmp_path):
    for name in ("training", "samples"):
        (tmp_path / "main").mkdir(exist_ok=True)
        (tmp_path / "main" / f"{name}.pdf").write_bytes(b"%PDF")
    fig = build.FigureFinder(tmp_path, {"main": ["training"], "best": ["units"]})
    with pytest.raises(VaeError, match="lists 'training' of 'main', 'units' of 'best', which no"):
        fig.check_all_printed()  # nothing printed yet
    assert fig("main", "training").endswith("main/training.pdf")
    with pytest.raises(VaeError, match="'trainign'.*FIGURES"):
        fig("main", "trainign")
    with pytest.raises(VaeError, match="'training'.*STUDY_FIGURES"):
        fig("study", "training")
    # drawn once by `vae figures --all`, but not a figure the report's stage draws
    with pytest.raises(VaeError, match="'samples' of 'main'.*figures_shown"):
        fig("main", "samples")
    with pytest.raises(VaeError, match=r"lists 'units' of 'best', which no template prints"):
        fig.check_all_printed()
    (tmp_path / "best").mkdir()
    (tmp_path / "best" / "units.pdf").write_bytes(b"%PDF")
    fig("best", "units")
    fig.check_all_printed()  # every listed figure printed: nothing to say


def test_a_summary_is_current_until_a_run_the_measurements_or_a_config_change(
        tiny_run, tiny_measurements, tmp_path):
    runs, _ = tiny_run
    from conftest import TINY
    main = Config(**TINY)
    out = tmp_path / "summary.json"
    assert not summary_current([main], runs, out, tiny_measurements)
    write_summary(main, [], runs, out, tiny_measurements)
    assert summary_current([main], runs, out, tiny_measurements)
    renamed = dataclasses.replace(main, description="another description")
    assert not summary_current([renamed], runs, out, tiny_measurements)
    measurements = tmp_path / "measurements.json"
    measurements.write_bytes(Path(tiny_measurements).read_bytes() + b" ")
    assert not summary_current([main], runs, out, measurements)
    results = Run(main, runs).results_path
    saved = results.read_bytes()
    try:
        results.write_bytes(saved.replace(b"{", b"{ ", 1))  # as if trained again
        assert not summary_current([main], runs, out, tiny_measurements)
    finally:
        results.write_bytes(saved)
    assert summary_current([main], runs, out, tiny_measurements)


def test_summary_reports_the_binarized_run_only_when_asked(tiny_run, tiny_measurements, tmp_path):
    runs, _ = tiny_run
    from conftest import TINY
    main = Config(**TINY)
    assert write_summary(main, [], runs, tmp_path / "a.json", tiny_measurements).binarized is None
    summary = write_summary(main, [], runs, tmp_path / "b.json", tiny_measurements,
                            binarized=main)
    assert summary.binarized.run_hash == summary.main.run_hash
    build.check_fresh(summary)
    summary.binarized.config["epochs"] = 99
    with pytest.raises(VaeError, match="stale"):
        build.check_fresh(summary)


def test_the_subset_loss_is_the_test_loss_of_those_images(tiny_run):
    """On all test images the subset -ELBO must reproduce the full evaluation exactly; on the
    IWAE subset it is what the IWAE bound is compared with."""
    runs, data = tiny_run
    from conftest import TINY
    cfg, test = Config(**TINY), load_split(data, "test")
    run = Run(cfg, runs)
    results, model = run.read_results(), run.load_model()
    everything = dataclasses.replace(cfg, iwae_images=len(test.images), iwae_k=2)
    trained, valid = held_out(load_split(data, "train"), cfg.validation)
    with torch_threads(cfg.threads):  # as training evaluated: a sum's order follows the threads
        metrics = evaluate.final_metrics(model, trained.images, valid.images,
                                         evaluate.evaluated(test, everything).images, everything)
    assert metrics.subset_test_loss == metrics.test_loss == results.test_loss
    # the over-fitting numbers, from the same images and seeds as training's evaluation
    assert (metrics.valid_loss, metrics.train_loss_final) == (results.valid_loss,
                                                              results.train_loss_final)
    entry = model_numbers(cfg, runs)
    assert entry.subset_test_loss != results.test_loss  # 50 of 100 images
    assert entry.iwae_gain == round(round(entry.subset_test_loss, LOSS_DECIMALS)
                                    - round(entry.iwae_bound, LOSS_DECIMALS), LOSS_DECIMALS)


@pytest.mark.parametrize("a, b, printed", [(167.844, 140.934, 26.9), (1.04, 1.01, 0.0),
                                           (100.0, 100.06, -0.1), (130.04, 128.96, 1.0)])
def test_differences_are_those_of_the_printed_numbers(a, b, printed):
    assert printed_difference(a, b) == printed


@pytest.mark.parametrize("value, shown", [(3.0, "3"), (0.01, "0.01"), (0.0, "0"), (16, "16"),
                                          ("silu", "silu"), (True, "yes"), (False, "no")])
def test_setting_filter_writes_settings_as_a_reader_would(tmp_path, value, shown):
    assert render_string(tmp_path, "<< v|setting >>", v=value) == shown


CONDITION = re.compile(r"<%-?\s*(?:if|elif)\s+(.*?)\s*-?%>")
NUMERIC = re.compile(r"[<>]|\|\s*length|[=!]=\s*-?\d|\d\s*[=!]=")


def test_templates_choose_nothing_by_a_number():
    """Verdicts, thresholds and wording are decided in Python; a template's conditions test
    flags and names only."""
    for template in sorted((build.ROOT / "templates").glob("*.j2")):
        for condition in CONDITION.findall(template.read_text()):
            assert not NUMERIC.search(condition), f"{template.name}: <% if {condition} %>"


@pytest.mark.parametrize("name", ["results.json", "metrics.jsonl", "steps.npy"])
def test_each_run_file_is_named_in_one_module(name):
    sources = [*(build.ROOT / "code" / "vae").rglob("*.py"), build.ROOT / "build.py"]
    assert [p.name for p in sources if name in p.read_text()] == ["runs.py"]


def test_overfull_lines_over_one_point_are_reported():
    log = ("Overfull \\hbox (40.03pt too wide) in paragraph at lines 9--12\n"
           "[]\\T1/lmr/m/n/10 text\n"
           "Overfull \\hbox (0.5pt too wide) in paragraph at lines 20--20\n"
           "Overfull \\hbox (15.7pt too wide) in alignment at lines 30--41\n"
           "Underfull \\hbox (badness 10000) in paragraph at lines 1--2\n")
    assert tex_run.overfull_lines(log) == ["40.0 pt in paragraph at lines 9--12",
                                         "15.7 pt in alignment at lines 30--41"]
    assert tex_run.overfull_lines("") == []


def test_the_layers_table_pairs_encoder_and_decoder_rows():
    from vae.core.runs import Layer
    enc = [Layer("encoder", "Linear", str(n), n) for n in (8, 4)]
    dec = [Layer("decoder", "Linear", str(n), n) for n in (4, 8, 16)]
    rows = build.side_by_side([*enc, *dec])
    assert rows == [(enc[0], dec[0]), (enc[1], dec[1]), (None, dec[2])]
