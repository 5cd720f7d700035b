"""Command line: `python -m vae train|measure|summary|figures|plan|parity|bench|stages`, the
commands the Makefile calls."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tomllib
from pathlib import Path
from typing import Any

from . import VaeError
from .core.config import Config, load_config, parse_overrides

PROTECTED = ("name", "description")  # an overlay changes settings, never which run is which


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def load_configs(paths: list[str], overlay: str | None, overrides: list[str]) -> list[Config]:
    """Each config file, with the overlay file's keys and then --set overrides applied."""
    layer: dict[str, Any] = {}
    if overlay:
        checked = load_config(overlay).to_dict()  # validates the overlay's keys and values
        written = tomllib.loads(Path(overlay).read_text())
        layer = {k: checked[k] for k in written if k not in PROTECTED}
    layer.update(parse_overrides(overrides))
    return [load_config(p, layer) for p in paths]


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--overlay", metavar="TOML",
                   help="a config file whose keys override every config (e.g. configs/quick.toml)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config key for every config, e.g. --set epochs=3")
    p.add_argument("--runs", default="runs", help="folder of the run directories (default: runs)")
    p.add_argument("--data-dir", default="data",
                   help="folder holding MNIST/raw/ (default: data; downloads there if missing)")


def _jobs(text: str) -> str:
    if text == "auto" or text.isdigit() and int(text) > 0:
        return text
    raise argparse.ArgumentTypeError(f"must be a positive whole number or 'auto', got {text!r}")


def _study_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--main", required=True, metavar="TOML", help="the config the report centres on")
    p.add_argument("--variants", nargs="*", default=[], metavar="TOML",
                   help="the configs of the improvements study")


def _fp32_checked_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fp32-checked", nargs="+", metavar="TOML",
                   help="configs of the study, main first, also trained in fp32 (`vae parity`): "
                        "report their verdicts in both precisions")


def _all_figures_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--all", action="store_true", dest="every",
                   help="draw every figure of every config, not only those the report prints")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vae", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train configs (a finished run is reused, a stopped one resumed)")
    p.add_argument("configs", nargs="+", metavar="TOML")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--jobs", type=_jobs, default="1", metavar="N",
                   help="runs trained side by side, each on its share of the cores or on its own "
                        "GPU; 'auto': one per GPU, else one per core (default: 1)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="train on the workers of a running Dask scheduler, e.g. "
                        "tcp://host:8786, instead of on this machine (--jobs is then ignored)")
    _add_common(p)

    p = sub.add_parser("summary", help="gather finished runs into report/results/summary.json")
    _study_args(p)
    p.add_argument("--binarized", metavar="TOML",
                   help="also report this binarised-MNIST run (see configs/binarized.toml)")
    _fp32_checked_arg(p)
    _add_common(p)
    p.add_argument("--measurements", default="report/results/measurements.json",
                   help="what `vae measure` wrote")
    p.add_argument("--out", default="report/results/summary.json")

    p = sub.add_parser("measure", help="read every model's images with a digit classifier "
                                        "-> report/results/measurements.json")
    _study_args(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--jobs", type=_jobs, default="auto", metavar="N",
                   help="runs read side by side, one thread each (default: one per core)")
    _add_common(p)
    p.add_argument("--out", default="report/results/measurements.json")

    p = sub.add_parser("figures", help="draw the report's figures from finished runs")
    _study_args(p)
    p.add_argument("--jobs", type=_jobs, default="auto", metavar="N",
                   help="configs drawn side by side, one thread each (default: one per core)")
    _all_figures_arg(p)
    _add_common(p)
    p.add_argument("--out", default="report/figures")

    p = sub.add_parser("plan", help="list what `make report` would train, measure, draw and "
                                     "build, and why, without doing any of it")
    _study_args(p)
    p.add_argument("--binarized", metavar="TOML", help="the binarised-MNIST config, if reported")
    _fp32_checked_arg(p)
    p.add_argument("--jobs", type=_jobs, default="auto", metavar="N",
                   help="runs side by side, for the time estimate (default: one per core)")
    _all_figures_arg(p)
    p.add_argument("--out", default="report", help="the report folder (default: report)")
    _add_common(p)

    p = sub.add_parser("parity", help="train each config in fp32 and bf16 over its seeds and "
                                       "print the paired differences of the test -ELBO")
    p.add_argument("configs", nargs="+", metavar="TOML")
    p.add_argument("--jobs", type=_jobs, default="auto", metavar="N",
                   help="runs trained side by side (default: auto)")
    p.add_argument("--verdicts", action="store_true",
                   help="the configs are a study, main one first: also compare its verdicts "
                        "in bf16 and in fp32")
    _add_common(p)

    p = sub.add_parser("bench", help="measure training and evaluation speed of each config "
                                      "-> report/results/bench.json")
    p.add_argument("configs", nargs="+", metavar="TOML")
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds of alternating runs of each comparison; medians are reported "
                        "(default: 3)")
    p.add_argument("--ceiling-seconds", type=float, default=5.0,
                   help="seconds each measurement of the compute ceiling is timed (default: 5)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--no-sweep", action="store_true",
                   help="skip timing the ceiling at each OpenMP spin count (saves ~40 s)")
    p.add_argument("--out", default="report/results/bench.json")
    _add_common(p)
    p = sub.add_parser("stages", help="print where a `make report` spent its time")
    p.add_argument("file", metavar="TSV", help="the stages file make wrote (report/build/stages.tsv)")
    p.add_argument("--runs", default="runs", help="folder of the run directories (default: runs)")
    return parser


def cmd_train(args: argparse.Namespace) -> None:
    from .core.jobs import train_all

    configs = load_configs(args.configs, args.overlay, args.overrides)
    jobs = None if args.jobs == "auto" else int(args.jobs)
    train_all([run for cfg in configs for run in cfg.per_seed()], args.data_dir, args.runs, jobs,
              progress=not args.no_progress, scheduler=args.scheduler,
              log=lambda message: print(message, flush=True))  # in order with tqdm's stderr


def _report_configs(args: argparse.Namespace) -> tuple[Config, list[Config], Config | None,
                                                      list[Config] | None]:
    """The configs a report reads: the main one, the study's variants, the binarised run and the
    configs trained in fp32 too (None where not asked for)."""
    main, *variants = load_configs([args.main, *args.variants], args.overlay, args.overrides)
    binarized = (load_configs([args.binarized], args.overlay, args.overrides)[0]
                 if args.binarized else None)
    fp32_checked = (load_configs(args.fp32_checked, args.overlay, args.overrides)
                    if args.fp32_checked else None)
    return main, variants, binarized, fp32_checked


def cmd_summary(args: argparse.Namespace) -> None:
    from .report.summary import configs_read, summary_current, write_summary

    main, variants, binarized, fp32_checked = _report_configs(args)
    if summary_current(configs_read([main, *variants], binarized, fp32_checked), args.runs,
                       args.out, args.measurements):
        print(f"{args.out} is up to date with the runs, the measurements and the code")
        return
    write_summary(main, variants, args.runs, args.out, args.measurements, binarized, fp32_checked)
    print(f"wrote {args.out}")


def cmd_measure(args: argparse.Namespace) -> None:
    from .instrument.freshness import measured_runs, measurements_current

    configs = load_configs([args.main, *args.variants], args.overlay, args.overrides)
    runs = measured_runs([run for cfg in configs for run in cfg.per_seed()], args.runs)
    if measurements_current(runs, args.runs, args.out):
        print(f"measurements in {args.out} are up to date with the runs and the classifier")
        return
    from .core.data import load_split
    from .instrument.readings import measure
    measure(runs, args.runs, load_split(args.data_dir, "train"),
            load_split(args.data_dir, "test"), args.out, progress=not args.no_progress,
            log=lambda message: print(message, flush=True),
            jobs=None if args.jobs == "auto" else int(args.jobs))


def cmd_figures(args: argparse.Namespace) -> None:
    from .report.figure_stamps import report_figures, stale_figures

    main, *variants = load_configs([args.main, *args.variants], args.overlay, args.overrides)
    configs = [main, *variants]
    shown = None if args.every else report_figures(configs, args.runs)
    if not any(stale_figures(configs, args.runs, args.out, shown).values()):
        print(f"figures in {args.out} are up to date with the runs and plotting code")
        return
    from .report.figures import draw_stale  # torch and matplotlib only when there is work
    jobs = None if args.jobs == "auto" else int(args.jobs)
    for path in draw_stale(main, variants, args.runs, args.data_dir, args.out, jobs,
                           args.every):
        print(f"wrote {path}")


def cmd_plan(args: argparse.Namespace) -> None:
    from .plan import default_jobs, describe, plan

    main, variants, binarized, fp32_checked = _report_configs(args)
    tasks = plan(main, variants, binarized, args.runs, args.out, fp32_checked, args.every)
    print(describe(tasks, default_jobs() if args.jobs == "auto" else int(args.jobs)))


def cmd_parity(args: argparse.Namespace) -> None:
    from .bench.parity import describe, parity
    from .report.precision import describe_verdicts, precision_check, twins

    configs = load_configs(args.configs, args.overlay, args.overrides)
    if args.verdicts:
        twins(configs)  # refuses a study that does not train in bf16 before anything trains
    jobs = None if args.jobs == "auto" else int(args.jobs)
    print(describe(parity(configs, args.data_dir, args.runs, jobs,
                          log=lambda message: print(message, flush=True))))
    if args.verdicts:
        print(describe_verdicts(precision_check(configs, args.runs)))


def cmd_bench(args: argparse.Namespace) -> None:
    from .bench.timings import run_bench
    from .core.data import load_split
    from .core.records import write_record

    configs = load_configs(args.configs, args.overlay, args.overrides)
    result = run_bench(configs, load_split(args.data_dir, "train"),
                       load_split(args.data_dir, "test"), Path(args.data_dir), args.rounds,
                       args.ceiling_seconds, progress=not args.no_progress,
                       sweep=not args.no_sweep, log=lambda message: print(message, flush=True))
    write_record(args.out, result)  # before printing, so that a closed pipe cannot lose it
    print(f"medians of {result.rounds} rounds of alternating runs, {result.threads} threads")
    for m in result.models:
        print(f"{m.name} ({m.architecture}, {m.precision}):\n"
              f"  epoch + test evaluation   ours {m.ours_images_per_s:7.0f} images/s, notebook "
              f"{m.notebook_images_per_s:7.0f}; speed-up {m.speedup:.2f}x "
              f"(rounds {', '.join(f'{r:.2f}' for r in m.speedups)})\n"
              f"  {m.jobs} jobs side by side      {m.jobs} epochs in {m.jobs_epoch_seconds:.1f} s; "
              f"speed-up {m.jobs_speedup:.2f}x "
              f"(rounds {', '.join(f'{r:.2f}' for r in m.jobs_speedups)})\n"
              f"  ceiling                   1 job x {m.threads} threads "
              f"{m.one_job_rate:7.0f} images/s, {m.jobs} jobs x 1 thread "
              f"{m.jobs_rate:7.0f}; {m.jobs_gain:.2f}x; "
              f"{m.other_precision} {m.other_precision_images_per_s:.0f}\n"
              f"  arithmetic                {m.train_mflops_per_image:.1f} MFLOP per training "
              f"image; {m.jobs} jobs at the ceiling {m.jobs_gflops:.0f} GFLOP/s, "
              f"{100 * m.jobs_gflops / result.matmul_gflops:.0f}% of a large matrix product's "
              f"{result.matmul_gflops:.0f}\n"
              f"  final evaluation          {m.eval_seconds:.1f} s (IWAE k={m.iwae_k} on "
              f"{m.iwae_images} images), {100 * m.eval_share:.0f}% of a {m.epochs}-epoch run")
    if result.spin_sweep:
        print("ceiling by GOMP_SPINCOUNT   idle   one core busy  (images/s)")
        for spin, rates in result.spin_sweep.items():
            print(f"{spin:>24s} {rates.idle:7.0f} {rates.one_core_busy:12.0f}")
    print(f"wrote {args.out}")


def cmd_stages(args: argparse.Namespace) -> None:
    from .stages import table

    print(table(args.file, args.runs))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        commands = {"train": cmd_train, "measure": cmd_measure, "summary": cmd_summary,
                    "figures": cmd_figures, "plan": cmd_plan, "parity": cmd_parity,
                    "bench": cmd_bench, "stages": cmd_stages}
        commands[args.command](args)
    except VaeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of stdout (`| head`) has gone: nothing is left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except OSError as exc:  # a path it may not read or write (permissions, a full disk)
        path = f"'{exc.filename}': " if exc.filename else ""
        print(f"error: {path}{exc.strerror or exc}. Check that path and the folders above it "
              f"(permissions, free space), or pass another --data-dir, --runs or --out",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: every completed epoch is saved; run the same command again to "
              "resume from the last checkpoint", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
