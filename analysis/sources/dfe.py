"""One toolkit for every DfE children-looked-after file: SFR wide CSVs (2011-2017) and EES long CSVs (2018 on).

Drift is data, in data/reference:
- `ees_columns.csv`: the columns each EES family may have (as published, e.g. `CLA_group`, and canonical, e.g.
  `cla_group`), with their role and the kind of value they hold (count, signed_count, percent, rate, label).
  A column not listed stops the run, naming the table; a listed column whose values do not fit its kind (a
  count column that now holds percentages, a label column whose labels are all unknown) stops it too.
- `ees_labels.csv`: every label of each filter column the project reads, compared by meaning (`meaning()`:
  spacing, quotes, DfE's enumeration '5c.1 ' and case do not matter), mapped to what it is (a measure id, a
  category) or to nothing (known, not used). An unknown label stops the run and names the table.
- `sfr_columns.csv`: the SFR column (or columns: renamed between years) of each measure, with the first and last
  release that publishes it.

Conventions handled here, once:
- Inner and Outer London sub-regional totals (SFR: rows named so with code E12000007; EES: E13 codes at
  "Regional" level) are left out; London (E12000007) is kept; EES London boroughs' E13 region becomes London;
- EES files carry rows for councils in years when they did not exist (every value 'z' or 'x', at least one
  'z'): those council-years are dropped;
- in SFR files 'x' means "suppressed (1 to 5, or secondary suppression)" (SFR metadata), not EES's
  "not available": one note says so (layout.SFR_SUPPRESSION_SYMBOLS);
- a value that is neither a number nor a known symbol raises ParseError; so does a fractional count;
- a release must hold exactly the years its manifest row's reference_period says.

The revision policy (`select_releases`): for each measure, geographic level and period, the newest release
that holds it; among a release's tables, the first in a stated order of preference; a value only older
releases hold stays, with `source_id`/`source_release` saying where it came from. `superseded` gives the
values newer releases replaced (the revisions datasets).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from analysis.errors import ParseError
from analysis.layout import (
    EES_GEOGRAPHY_COLUMNS,
    ENGLAND_CODE,
    GEOGRAPHIC_LEVELS,
    GSS_LA_PATTERN,
    SFR_SUPPRESSION_SYMBOLS,
    SUPPRESSION_SYMBOLS,
    normalise_label,
    order_columns,
    parse_published_number,
)
from analysis.sources.dfe_common import read_ees_csv, read_sfr_csv

COLUMNS_TABLE = "data/reference/ees_columns.csv"
LABELS_TABLE = "data/reference/ees_labels.csv"
SFR_TABLE = "data/reference/sfr_columns.csv"

# Columns every measure frame carries after the EES geography: provenance and the release's rank.
PROVENANCE = ["source_id", "source_release", "release_rank"]
AREA_KEY = ["time_period", "geographic_level", "region_code", "new_la_code"]

REGION_NAMES: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
LONDON = "E12000007"
LONDON_SUBREGION_NAMES = {"inner london", "outer london"}
PLACEHOLDER_SYMBOLS = ("z", "x")

COUNT = "count"
SIGNED_COUNT = "signed_count"
PERCENT = "percent"
RATE = "rate"
LABEL = "label"
BY_LABEL = "by_label"
VALUE_KINDS = (COUNT, SIGNED_COUNT, PERCENT, RATE, LABEL, BY_LABEL)

_ENUMERATION = re.compile(r"^[0-9]+(?:[a-z](?:\.[0-9a-z]+)*\.?|(?:\.[0-9a-z]+)+\.?|\.)\s+", re.IGNORECASE)


def meaning(label: str | None) -> str:
    """A published label reduced to its meaning: tidy spaces/quotes, drop enumeration ('5c.1 ', '4c.1 ',
    '2.ii ', '1. ', '6: ') and case. "Children's home placement inside the council boundary" for both
    "5c.1 Children's home placement inside the council boundary" and "4c.1 Children's Home placement ..."."""
    text = normalise_label(label) or ""
    return _ENUMERATION.sub("", text).casefold()


# --------------------------------------------------------------------------------------------------------------
# The drift tables
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    family: str
    column: str
    published_as: str
    role: str
    kind: str


@dataclass(frozen=True)
class Drift:
    """The three drift tables, read once per run from the reference folder."""

    columns: tuple[ColumnSpec, ...]
    # (family, column, context meaning) -> {label meaning: maps_to ('' = known, not used)}
    labels: Mapping[tuple[str, str, str], Mapping[str, str]]
    # family -> [(measure, published names, first release, last release or None)]
    sfr: Mapping[str, tuple[tuple[str, tuple[str, ...], int, int | None], ...]]

    def columns_of(self, family: str) -> list[ColumnSpec]:
        return [c for c in self.columns if c.family in (family, "*")]

    def label_map(self, family: str, column: str, context: str = "") -> Mapping[str, str]:
        return self.labels.get((family, column, meaning(context)), {})

    def has_labels(self, family: str, column: str) -> bool:
        return any(f == family and c == column for f, c, _ in self.labels)


def _rows(path: Path, columns: list[str]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if list(reader.fieldnames or []) != columns:
            raise ValueError(f"{path}: columns must be {columns}; found {reader.fieldnames}")
        return list(reader)


@lru_cache(maxsize=4)
def _load_drift(reference_dir: str, stamp: tuple[float, ...]) -> Drift:
    root = Path(reference_dir)
    columns = []
    for row in _rows(root / "ees_columns.csv", ["family", "column", "published_as", "role", "kind", "note"]):
        if row["role"] in ("filter", "indicator") and row["kind"] not in VALUE_KINDS:
            raise ValueError(f"{COLUMNS_TABLE}: kind {row['kind']!r} of {row['family']} {row['column']}")
        columns.append(
            ColumnSpec(row["family"], row["column"], row["published_as"], row["role"], row["kind"])
        )
    labels: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in _rows(root / "ees_labels.csv", ["family", "column", "context", "label", "maps_to", "note"]):
        key = (row["family"], row["column"], meaning(row["context"]))
        table = labels.setdefault(key, {})
        label = meaning(row["label"])
        if label in table and table[label] != row["maps_to"]:
            raise ValueError(f"{LABELS_TABLE}: label {row['label']!r} of {key} mapped twice")
        table[label] = row["maps_to"]
    sfr: dict[str, list] = {}
    for row in _rows(
        root / "sfr_columns.csv",
        ["family", "measure", "published_as", "first_release", "last_release", "note"],
    ):
        names = tuple(n.strip() for n in row["published_as"].split(";") if n.strip())
        last = int(row["last_release"]) if row["last_release"] else None
        sfr.setdefault(row["family"], []).append((row["measure"], names, int(row["first_release"]), last))
    return Drift(tuple(columns), labels, {k: tuple(v) for k, v in sfr.items()})


def drift(reference_dir: Path) -> Drift:
    """The drift tables in `reference_dir` (cached while the files are unchanged)."""
    root = Path(reference_dir)
    stamp = tuple(
        (root / name).stat().st_mtime for name in ("ees_columns.csv", "ees_labels.csv", "sfr_columns.csv")
    )
    return _load_drift(str(root), stamp)


# --------------------------------------------------------------------------------------------------------------
# Reading EES files
# --------------------------------------------------------------------------------------------------------------


class _File:
    """What a reader needs of a fetched file: path, source id, family, release title, rank and years."""

    def __init__(self, file):
        source = file.source
        self.path: Path = file.path
        self.name: str = file.path.name
        self.source_id: str = source.source_id
        self.family: str = source.family
        self.release_title: str = source.release_title
        self.rank: int = source.release_rank
        self.source = source


def where(row: Mapping[str, object]) -> str:
    """A row of a DfE frame for a message: its year and area, e.g. "2012, Local authority E06000001 Hartlepool"
    (the council's code and name; a region's code and name; "National")."""
    level = row.get("geographic_level")
    if level == "Local authority":
        area = f"{level} {row.get('new_la_code') or row.get('old_la_code')} {row.get('la_name')}"
    elif level == "Regional":
        area = f"{level} {row.get('region_code')} {row.get('region_name')}"
    else:
        area = str(level)
    return f"{row['time_period']}, {area}" if row.get("time_period") is not None else area


def _first_record(frame: pl.DataFrame, condition: pl.Expr) -> str:
    """'record N (year, area)' of the first row of a frame as read (row i is the file's record i + 2, below the
    header) that meets `condition`."""
    hit = frame.with_row_index("_record", offset=2).filter(condition).row(0, named=True)
    return f"record {hit['_record']} ({where(hit)})"


@lru_cache(maxsize=64)
def _read_ees_cached(path: str, mtime_ns: int, size: int, source_id: str, release: str) -> pl.DataFrame:
    return read_ees_csv(Path(path), source_id, release)


def _check_kind(frame: pl.DataFrame, spec: ColumnSpec, f: _File) -> None:
    """A value column's published text must fit its kind: a column reused with another meaning is refused."""
    if spec.kind in (LABEL, BY_LABEL):
        return
    text = pl.col(spec.column).cast(pl.Utf8).str.strip_chars()
    number = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
    numbers = frame.select(number.alias("n")).drop_nulls()["n"]
    if numbers.is_empty():
        return
    checks = []
    if spec.kind in (COUNT, SIGNED_COUNT):
        checks.append(("fractional value(s)", number != number.round(0)))
        if spec.kind == COUNT:
            checks.append(("negative value(s)", number < 0))
    elif spec.kind == PERCENT:
        checks.append(("value(s) outside 0-100", (number < 0) | (number > 100)))
    elif spec.kind == RATE:
        checks.append(("negative value(s)", number < 0))
    problems = []
    for what, condition in checks:
        hits = frame.filter(condition)
        if hits.height:
            problems.append(
                f"{hits.height} {what} such as {hits[spec.column][0]!r}, first at {_first_record(frame, condition)}"
            )
    if problems:
        raise ParseError(
            f.source_id,
            f.name,
            f"column {spec.published_as!r} holds {spec.kind} values",
            "; ".join(problems)
            + f": the column may have been reused with another meaning (see {COLUMNS_TABLE}, family {f.family})",
        )


def read_ees(file, reference_dir: Path) -> pl.DataFrame:
    """An EES file of a known family: canonical column names (ees_columns.csv), text values, the release's
    years checked against the manifest, Inner/Outer London and non-existent council-years left out, London
    boroughs in London. Adds source_id, source_release and release_rank."""
    f = _File(file)
    tables = drift(reference_dir)
    stat = f.path.stat()
    frame = _read_ees_cached(str(f.path), stat.st_mtime_ns, stat.st_size, f.source_id, f.release_title)
    specs = tables.columns_of(f.family)
    by_published = {s.published_as.casefold(): s for s in specs}
    unknown = [c for c in frame.columns if c not in PROVENANCE and c.casefold() not in by_published]
    if unknown:
        # the columns the table expects that the header lacks: a renamed column is one of each
        present = {by_published[c.casefold()].column for c in frame.columns if c.casefold() in by_published}
        lacking = sorted(
            {s.column for s in specs if s.family == f.family and s.role in ("filter", "indicator")} - present
        )
        raise ParseError(
            f.source_id,
            f.name,
            "known columns",
            f"unknown column(s) {unknown} in the header (record 1)"
            + (f", which lacks {lacking}" if lacking else "")
            + f": add them to {COLUMNS_TABLE} (family {f.family}) if they are a renamed or new column",
        )
    frame = frame.rename(
        {c: by_published[c.casefold()].column for c in frame.columns if c.casefold() in by_published}
    )
    needed = [s.column for s in specs if s.family == f.family and s.role in ("filter", "indicator")]
    missing = sorted(set(needed) - set(frame.columns))
    if missing:
        raise ParseError(
            f.source_id,
            f.name,
            "expected columns present",
            f"missing {missing} (family {f.family}, {COLUMNS_TABLE}): a column renamed or dropped",
        )
    for spec in specs:
        if spec.family == f.family and spec.role == "indicator":
            _check_kind(frame, spec, f)
    _check_years(frame, f)
    _check_england(frame, f)
    frame = _with_geography(frame)
    _check_levels(frame, f)
    frame = standard_geography(frame, f)
    indicators = [s.column for s in specs if s.family == f.family and s.role == "indicator"]
    frame = drop_placeholder_councils(frame, indicators)
    return frame.with_columns(pl.lit(f.rank, dtype=pl.Int64).alias("release_rank"))


def _check_years(frame: pl.DataFrame, f: _File) -> None:
    """The file holds exactly the years its manifest row's reference_period says."""
    held = sorted(set(frame["time_period"].drop_nulls().to_list()))
    expected = f.source.years
    if held != expected:
        extra = sorted(set(held) - set(expected))
        lacking = sorted(set(expected) - set(held))
        detail = f"the release covers years {expected[0]}-{expected[-1]} (data/sources.csv) but holds {held}"
        if extra:
            detail += f"; years outside it: {extra}, first at " + _first_record(
                frame, pl.col("time_period").is_in(extra)
            )
        if lacking:
            detail += f"; years missing: {lacking}"
        raise ParseError(f.source_id, f.name, "the release holds the years it covers", detail)


def _check_england(frame: pl.DataFrame, f: _File) -> None:
    """Every row is England or an area in it: country E92000001, councils' codes E06/E08/E09/E10 (a Welsh
    W06 or Scottish S12 council, or a row for Wales, is not read as if it were English)."""
    outside = pl.col("country_code").fill_null("") != ENGLAND_CODE
    if "new_la_code" in frame.columns:
        outside = outside | (
            (pl.col("geographic_level") == "Local authority")
            & ~pl.col("new_la_code").fill_null("").str.contains(GSS_LA_PATTERN)
        )
    hits = frame.filter(outside)
    if hits.height:
        first = hits.row(0, named=True)
        raise ParseError(
            f.source_id,
            f.name,
            "rows are for England",
            f"{hits.height} row(s) for areas outside England, first at {_first_record(frame, outside)}: "
            f"country_code {first['country_code']!r}"
            + (f", new_la_code {first['new_la_code']!r}" if "new_la_code" in first else "")
            + ": the project reads England only (country_code E92000001, councils' codes E06, E08, E09 or E10)",
        )


def _with_geography(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the EES geography columns a national-only file leaves out (as nulls)."""
    missing = [pl.lit(None, dtype=pl.Utf8).alias(c) for c in EES_GEOGRAPHY_COLUMNS if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def _check_levels(frame: pl.DataFrame, f: _File) -> None:
    levels = set(frame["geographic_level"].unique().to_list())
    unknown = levels - set(GEOGRAPHIC_LEVELS)
    if unknown:
        raise ParseError(
            f.source_id, f.name, "known geographic_level values", f"unexpected {sorted(map(str, unknown))}"
        )


def standard_geography(frame: pl.DataFrame, f: _File) -> pl.DataFrame:
    """Leave out Inner/Outer London sub-regional rows; every other Regional row must be an E12 region (named as
    EES names it); London boroughs' region is London; LA columns only on LA rows, region columns not on
    National rows; one row per area and year is checked by each reader for its own filters."""
    regional = pl.col("geographic_level") == "Regional"
    name = pl.col("region_name").fill_null("").str.to_lowercase().str.strip_chars()
    sub = regional & (
        pl.col("region_code").fill_null("").str.starts_with("E13") | name.is_in(LONDON_SUBREGION_NAMES)
    )
    names = {(n or "").strip().casefold() for n in frame.filter(sub)["region_name"].unique().to_list()}
    if names - LONDON_SUBREGION_NAMES:
        raise ParseError(
            f.source_id, f.name, "sub-regional rows are Inner/Outer London", f"found {sorted(names)}"
        )
    frame = frame.filter(~sub)
    bad = frame.filter(regional & ~pl.col("region_code").fill_null("").is_in(list(REGION_NAMES)))
    if bad.height:
        raise ParseError(
            f.source_id,
            f.name,
            "regional rows carry a known E12 region code",
            f"{bad.select('region_code', 'region_name').unique().rows()[:5]}",
        )
    is_la = pl.col("geographic_level") == "Local authority"
    london_la = is_la & pl.col("region_code").fill_null("").str.starts_with("E13")
    return frame.with_columns(
        pl.when(regional)
        .then(pl.col("region_code").replace_strict(REGION_NAMES, default=None))
        .when(london_la)
        .then(pl.lit(REGION_NAMES[LONDON]))
        .otherwise(pl.col("region_name"))
        .alias("region_name"),
        pl.when(london_la).then(pl.lit(LONDON)).otherwise(pl.col("region_code")).alias("region_code"),
    ).with_columns(
        *[pl.when(is_la).then(pl.col(c)).alias(c) for c in ("new_la_code", "old_la_code", "la_name")],
        *[
            pl.when(pl.col("geographic_level") != "National").then(pl.col(c)).alias(c)
            for c in ("region_code", "region_name")
        ],
    )


def drop_placeholder_councils(frame: pl.DataFrame, value_columns: list[str]) -> pl.DataFrame:
    """Drop council-years whose every published value is 'z' or 'x' with at least one 'z' (not applicable):
    the council did not exist that year. Rows of 'x' alone (not available) are kept, as nulls with a note."""
    value_columns = [c for c in value_columns if c in frame.columns]
    if not value_columns:
        return frame
    is_la = pl.col("geographic_level") == "Local authority"
    keys = ["time_period", "new_la_code", "old_la_code"]
    placeholder = pl.all_horizontal(
        [pl.col(c).is_in(list(PLACEHOLDER_SYMBOLS)).all().over(keys) for c in value_columns]
    ) & pl.any_horizontal([(pl.col(c) == "z").any().over(keys) for c in value_columns])
    return frame.filter(~(is_la & placeholder))


# --------------------------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------------------------


def map_labels(
    frame: pl.DataFrame,
    file,
    reference_dir: Path,
    column: str,
    *,
    into: str,
    context: str | None = None,
) -> pl.DataFrame:
    """Add `into`: what each label of `column` maps to in ees_labels.csv ('' for a known label not used).

    `context`: the column whose *meaning* selects the table for each row (e.g. the cla_group a characteristic
    belongs to); rows whose context has no table are left with a null `into`. Every label in a table's
    scope must be known: an unknown one raises ParseError naming the table to edit."""
    f = _File(file)
    tables = drift(reference_dir)
    key = pl.col(column).map_elements(meaning, return_dtype=pl.Utf8)
    ctx = pl.col(context).map_elements(meaning, return_dtype=pl.Utf8) if context else pl.lit("")
    pairs = frame.select(key.alias("_label"), ctx.alias("_ctx"), pl.col(column).alias("_raw")).unique()
    rows = []
    unknown = []
    for label, ctx_value, raw in pairs.iter_rows():
        table = tables.label_map(f.family, column, ctx_value or "")
        if not table:
            if context is None:
                raise ParseError(
                    f.source_id,
                    f.name,
                    f"known {column} labels",
                    f"no labels of {column!r} are listed for family {f.family} in {LABELS_TABLE}",
                )
            continue
        if label not in table:
            unknown.append(raw)
            continue
        rows.append((label, ctx_value or "", table[label]))
    if unknown:
        scope = f" under {context}" if context else ""
        first = frame.filter(pl.col(column).is_in(unknown)).row(0, named=True)
        raise ParseError(
            f.source_id,
            f.name,
            f"known {column} labels{scope}",
            f"unknown label(s) {sorted(map(str, unknown))} (first in the row for {where(first)}): a reworded or "
            f"new label; add it to {LABELS_TABLE} (family {f.family}, column {column}) with what it maps to",
        )
    lookup = pl.DataFrame(
        rows, schema={"_label": pl.Utf8, "_ctx": pl.Utf8, into: pl.Utf8}, orient="row"
    ).unique()
    out = frame.with_columns(key.alias("_label"), ctx.fill_null("").alias("_ctx")).join(
        lookup, on=["_label", "_ctx"], how="left", nulls_equal=True
    )
    return out.drop("_label", "_ctx")


# --------------------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------------------


def parse_values(
    frame: pl.DataFrame,
    raw: str,
    file,
    *,
    kinds: Mapping[str, str] | None = None,
    symbols: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Published text in `raw` -> `value` (Int64 counts) and `rate` (Float64 percentages, rates, averages),
    with `value_note` saying why a value is null. `kinds` maps each `measure` to count / signed_count / rate
    (default: every measure is a count). Symbols are layout.SUPPRESSION_SYMBOLS unless `symbols` is given.
    Anything else unparseable, a fractional count or a negative unsigned count raises ParseError."""
    f = _File(file)
    symbols = dict(symbols or SUPPRESSION_SYMBOLS)
    parsed = frame.with_columns(
        [
            e.alias(n)
            for e, n in zip(parse_published_number(raw, symbols), ["_number", "value_note"], strict=True)
        ]
    )
    kind = (
        pl.col("measure").replace_strict(dict(kinds), default=None, return_dtype=pl.Utf8)
        if kinds
        else pl.lit(COUNT)
    )
    parsed = parsed.with_columns(kind.alias("_kind"))
    if parsed["_kind"].null_count():
        unknown = parsed.filter(pl.col("_kind").is_null())["measure"].unique().to_list()
        raise ParseError(f.source_id, f.name, "measure kind known", f"no kind for measures {unknown}")
    unrecognised = parsed.filter(pl.col("value_note").str.starts_with("unrecognised value"))
    if unrecognised.height:
        raise ParseError(
            f.source_id,
            f.name,
            "values are numbers or known symbols",
            f"{unrecognised.height} value(s) such as {_value_at(unrecognised, raw)} are neither",
        )
    counts = parsed.filter(pl.col("_kind").is_in([COUNT, SIGNED_COUNT]) & pl.col("_number").is_not_null())
    fractional = counts.filter(pl.col("_number") != pl.col("_number").round(0))
    if fractional.height:
        raise ParseError(
            f.source_id,
            f.name,
            "counts are whole numbers",
            f"{fractional.height} count(s) such as {_value_at(fractional, raw)}",
        )
    negative = parsed.filter((pl.col("_kind") != SIGNED_COUNT) & (pl.col("_number") < 0))
    if negative.height:
        raise ParseError(
            f.source_id,
            f.name,
            "values are not negative",
            f"{negative.height} value(s) such as {_value_at(negative, raw)}",
        )
    is_count = pl.col("_kind").is_in([COUNT, SIGNED_COUNT])
    return parsed.with_columns(
        pl.when(is_count).then(pl.col("_number").round(0)).cast(pl.Int64).alias("value"),
        pl.when(~is_count).then(pl.col("_number")).cast(pl.Float64).alias("rate"),
    ).drop("_number", "_kind", raw)


def _value_at(rows: pl.DataFrame, raw: str) -> str:
    """The first row's published value, its measure and where it is: "'-8' (measure, 2012, Local authority
    E06000001 Hartlepool)"."""
    first = rows.row(0, named=True)
    place = where(first) if "geographic_level" in first else ""
    return f"{first[raw]!r} ({', '.join(p for p in (str(first.get('measure')), place) if p)})"


def sfr_symbols() -> dict[str, str]:
    """The SFR meaning of the published symbols (a cross is a suppressed small number there)."""
    return dict(SFR_SUPPRESSION_SYMBOLS)


def check_unique(frame: pl.DataFrame, key: list[str], file) -> None:
    duplicated = frame.filter(pl.struct(key).is_duplicated())
    if duplicated.height:
        f = _File(file)
        raise ParseError(
            f.source_id,
            f.name,
            "one row per area, year and category",
            f"repeated: {duplicated.select(key).unique().rows()[:5]}",
        )


# --------------------------------------------------------------------------------------------------------------
# Reading SFR files
# --------------------------------------------------------------------------------------------------------------


def sfr_columns(file, reference_dir: Path, *, measures: Iterable[str] | None = None) -> dict[str, str]:
    """measure -> the SFR column that holds it in this file (sfr_columns.csv), for the measures this release
    publishes (first_release <= release <= last_release). A measure the table expects and the file lacks
    raises ParseError naming the table."""
    f = _File(file)
    wanted = set(measures) if measures is not None else None
    header = {c.casefold(): c for c in _sfr_header(f)}
    found = {}
    for measure, names, first, last in drift(reference_dir).sfr.get(f.family, ()):
        if wanted is not None and measure not in wanted:
            continue
        if f.rank < first or (last is not None and f.rank > last):
            continue
        candidates = [n.format(year=f.rank) for n in names]
        column = next((header[c.casefold()] for c in candidates if c.casefold() in header), None)
        if column is None:
            raise ParseError(
                f.source_id,
                f.name,
                f"column for {measure} present",
                f"none of {candidates} in the header: a renamed column? add its name to {SFR_TABLE}",
            )
        found[measure] = column
    return found


def _sfr_header(f: _File) -> list[str]:
    return list(
        _read_sfr_cached(str(f.path), f.path.stat().st_mtime_ns, f.source_id, f.rank, f.release_title).columns
    )


@lru_cache(maxsize=32)
def _read_sfr_cached(path: str, mtime_ns: int, source_id: str, year: int, release: str) -> pl.DataFrame:
    return read_sfr_csv(Path(path), source_id, year, release)


def read_sfr(file) -> pl.DataFrame:
    """An SFR underlying-data CSV with EES geography columns (time_period = the release's year), Inner/Outer
    London left out, region names as EES spells them, one row per area; every other column as published."""
    f = _File(file)
    (year,) = f.source.years
    frame = _read_sfr_cached(str(f.path), f.path.stat().st_mtime_ns, f.source_id, year, f.release_title)
    frame = standard_geography(frame, f)
    duplicated = frame.filter(
        pl.struct(
            ["time_period", "geographic_level", "region_code", "new_la_code", "old_la_code"]
        ).is_duplicated()
    )
    if duplicated.height:
        raise ParseError(
            f.source_id,
            f.name,
            "one row per area",
            f"repeated areas {duplicated.select('geographic_level', 'region_code', 'new_la_code').unique().rows()[:5]}",
        )
    national = frame.filter(pl.col("geographic_level") == "National").height
    if national != 1:
        raise ParseError(f.source_id, f.name, "one National row", f"{national} National rows")
    return frame.with_columns(pl.lit(f.rank, dtype=pl.Int64).alias("release_rank"))


def sfr_long(file, columns: Mapping[str, str], extra: Mapping[str, str] | None = None) -> pl.DataFrame:
    """SFR measure columns ({measure: column}) as a long frame: geography, measure, text `_raw`, provenance."""
    frame = read_sfr(file)
    parts = [
        frame.select(
            *EES_GEOGRAPHY_COLUMNS,
            pl.lit(measure).alias("measure"),
            *[pl.lit(v).alias(k) for k, v in (extra or {}).items()],
            pl.col(column).alias("_raw"),
            *PROVENANCE,
        )
        for measure, column in columns.items()
    ]
    return pl.concat(parts) if parts else pl.DataFrame()


# --------------------------------------------------------------------------------------------------------------
# Combining releases: the revision policy
# --------------------------------------------------------------------------------------------------------------


def select_releases(
    frame: pl.DataFrame, by: Sequence[str], *, table_preference: Sequence[str] | None = None
) -> pl.DataFrame:
    """The revision policy. For each `by` group (measure, geographic level, period and any filters), keep the
    rows of the newest release that holds the group (`release_rank`); where that release publishes the group
    in more than one table, the rows of the table listed first in `table_preference` (a `table` column holds
    each row's family). Whole groups are taken from one file, never single cells mixed."""
    ranked = frame.with_columns(_score(table_preference))
    return ranked.filter(pl.col("_score") == pl.col("_score").max().over(list(by))).drop("_score")


def superseded(
    frame: pl.DataFrame, by: Sequence[str], *, table_preference: Sequence[str] | None = None
) -> pl.DataFrame:
    """The rows `select_releases` leaves out where a newer release holds the same group: earlier releases'
    values of a year that a later release revised (or republished unchanged)."""
    ranked = frame.with_columns(_score(table_preference))
    newest = pl.col("release_rank").max().over(list(by))
    best = pl.col("_score").max().over(list(by))
    return ranked.filter((pl.col("_score") != best) & (pl.col("release_rank") < newest)).drop("_score")


def _score(preference: Sequence[str] | None) -> pl.Expr:
    """Newer releases first; within a release, the preferred table first."""
    if not preference:
        table_rank = pl.lit(0, dtype=pl.Int64)
    else:
        order = {table: rank for rank, table in enumerate(preference)}
        table_rank = pl.col("table").replace_strict(order, default=len(order), return_dtype=pl.Int64)
    return (pl.col("release_rank").cast(pl.Int64) * 1000 - table_rank).alias("_score")


def area_identity() -> pl.Expr:
    """An area id stable across releases: GSS codes change (North Yorkshire E10000023 -> E06000065 in EES
    2024 for every year) but the DfE 3-digit code does not."""
    return (
        pl.when(pl.col("geographic_level") == "Local authority")
        .then(pl.lit("LA ") + pl.col("old_la_code"))
        .when(pl.col("geographic_level") == "Regional")
        .then(pl.lit("R ") + pl.col("region_code"))
        .otherwise(pl.lit("National"))
    )


def finish(frame: pl.DataFrame, filters: list[str], indicators: list[str], key: list[str]) -> pl.DataFrame:
    """Check one row per key, drop the working columns, put columns in the published order, sort by the key
    (nulls first: National before Regional codes)."""
    duplicated = frame.filter(pl.struct(key).is_duplicated())
    if duplicated.height:
        raise ValueError(f"rows repeat the key {key}: {duplicated.select(key).rows()[:5]}")
    frame = frame.drop([c for c in ("release_rank", "table") if c in frame.columns])
    return order_columns(frame, filters, indicators).sort(key, nulls_last=False)


# --------------------------------------------------------------------------------------------------------------
# Validation views shared by the DfE datasets
# --------------------------------------------------------------------------------------------------------------


def schema_view(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per column, 'name:polars dtype': lets a suite pin the exact types (pandas loses Int64 when a
    column has nulls)."""
    return pl.DataFrame(
        {"column_type": [f"{name}:{dtype}" for name, dtype in frame.schema.items()]},
        schema={"column_type": pl.Utf8},
    )


def reorganised_codes(path: Path) -> set[str]:
    """Council GSS codes data/reference/la_reorganisations.csv says were replaced (`old_la_code_gss` of rows
    with an `effective_date`). Read at validation time; an absent file gives an empty set."""
    path = Path(path)
    if not path.exists():
        return set()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"old_la_code_gss", "effective_date"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(
                f"{path}: columns {sorted(missing)} missing (needed by the la_continuity checks)"
            )
        return {r["old_la_code_gss"].strip() for r in reader if (r["effective_date"] or "").strip()}


def la_continuity_view(frame: pl.DataFrame, filters: list[str], reorganisations: Path) -> pl.DataFrame:
    """Councils with rows in year Y but none in Y+1, for the same filters, where Y+1 has council rows:
    allowed only when the code is in the reorganisations reference table."""
    codes = reorganised_codes(reorganisations)
    la = (
        frame.filter(pl.col("geographic_level") == "Local authority")
        .select(*filters, "time_period", "new_la_code", "la_name")
        .unique()
    )
    years = la.select(*filters, "time_period").unique()
    next_year = years.with_columns((pl.col("time_period") - 1).alias("time_period"))
    present_next = la.with_columns((pl.col("time_period") - 1).alias("time_period")).select(
        *filters, "time_period", "new_la_code"
    )
    dropped = (
        la.join(next_year, on=[*filters, "time_period"], how="semi", nulls_equal=True)
        .join(present_next, on=[*filters, "time_period", "new_la_code"], how="anti", nulls_equal=True)
        .with_columns(
            (pl.col("time_period") + 1).alias("missing_in"),
            pl.col("new_la_code").is_in(sorted(codes)).alias("in_reorganisations"),
        )
    )
    return dropped.select(
        *filters,
        pl.col("time_period").alias("last_year"),
        "missing_in",
        "new_la_code",
        "la_name",
        "in_reorganisations",
    ).sort(pl.all())


# DfE derives national totals by summing council figures and then rounding to the nearest 10 (SFR 2014 and
# 2017 metadata; EES data guidance), so the council sum and the national figure differ by at most 5.
LA_SUM_TOLERANCE = 5
# Published exceptions, checked in the files: in the 2011 SFR (SFR21_CLA.csv) the national figure differs
# from the sum of the 151 published council figures by up to 9 (CLA_ExtPl: 22,500 vs 22,491; CLA_Outbound:
# 22,990 vs 22,983), so 2011 is allowed 10.
LA_SUM_TOLERANCE_BY_YEAR = {2011: 10}  # domain: the 2011 SFR national figures differ by up to 9
# Where some council values are suppressed, the national figure can exceed the sum of the published ones by
# the hidden values: at most SUPPRESSED_CELL_ALLOWANCE each (primary suppression hides 1 to 5; secondary
# suppression a little more) plus RELATIVE_ALLOWANCE of the national figure (secondary suppression can hide a
# whole small council: in EES 2024 the hidden values of placed_in_la_by_other_las 2023 add up to 230, 0.65% of
# England), and it can never be below that sum by more than the rounding tolerance. Net gain can be negative,
# so a suppressed council could move the sum either way: those year-measures are not checked; nor are
# year-measures where councils are absent from the file (the LA characteristics file lacks Cumbria and
# Northamptonshire for some years: a coverage gap documented in the measure notes).
SUPPRESSED_CELL_ALLOWANCE = 10
RELATIVE_ALLOWANCE = 0.01
SIGNED_MEASURES = ("net_gain",)


def la_sum_vs_national_view(
    frame: pl.DataFrame, filters: list[str], bound_suppressed: bool = False
) -> pl.DataFrame:
    """Per year and filters: the national value against the sum of published council values (none derived).
    `excess` must be <= 0: with every council published, |difference| - tolerance; with some suppressed, the
    larger of (sum - national - tolerance) and (national - sum - allowance for the hidden values) (only with
    bound_suppressed, for datasets whose council coverage is complete in most years). `largest_council`,
    `largest_value` and `largest_share` name the council that contributes most to the sum, and `sources` the
    files of that year: so a failure says where to look."""
    derived = "derivation" in frame.columns
    published = frame.filter(pl.col("derivation").is_null()) if derived else frame
    national = published.filter(pl.col("geographic_level") == "National").select(
        *filters, "time_period", pl.col("value").alias("national")
    )
    la_rows = published.filter(pl.col("geographic_level") == "Local authority")
    la = la_rows.group_by(*filters, "time_period").agg(
        pl.len().alias("councils"),
        pl.col("value").null_count().alias("councils_not_published"),
        pl.col("value").sum().alias("council_sum"),
        (pl.col("derivation").is_not_null().sum() if derived else pl.lit(0)).alias("councils_derived"),
        pl.col("la_name").sort_by(pl.col("value").fill_null(0)).last().alias("largest_council"),
        pl.col("new_la_code").sort_by(pl.col("value").fill_null(0)).last().alias("largest_council_code"),
        pl.col("value").max().alias("largest_value"),
        pl.col("source_id").unique().sort().str.join(", ").alias("sources"),
    )
    signed = pl.col("measure").is_in(SIGNED_MEASURES) if "measure" in filters else pl.lit(False)
    complete = pl.col("councils") == pl.col("councils").max().over("time_period")
    joined = national.join(la, on=[*filters, "time_period"], how="inner", nulls_equal=True).filter(
        pl.col("national").is_not_null()
        & (pl.col("councils_derived") == 0)
        & ((pl.col("councils_not_published") == 0) | (~signed & complete & bound_suppressed))
    )
    difference = pl.col("council_sum") - pl.col("national")
    allowance = (
        pl.col("tolerance")
        + SUPPRESSED_CELL_ALLOWANCE * pl.col("councils_not_published")
        + (RELATIVE_ALLOWANCE * pl.col("national").abs()).ceil().cast(pl.Int64)
    )
    previous = la_rows.select(
        *filters,
        (pl.col("time_period") + 1).alias("time_period"),
        pl.col("new_la_code").alias("largest_council_code"),
        pl.col("value").alias("largest_previous_value"),
    ).unique(subset=[*filters, "time_period", "largest_council_code"])
    joined = joined.join(
        previous, on=[*filters, "time_period", "largest_council_code"], how="left", nulls_equal=True
    )
    return (
        joined.with_columns(
            difference.alias("difference"),
            pl.col("time_period")
            .replace_strict(LA_SUM_TOLERANCE_BY_YEAR, default=LA_SUM_TOLERANCE, return_dtype=pl.Int64)
            .alias("tolerance"),
        )
        .with_columns(
            pl.when(pl.col("councils_not_published") == 0)
            .then(pl.col("difference").abs() - pl.col("tolerance"))
            .otherwise(
                pl.max_horizontal(
                    pl.col("difference") - pl.col("tolerance"), -pl.col("difference") - allowance
                )
            )
            .alias("excess"),
            (pl.col("largest_value") / pl.col("national").abs().clip(lower_bound=1))
            .round(3)
            .alias("largest_share"),
        )
        .sort(pl.all())
    )


def years_view(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per series (the `by` columns, also joined as 'a|b' in `series`): the first and last year published, as
    'first-last' in `span`, and how many years are missing inside it (`gaps`)."""
    return (
        frame.group_by(by)
        .agg(
            pl.col("time_period").min().alias("first_year"),
            pl.col("time_period").max().alias("last_year"),
            pl.col("time_period").n_unique().alias("years"),
        )
        .with_columns(
            pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("-") for c in by], separator="|").alias(
                "series"
            ),
            pl.format("{}-{}", "first_year", "last_year").alias("span"),
            (pl.col("last_year") - pl.col("first_year") + 1 - pl.col("years")).cast(pl.Int64).alias("gaps"),
        )
        .sort(by)
    )


def filled_view(frame: pl.DataFrame, by: str, columns: list[str]) -> pl.DataFrame:
    """For each value of `by` (e.g. geographic_level) and each column: is the column filled on 'all', 'some'
    or 'none' of those rows. `slot` is '<by value>|<column>', so the suite can list what each level allows."""
    parts = []
    for column in columns:
        parts.append(
            frame.group_by(by)
            .agg(pl.len().alias("rows"), pl.col(column).is_not_null().sum().alias("filled_rows"))
            .select(
                pl.format("{}|{}", pl.col(by), pl.lit(column)).alias("slot"),
                pl.when(pl.col("filled_rows") == pl.col("rows"))
                .then(pl.lit("all"))
                .when(pl.col("filled_rows") == 0)
                .then(pl.lit("none"))
                .otherwise(pl.lit("some"))
                .alias("filled"),
            )
        )
    return pl.concat(parts).sort("slot")


def coverage_view(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows per year and measure at each level."""
    return (
        frame.group_by("time_period", "measure")
        .agg(
            (pl.col("geographic_level") == "National").sum().cast(pl.Int64).alias("national_rows"),
            (pl.col("geographic_level") == "Regional").sum().cast(pl.Int64).alias("regional_rows"),
            (pl.col("geographic_level") == "Local authority").sum().cast(pl.Int64).alias("la_rows"),
        )
        .sort("time_period", "measure")
    )


def value_notes_view(frame: pl.DataFrame, kinds: Mapping[str, str]) -> pl.DataFrame:
    """Per measure: nulls with no note, numbers with a note, and numbers in the wrong indicator column (a count
    in `rate` or a rate in `value`); all should be 0."""
    rate = pl.col("rate") if "rate" in frame.columns else pl.lit(None, dtype=pl.Float64)
    kind = pl.col("measure").replace_strict(dict(kinds), default="unknown")
    has_number = pl.col("value").is_not_null() | rate.is_not_null()
    is_count = kind.is_in([COUNT, SIGNED_COUNT])
    return (
        frame.group_by("measure")
        .agg(
            (~has_number & pl.col("value_note").is_null()).sum().cast(pl.Int64).alias("nulls_without_note"),
            (has_number & pl.col("value_note").is_not_null()).sum().cast(pl.Int64).alias("numbers_with_note"),
            (
                (is_count & rate.is_not_null())
                | (~is_count & pl.col("value").is_not_null())
                | (kind == "unknown")
            )
            .sum()
            .cast(pl.Int64)
            .alias("wrong_column"),
        )
        .sort("measure")
    )


def la_codes_are_gss() -> pl.Expr:
    return pl.col("new_la_code").str.contains(GSS_LA_PATTERN)
