"""`make bench`: what a user waits for, measured on this machine, for each config it is given.

- epoch: one epoch of train.py's loop and the test evaluation after it, in this process (all
  cores) and in N one-thread processes side by side (as `make report` trains its runs), against
  the same epoch as the assignment's notebook runs it (torchvision MNIST + ToTensor +
  DataLoader, default AdamW, in a child process with OpenMP's default settings). The three
  alternate, A B C, C B A, ..., for `rounds` rounds; each speed-up is the median of the rounds'
  ratios, so that slow drift of a shared machine hits every arm alike.
- jobs: the compute ceiling (forward, backward and optimiser step on one batch in memory) of one
  process with every core against N one-thread processes side by side, alternating, `rounds`
  times: the measurement behind `JOBS=auto`.
- evaluation: the final evaluation of a run (test -ELBO, IWAE bound, active units) timed once,
  and its share of a run of the config's epochs.
- precision: the ceiling in the other precision than the config's (fp32 against the bf16 that
  precision = "auto" chose, or bf16 against fp32 where it chose fp32).
- arithmetic: the FLOPs of a training step per image, and the GFLOP/s of a large matrix product,
  which tell how close the ceiling is to what the cores can compute at all.
- spin sweep (first config only): the ceiling at several OpenMP spin counts, idle and with one
  core kept busy, the measurement behind the spin count the package sets.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import torch
from tqdm import tqdm

from .. import VaeError
from ..core.config import Config, load_config
from ..core.data import ALL_FILES, Split, batches, load_split, raw_dir
from ..core.allocator import tune_malloc
from ..core.evaluate import elbo_terms, final_metrics
from ..core.losses import training_objective
from ..core.model import VAE
from ..core.train import make_optimizer, train_epoch, train_step
from .results import BenchResult, ModelBench, SpinRates

SPIN_DEFAULT = "300000"  # libgomp's own count, what a notebook runs with
SPIN_COUNTS = ("0", "1000", SPIN_DEFAULT)
WARMUP_STEPS = 5
MATMUL_SIZE = 1024


def _first_batch(cfg: Config, images: torch.Tensor) -> torch.Tensor:
    return next(batches(images, cfg.batch_size, torch.Generator().manual_seed(cfg.seed)))


def _calls_per_second(work: Callable[[], Any], seconds: float) -> float:
    """Call work for `seconds` (at least once, however slow) and return calls per second."""
    start, calls = time.perf_counter(), 0
    while calls == 0 or time.perf_counter() - start < seconds:
        work()
        calls += 1
    return calls / (time.perf_counter() - start)


def _ceiling(cfg: Config, x: torch.Tensor, seconds: float,
             ready: Callable[[], None] = lambda: None) -> float:
    """Images per second of training steps on one in-memory batch, timed for `seconds` after a
    few untimed ones (at least one timed step, however slow); `ready` is called in between."""
    torch.manual_seed(cfg.seed)
    model = VAE(cfg)
    optimizer = make_optimizer(cfg, model)
    model.train()

    def step() -> None:
        train_step(model, optimizer, cfg, x)

    for _ in range(WARMUP_STEPS):
        step()
    ready()
    return len(x) * _calls_per_second(step, seconds)


def train_flops_per_image(cfg: Config, x: torch.Tensor) -> float:
    """Floating-point operations of one training step's forward and backward pass per image,
    as torch's FLOP counter counts them (matrix products and convolutions)."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(cfg.seed)
    model = VAE(cfg)
    with FlopCounterMode(display=False) as counter:
        training_objective(model, x).objective.backward()
    return counter.get_total_flops() / len(x)


def matmul_gflops(seconds: float, size: int = MATMUL_SIZE) -> float:
    """GFLOP/s of a large float32 matrix product on this process's threads: about the most
    this machine's cores compute, the yardstick of the training's arithmetic rate."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    return 2 * size ** 3 * _calls_per_second(lambda: a @ b, seconds) / 1e9


def _ours(cfg: Config, train_x: torch.Tensor, test_x: torch.Tensor,
          progress: bool) -> tuple[float, float, VAE]:
    """Seconds of one epoch of train.py's loop plus the evaluation after it, the test negative
    ELBO it finds, and the model."""
    torch.manual_seed(cfg.seed)
    model = VAE(cfg)
    optimizer = make_optimizer(cfg, model)
    rng = torch.Generator().manual_seed(cfg.seed)
    t0 = time.perf_counter()
    train_epoch(model, optimizer, cfg, train_x, rng, epoch=0, progress=progress)
    test_loss = elbo_terms(model, test_x, cfg, seed=cfg.seed + 1).negative_elbo
    return time.perf_counter() - t0, test_loss, model


def _notebook_root(data_dir: Path, into: Path) -> Path:
    """A torchvision MNIST root with the raw files decompressed (it does not read our .gz)."""
    target = raw_dir(into)
    target.mkdir(parents=True)
    for name in ALL_FILES:
        src = raw_dir(data_dir) / name
        if src.exists():
            shutil.copyfile(src, target / name)
        else:
            with gzip.open(f"{src}.gz") as f, open(target / name, "wb") as out:
                shutil.copyfileobj(f, out)
    return into


def _notebook(cfg: Config, root: Path, workers: int, progress: bool) -> tuple[float, float]:
    """Like _ours, the way the assignment's scaffold trains and evaluates."""
    from torchvision import datasets, transforms

    def loader(train: bool) -> torch.utils.data.DataLoader:
        dataset = datasets.MNIST(str(root), train=train, download=False,
                                 transform=transforms.ToTensor())
        return torch.utils.data.DataLoader(dataset, batch_size=cfg.batch_size, shuffle=train,
                                           num_workers=workers)

    train_loader, test_loader = loader(True), loader(False)
    torch.manual_seed(cfg.seed)
    model = VAE(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    t0 = time.perf_counter()
    model.train()
    for x, _ in tqdm(train_loader, desc="notebook pipeline", disable=not progress, leave=False):
        loss = training_objective(model, x).objective
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, _ in test_loader:
            total += training_objective(model, x).objective.item() * len(x)
    return time.perf_counter() - t0, total / len(test_loader.dataset)


def _spawn(cfg: Config, spin: str, folder: Path, *args: str) -> subprocess.Popen:
    """Start `python -m vae.bench.timings` in a fresh process whose OpenMP spins `spin` times."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["GOMP_SPINCOUNT"] = spin
    config = folder / f"{cfg.name}-{cfg.precision}.toml"
    config.write_text(cfg.to_toml())
    return subprocess.Popen([sys.executable, "-m", "vae.bench.timings", str(config), *args], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, text=True)


def _collect(process: subprocess.Popen, task: str) -> dict[str, Any]:
    try:
        out, _ = process.communicate()
    except BrokenPipeError:  # it died before reading its start signal
        out = process.stdout.read()
        process.wait()
    if process.returncode != 0:
        raise VaeError(f"bench: the child process for '{task}' failed (exit "
                       f"{process.returncode}); its error is printed above")
    return json.loads(out)


def _notebook_child(cfg: Config, root: Path, workers: int, progress: bool) -> dict[str, Any]:
    """_notebook in a child process with OpenMP's default spin count, as a notebook runs."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ("notebook", str(root), str(workers), "progress" if progress else "quiet")
        return _collect(_spawn(cfg, SPIN_DEFAULT, Path(tmp), *args), "notebook")


def side_by_side(cfg: Config, spin: str, jobs: int, *args: str) -> list[dict[str, Any]]:
    """`jobs` child processes of one task (`args`, _main's after the config). Each loads the
    data and prepares, says it is ready and waits: all start their timed part together."""
    with tempfile.TemporaryDirectory() as tmp:
        children = [_spawn(cfg, spin, Path(tmp), *args) for _ in range(jobs)]
        ready = [child.stdout.readline().strip() == "ready" for child in children]
        for child, ok in zip(children, ready):
            if ok:
                child.stdin.write("go\n")
                child.stdin.flush()
        return [_collect(child, args[0]) for child in children]


def ceiling_jobs(cfg: Config, data_dir: Path, spin: str, seconds: float, jobs: int,
                 threads: int) -> float:
    """Total images/s of `jobs` ceiling processes side by side, `threads` threads each."""
    done = side_by_side(cfg, spin, jobs, "ceiling", str(data_dir), str(seconds), str(threads))
    return sum(child["images_per_s"] for child in done)


def epoch_jobs(cfg: Config, data_dir: Path, spin: str, jobs: int) -> float:
    """Seconds until `jobs` one-thread processes side by side have each run _ours (one epoch
    and its evaluation), as `make report` trains its runs."""
    done = side_by_side(cfg, spin, jobs, "epoch", str(data_dir), "1")
    return max(child["seconds"] for child in done)


def spin_sweep(cfg: Config, data_dir: Path, seconds: float) -> dict[str, SpinRates]:
    """Ceiling images/s per spin count, idle and with a busy loop holding one core, and each
    as a share of the best count in the same case."""
    measured: dict[str, dict[str, float]] = {}
    threads = torch.get_num_threads()
    for spin in SPIN_COUNTS:
        idle = ceiling_jobs(cfg, data_dir, spin, seconds, 1, threads)
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            busy = ceiling_jobs(cfg, data_dir, spin, seconds, 1, threads)
        finally:
            burner.kill()
            burner.wait()
        measured[spin] = {"idle": idle, "one_core_busy": busy}
    best = {case: max(rates[case] for rates in measured.values())
            for case in ("idle", "one_core_busy")}
    return {spin: SpinRates(idle=rates["idle"], one_core_busy=rates["one_core_busy"],
                            idle_share=rates["idle"] / best["idle"],
                            one_core_busy_share=rates["one_core_busy"] / best["one_core_busy"])
            for spin, rates in measured.items()}


def alternate(*arms: Callable[[], Any], rounds: int) -> tuple[list[Any], ...]:
    """Each callable's results over `rounds` rounds run A B C, C B A, A B C, ...: a steady
    drift in the machine's speed falls on every arm alike."""
    results: tuple[list[Any], ...] = tuple([] for _ in arms)
    for i in range(rounds):
        order = range(len(arms)) if i % 2 == 0 else reversed(range(len(arms)))
        for k in order:
            results[k].append(arms[k]())
    return results


def bench_model(cfg: Config, train_split: Split, test_split: Split, data_dir: Path,
                notebook_root: Path, rounds: int, ceiling_seconds: float, workers: int,
                progress: bool, log: Callable[[str], None]) -> ModelBench:
    """Every measurement of one config (see the module's docstring)."""
    train_x, test_x = train_split.images, test_split.images
    x = _first_batch(cfg, train_x)
    spin = os.environ.get("GOMP_SPINCOUNT", SPIN_DEFAULT)
    threads = torch.get_num_threads()
    jobs = max(2, threads)

    log(f"{cfg.name}: {rounds} rounds of one epoch: this project's loop in one process and in "
        f"{jobs} side by side, and the notebook's")
    _ceiling(cfg, x, 0.0)  # warm up torch before the first round
    ours, ours_jobs, notebook = alternate(
        lambda: _ours(cfg, train_x, test_x, progress),
        lambda: epoch_jobs(cfg, data_dir, spin, jobs),
        lambda: _notebook_child(cfg, notebook_root, workers, progress),
        rounds=rounds)

    log(f"{cfg.name}: compute ceiling, one {threads}-thread process against {jobs} "
        f"one-thread processes side by side, {rounds} times each")
    one_job, together = alternate(
        lambda: ceiling_jobs(cfg, data_dir, spin, ceiling_seconds, 1, threads),
        lambda: ceiling_jobs(cfg, data_dir, spin, ceiling_seconds, jobs, 1),
        rounds=rounds)

    # bf16 on a CPU without bf16 arithmetic is very slow: a few steps say enough
    other = "bf16" if cfg.precision == "fp32" else "fp32"
    log(f"{cfg.name}: the ceiling in {other}; then one final evaluation")
    other_ceiling = _ceiling(replace(cfg, precision=other), x, ceiling_seconds / 2)

    model = ours[-1][2]
    t0 = time.perf_counter()
    final_metrics(model, train_x, test_x, test_x, cfg)  # as costly as a run's: 3 x 10,000 images
    eval_seconds = time.perf_counter() - t0
    return ModelBench(
        name=cfg.name,
        architecture=cfg.architecture,
        precision=cfg.precision,
        epochs=cfg.epochs,
        train_images=len(train_x),
        ours_seconds=[seconds for seconds, _, _ in ours],
        jobs_seconds=ours_jobs,
        notebook_seconds=[n["seconds"] for n in notebook],
        ours_test_loss=ours[0][1],
        notebook_test_loss=notebook[0]["test_loss"],
        jobs=jobs,
        threads=threads,
        train_flops_per_image=train_flops_per_image(cfg, x),
        one_job_images_per_s=one_job,
        jobs_images_per_s=together,
        other_precision=other,
        other_precision_images_per_s=other_ceiling,
        eval_seconds=eval_seconds,
        iwae_k=cfg.iwae_k,
        iwae_images=min(cfg.iwae_images, len(test_x)),
    )


def run_bench(configs: list[Config], train_split: Split, test_split: Split, data_dir: Path,
              rounds: int = 3, ceiling_seconds: float = 5.0, workers: int = 2,
              progress: bool = True, sweep: bool = True,
              log: Callable[[str], None] = print) -> BenchResult:
    """bench_model for each config, then the spin sweep on the first."""
    if rounds < 1:
        raise VaeError(f"bench: --rounds must be at least 1, got {rounds}")
    with tempfile.TemporaryDirectory() as tmp:
        root = _notebook_root(Path(data_dir), Path(tmp))
        models = [bench_model(cfg, train_split, test_split, data_dir, root, rounds,
                              ceiling_seconds, workers, progress, log) for cfg in configs]
    log(f"a {MATMUL_SIZE} x {MATMUL_SIZE} matrix product"
        + (f"; {configs[0].name}: the ceiling at OpenMP spin counts {', '.join(SPIN_COUNTS)}"
           if sweep else ""))
    return BenchResult(
        threads=torch.get_num_threads(),
        allocator=tune_malloc(),
        spin_count=os.environ.get("GOMP_SPINCOUNT", "unset"),
        wait_policy=os.environ.get("OMP_WAIT_POLICY", "unset"),
        notebook_spin_count=SPIN_DEFAULT,
        workers=workers,
        rounds=rounds,
        matmul_size=MATMUL_SIZE,
        matmul_gflops=matmul_gflops(ceiling_seconds),
        models=models,
        spin_sweep=spin_sweep(configs[0], Path(data_dir), ceiling_seconds) if sweep else None,
    )


def _main(argv: list[str]) -> dict[str, Any]:
    """The child side of _spawn: `CONFIG notebook ROOT WORKERS progress|quiet`,
    `CONFIG epoch DATA_DIR THREADS` or `CONFIG ceiling DATA_DIR SECONDS THREADS`; the last two
    wait for a line on stdin after saying "ready" (side_by_side)."""
    cfg, mode, *rest = load_config(argv[0]), *argv[1:]
    if mode == "notebook":
        root, workers, progress = rest
        seconds, loss = _notebook(cfg, Path(root), int(workers), progress == "progress")
        return {"seconds": seconds, "test_loss": loss}

    def wait_for_go() -> None:
        print("ready", flush=True)
        sys.stdin.readline()

    data_dir, *rest, threads = rest
    torch.set_num_threads(int(threads))
    train = load_split(data_dir, "train", download=False).images
    if mode == "epoch":
        test = load_split(data_dir, "test", download=False).images
        wait_for_go()
        seconds, loss, _ = _ours(cfg, train, test, progress=False)
        return {"seconds": seconds, "test_loss": loss}
    (seconds,) = rest
    return {"images_per_s": _ceiling(cfg, _first_batch(cfg, train), float(seconds), wait_for_go),
            "spin_count": os.environ.get("GOMP_SPINCOUNT"),
            "wait_policy": os.environ.get("OMP_WAIT_POLICY")}


if __name__ == "__main__":
    try:
        print(json.dumps(_main(sys.argv[1:])))
    except VaeError as exc:
        sys.exit(f"error: {exc}")
