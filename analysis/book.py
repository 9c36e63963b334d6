"""What a chapter uses, and all it uses: published datasets from data/, glued words, charts.

A chapter (book/*.md, a MyST notebook) holds its own words; numbers and data-dependent words are glued in:

    ```{code-cell} ipython3
    :tags: [remove-cell]
    from analysis import book, text
    trend = book.load("placements_national_trend")          # a published, validated dataset (data/ only)
    latest = book.one(trend, time_period=trend["time_period"].max(), measure="placed_outside_la_boundary")
    book.glue("year", latest["time_period"])
    book.glue("n_outside", text.n(latest["value"]))
    ```

    At 31 March {glue:text}`year`, {glue:text}`n_outside` children looked after lived outside ...

`book` never reads the fetch layer, the raw cache or any source file: a chapter shows exactly what a reader
downloads. Charts go through analysis.charts (`charts.show`), which draws an SVG in plain Jupyter and the
site's chart furniture in the book build.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from analysis import data


class Text(str):
    """A glued string that pastes as itself. `{glue:text}` reads the text/plain repr back with
    ast.literal_eval (myst-nb), so the repr is the quoted string: an unquoted "2,863" would come back as the
    tuple (2, 863) and "1.10" as 1.1. `{glue:md}` shows its Markdown."""

    def __repr__(self) -> str:
        return repr(str(self))

    def _repr_markdown_(self) -> str:
        return str(self)


def load(name: str, **filters: Any) -> pl.DataFrame:
    """A published dataset (data/tidy/<name>.csv with its declared types), optionally filtered by equality."""
    frame = data.load(name)
    for column, wanted in filters.items():
        frame = frame.filter(pl.col(column).is_null() if wanted is None else pl.col(column) == wanted)
    return frame


def one(frame: pl.DataFrame, **filters: Any) -> dict[str, Any]:
    """The single row matching `filters` (an error if none or several: a glued number is never ambiguous)."""
    for column, wanted in filters.items():
        frame = frame.filter(pl.col(column).is_null() if wanted is None else pl.col(column) == wanted)
    if frame.height != 1:
        raise ValueError(f"expected one row for {filters}, found {frame.height}")
    return frame.row(0, named=True)


def glue(key: str, value: Any) -> Text:
    """Glue a word or formatted number into the page: `{glue:text}`key`` in the Markdown. Returns it, so a
    cell can also use it. Outside the book build, it only returns the text."""
    text = Text(value if isinstance(value, str) else str(value))
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the book
        return text
    if get_ipython() is not None:
        from myst_nb import glue as myst_glue

        myst_glue(key, text, display=False)
    return text


def glue_all(values: dict[str, Any]) -> dict[str, Text]:
    """Glue several keys at once."""
    return {key: glue(key, value) for key, value in values.items()}
