"""report/listings.py: the code listings, read from the package's own files."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup
from vae import VaeError
from vae.report import listings as listings_module
from vae.report.listings import (
    CAPTION_LINES,
    HEADING_LINES,
    LISTINGS,
    PAGE_LINES,
    Listing,
    code_listings,
)


def test_each_listing_shows_its_functions_from_their_files(monkeypatch):
    listings = code_listings()
    assert [l.label for l in listings] == [label for label, _, _ in LISTINGS]
    loss = next(l for l in listings if l.label == "lst:loss")
    assert loss.file == "code/vae/core/losses.py"
    assert loss.source.index("def reconstruction_nll(") < loss.source.index("def kl_to_prior(")
    assert "def training_objective(" not in loss.source
    monkeypatch.setattr(listings_module, "LISTINGS",
                        (("lst:x", "x", ("vae.core.losses.no_such",)),))
    with pytest.raises(VaeError, match="no_such"):
        code_listings()


def test_a_listing_keeps_room_for_all_its_lines_up_to_a_page():
    def listing(lines: int) -> Listing:
        return Listing("lst:x", "x", Markup("\n".join(["pass"] * lines)), "f.py")

    def keep(lines: int) -> int:
        return listing(lines).keep
    assert keep(1) == 1 + CAPTION_LINES
    assert keep(24) == 19 + CAPTION_LINES  # footnotesize lines take 9.5/12 of a body line
    assert keep(24) < keep(25)
    assert keep(500) == PAGE_LINES
    assert listing(24).keep_with_heading == keep(24) + HEADING_LINES
    assert listing(500).keep_with_heading == PAGE_LINES
    assert all(l.keep > CAPTION_LINES for l in code_listings())


def test_every_listing_the_templates_cite_is_listed():
    from conftest import ROOT
    cited = {label for path in (ROOT / "templates").glob("*.j2")
             for group in re.findall(r"\\[cC]ref\{([^}]*)\}", path.read_text())
             for label in group.split(",") if label.startswith("lst:")}
    assert cited and cited <= {label for label, _, _ in LISTINGS}
