"""The report's code listings: the functions each one shows, read from the package's own
files (importing the package would import torch), with the file each comes from."""

from __future__ import annotations

import ast
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import VaeError
from ..core.cache_keys import module_file
from ..core.checkout import CHECKOUT

# The report's code listings: each one's label, caption and the functions it shows, by module
# and qualified name, in order. The template typesets this list; nothing else names them.
LISTINGS = (
    ("lst:encoder", "The precision the networks run in, and the encoder's posterior",
     ("vae.core.model.VAE.in_precision", "vae.core.model.VAE.encode")),
    ("lst:decoder", "The decoder and the forward pass",
     ("vae.core.model.VAE.decode", "vae.core.model.VAE.forward")),
    ("lst:loss", "The loss's two terms",
     ("vae.core.losses.reconstruction_nll", "vae.core.losses.kl_to_prior")),
    ("lst:objective", "The training objective", ("vae.core.losses.training_objective",)),
    ("lst:step", "One training step", ("vae.core.train.train_step",)),
    ("lst:train", "One training epoch", ("vae.core.train.train_epoch",)),
)


# In lines of body text (10 pt type on 12 pt): a listing line is footnotesize (9.5 pt), an A4
# page with the preamble's margins of 2.4 cm holds 58 lines.
LISTING_LINE = 9.5 / 12
CAPTION_LINES = 3
HEADING_LINES = 7  # the appendix's heading and its four lines of introduction
PAGE_LINES = 55


@dataclass(frozen=True)
class Listing:
    label: str
    caption: str
    source: Markup  # the functions' sources, a blank line between two
    file: str  # of the first function, relative to the repository root

    @property
    def keep(self) -> int:
        """Lines of body text to find free on the page before the listing starts, so that one
        shorter than a page never breaks: its lines and its caption; at most a page's worth,
        beyond which it breaks anyway."""
        lines = self.source.count("\n") + 1
        return min(math.ceil(LISTING_LINE * lines) + CAPTION_LINES, PAGE_LINES)

    @property
    def keep_with_heading(self) -> int:
        """The same for the first listing with the section's heading and introduction."""
        return min(self.keep + HEADING_LINES, PAGE_LINES)


def function_source(path: Path, qualname: str) -> str:
    """The source of a function, method or class, decorators included, read from its file
    (importing the package would import torch)."""
    source = path.read_text()
    scope: Any = ast.parse(source)
    for name in qualname.split("."):
        matches = [node for node in scope.body if getattr(node, "name", None) == name]
        if not matches:
            raise VaeError(f"'{path}' has no {qualname} for the report's listing")
        scope = matches[0]
    first = min([scope.lineno, *(d.lineno for d in scope.decorator_list)])
    lines = source.splitlines()[first - 1:scope.end_lineno]
    return textwrap.dedent("\n".join(lines)).rstrip()


def function_listing(qualified: str) -> tuple[str, str]:
    """The source of a package object given by module and qualified name, e.g.
    vae.core.model.VAE.encode (the longest prefix that names a module is its file), and that
    file."""
    parts = qualified.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        path = module_file(".".join(parts[:cut]))
        if path is not None:
            return (function_source(path, ".".join(parts[cut:])),
                    source_file(".".join(parts[:cut])))
    raise VaeError(f"the report lists '{qualified}', which names no module of the package")


def source_file(module: str) -> str:
    """The file of a package module, relative to the repository root, for a caption."""
    path = module_file(module)
    if path is None:
        raise VaeError(f"the report names the module '{module}', which the package lacks")
    return path.resolve().relative_to(CHECKOUT).as_posix()


def code_listings() -> list[Listing]:
    """LISTINGS with their sources, taken from the package itself."""
    found = []
    for label, caption, functions in LISTINGS:
        sources, files = zip(*(function_listing(f) for f in functions))
        found.append(Listing(label, caption, Markup("\n\n".join(sources)), files[0]))
    return found
