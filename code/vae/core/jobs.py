"""Train many runs (configs times seeds) side by side on Dask's distributed scheduler: on this
machine by default, or on any cluster whose workers share the runs folder.

A run is the unit of work: independent of every other, cached by its hash, resumable from its
checkpoint and guarded by its lock, so a worker that dies leaves a run that the next attempt
(on another worker, or the next build) resumes. Without a scheduler address, a local cluster
starts one worker process per job; a run computes with its config's `threads` on a CPU
whichever process trains it, so its numbers do not depend on how many train beside it (two
one-thread processes on two cores train more images per second than one two-thread process,
because small batches leave threads waiting); on a machine with GPUs, worker i uses GPU
i mod count. Each worker loads MNIST once. Longest runs start first.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .errors import VaeError
from .config import Config
from .runs import Run

if TYPE_CHECKING:
    from distributed import Client


def default_jobs(threads: int = 1) -> int:
    """One job per GPU when there are GPUs, else one per `threads` cores."""
    import torch
    return torch.cuda.device_count() or max(1, len(os.sched_getaffinity(0)) // threads)


# A worker of one_thread_pool computes with one thread, so that N of them work side by side on N
# cores (more images per second than one N-thread process) and their numbers (t-SNE's gradient
# sums, a convolution's) do not depend on how many cores the machine has. Libraries read these
# variables when they load, so they are set while the workers start.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def one_thread_pool(workers: int, initializer: Callable[..., None] | None = None,
                    initargs: tuple[Any, ...] = ()) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` fresh (spawned) processes that compute with one thread each."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=initializer, initargs=initargs,
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# A run neither needs nor survives a worker that spills or pauses its memory; the nanny's
# MALLOC_TRIM_THRESHOLD_ (allocator.py undoes its effect in any case) stays out of the
# workers' and this process's environment; and runs start strictly longest first: a worker
# is handed its next run only when it is free (no second run waiting in its queue, none
# stolen), so that a long run cannot start last while the other worker idles.
LOCAL_WORKERS = {"distributed.worker.memory.target": False,
                 "distributed.worker.memory.spill": False,
                 "distributed.worker.memory.pause": False,
                 "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                 "distributed.scheduler.worker-saturation": 1.0,
                 "distributed.scheduler.work-stealing": False}


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


def _train_one(cfg: Config, data_dir: str, runs_root: str) -> str:
    """One run, on a worker: its GPU if there are GPUs."""
    import torch
    from distributed import get_worker

    from .train import train
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
    # what would stop every run stops here, once, before any worker starts: missing or damaged
    # data, a device that is not there
    from .data import load_split
    from .train import resolve_device
    for cfg in pending:
        resolve_device(cfg.device)
    splits = load_split(data_dir, "train"), load_split(data_dir, "test")
    if scheduler is None:
        threads = max(cfg.threads for cfg in pending)
        jobs = max(1, min(jobs or default_jobs(threads), len(pending)))
        if jobs == 1:  # in this process, with progress bars
            from .train import train
            for cfg in pending:
                train(cfg, *splits, runs_root, progress=progress, log=log)
            return
    del splits
    pending.sort(key=_cost, reverse=True)
    # absolute, because a worker may run in another folder or on another machine
    data_dir, runs_root = str(Path(data_dir).resolve()), str(Path(runs_root).resolve())
    with _client(scheduler, jobs, log) as client:
        if scheduler is None:
            log(f"training {len(pending)} runs, {jobs} at a time in local worker processes with "
                f"{threads} thread(s) each; every job prints a line per epoch")
        futures = [client.submit(_train_one, cfg, data_dir, runs_root,
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
def _client(scheduler: str | None, jobs: int, log: Callable[[str], None]) -> Iterator[Client]:
    """A Dask client: of a local cluster of `jobs` worker processes, or connected to the
    scheduler at an address. Leaving stops a local cluster's workers; their runs keep their
    checkpoints."""
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
            yield client
        return
    # A failed run reaches the user as its own one-line error (from future.result()), not as
    # the cluster's log of it with a traceback, nor as the log of closed connections after a
    # Ctrl-C or SIGTERM to the whole process group, which stops the workers before this
    # process closes them. Their queues' semaphores are then unlinked by multiprocessing's
    # resource tracker, which says so in a warning that is dropped here (it inherits this
    # process's warning options when it starts).
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    sys.warnoptions.append("ignore:resource_tracker:UserWarning")
    with dask.config.set(LOCAL_WORKERS):
        with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                          dashboard_address=None, host="127.0.0.1",
                          silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
            yield client
