"""Nothing published speaks of how it was built (issue: outside the lab): the data folder, and (in the site
check every build runs) the built pages, cite publishers and documents only."""

from __future__ import annotations

import pytest

from analysis import public_text, settings


@pytest.mark.parametrize(
    "text, what",
    [
        ("copied from /work/shared/upstream/dfe/x.csv", "absolute local path"),
        ("110 in the 2011 SFR in ../shared/upstream", "local archive of the sources"),
        ("title as cited in DATA-MAP.md", "working document"),
        ("(Hansard column numbers are not in the seed text)", "seed documents"),
        ("a RECONSTRUCTION in this project's mirror", "mirror"),
        ("Retrieved 23 November 2026 (mirror)", "mirror"),
        ("the project's source notes record it", "project's source notes"),
    ],
)
def test_each_kind_of_build_machinery_is_found(text, what):
    found = public_text.build_machinery(text)
    assert any(f.startswith(what + ":") for f in found), found


@pytest.mark.parametrize(
    "text",
    [
        "Department for Education, Children looked after in England including adoptions, reporting year 2024",
        "HC Deb 23 October 2019, vol 666, Westminster Hall debate on children's homes",
        "Seeded? no: 'seedling' and 'mirroring' are other words; so is E06000009.",
    ],
)
def test_publishers_and_documents_are_not_flagged(text):
    assert public_text.build_machinery(text) == []


def test_the_published_data_speaks_of_publishers_and_documents_only():
    assert public_text.scan(settings.DATA_DIR) == []
