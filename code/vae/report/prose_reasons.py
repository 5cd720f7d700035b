"""Why the study tried each change: a paragraph per setting that a variant changes
(comparisons.EXPLAINED), worded from the variant's config."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from .comparisons import Comparison
from .latex import num, sci


def decay_step(c: Comparison, config: dict[str, Any]) -> str:
    """How much AdamW's decoupled decay, where c turns it on or off, shrinks a weight per step
    ("" under another optimiser or without the change)."""
    change = next((ch for ch in c.changes if ch.key == "weight_decay"), None)
    if change is None or config["optimizer"] != "adamw":
        return ""
    fraction = config["lr"] * max(change.baseline, change.value)
    return (f" Under AdamW the decay is small: each step shrinks every weight by the learning "
            f"rate times the decay, a fraction of {sci(fraction)}, apart from the gradient's "
            f"update.")


def reason(c: Comparison, config: dict[str, Any]) -> Markup:
    """Why the study tried the change that c explains (comparisons.EXPLAINED), given the
    variant's config; and a caution when it changes several settings at once."""
    why = {
        "architecture":
            "Convolutions share weights across positions and see neighbouring pixels together, "
            "so the decoder can draw strokes rather than predict 784 pixels from a dense layer. "
            f"The encoder has two $3\\times3$ convolutions of stride 2 ({config['channels']} "
            f"and {2 * config['channels']} channels, $28\\to14\\to7$ pixels) before a dense "
            f"layer of {config['hidden']} units; the decoder mirrors it with transposed "
            "convolutions.",
        "residual":
            ("Each hidden layer of the sheet's funnel becomes $h + f(h)$: the layer's output "
             "plus a shortcut without parameters (the mean of each pair of units where the "
             "width halves, each unit twice where it doubles), so the model keeps its "
             "parameter count, and its gradients gain a direct path through the funnel's "
             "hidden layers."
             if config["architecture"] == "mlp" else
             "A residual block follows each convolution of the encoder and precedes each of "
             "the decoder: $x + f(x)$, where $f$ narrows to a quarter of the channels by a "
             "$1\\times1$ convolution, applies a $3\\times3$ one and widens back, each after "
             "the activation \\citep{he2016}; its last convolution starts at zero, so the "
             "network starts as its plain counterpart and adds depth only as training finds "
             "it useful."),
        "optimizer":
            ("Adam adds the weight decay to the gradient before its per-weight scaling, so "
             "heavily updated weights are barely decayed; AdamW, the sheet's, decays every "
             "weight by the same fraction \\citep{loshchilov2019}."
             if config["optimizer"] == "adam" else
             f"The optimiser changes to {config['optimizer']}."),
        "lr_schedule":
            "The learning rate falls from its start to zero along a half cosine over the "
            "training steps, so that the last epochs take small steps and settle into a "
            "minimum instead of hovering around it at the full rate \\citep{loshchilov2017}.",
        "covariance":
            "A full-covariance posterior $\\mathcal{N}(\\mu, LL^\\top)$ with a learned Cholesky "
            "factor $L$ can align with correlated directions of the true posterior, which a "
            "diagonal one cannot (\\exref{6} gives its KL). The encoder's last layer gives the "
            "diagonal of $L$ as for the diagonal model, and its strict lower triangle as "
            f"{config['offdiag_scale']} times further outputs.",
        "offdiag_scale":
            "The same family of posteriors, with the off-diagonal outputs at scale "
            f"{config['offdiag_scale']}, as this study first had it: they then start at the size "
            "of the means and move as fast, and every unit of $\\sum_{j>k} L_{jk}^2$ costs half "
            "a nat of KL (\\exref{6}) unless it matches a correlation of the true posterior.",
        "kl_warmup_epochs":
            "Warm-up ramps the KL weight from $0$ to $\\beta$ over the first "
            f"{num(config['kl_warmup_epochs'], 0)} epochs, so that the encoder can learn useful "
            "codes before the KL pulls them towards the prior; it is a common remedy for units "
            "that collapse onto the prior \\citep{bowman2016}.",
        "beta":
            f"A weight $\\beta={config['beta']:g}$ on the KL \\citep{{higgins2017}} "
            + ("charges less for the code, so that the model may spend more nats on it and "
               "reconstruct better, at the price of an objective that no longer bounds "
               "$\\log p_\\theta(x)$ from below (\\cref{app:beyond})"
               if config["beta"] < 1 else
               "charges extra for every nat of code, so that the posterior keeps closer to the "
               "prior") + ".",
        "grad_clip":
            f"Clipping rescales any gradient whose norm exceeds {num(config['grad_clip'], 0)} "
            "before the step, which guards against the occasional huge update that produces "
            "loss spikes.",
        "activation":
            f"The activation changes from {c.explained_from}, to {c.explained_to}.",
        "weight_decay":
            "Weight decay pulls every weight towards zero at each step; without it, only the "
            "ELBO shapes the weights." + decay_step(c, config),
        "hidden_layers":
            "This is the shape of PyTorch's example VAE \\citep{pytorchvae}: one hidden layer of "
            f"{config['hidden']} units each way instead of the sheet's funnel of "
            f"{c.explained_from} narrowing layers. Nothing else changes; the example differs "
            "further in its code (20 dimensions), its activation (ReLU), its optimiser (Adam "
            "without weight decay) and its variance (an exponentiated log-variance rather than "
            "a Softplus).",
        "latent_dim":
            (f"The code grows again, from {c.explained_from} to {c.explained_to} dimensions."
             if c.latent_again else
             f"The code grows from {c.explained_from} to {c.explained_to} dimensions. A larger "
             "code can describe more than the digit's identity (slant, width, stroke), at the "
             "price of more KL."),
    }
    text = why.get(c.explained, "")
    if c.several:
        text += (f" This variant changes {c.several} settings at once, so its effect cannot be "
                 f"credited to any one of them.")
    return Markup(text.strip())
