"""Train many runs (configs times seeds) side by side on Dask's distributed scheduler: on this
machine by default, or on any cluster whose workers share the runs folder.

A run is the unit of work: independent of every other, cached by its hash, resumable from its
checkpoint and guarded by its lock, so a worker that dies leaves a run that the next attempt
(on another worker, or the next build) resumes. Without a scheduler address, a local cluster
starts one worker process per job; on a CPU each of N jobs gets cores // N threads (two
one-thread processes on two cores train more images per second than one two-thread process,
because small batches leave threads waiting); on a machine with GPUs, worker i uses GPU
i mod count. Each worker loads MNIST once. Longest runs start first.
"""

from __future__ import annotations

import functools
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .. import VaeError
from .config import Config
from .runs import Run

if TYPE_CHECKING:
    from distributed import Client


def default_jobs() -> int:
    """One job per GPU when there are GPUs, else one per core."""
    import torch
    return torch.cuda.device_count() or len(os.sched_getaffinity(0))


def _cost(cfg: Config) -> float:
    """A rough relative training cost, to start the longest runs first and pack the rest."""
    return cfg.epochs * (5.0 if cfg.architecture == "conv" else 1.0) * (cfg.train_limit or 60000)


def _splits(data_dir: str) -> tuple:
    """MNIST's two splits, loaded once per worker process and version of the files."""
    from .data import raw_dir
    folder = raw_dir(data_dir)
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    return _loaded(data_dir, tuple((f.name, f.stat().st_mtime_ns) for f in files))


@functools.cache
def _loaded(data_dir: str, stamp: tuple) -> tuple:
    from .data import load_split
    return load_split(data_dir, "train"), load_split(data_dir, "test")


def _train_one(cfg: Config, data_dir: str, runs_root: str, threads: int) -> str:
    """One run, on a worker: its own thread count, its GPU if there are GPUs."""
    import torch
    from distributed import get_worker

    from .train import train
    if threads:
        torch.set_num_threads(threads)
    if torch.cuda.is_available():
        name = get_worker().name
        index = name if isinstance(name, int) else int(str(name).rsplit("-", 1)[-1] or 0)
        torch.cuda.set_device(index % torch.cuda.device_count())
    train(cfg, *_splits(data_dir), runs_root, progress=False,
          log=lambda message: print(message, flush=True))
    return cfg.label


def train_all(configs: list[Config], data_dir: str | Path, runs_root: str | Path,
              jobs: int | None, progress: bool = True, log: Callable[[str], None] = print,
              scheduler: str | None = None) -> None:
    """Train every config that has no finished run; `jobs` of them at a time (None: as many as
    default_jobs) on a local cluster, or on the workers of the scheduler at that address.
    Torch is imported only when something is left to train."""
    pending = []
    for cfg in configs:
        run = Run(cfg, runs_root)
        if run.is_finished():
            log(f"{cfg.label}: finished run found in {run.dir}, not training again")
        else:
            pending.append(cfg)
    if not pending:
        return
    if scheduler is None:
        from .train import resolve_device
        for cfg in pending:
            resolve_device(cfg.device)  # a device that is not there stops before any work
        jobs = max(1, min(jobs or default_jobs(), len(pending)))
        if jobs == 1:  # in this process, with progress bars
            from .data import load_split
            from .train import train
            splits = load_split(data_dir, "train"), load_split(data_dir, "test")
            for cfg in pending:
                train(cfg, *splits, runs_root, progress=progress, log=log)
            return
    pending.sort(key=_cost, reverse=True)
    # absolute, because a worker may run in another folder or on another machine
    data_dir, runs_root = str(Path(data_dir).resolve()), str(Path(runs_root).resolve())
    with _client(scheduler, jobs, log) as (client, threads):
        if scheduler is None:
            log(f"training {len(pending)} runs, {jobs} at a time in local worker processes with "
                f"{threads} thread(s) each; every job prints a line per epoch")
        futures = [client.submit(_train_one, cfg, data_dir, runs_root, threads,
                                 key=f"train-{Run(cfg, runs_root).dir.name}", pure=False,
                                 priority=len(pending) - i)
                   for i, cfg in enumerate(pending)]
        from distributed import as_completed
        finished = 0
        for future in as_completed(futures):
            # a failed run raises here (a VaeError says what and where); leaving the client
            # stops the runs under way, which resume from their checkpoints next time
            label = future.result()
            finished += 1
            log(f"[{finished}/{len(pending)} runs done] {label}")


@contextmanager
def _client(scheduler: str | None, jobs: int,
            log: Callable[[str], None]) -> Iterator[tuple[Client, int]]:
    """A Dask client and the torch threads per job: on a local cluster of `jobs` worker
    processes, or connected to the scheduler at an address (threads 0: the workers' own
    setting). Leaving stops a local cluster's workers; their runs keep their checkpoints."""
    import dask
    from distributed import Client, LocalCluster
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise VaeError(f"cannot reach the Dask scheduler at '{scheduler}' ({exc}); start it "
                           f"with `dask scheduler`, or leave SCHEDULER empty to train on this "
                           f"machine") from None
        with client:
            log(f"training on the cluster at {scheduler}, "
                f"{len(client.scheduler_info()['workers'])} workers now; every worker must see "
                f"the runs and data folders at the same paths")
            yield client, 0
        return
    # a run neither needs nor survives a worker that spills or pauses its memory
    with dask.config.set({"distributed.worker.memory.target": False,
                          "distributed.worker.memory.spill": False,
                          "distributed.worker.memory.pause": False}):
        with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                          dashboard_address=None, host="127.0.0.1",
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client, max(1, len(os.sched_getaffinity(0)) // jobs)
