"""The DfE Explore Education Statistics (EES) tidy layout, shared by every published CSV.

Published CSVs start with the EES geography/time columns (so users can join them with DfE's own files),
then the dataset's filters, then its indicators. Suppressed or unavailable values are kept as nulls with
the published symbol's meaning in a `value_note` column, never as zero.
"""

from __future__ import annotations

import polars as pl

# EES standard columns, in EES order. `new_la_code` is the GSS code as published for that year.
EES_GEOGRAPHY_COLUMNS: list[str] = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "new_la_code",
    "old_la_code",
    "la_name",
]

# Extra geography columns this project adds after the EES ones: the council that now covers the area
# (see data/reference/la_reorganisations.csv), so a series can be followed across boundary changes.
CURRENT_LA_COLUMNS: list[str] = ["current_la_code", "current_la_name"]

# Provenance columns every tidy row carries: which upstream file and release the value came from.
PROVENANCE_COLUMNS: list[str] = ["source_id", "source_release"]

GEOGRAPHIC_LEVELS = ("National", "Regional", "Local authority")

# Column descriptions of the geography columns of a dataset whose rows are all England's (National).
NATIONAL_GEOGRAPHY_DESCRIPTIONS: dict[str, str] = {
    "geographic_level": "National.",
    "country_code": "E92000001 (England).",
    "country_name": "England.",
    **{
        column: "Empty (national figures)."
        for column in [
            "region_code",
            "region_name",
            "new_la_code",
            "old_la_code",
            "la_name",
            *CURRENT_LA_COLUMNS,
        ]
    },
}
ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"

# Published symbols -> meaning (EES symbols guidance; 2013/2014 SFRs add '#VALUE!' and '..').
SUPPRESSION_SYMBOLS: dict[str, str] = {
    "c": "suppressed (c): confidential, small number",
    "x": "not available (x)",
    "z": "not applicable (z)",
    "k": "rounds to zero, under 0.5 (k)",
    "low": "low number (low)",
    "u": "low reliability (u)",
    "..": "not available (..)",
    ".": "not available (.)",
    "#VALUE!": "spreadsheet error in published file (#VALUE!)",
    "": "blank in published file",
    "-": "not available (-)",
    ":": "not available (:)",
}

# In the 2011-2017 SFR files 'x' meant something else: "numbers from one to five inclusive have been
# suppressed and replaced by a cross (x)" (SFR 2014 Meta_Data_Document.txt, line 18).
SFR_SUPPRESSION_SYMBOLS: dict[str, str] = {
    **SUPPRESSION_SYMBOLS,
    "x": "suppressed (x): a number from 1 to 5, or secondary suppression",
}

GSS_LA_PATTERN = r"^E(06|08|09|10)\d{6}$"
GSS_REGION_PATTERN = r"^E12\d{6}$"


def normalise_label(label: str | None) -> str | None:
    """One place to tidy published category labels: trailing spaces, doubled spaces, odd quotes."""
    if label is None:
        return None
    # str.split() splits on exactly the characters re's \s matches (str.isspace), no-break spaces included:
    # the same as re.sub(r"\s+", " ", label).strip(), without a regular expression per label.
    return " ".join(label.replace("\u2019", "'").split())


def parse_published_number(column: str, symbols: dict[str, str] | None = None) -> list[pl.Expr]:
    """Expressions turning a text column of published values into (value Float64, value_note Utf8).

    Numbers may carry thousands separators; anything that is a known symbol becomes null with a note;
    anything else unparseable also becomes null, with a note quoting it, so nothing is silently zeroed.
    """
    symbols = symbols or SUPPRESSION_SYMBOLS
    text = pl.col(column).cast(pl.Utf8).str.strip_chars()
    number = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
    symbol_note = text.replace_strict(
        list(symbols), list(symbols.values()), default=None, return_dtype=pl.Utf8
    )
    note = (
        pl.when(number.is_not_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(text.is_null())
        .then(pl.lit(symbols[""]))
        .when(symbol_note.is_not_null())
        .then(symbol_note)
        .otherwise(pl.lit("unrecognised value in published file: ") + text)
    )
    return [number.alias("value"), note.alias("value_note")]


def order_columns(frame: pl.DataFrame, filters: list[str], indicators: list[str]) -> pl.DataFrame:
    """Put columns in the published order: EES geography, current LA, filters, indicators, provenance."""
    wanted = EES_GEOGRAPHY_COLUMNS + CURRENT_LA_COLUMNS + filters + indicators + PROVENANCE_COLUMNS
    present = [c for c in wanted if c in frame.columns]
    extra = [c for c in frame.columns if c not in present]
    if extra:
        raise ValueError(f"columns not declared as filters or indicators: {extra}")
    return frame.select(present)
