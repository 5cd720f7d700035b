"""The training loop: epochs, atomic checkpoints, resume; a run's files go through runs.Run."""

from __future__ import annotations

import math
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterator

import torch
from tqdm import tqdm

from .errors import VaeError
from .cache_keys import module_digests
from .config import Config
from .data import Split, batches, held_out, num_batches, trained_images
from .evaluate import ElboTerms, elbo_terms, evaluated, final_metrics
from .losses import Terms, training_objective
from .model import VAE, count_parameters, describe_layers
from .runs import TRAINER, EpochMetrics, Layer, Run, RunResults


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise VaeError("config key 'device' is 'cuda' but no CUDA device is available; "
                       "use device=auto or device=cpu")
    return torch.device(name)


def make_optimizer(cfg: Config, model: torch.nn.Module) -> torch.optim.Optimizer:
    params = model.parameters()
    if cfg.optimizer == "adamw":
        # fused: one kernel for the whole update, measurably faster on CPU, same arithmetic
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, weight_decay=cfg.weight_decay)


def learning_rate(cfg: Config, epoch: int, step: int, steps_per_epoch: int) -> float:
    """lr, or with the cosine schedule lr * (1 + cos(pi t / T)) / 2 at step t of T: computed from
    the position alone, so that a resumed run needs no scheduler state."""
    if cfg.lr_schedule == "constant":
        return cfg.lr
    progress = (epoch * steps_per_epoch + step) / (cfg.epochs * steps_per_epoch)
    return cfg.lr * (1 + math.cos(math.pi * progress)) / 2


def kl_weight(cfg: Config, epoch: int, step: int, steps_per_epoch: int) -> float:
    """beta, ramped linearly from 0 over the first kl_warmup_epochs epochs."""
    if cfg.kl_warmup_epochs == 0:
        return cfg.beta
    progress = (epoch + step / steps_per_epoch) / cfg.kl_warmup_epochs
    return cfg.beta * min(1.0, progress)


def _diverged(cfg: Config, directory: Path, epoch: int, where: str, value: float) -> VaeError:
    kept = (f"The last good checkpoint (after epoch {epoch}) is kept in '{directory}'."
            if epoch else "No epoch had finished, so there is no checkpoint.")
    return VaeError(
        f"training '{cfg.label}' diverged: the loss became {value} at epoch {epoch + 1}, "
        f"{where}. {kept} Lower the learning rate (now lr={cfg.lr}) or enable gradient "
        f"clipping (e.g. grad_clip=1.0).")


def _epoch_row(epoch: int, train_sums: torch.Tensor, n: int, valid: ElboTerms,
               seconds: float) -> EpochMetrics:
    objective, recon, kl = (train_sums / n).tolist()
    return EpochMetrics(epoch=epoch, train_loss=recon + kl, train_recon=recon, train_kl=kl,
                        train_objective=objective, valid_loss=valid.negative_elbo,
                        valid_recon=valid.recon, valid_kl=valid.kl, seconds=seconds,
                        images_per_s=n / seconds)


class NonFiniteLoss(VaeError):
    """A training step produced a NaN or infinite loss; train() adds where its checkpoint is."""

    def __init__(self, step: int, value: float) -> None:
        super().__init__(f"the training loss became {value} at step {step}")
        self.step, self.value = step, value


def train_step(model: VAE, optimizer: torch.optim.Optimizer, cfg: Config, x: torch.Tensor,
               kl_w: float = 1.0, number: int = 1) -> Terms:
    """One gradient step on the batch x: the objective (-ELBO with the KL weighted by kl_w),
    backpropagated, clipped if cfg.grad_clip, applied; refused, before any weight changes, if
    it is not finite (the error names the step's number in its epoch)."""
    terms = training_objective(model, x, kl_w)
    if not torch.isfinite(terms.objective):
        raise NonFiniteLoss(number, terms.objective.item())
    optimizer.zero_grad(set_to_none=True)
    terms.objective.backward()
    if cfg.grad_clip:
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    optimizer.step()
    return terms


def train_epoch(model: VAE, optimizer: torch.optim.Optimizer, cfg: Config,
                train_x: torch.Tensor, batch_rng: torch.Generator, epoch: int,
                progress: bool = True) -> torch.Tensor:
    """One shuffled pass over train_x; the per-step (objective, recon, kl), shape (steps, 3)."""
    model.train()
    steps_per_epoch = num_batches(len(train_x), cfg.batch_size)
    epoch_steps = []
    bar = tqdm(batches(train_x, cfg.batch_size, batch_rng, cfg.binarize), total=steps_per_epoch,
               desc=f"{cfg.label} {epoch + 1}/{cfg.epochs}", disable=not progress,
               leave=False, file=sys.stderr, dynamic_ncols=True)
    for step, x in enumerate(bar):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(cfg, epoch, step, steps_per_epoch)
        terms = train_step(model, optimizer, cfg, x, kl_weight(cfg, epoch, step, steps_per_epoch),
                           number=step + 1)
        epoch_steps.append(torch.stack(terms).detach())
        if step % 25 == 0:
            bar.set_postfix(objective=f"{terms.objective.item():.1f}")
    return torch.stack(epoch_steps).cpu()


def train(cfg: Config, train_split: Split, test_split: Split, runs_root: str | Path,
          progress: bool = True, log: Callable[[str], None] = print) -> Run:
    """Train cfg to completion (resuming if a checkpoint exists) and return its run: on the
    training split less its validation images, measured on those every epoch, and on the test
    split once, at the end. One process trains a run at a time: a second one waits for the
    first and then finds the run finished."""
    run = Run(cfg, runs_root)
    if run.is_finished():
        log(f"{cfg.label}: finished run found in {run.dir}, not training again")
        return run
    with run.lock(log), torch_threads(cfg.threads):
        if run.is_finished():
            log(f"{cfg.label}: the other process finished this run in {run.dir}; "
                f"not training again")
            return run
        _train(run, train_split, test_split, progress, log)
    return run


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Compute with `threads` CPU threads inside the block (a run's numbers depend on it)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _train(run: Run, train_split: Split, test_split: Split, progress: bool,
           log: Callable[[str], None]) -> None:
    cfg = run.cfg
    run.write_config()
    device = resolve_device(cfg.device)
    torch.manual_seed(cfg.seed)
    model = VAE(cfg).to(device)
    optimizer = make_optimizer(cfg, model)
    batch_rng = torch.Generator().manual_seed(cfg.seed)
    # the uint8 sets live where the model does (55 MB): no copy per batch on a GPU
    train_x = trained_images(train_split, cfg.validation, cfg.train_limit).images.to(device)
    valid_x = evaluated(held_out(train_split, cfg.validation)[1], cfg).images.to(device)
    test_x = evaluated(test_split, cfg).images.to(device)
    steps_per_epoch = num_batches(len(train_x), cfg.batch_size)

    start, steps, history = 0, [], []
    found = run.load_checkpoint(log)
    if found is not None:
        state, path = found
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        batch_rng.set_state(state["batch_rng"])
        torch.set_rng_state(state["torch_rng"])
        start, steps = state["epoch"], [state["steps"]]
        history = [EpochMetrics(**row) for row in state["history"]]
        log(f"{cfg.label}: resuming after epoch {start} from {path}")

    for epoch in range(start, cfg.epochs):
        t0 = time.perf_counter()
        try:
            epoch_steps = train_epoch(model, optimizer, cfg, train_x, batch_rng, epoch, progress)
        except NonFiniteLoss as exc:
            raise _diverged(cfg, run.dir, epoch, f"step {exc.step}", exc.value) from None
        seconds = time.perf_counter() - t0
        steps.append(epoch_steps)
        # weight each batch by its size so that the epoch mean is per image
        sizes = torch.full((len(epoch_steps),), float(cfg.batch_size))
        sizes[-1] = len(train_x) - cfg.batch_size * (len(epoch_steps) - 1)
        sums = (epoch_steps * sizes[:, None]).sum(0)
        measured = elbo_terms(model, valid_x, cfg, seed=cfg.seed + 1)
        if not math.isfinite(measured.negative_elbo):  # the last step's update broke the weights
            raise _diverged(cfg, run.dir, epoch, f"step {steps_per_epoch} (in the validation "
                            f"after it)", measured.negative_elbo)
        history.append(_epoch_row(epoch + 1, sums, len(train_x), measured, seconds))
        run.save_checkpoint({
            "epoch": epoch + 1, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "batch_rng": batch_rng.get_state(), "torch_rng": torch.get_rng_state(),
            "steps": torch.cat(steps), "history": [asdict(row) for row in history]})
        run.write_metrics(history)
        row = history[-1]
        log(f"{cfg.label}: epoch {epoch + 1}/{cfg.epochs}  train -ELBO {row.train_loss:.2f}  "
            f"validation -ELBO {row.valid_loss:.2f} (recon {row.valid_recon:.2f}, "
            f"KL {row.valid_kl:.2f}) nats  {row.images_per_s:.0f} images/s")

    _finish(run, model, train_x, valid_x, test_x,
            torch.cat(steps) if steps else torch.zeros(0, 3), history, log)


def _finish(run: Run, model: VAE, train_x: torch.Tensor, valid_x: torch.Tensor,
            test_x: torch.Tensor, steps: torch.Tensor, history: list[EpochMetrics],
            log: Callable[[str], None]) -> None:
    """Final evaluation; the results are written last, so that they mark a complete run."""
    cfg = run.cfg
    # p(x|z) is a density of x only for binary pixels: on grey levels the bound is a tighter
    # -ELBO, the sheet's objective, not a bound on a likelihood
    bound = "IWAE estimate of -log p(x)" if cfg.binarize else "IWAE bound (grey-level objective)"
    log(f"{cfg.label}: evaluating ({bound} with k={cfg.iwae_k} on "
        f"{min(cfg.iwae_images, len(test_x))} test images)")
    t0 = time.perf_counter()
    metrics = final_metrics(model, train_x, valid_x, test_x, cfg)
    model = model.cpu()
    run.save_model(model)
    run.write_steps(steps.numpy())
    bad = {k: v for k, v in asdict(metrics).items()
           if isinstance(v, float) and k != "iwae_stderr" and not math.isfinite(v)}
    if bad:
        raise VaeError(f"run '{run.dir}' produced non-finite test metrics: {bad}")
    run.write_results(RunResults(
        run_hash=run.hash,
        name=cfg.name,
        config=cfg.to_dict(),
        epochs=len(history),
        train_images=len(train_x),
        valid_images=len(valid_x),
        test_images=len(test_x),
        device=resolve_device(cfg.device).type,
        params=count_parameters(model),
        layers=[Layer(**layer) for layer in describe_layers(model)],
        seconds_per_epoch=sum(r.seconds for r in history) / max(1, len(history)),
        images_per_s=sum(r.images_per_s for r in history) / max(1, len(history)),
        eval_seconds=time.perf_counter() - t0,
        **asdict(metrics),
        code=module_digests(TRAINER),
    ))
    log(f"{cfg.label}: test -ELBO {metrics.test_loss:.2f} nats, {bound} "
        f"{metrics.iwae_bound:.2f} ± {metrics.iwae_stderr:.2f} nats, "
        f"{metrics.active_units}/{cfg.latent_dim} active units")
