"""analysis.book.glue pastes every formatted number exactly as text.* wrote it.

myst-nb's {glue:text} role reads a glued value's text/plain output through ast.literal_eval
(myst_nb.core.variables.format_plain_text): an unquoted 83,920 is the tuple (83, 920), and 2.30 the float 2.3.
"""

from __future__ import annotations

import pytest
from myst_nb.core.variables import format_plain_text

from analysis import book, text


@pytest.mark.parametrize(
    "value",
    [
        text.n(83920),
        text.n(13010),  # "13,010" is no Python literal (leading zero), "83,920" is
        text.dec(2.30, 2),
        text.pct(46.2107),
        text.signed_pct(145.6),
        "Independent and semi-independent living arrangements/supported accommodation",
        "children's homes",
        "2024",
        'a "quoted" word',
    ],
)
def test_a_glued_text_pastes_as_itself(value):
    glued = book.glue("key", value)
    assert format_plain_text(repr(glued), "") == value
