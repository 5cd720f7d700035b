"""The title page's fields and the quoted literature (report/meta.py)."""

from __future__ import annotations

import re

import pytest
from vae import VaeError
from vae.core.checkout import CHECKOUT
from vae.report.meta import load_literature, load_meta, placeholder_warning


def test_meta_config_errors_name_the_key(tmp_path):
    path = tmp_path / "report.toml"
    path.write_text('title = "t"\nauthr = "x"\n')
    with pytest.raises(VaeError, match="unknown key 'authr'"):
        load_meta(path)
    path.write_text('title = 3\n')
    with pytest.raises(VaeError, match="'title' must be a string"):
        load_meta(path)
    with pytest.raises(VaeError, match="does not exist"):
        load_meta(tmp_path / "absent.toml")


def test_every_quoted_figure_names_a_source_in_the_bibliography():
    bib = (CHECKOUT / "templates" / "references.bib").read_text()
    entries = load_literature(CHECKOUT / "templates" / "literature.toml")
    quoted = set(re.findall(r"literature\.(\w+)", "".join(
        p.read_text() for p in (CHECKOUT / "templates").glob("*.j2"))))
    assert quoted and quoted <= set(entries)  # every entry a template quotes is there
    for entry in entries.values():
        assert re.search(r"@\w+\{" + re.escape(entry["cite"]) + ",", bib), entry["cite"]


def test_a_quoted_figure_without_a_source_is_refused(tmp_path):
    path = tmp_path / "literature.toml"
    path.write_text("[someone]\nnll = 80.0\n")
    with pytest.raises(VaeError, match="entry 'someone' must be a table with a 'cite' key"):
        load_literature(path)
    path.write_text("[someone\n")
    with pytest.raises(VaeError, match="literature file .* is not valid TOML"):
        load_literature(path)


def test_the_shipped_title_page_holds_the_placeholders_that_are_warned_about():
    path = CHECKOUT / "configs" / "report.toml"
    warning = placeholder_warning(load_meta(path), path)
    assert warning and "author and student_id" in warning and "report.toml" in warning


def test_a_filled_in_title_page_is_not_warned_about(tmp_path):
    path = tmp_path / "report.toml"
    path.write_text('title = "t"\nsubtitle = "s"\nauthor = "Ada L."\nstudent_id = "123"\n'
                    'course = "c"\n')
    assert placeholder_warning(load_meta(path), path) is None
    path.write_text(path.read_text().replace("Ada L.", "Student Name"))
    assert "author in" in placeholder_warning(load_meta(path), path)
