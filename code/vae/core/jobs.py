"""Train many runs (configs times seeds) side by side, each job on its share of the machine.

On a CPU each of N jobs gets cores // N threads: two one-thread processes on two cores train
more images per second than one two-thread process, because small batches leave threads
waiting. On a machine with GPUs, job i uses GPU i mod count. Jobs are separate processes
(spawned, so that no thread pool is inherited half-initialised); each loads MNIST once.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Callable

from .config import Config
from .runs import Run

_worker: dict = {}  # this job process's MNIST splits, loaded once by _start_job


def default_jobs() -> int:
    """One job per GPU when there are GPUs, else one per core."""
    import torch
    return torch.cuda.device_count() or os.cpu_count() or 1


def _cost(cfg: Config) -> float:
    """A rough relative training cost, to start the longest runs first and pack the rest."""
    return cfg.epochs * (5.0 if cfg.architecture == "conv" else 1.0) * (cfg.train_limit or 60000)


def _start_job(data_dir: str, threads: int, counter: multiprocessing.Value) -> None:
    import torch

    from .data import load_split
    with counter.get_lock():
        index, counter.value = counter.value, counter.value + 1
    torch.set_num_threads(threads)
    if torch.cuda.is_available():
        torch.cuda.set_device(index % torch.cuda.device_count())
    _worker["splits"] = load_split(data_dir, "train"), load_split(data_dir, "test")


def _train_one(cfg: Config, runs_root: str) -> str:
    from .train import train
    train(cfg, *_worker["splits"], runs_root, progress=False,
          log=lambda message: print(message, flush=True))
    return cfg.label


def train_all(configs: list[Config], data_dir: str | Path, runs_root: str | Path,
              jobs: int | None, progress: bool = True, log: Callable[[str], None] = print) -> None:
    """Train every config that has no finished run; `jobs` of them at a time (None: as many as
    default_jobs). Torch is imported only when something is left to train."""
    pending = []
    for cfg in configs:
        run = Run(cfg, runs_root)
        if run.is_finished():
            log(f"{cfg.label}: finished run found in {run.dir}, not training again")
        else:
            pending.append(cfg)
    if not pending:
        return
    from .train import resolve_device, train
    for cfg in pending:
        resolve_device(cfg.device)  # a device that is not there stops before any work
    jobs = max(1, min(jobs or default_jobs(), len(pending)))
    if jobs == 1:
        from .data import load_split
        splits = load_split(data_dir, "train"), load_split(data_dir, "test")
        for cfg in pending:
            train(cfg, *splits, runs_root, progress=progress, log=log)
        return

    threads = max(1, (os.cpu_count() or 1) // jobs)
    log(f"training {len(pending)} runs, {jobs} at a time with {threads} thread(s) each; "
        f"every job prints a line per epoch")
    pending.sort(key=_cost, reverse=True)
    spawn = multiprocessing.get_context("spawn")
    counter = spawn.Value("i", 0)
    with ProcessPoolExecutor(jobs, mp_context=spawn, initializer=_start_job,
                             initargs=(str(data_dir), threads, counter)) as pool:
        remaining = {pool.submit(_train_one, cfg, str(runs_root)) for cfg in pending}
        finished = 0
        while remaining:
            done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in done:
                if future.exception() is not None:
                    pool.shutdown(cancel_futures=True)  # the runs under way still finish
                    raise future.exception()  # a VaeError says what; anything else, where
                finished += 1
                log(f"[{finished}/{len(pending)} runs done] {future.result()}")
