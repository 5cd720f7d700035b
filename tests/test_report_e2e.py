"""End to end: tiny data -> train -> summary -> figures -> verify -> build.py -> a real PDF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TINY, write_mnist
from vae.report.tex_run import empty_pages

pytestmark = pytest.mark.slow


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def write_toml(path: Path, values: dict) -> Path:
    lines = [f"{k} = {json.dumps(v) if isinstance(v, str) else v}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


# build.py as `python build.py` runs it, failing if anything it imported brought in torch
BUILD_WITHOUT_TORCH = """
import runpy, sys
sys.argv[0] = "build.py"
try:
    runpy.run_path("build.py", run_name="__main__")
finally:
    assert "torch" not in sys.modules, "build.py imported torch"
"""


@pytest.fixture(scope="module")
def built_report(tmp_path_factory, verified, bench_json):
    if shutil.which("latexmk") is None or shutil.which("pdftotext") is None:
        pytest.fail("TeX and poppler-utils are required (make setup installs them)")
    base = tmp_path_factory.mktemp("e2e")
    data = write_mnist(base / "data")
    # bf16 on every CPU (emulated where it has no bf16 arithmetic), so that fp32 twins exist
    # the main model trains a seed more than the variant, which pairs the two seeds they share
    main = write_toml(base / "main.toml", {**TINY, "name": "main", "latent_dim": 1, "seeds": 3,
                                           "precision": "bf16"})
    variant = write_toml(base / "v.toml", {**TINY, "name": "wide_2d", "description": "2-D & 50%",
                                            "seeds": 2, "precision": "bf16"})
    meta = base / "report.toml"
    meta.write_text('title = "VAE report"\nsubtitle = "end-to-end test"\n'
                    'author = "Ann O\'Neil & Co_op #1"\nstudent_id = "s_100%"\ncourse = "Test"\n')
    common = ["--runs", str(base / "runs"), "--data-dir", str(data)]
    results, figures = base / "results", base / "figures"
    study = ["--main", str(main), "--variants", str(variant), *common]
    checked = ["--fp32-checked", str(main), str(variant)]  # as `make report PARITY=1` passes it
    steps = [["train", str(main), str(variant), "--no-progress", "--jobs", "2", *common],
             ["measure", *study, "--no-progress", "--out", str(results / "measurements.json")],
             ["summary", *study, *checked, "--measurements", str(results / "measurements.json"),
              "--out", str(results / "summary.json")],
             ["figures", *study, "--out", str(figures)]]
    run("-m", "vae", *steps[0])
    run("-m", "vae", "parity", str(main), str(variant), "--jobs", "2", *common)
    for step in steps[1:]:
        run("-m", "vae", *step)
    shutil.copy(verified, results / "verify.json")  # make verify's output, run once per session
    shutil.copy(bench_json, results / "bench.json")  # make bench's output, run once per session
    pdf = base / "report.pdf"
    run("-c", BUILD_WITHOUT_TORCH, "--results", str(results), "--figures", str(figures),
        "--meta", str(meta), "--build-dir", str(base / "build"), "--out", str(pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    plan = run("-m", "vae", "plan", *study, *checked, "--out", str(base)).stdout  # before other tests edit
    return {"plan": plan, "pdf": pdf, "text": text, "summary": json.loads((results / "summary.json").read_text()),
            "base": base, "results": results, "figures": figures, "meta": meta, "steps": steps}


def test_pdf_holds_every_exercise(built_report):
    text = built_report["text"]
    for n in range(1, 10):
        assert f"Exercise {n}" in text
    assert "Bonus" in text and "??" not in text
    assert not re.search(r"\b(\d+) +Exercise \1\b", text), "a heading numbered twice"


def test_part_two_quotes_the_measurements_and_answers_the_bonus(built_report):
    text = " ".join(built_report["text"].split())
    kept = built_report["summary"]["main"]["readings_spread"]["digit_kept"]
    # siunitx leaves out an uncertainty that rounds to zero
    assert re.search(rf"{100 * kept['mean']:.1f}( ± {100 * kept['sd']:.1f})? % of the", text)
    assert "Can a VAE generate smooth transitions between digits?" in text
    assert re.search(r"Answer\. Are the transitions between digits smooth\? (Yes|Not here)", text)
    assert "Conclusion" in text and "def train_epoch" in text and "def decode" in text
    accuracy = built_report["summary"]["instrument"]["classifier"]["test_accuracy"]
    assert f"{100 * accuracy:.2f} %" in text


def test_pdf_shows_the_test_loss_from_summary(built_report):
    main = built_report["summary"]["main"]
    assert f"{main['test_loss']:.1f} ± {main['test_loss_sd']:.1f}" in built_report["text"]
    assert f"{main['iwae_bound']:.1f} ± {main['iwae_sd']:.1f}" in built_report["text"]


def test_pdf_states_the_verdict_rule_and_every_seed(built_report):
    text = " ".join(built_report["text"].split())
    summary = built_report["summary"]
    assert re.search(r"paired differences of test −ELBO give a mean, its 95 % interval", text)
    assert "Holm" in text and "holds after 2 epochs only" in text
    comparison = summary["variants"][0]["comparison"]
    low, high = (f"{comparison['test'][end]:.1f}".replace("-", "−") for end in ("low", "high"))
    assert re.search(rf"\[{low}, {high}\] \S+ {comparison['verdict']}", text)  # the table's row
    assert [s["seed"] for s in summary["main"]["seeds"]] == [420, 421, 422]
    assert comparison["test"]["seeds"] == 2  # the seeds both trained
    for entry in (summary["main"], *summary["variants"]):
        assert [s["seed"] for s in entry["seeds"]][:2] == [420, 421]
        for seed in entry["seeds"]:
            assert f"{seed['test_loss']:.1f}" in text
    assert "means over two seeds (three for main)" in text
    assert f"random (seed {summary['main']['subset_seed']})" in text


def test_pdf_sets_the_verdicts_of_both_precisions_side_by_side(built_report):
    text = " ".join(built_report["text"].split())
    check = built_report["summary"]["precision_check"]
    (row,) = check["comparisons"]
    assert "Training in bf16 against fp32" in text
    cells = []
    for side in ("bf16", "fp32"):
        c = row[side]
        low, high = (f"{c['test'][end]:.1f}".replace("-", "−") for end in ("low", "high"))
        cells.append(rf"\[{low}, {high}\] {c['p_holm']:.3f} {c['verdict']}")
    assert re.search(rf"wide_2d main \S+ {cells[0]} \S+ {cells[1]}", text)  # the table's row
    kept = "keeps its verdict" if not check["changed"] else "does not keep its verdict"
    assert ("When the study’s models are trained again in fp32 with the same seeds, their one "
            f"comparison {kept}") in text


STEP_WITHOUT_TORCH = """
import sys
from vae.cli import main
code = main(sys.argv[1:])
assert "torch" not in sys.modules, "imported torch"
sys.exit(code)
"""


def test_a_step_with_nothing_to_do_imports_no_torch(built_report):
    """What keeps a rebuild with nothing changed quick: each step finds its outputs current
    before it imports torch."""
    said = ["not training again"] + ["up to date"] * 3  # train; measure, summary, figures
    for step, expected in zip(built_report["steps"], said, strict=True):
        assert expected in run("-c", STEP_WITHOUT_TORCH, *step).stdout


def test_pdf_shows_the_bench_and_the_spin_sweep(built_report):
    from vae.bench.results import read_bench
    bench = read_bench(built_report["results"] / "bench.json")
    text = " ".join(built_report["text"].split())
    assert "Training speed" in text and "two rounds" in text
    digits = "".join(text.split())  # siunitx groups thousands with a thin space
    for m in bench.models:
        for ratio in (m.speedup, m.jobs_speedup, m.jobs_gain):
            assert f"{ratio:.2f}×" in text
        assert f"{m.one_job_rate:.0f}" in digits and f"{m.jobs_rate:.0f}" in digits
    assert f"{bench.spin_sweep['300000'].idle:.0f}" in digits


def test_relative_paths_build_and_placeholders_mark_every_page_draft(built_report, tmp_path):
    """make passes OUT's folders as given, often relative; LaTeX runs in the build folder. A
    title page that still holds the shipped placeholder ID marks every page, and the build's
    last line says so."""
    b = built_report
    for name in ("results", "figures"):
        shutil.copytree(b[name], tmp_path / name)
    meta = b["meta"].read_text().replace('student_id = "s_100%"', 'student_id = "0000000"')
    (tmp_path / "meta.toml").write_text(meta)
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--results", "results",
                           "--figures", "figures", "--meta", "meta.toml", "--build-dir", "out/build",
                           "--out", "out/report.pdf"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "every page is marked DRAFT" in proc.stdout.splitlines()[-1]
    pages = subprocess.run(["pdftotext", str(tmp_path / "out/report.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout.split("\f")[:-1]
    assert all("DRAFT: fill in student_id in" in page for page in pages)
    assert "DRAFT" not in b["text"]  # the filled-in title page of the fixture has no mark


def test_an_old_bench_file_is_refused_with_the_fix(built_report, tmp_path):
    b = built_report
    results = tmp_path / "results"
    shutil.copytree(b["results"], results)
    (results / "bench.json").write_text(json.dumps({"images_per_s": 1.0, "speedup": 2.0}))
    proc = subprocess.run(
        [sys.executable, "build.py", "--results", str(results), "--figures", str(b["figures"]),
         "--meta", str(b["meta"]), "--build-dir", str(tmp_path / "build"),
         "--out", str(tmp_path / "r.pdf")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "bench.json' was not written by this version" in proc.stderr
    assert "lacks" in proc.stderr and "models" in proc.stderr
    assert "run `make bench` again" in proc.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_special_characters_reach_the_pdf_intact(built_report):
    text = built_report["text"]
    assert "Ann O’Neil & Co_op #1" in text or "Ann O'Neil & Co_op #1" in text
    assert "s_100%" in text
    assert "2-D & 50%" in text


def test_broken_fragment_reports_file_and_line(built_report, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    page = templates / "appendix.tex.j2"
    page.write_text(page.read_text() + "\n\\thisisnotamacro\n")
    script = tmp_path / "build.py"
    shutil.copy(ROOT / "build.py", script)
    shutil.copytree(ROOT / "derivations", tmp_path / "derivations")
    b = built_report
    proc = subprocess.run(
        [sys.executable, str(script), "--results", str(b["results"]), "--figures",
         str(b["figures"]), "--meta", str(b["meta"]), "--build-dir", str(tmp_path / "build"),
         "--out", str(tmp_path / "r.pdf")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Undefined control sequence" in proc.stderr
    assert "report.tex, line" in proc.stderr and "\\thisisnotamacro" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_no_page_is_more_than_a_third_empty(built_report):
    """The title page (with the contents) and the last page aside, no page shows an empty block
    taller than a third of the text area."""
    over = empty_pages(built_report["pdf"])
    assert not over, f"pages with more than a third empty: {over}"


def test_a_finished_build_plans_nothing(built_report):
    assert built_report["plan"].startswith("nothing to do"), built_report["plan"]
