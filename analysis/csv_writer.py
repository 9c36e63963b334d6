"""How every published CSV is written (data/tidy and chart downloads): one writer for the publish stage and
the book, so the two can never disagree.

- UTF-8 with a byte order mark, as DfE's Explore Education Statistics files are, so spreadsheet programs read
  the pound sign, curly quotes and superscripts right;
- '\n' line ends, nulls as empty cells, whole numbers without '.0';
- formula-like text (a cell starting with = + - @, a tab or a carriage return, unless the whole cell is a
  number) is neutralised with a leading single quote, and `formula_like_cells` lists each such cell so the
  validation report can name it (CSV injection: OWASP).
"""

from __future__ import annotations

import polars as pl

BOM = "\ufeff"
# A text cell that a spreadsheet would run as a formula starts with one of these (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def _formula_like(column: pl.Expr) -> pl.Expr:
    starts = pl.any_horizontal([column.str.starts_with(p) for p in FORMULA_PREFIXES])
    return starts & ~column.str.contains(_NUMBER)


def formula_like_cells(frame: pl.DataFrame, trace: list[str] | None = None) -> list[dict]:
    """Every text cell a spreadsheet could run as a formula, or holding control characters: column, value and
    the row's tracing columns (source_id, urn, file_row, la_name ... where present)."""
    trace = [
        c for c in (trace or ["source_id", "urn", "file_row", "new_la_code", "la_name"]) if c in frame.columns
    ]
    found = []
    for name, dtype in frame.schema.items():
        if dtype != pl.Utf8 or name in trace:
            continue
        column = pl.col(name)
        hits = frame.filter(_formula_like(column) | column.str.contains(_CONTROL)).select(*trace, name)
        for row in hits.iter_rows(named=True):
            found.append({"column": name, "value": row[name], **{c: row[c] for c in trace}})
    return found


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Neutralise formula-like text cells by prefixing a single quote; numbers stay numbers."""
    fixes = []
    for name, dtype in frame.schema.items():
        if dtype != pl.Utf8:
            continue
        column = pl.col(name)
        fixes.append(pl.when(_formula_like(column)).then(pl.lit("'") + column).otherwise(column).alias(name))
    return frame.with_columns(fixes) if fixes else frame


def plain_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Whole-number floats as text without '.0' (1810, not 1810.0): what a reader expects of a count."""
    fixes = []
    for name, dtype in frame.schema.items():
        if dtype in (pl.Float64, pl.Float32):
            column = pl.col(name)
            fixes.append(
                pl.when(column.is_finite() & (column == column.round(0)))
                .then(column.cast(pl.Int64, strict=False).cast(pl.Utf8))
                .otherwise(column.cast(pl.Utf8))
                .alias(name)
            )
    return frame.with_columns(fixes) if fixes else frame


def csv_text(frame: pl.DataFrame) -> str:
    """The CSV text as published: byte order mark, spreadsheet-safe, whole numbers without '.0'."""
    return BOM + plain_numbers(spreadsheet_safe(frame)).write_csv(null_value="", line_terminator="\n")
