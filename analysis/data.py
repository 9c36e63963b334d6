"""What the book reads: published tidy datasets, their dictionaries, the source manifest and provenance.

Everything here reads the committed outputs under data/ (never the raw cache), so a chapter shows exactly
what a journalist downloads. A dataset that is not published is an error, never an empty frame:

    frame = data.load("placements_at_31_march")      # dtypes from data/datapackage.json
    data.metadata("placements_at_31_march")          # the dictionary (data/tidy/<name>.meta.json)
    data.measure_label("placed_outside_la")          # from data/reference/measures.csv
    data.source_line(frame)                          # "Department for Education, ... (figures for 2018 to 2024)"
    data.last_refreshed()                            # latest retrieval date in data/provenance.csv

The data folder is `data/` beside the package; FFH_DATA_DIR overrides it (tests and the fixture book).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from analysis import settings, text

# Frictionless field type -> polars dtype (the types analysis/publish.py writes).
FRICTIONLESS_TO_POLARS: dict[str, pl.DataType] = {
    "integer": pl.Int64,
    "number": pl.Float64,
    "string": pl.Utf8,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "year": pl.Int64,
}


class DataNotPublished(FileNotFoundError):
    """A dataset or data file the book needs is not in data/ (run `make data`)."""


def data_dir() -> Path:
    """The data folder of the current settings: FFH_DATA_DIR if set (tests, fixture book), else data/."""
    return settings.Settings.from_env().data_dir


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise DataNotPublished(f"{what} is missing: {path} does not exist (run `make data`)")
    return path


# --------------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------------


def datapackage() -> dict[str, Any]:
    """data/datapackage.json (Frictionless tabular data package)."""
    return json.loads(_require(data_dir() / "datapackage.json", "the data package").read_text("utf-8"))


def dataset_names() -> list[str]:
    """Names of every published dataset, in data package order (sorted by name)."""
    return [resource["name"] for resource in datapackage()["resources"]]


def resource(name: str) -> dict[str, Any]:
    """One dataset's entry in data/datapackage.json."""
    resources = {r["name"]: r for r in datapackage()["resources"]}
    if name not in resources:
        raise DataNotPublished(
            f"dataset {name!r} is not in data/datapackage.json (published: {sorted(resources)}); run `make data`"
        )
    return resources[name]


def schema(name: str) -> dict[str, pl.DataType]:
    """Column name -> polars dtype, from the data package (the published dictionary)."""
    fields = resource(name)["schema"]["fields"]
    unknown = {f["name"]: f["type"] for f in fields if f["type"] not in FRICTIONLESS_TO_POLARS}
    if unknown:
        raise ValueError(f"dataset {name!r}: field types not understood: {unknown}")
    return {f["name"]: FRICTIONLESS_TO_POLARS[f["type"]] for f in fields}


def load(name: str) -> pl.DataFrame:
    """A published tidy dataset (data/tidy/<name>.csv) with the dtypes its data package declares.

    Raises DataNotPublished if the dataset is absent, and ValueError if the CSV's header does not match
    the data package (a stale or hand-edited file).
    """
    path = _require(data_dir() / "tidy" / f"{name}.csv", f"dataset {name!r}")
    dtypes = schema(name)
    header = path.open(encoding="utf-8-sig").readline().rstrip("\r\n").split(",")
    if header != list(dtypes):
        raise ValueError(
            f"{path}: columns {header} do not match data/datapackage.json for {name!r}: {list(dtypes)}"
        )
    return pl.read_csv(path, schema=dtypes, empty_string_is_null=True)


def guess_dataset(frame: pl.DataFrame) -> str | None:
    """The published dataset whose columns are exactly the frame's (a filtered load()), else None."""
    columns = set(frame.columns)
    try:
        resources = datapackage().get("resources", [])
    except DataNotPublished:
        return None
    matches = [r["name"] for r in resources if {f["name"] for f in r["schema"]["fields"]} == columns]
    return matches[0] if len(matches) == 1 else None


def metadata(name: str) -> dict[str, Any]:
    """The dataset's dictionary: data/tidy/<name>.meta.json (title, description, fields, sources, licence)."""
    path = _require(data_dir() / "tidy" / f"{name}.meta.json", f"the dictionary of dataset {name!r}")
    return json.loads(path.read_text("utf-8"))


def column_description(name: str, column: str) -> str:
    """One column's description from the dataset's dictionary."""
    for field in metadata(name)["schema"]["fields"]:
        if field["name"] == column:
            return field.get("description", "")
    raise KeyError(f"dataset {name!r} has no column {column!r}")


# --------------------------------------------------------------------------------------------------
# Reference tables
# --------------------------------------------------------------------------------------------------


def _read_csv_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Measure:
    measure: str
    dataset: str
    label: str
    unit: str
    definition: str
    definition_break_note: str


@lru_cache(maxsize=4)
def _measures(path: Path, mtime: float) -> tuple[Measure, ...]:
    rows = _read_csv_dicts(path)
    result = tuple(
        Measure(**{k: (row.get(k) or "").strip() for k in Measure.__dataclass_fields__}) for row in rows
    )
    keys = [(m.dataset, m.measure) for m in result]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"{path}: (dataset, measure) listed twice: {duplicates}")
    return result


def measures(dataset: str | None = None) -> list[Measure]:
    """data/reference/measures.csv rows (label, unit, definition, definition_break_note), optionally one dataset's.

    A measure id is unique within a dataset; the same id may appear in two datasets (e.g. missing_incidents).
    """
    path = _require(data_dir() / "reference" / "measures.csv", "the measures reference table")
    rows = _measures(path, path.stat().st_mtime)
    return [m for m in rows if dataset is None or m.dataset == dataset]


def measure(measure_id: str, dataset: str | None = None) -> Measure:
    """One measure; give `dataset` when the id is used by more than one dataset."""
    found = [m for m in measures(dataset) if m.measure == measure_id]
    if not found:
        where = f" for dataset {dataset!r}" if dataset else ""
        raise KeyError(f"measure {measure_id!r}{where} is not in data/reference/measures.csv")
    if len(found) > 1:
        labels = {m.label for m in found}
        units = {m.unit for m in found}
        if len(labels) > 1 or len(units) > 1:
            raise KeyError(
                f"measure {measure_id!r} is defined for datasets {[m.dataset for m in found]}: pass dataset="
            )
    return found[0]


def measure_label(measure_id: str, dataset: str | None = None) -> str:
    """The human label of a measure id (data/reference/measures.csv)."""
    return measure(measure_id, dataset).label


def measure_unit(measure_id: str, dataset: str | None = None) -> str:
    return measure(measure_id, dataset).unit


def sources() -> dict[str, dict[str, str]]:
    """data/sources.csv: source_id -> row (publisher, publication, release, page_url, licence, ...)."""
    rows = _read_csv_dicts(_require(data_dir() / "sources.csv", "the source manifest"))
    return {row["source_id"]: row for row in rows}


def provenance() -> dict[str, dict[str, str]]:
    """data/provenance.csv: source_id -> row (file_name, url, bytes, sha256, etag, last_modified, retrieved_at)."""
    rows = _read_csv_dicts(_require(data_dir() / "provenance.csv", "the provenance record"))
    return {row["source_id"]: row for row in rows}


def _parse_timestamp(text: str) -> datetime:
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def last_refreshed(source_ids: list[str] | None = None) -> date:
    """The latest date on which a source file (or one of `source_ids`) was retrieved (data/provenance.csv)."""
    records = provenance()
    if source_ids is not None:
        missing = sorted(set(source_ids) - set(records))
        if missing:
            raise KeyError(f"no provenance record for sources {missing} in data/provenance.csv")
        records = {s: records[s] for s in source_ids}
    stamps = [_parse_timestamp(r["retrieved_at"]) for r in records.values() if r.get("retrieved_at")]
    if not stamps:
        raise DataNotPublished("data/provenance.csv has no retrieved_at dates")
    return max(stamps).date()


@dataclass(frozen=True)
class SourceUse:
    """One (publisher, publication, release) a frame's rows come from, and the years it supplies."""

    publisher: str
    publication: str
    release: str
    years: str
    source_ids: tuple[str, ...]
    page_url: str

    def text(self) -> str:
        years = f" (figures for {self.years})" if self.years else ""
        return f"{self.publisher}, {self.publication}, {self.release}{years}"


def source_uses(frame: pl.DataFrame) -> list[SourceUse]:
    """Which releases a frame's rows come from (by its source_id column, looked up in data/sources.csv)."""
    if "source_id" not in frame.columns:
        raise ValueError("the frame has no source_id column: keep the published provenance columns")
    manifest = sources()
    ids = sorted(frame["source_id"].drop_nulls().unique().to_list())
    if not ids:
        raise ValueError("the frame has no source_id values")
    unknown = [s for s in ids if s not in manifest]
    if unknown:
        raise KeyError(f"source ids not in data/sources.csv: {unknown}")
    if frame["source_id"].null_count():
        raise ValueError("some rows have no source_id")
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    has_year = "time_period" in frame.columns
    for source_id in ids:
        row = manifest[source_id]
        key = (row["publisher"], row["publication"], row["release_title"])
        group = groups.setdefault(
            key, {"ids": [], "years": set(), "url": row.get("page_url", ""), "order": 0}
        )
        group["ids"].append(source_id)
        if has_year:
            years = frame.filter(pl.col("source_id") == source_id)["time_period"].drop_nulls().to_list()
            group["years"].update(int(y) for y in years)
    uses = [
        SourceUse(
            publisher=k[0],
            publication=k[1],
            release=k[2],
            years=text.years(sorted(g["years"])),
            source_ids=tuple(g["ids"]),
            page_url=g["url"],
        )
        for k, g in groups.items()
    ]
    # oldest figures first, so a line chart's source reads left to right
    return sorted(uses, key=lambda u: (re.findall(r"\d{4}", u.years)[:1] or ["9999"], u.publisher, u.release))


_ANNUAL_RELEASE = re.compile(r"^year ending 31 March (\d{4})$")


def source_line(frame: pl.DataFrame) -> str:
    """'Source: <publisher>, <publication>: <release> (figures for <years>), ...; ...' for a frame's rows.

    Releases of one publication are listed together, oldest figures first; a run of annual releases that
    each supply their own year ("year ending 31 March 2011" ... 2017) is written as one range.
    """
    groups: dict[tuple[str, str], list[SourceUse]] = {}
    for use in source_uses(frame):
        groups.setdefault((use.publisher, use.publication), []).append(use)
    parts = []
    for (publisher, publication), uses in groups.items():
        annual = [u for u in uses if (m := _ANNUAL_RELEASE.match(u.release)) and u.years == m.group(1)]
        items = []
        if len(annual) > 1:
            years = text.years([int(u.years) for u in annual])
            items.append(f"releases for the years ending 31 March {years} (each release gives its own year)")
            uses = [u for u in uses if u not in annual]
        items += [f"{u.release}" + (f" (figures for {u.years})" if u.years else "") for u in uses]
        parts.append(f"{publisher}, {publication}: " + ", ".join(items))
    return "Source: " + "; ".join(parts) + "."


_FINANCIAL_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


def short_publication(publication: str) -> str:
    """A publication's name without its qualifiers: 'Children looked after in England including adoptions
    (SSDA903), statistical first release underlying data' -> 'Children looked after in England including
    adoptions'; "Children's social care data in England: provider level data ..." -> "Children's social care
    data in England"."""
    short = re.split(r":\s|\s\(|,\s", publication, maxsplit=1)[0].strip()
    return short or publication


def _release_year(release_title: str, release: str) -> tuple[int, str] | None:
    """(year, how to write it) for one release: the year the manifest's release column starts with
    ('2022', '2015-03-31'), or the title itself when that is a financial year ('2022-23')."""
    if _FINANCIAL_YEAR.match(release_title):
        return int(release_title[:4]), release_title
    if match := re.match(r"\d{4}", release or ""):
        return int(match.group()), match.group()
    years = re.findall(r"\d{4}", release_title)
    return (int(years[-1]), years[-1]) if years else None


def _release_span(releases: list[tuple[str, str]]) -> str:
    """'release 2024', 'releases 2011 to 2017 and 2022 to 2024', 'releases 2016-17 to 2022-23', or the
    release names themselves when they carry no year."""
    dated = sorted({y for r in releases if (y := _release_year(*r)) is not None})
    if not dated:
        names = sorted({r[0] for r in releases})
        return ("release " if len(names) == 1 else "releases ") + ", ".join(names)
    runs: list[list[tuple[int, str]]] = [[dated[0]]]
    for year in dated[1:]:
        if year[0] == runs[-1][-1][0] + 1:
            runs[-1].append(year)
        elif year[0] != runs[-1][-1][0]:
            runs.append([year])
    spans = [run[0][1] if len(run) == 1 else f"{run[0][1]} to {run[-1][1]}" for run in runs]
    text = spans[0] if len(spans) == 1 else ", ".join(spans[:-1]) + " and " + spans[-1]
    return ("release " if len(dated) == 1 else "releases ") + text


def short_source_line(frame: pl.DataFrame) -> str:
    """The one-line source under a chart: 'Source: <publisher>, <publication>, releases <years>.' per
    publisher and publication (without its qualifiers), e.g. 'Source: Department for Education, Children
    looked after in England including adoptions, releases 2011 to 2017 and 2022 to 2024.'

    The long form (source_line) names every release and the years each supplies; keep it for citations.
    Built from the same source_uses(), so both name the same sources."""
    manifest = sources()
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for use in source_uses(frame):
        key = (use.publisher, short_publication(use.publication))
        for source_id in use.source_ids:
            groups.setdefault(key, []).append((use.release, manifest[source_id].get("release", "")))
    parts = [
        f"{publisher}, {publication}, {_release_span(releases)}"
        for (publisher, publication), releases in groups.items()
    ]
    return "Source: " + "; ".join(parts) + "."
