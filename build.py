#!/usr/bin/env python3
"""Render templates/report.tex.j2 with the run's results and compile it into report/report.pdf.

The template reads only report/results/*.json, configs/report.toml and report/figures/;
a missing value, file or figure stops the build with its name.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from vae import VaeError
from vae.bench.results import read_bench
from vae.core.config import Config
from vae.core.io import write_text
from vae.core.runs import Layer, run_hash
from vae.report.discussion import part_two
from vae.report.figure_stamps import FIGURES, STUDY, STUDY_FIGURES
from vae.report.latex import (
    gap,
    interval,
    nats,
    num,
    p_value,
    percent,
    pm,
    pm_percent,
    sci,
    setting,
    span,
    tex_escape,
    tiny,
)
from vae.report.listings import code_listings, source_file
from vae.report.meta import ReportMeta, draft_mark, load_literature, load_meta, placeholder_warning
from vae.report.summary import Summary, read_summary
from vae.report.tex_run import EMPTIEST, compile_pdf, empty_pages, overfull_lines
from vae.report.wording import check_label, count_words

from derivations.results import CheckResult, checks_digest, read_verify

ROOT = Path(__file__).resolve().parent  # the templates and derivations beside this script


def _finalize(value: Any) -> Any:
    if value is None:
        raise VaeError("a template value is None; the results file that should set it is "
                       "incomplete")
    return tex_escape(value)


def side_by_side(layers: list[Layer]) -> list[tuple[Layer | None, Layer | None]]:
    """The encoder's and the decoder's layers paired row by row, for a table that sets the two
    parts side by side; the shorter part's missing rows are None."""
    encoder = [layer for layer in layers if layer.part == "encoder"]
    decoder = [layer for layer in layers if layer.part == "decoder"]
    return list(itertools.zip_longest(encoder, decoder))


def make_env(template_dir: Path) -> jinja2.Environment:
    """Jinja for LaTeX: <% blocks %>, << values >>, <# comments #>; strict; auto-escaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        block_start_string="<%", block_end_string="%>",
        variable_start_string="<<", variable_end_string=">>",
        comment_start_string="<#", comment_end_string="#>",
        undefined=jinja2.StrictUndefined, finalize=_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False,
    )
    env.filters.update(tex=tex_escape, num=num, nats=nats, sci=sci, tiny=tiny, gap=gap,
                       setting=setting,
                       percent=percent, pm=pm, pm_percent=pm_percent, p_value=p_value,
                       interval=interval, span=span, words=count_words, source_file=source_file,
                       side_by_side=side_by_side)
    return env


def render(template_dir: Path, context: dict[str, Any], name: str = "report.tex.j2") -> str:
    try:
        return make_env(template_dir).get_template(name).render(**context)
    except jinja2.UndefinedError as exc:
        raise VaeError(f"template {name}: {exc}; the results files lack this value "
                       f"(rerun `make report`)") from None


def check_fresh(summary: Summary) -> None:
    """Refuse numbers from a run whose hash no longer matches its config and the code."""
    for entry in [*summary.runs, *filter(None, [summary.binarized])]:
        for run in entry.seeds:
            expected = run_hash(Config(**{**entry.config, "seed": run.seed}))
            if run.run_hash != expected:
                raise VaeError(f"summary.json holds run '{entry.name}' seed {run.seed} with hash "
                               f"{run.run_hash}, but its config and the current code give "
                               f"{expected}: the numbers are stale; run `make report` again")


class FigureFinder:
    """fig(run, name): the path of a registered figure of a run (or of STUDY), which must exist
    and be one that the figure stage draws (shown: decisions.figures_shown). It notes what the
    templates asked for, so that the build also refuses a figure drawn for nothing: the list
    and the templates name the same figures."""

    def __init__(self, figures_dir: Path, shown: dict[str, list[str]]) -> None:
        self.figures_dir, self.shown = figures_dir, shown
        self.asked: set[tuple[str, str]] = set()

    def __call__(self, run: str, name: str) -> Markup:
        registry, where = (STUDY_FIGURES, "STUDY_FIGURES") if run == STUDY else (FIGURES, "FIGURES")
        if name not in registry:
            raise VaeError(f"a template asks for figure '{name}' of '{run}', which "
                           f"figure_stamps.{where} does not register")
        if run != STUDY and name not in self.shown.get(run, []):
            raise VaeError(f"a template asks for figure '{name}' of '{run}', which "
                           f"decisions.figures_shown does not list, so the figure stage does "
                           f"not draw it; list it there")
        path = self.figures_dir / run / f"{name}.pdf"
        if not path.is_file():
            raise VaeError(f"figure '{path}' is missing; run `make figures`")
        self.asked.add((run, name))
        return Markup(path.resolve().as_posix())

    def check_all_printed(self) -> None:
        """After rendering: every figure the list names was printed."""
        unprinted = [f"'{name}' of '{run}'" for run, names in self.shown.items()
                     for name in names if (run, name) not in self.asked]
        if unprinted:
            raise VaeError(f"decisions.figures_shown lists {', '.join(unprinted)}, which no "
                           f"template prints, so the figure stage draws it for nothing; print "
                           f"it or take it off the list")


def check_groups(checks: list[CheckResult]) -> dict[int, dict[str, Any]]:
    """The checks of each exercise, and their count in words."""
    groups: dict[int, list[CheckResult]] = {}
    for check in checks:
        groups.setdefault(check.exercise, []).append(check)
    return {n: {"checks": group, "label": check_label(group)} for n, group in groups.items()}


def context(results: Path, figures: Path, meta: ReportMeta) -> dict[str, Any]:
    verify = read_verify(results / "verify.json")
    summary = read_summary(results / "summary.json")
    check_fresh(summary)
    if verify.code != checks_digest():
        raise VaeError(f"'{results / 'verify.json'}' holds the results of other checks or code; "
                       f"run `make verify` again")
    bench_path = results / "bench.json"
    literature = load_literature(ROOT / "templates/literature.toml")
    return {
        "meta": meta,
        "literature": literature,
        "today": date.today().isoformat(),
        "verify": verify,
        "checks": check_groups(verify.checks),
        "checks_label": check_label(verify.checks),
        "main": summary.main,
        "variants": summary.variants,
        "runs": summary.runs,
        "best": summary.best,
        "binarized": summary.binarized,
        "summary": summary,
        "env": summary.environment,
        "bench": read_bench(bench_path) if bench_path.is_file() else None,
        "fig": FigureFinder(figures, summary.decisions.figures),
        "code": code_listings(),
        "discussion": part_two(summary, literature["kingma2016_resnet"]["nll"]),
    }


def build(results: Path, figures: Path, meta_path: Path, build_dir: Path, out: Path) -> Path:
    meta = load_meta(meta_path)
    values = context(results, figures, meta)
    source = render(ROOT / "templates", {**values, "draft": draft_mark(meta, meta_path)})
    values["fig"].check_all_printed()
    build_dir.mkdir(parents=True, exist_ok=True)  # only once every input is known to be there
    tex = build_dir / "report.tex"
    if not tex.is_file() or tex.read_text() != source:  # leave latexmk's cache valid when unchanged
        write_text(tex, source)
    pdf = compile_pdf(tex, build_dir, ROOT)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.copyfile(pdf, tmp)
    os.replace(tmp, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "report/results")
    parser.add_argument("--figures", type=Path, default=ROOT / "report/figures")
    parser.add_argument("--meta", type=Path, default=ROOT / "configs/report.toml",
                        help="title page fields (default: configs/report.toml)")
    parser.add_argument("--build-dir", type=Path, default=ROOT / "report/build")
    parser.add_argument("--out", type=Path, default=ROOT / "report/report.pdf")
    args = parser.parse_args(argv)
    try:
        # absolute, because LaTeX runs inside the build folder
        path = build(*(p.resolve() for p in (args.results, args.figures, args.meta,
                                             args.build_dir, args.out)))
    except VaeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    log = (args.build_dir.resolve() / "report.log")
    for line in overfull_lines(log.read_text(errors="replace") if log.is_file() else ""):
        print(f"warning: overfull line of {line} (line numbers of the file then being read; "
              f"see {log})")
    for page, fraction in empty_pages(path).items():
        print(f"warning: page {page} is {fraction:.0%} empty in one block (more than "
              f"{EMPTIEST:.0%}); a float that does not fit, or a forced page break?")
    warning = placeholder_warning(load_meta(args.meta.resolve()), args.meta.resolve())
    if warning:  # the last line of the build, and a mark on every page of the PDF
        print(f"{warning}; until then every page is marked DRAFT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
