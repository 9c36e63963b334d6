"""Fault injection, end to end: every way a release can go wrong, through `pipeline.run`, on copies of the real files.

Each case doctors ONE real file of the sources' archive (or its manifest row), or serves the files from a
misbehaving local HTTP server, and runs the pipeline for the dataset that reads that file (`only=[...]`, seconds a
case) into an output folder holding a copy of the committed published files (data/tidy, data/validation,
data/datapackage.json, data/provenance.csv). A stop must

- be the project's error (analysis/errors.py and ManifestError), of the exact kind;
- name the source id, the file, the record (its number, the council's code and name, or the home's URN), the
  check, and the table to edit where one must be edited. The expected values are derived from what the case
  doctored (the record it cut, the council it picked), never copied from a message;
- leave the output folder byte-identical (every file hashed before and after), and record nothing refused by a
  content check as fetched (no provenance for it, in the published file or the cache).

Three changes must NOT stop the run: a UTF-16 copy and an Ofsted workbook with one more title row read as the
originals do; a formula-like owner name is published neutralised and listed in the validation report.

The archive is linked once per module (`mirror_dir`: the tests are marked raw); each case copies the links and
doctors its own file. Unit tests of the same checks: test_tables.py, test_dfe_toolkit.py, test_ofsted.py,
test_fetch.py, test_corrections.py; test_pipeline.py runs the whole pipeline on a few.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
import shutil
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

import polars as pl
import pytest
import workbooks as wb
from mirror_sources import MANIFEST

from analysis import manifest, pipeline, settings
from analysis.errors import (
    FarFromHomeError,
    FetchError,
    GeographyError,
    ParseError,
    SourceError,
    ValidationFailed,
)
from analysis.fetch import PROVENANCE_JSON, Fetcher
from analysis.manifest import ManifestError, Source

COMMITTED = settings.DATA_DIR
PUBLISHED = ["tidy", "validation", "datapackage.json", "provenance.csv"]

# the files doctored (data/sources.csv ids) and the smallest dataset that reads each
CLA_2024 = "dfe-cla-ees-2024-cla-number-and-rate-per-10k-children"  # population
NETGAIN_2024 = "dfe-cla-ees-2024-la-cla-on-31-march-la-of-placement-netgain"  # placements_at_31_march
DISTANCE_2024 = (  # placement_distance_national
    "dfe-cla-ees-2024-national-cla-on-31-march-by-placement-distance-and-placement-locality"
)
SFR_2012 = "dfe-cla-sfr-2012-sfr20-cla2012"  # missing_over_24_hours, placements_at_31_march
SFR_2014 = "dfe-cla-sfr-2014-sfr36-cla2014"  # missing_over_24_hours
LIST_2019 = "ofsted-provider-level-2019-03-31"  # childrens_homes
PLACES_2014 = "ofsted-providers-places-2014-09-30"  # childrens_homes
FLOWS_2023 = "ofsted-joiners-leavers-2022-23"  # childrens_homes_openings_closures
CONSTITUENCIES = "geo-mysociety-pcon-2024-lookup"  # constituency_councils (a JSON file)

POPULATION = ["population"]
PLACEMENTS = ["placements_at_31_march"]
OVER_24_HOURS = ["missing_over_24_hours"]
DISTANCE = ["placement_distance_national"]
HOMES = ["childrens_homes"]
FLOWS = ["childrens_homes_openings_closures"]
CONSTITUENCY = ["constituency_councils"]

EES_COLUMNS = "data/reference/ees_columns.csv"
EES_LABELS = "data/reference/ees_labels.csv"
ALIASES = "data/reference/la_name_aliases.csv"
REORGANISATIONS = "data/reference/la_reorganisations.csv"
CORRECTIONS = "data/reference/corrections.csv"


# --------------------------------------------------------------------------------------------------------------
# Files and the bench a case runs on
# --------------------------------------------------------------------------------------------------------------


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def hashes(root: Path) -> dict[str, str]:
    """Every file under `root`, by relative path, with its sha256."""
    return {
        path.relative_to(root).as_posix(): sha256(path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@dataclass
class CsvFile:
    """A CSV file's records as text, and how the publisher wrote them (encoding, byte order mark, line ends), so a
    doctored copy differs from the real file only where a case changed it."""

    rows: list[list[str]]
    encoding: str
    bom: bool
    newline: str

    @classmethod
    def read(cls, path: Path) -> CsvFile:
        raw = path.read_bytes()
        try:
            text, encoding = raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = raw.decode("cp1252"), "cp1252"
        newline = "\r\n" if b"\r\n" in raw else "\n"
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return cls(rows, encoding, raw.startswith(b"\xef\xbb\xbf"), newline)

    def to_bytes(self) -> bytes:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator=self.newline).writerows(self.rows)
        return (b"\xef\xbb\xbf" if self.bom else b"") + buffer.getvalue().encode(self.encoding)


def records(rows: list[list[str]], header: int = 0) -> list[tuple[int, dict[str, str]]]:
    """(record number, {column: cell}) of every record below the header (record 1 is rows[0])."""
    names = rows[header]
    return [
        (index + 1, dict(zip(names, row, strict=False)))
        for index, row in enumerate(rows[header + 1 :], header + 1)
    ]


def set_cell(rows: list[list[str]], record: int, column: str, value: str, header: int = 0) -> None:
    rows[record - 1][rows[header].index(column)] = value


def area(row: dict[str, str]) -> str:
    """An EES row's level and area: a council or a region by its code and name ("Local authority E06000001
    Hartlepool", "Regional E12000001 North East"), or "National"."""
    level = row["geographic_level"]
    if level == "Local authority":
        return f"{level} {row['new_la_code']} {row['la_name']}"
    if level == "Regional":
        return f"{level} {row['region_code']} {row['region_name']}"
    return level


@dataclass
class Bench:
    """One case's workspace: its own copy of the archive's links, manifest, cache and output folder."""

    work: Path
    mirror_dir: Path  # the real files
    archive: Path  # links to them; a doctored file replaces its link
    output: Path  # a copy of the committed published files
    sources: dict[str, Source]
    doctored: dict[str, bytes] = field(default_factory=dict)

    @property
    def manifest_path(self) -> Path:
        return self.work / "sources.csv"

    @property
    def cache(self) -> Path:
        return self.work / "cache" / "raw"

    def file_name(self, source_id: str) -> str:
        return self.sources[source_id].file_name

    def real(self, source_id: str) -> Path:
        return self.mirror_dir / MANIFEST[source_id].archive_path

    def put(self, source_id: str, content: bytes) -> None:
        """`content` in place of the source's file; its manifest row describes the new bytes, so the archive's
        integrity check passes and the run reaches the check under test."""
        source = self.sources[source_id]
        path = self.archive / source.archive_path
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.sources[source_id] = replace(
            source, expected_bytes=len(content), expected_sha256=sha256(content)
        )
        self.doctored[source_id] = content

    def edit(self, source_id: str, change: Callable[[list[list[str]]], object]) -> None:
        """Change the records of a CSV source (in place, or return new rows) and put the result in the archive."""
        table = CsvFile.read(self.real(source_id))
        changed = change(table.rows)
        if isinstance(changed, list):
            table.rows = changed
        self.put(source_id, table.to_bytes())

    def remove(self, source_id: str) -> None:
        (self.archive / self.sources[source_id].archive_path).unlink()

    def line_of(self, source_id: str) -> int:
        """The source's line in the manifest this bench writes (line 1 is the header)."""
        return list(self.sources).index(source_id) + 2

    def settings(self, **changes) -> settings.Settings:
        return settings.Settings(
            **{
                "cache_dir": self.cache,
                "mirror_dir": self.archive,
                "sources_manifest": self.manifest_path,
                **changes,
            }
        )

    def run(self, only: list[str], fetcher_options: dict | None = None, **changes) -> pipeline.RunResult:
        manifest.write_sources(self.manifest_path, list(self.sources.values()))
        run = self.settings(**changes)
        fetcher = Fetcher(run, progress=False, **fetcher_options) if fetcher_options is not None else None
        return pipeline.run(run, output_dir=self.output, only=only, fetcher=fetcher)


@pytest.fixture(scope="module")
def archive(tmp_path_factory, mirror_dir) -> Path:
    """Links to every file the manifest lists, in the archive's layout (made once; each case copies the links)."""
    root = tmp_path_factory.mktemp("archive")
    for source in MANIFEST.values():
        link = root / source.archive_path
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to((mirror_dir / source.archive_path).resolve())
    return root


def published_copy(output: Path) -> Path:
    """A copy of the committed published files in `output`."""
    output.mkdir()
    for name in PUBLISHED:
        if (COMMITTED / name).is_dir():
            shutil.copytree(COMMITTED / name, output / name)
        else:
            shutil.copy2(COMMITTED / name, output / name)
    return output


@pytest.fixture(scope="module")
def committed() -> dict[str, str]:
    """The hashes of every committed published file (each output folder starts as a copy of them)."""
    return {name: h for name, h in hashes(COMMITTED).items() if name.split("/")[0] in PUBLISHED}


@pytest.fixture
def bench(tmp_path, archive, mirror_dir, committed) -> Bench:
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy, symlinks=True)
    output = published_copy(tmp_path / "data")
    assert hashes(output) == committed
    return Bench(tmp_path, mirror_dir, copy, output, dict(MANIFEST))


# --------------------------------------------------------------------------------------------------------------
# Stops: what each case doctors, and what its stop must name
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stop:
    """What a stop must be and name. Every string must be in the message; a SourceError's source id, file and
    check must be exactly these."""

    error: type[FarFromHomeError]
    source_id: str
    file: str
    check: str
    record: Sequence[str]  # what names the record: "record 1254", "E06000001 Hartlepool", "URN 1254840" ...
    table: str = ""  # the reference table (or manifest) the message sends one to


@dataclass(frozen=True)
class Fault:
    name: str
    only: list[str]
    doctor: Callable[[Bench], Stop]
    xfail: str = ""  # the reason a message falls short, where its code is not ours to change now
    documented: bool = False  # CONTRIBUTING.md quotes its message ("When the pipeline stops")


# --- the release day issue ------------------------------------------------------------------------------------


def renamed_value_column(bench: Bench) -> Stop:
    bench.edit(CLA_2024, lambda rows: set_cell(rows, 1, "number", "number_of_children"))
    return Stop(
        ParseError,
        CLA_2024,
        bench.file_name(CLA_2024),
        "known columns",
        ["unknown column(s) ['number_of_children'] in the header (record 1), which lacks ['number']"],
        EES_COLUMNS,
    )


def renamed_filter_column(bench: Bench) -> Stop:
    bench.edit(CLA_2024, lambda rows: set_cell(rows, 1, "population_count", "measure_description"))
    return Stop(
        ParseError,
        CLA_2024,
        bench.file_name(CLA_2024),
        "known columns",
        [
            "unknown column(s) ['measure_description'] in the header (record 1), which lacks ['population_count']"
        ],
        EES_COLUMNS,
    )


def count_column_now_holds_percentages(bench: Bench) -> Stop:
    """The newest year's `number` becomes each area's percentage of England (one decimal)."""
    newest = str(bench.sources[CLA_2024].years[-1])
    first: list[tuple[int, dict[str, str], str]] = []

    def change(rows):
        found = records(rows)
        england = {
            r["population_count"]: int(r["number"])
            for _, r in found
            if r["time_period"] == newest and r["geographic_level"] == "National"
        }
        for number, row in found:
            if row["time_period"] == newest and row["number"].isdigit():
                share = f"{100 * int(row['number']) / england[row['population_count']]:.1f}"
                set_cell(rows, number, "number", share)
                if float(share) != round(float(share)) and not first:
                    first.append((number, row, share))

    bench.edit(CLA_2024, change)
    [(number, row, share)] = first
    return Stop(
        ParseError,
        CLA_2024,
        bench.file_name(CLA_2024),
        "column 'number' holds count values",
        [f"{share!r}, first at record {number} ({newest}, {area(row)})"],
        EES_COLUMNS,
    )


def reworded_label(bench: Bench) -> Stop:
    old, new = "Net gain of children by responsible LA", "Net gain of children by the responsible LA"
    first: list[dict[str, str]] = []

    def change(rows):
        for number, row in records(rows):
            if row["characteristic"] == old:
                set_cell(rows, number, "characteristic", new)
                first.append(row)

    bench.edit(NETGAIN_2024, change)
    return Stop(
        ParseError,
        NETGAIN_2024,
        bench.file_name(NETGAIN_2024),
        "known characteristic labels",
        [f"[{new!r}]", f"(first in the row for {first[0]['time_period']}, {area(first[0])})"],
        EES_LABELS,
    )


def file_dropped_by_the_release(bench: Bench) -> Stop:
    bench.remove(CLA_2024)
    return Stop(
        FetchError,
        CLA_2024,
        bench.file_name(CLA_2024),
        "file exists in mirror",
        [f"{bench.archive / bench.sources[CLA_2024].archive_path} does not exist"],
        str(bench.manifest_path),
    )


def new_provision_type(bench: Bench) -> Stop:
    new = "Children's home with education"
    picked = []

    def change(rows):
        number, row = next((n, r) for n, r in records(rows, 3) if r["Provision type"] == "Children's home")
        set_cell(rows, number, "Provision type", new, header=3)
        picked.append((number, row["URN"]))

    bench.edit(FLOWS_2023, change)
    [(number, urn)] = picked
    return Stop(
        ParseError,
        FLOWS_2023,
        bench.file_name(FLOWS_2023),
        "known provision types",
        [repr(new), f"record {number}", f"URN {urn}"],
        "data/reference/ofsted_labels.csv",
    )


def welsh_council_rows(bench: Bench) -> Stop:
    """A row for Cardiff (W06000015, in Wales: W92000004) after the newest year's first council row."""
    inserted = []

    def change(rows):
        number, row = next((n, r) for n, r in records(rows) if r["geographic_level"] == "Local authority")
        wales = {
            **row,
            "country_code": "W92000004",
            "country_name": "Wales",
            "region_code": "",
            "region_name": "",
            "old_la_code": "",
            "la_name": "Cardiff",
            "new_la_code": "W06000015",
        }
        rows.insert(number, [wales[c] for c in rows[0]])  # the new record is number + 1
        inserted.append(number + 1)

    bench.edit(CLA_2024, change)
    return Stop(
        ParseError,
        CLA_2024,
        bench.file_name(CLA_2024),
        "rows are for England",
        [f"first at record {inserted[0]} (", "W06000015 Cardiff", "'W92000004'"],
    )


def scottish_council_in_an_ofsted_list(bench: Bench) -> Stop:
    picked = []

    def change(rows):
        number, row = next((n, r) for n, r in records(rows, 3) if r["Provision type"] == "Children's home")
        set_cell(rows, number, "Local authority", "Glasgow City", header=3)
        picked.append((number, row["URN"]))

    bench.edit(FLOWS_2023, change)
    [(number, urn)] = picked
    return Stop(
        GeographyError,
        FLOWS_2023,
        bench.file_name(FLOWS_2023),
        "local authority name known",
        [f"record {number} (URN {urn})", "'Glasgow City'"],
        ALIASES,
    )


def new_council_code(bench: Bench) -> Stop:
    """The newest release's first council becomes E06000099 'Newtown', a code no geography file holds."""

    def change(rows):
        code = next(r for _, r in records(rows) if r["geographic_level"] == "Local authority")["new_la_code"]
        for number, row in records(rows):
            if row["new_la_code"] == code:
                set_cell(rows, number, "new_la_code", "E06000099")
                set_cell(rows, number, "la_name", "Newtown")

    bench.edit(CLA_2024, change)
    return Stop(
        GeographyError,
        CLA_2024,
        bench.file_name(CLA_2024),
        "LA codes not known as English upper-tier authorities",
        [f"file {CLA_2024} ({bench.file_name(CLA_2024)})", "('E06000099', 'Newtown', "],
        REORGANISATIONS,
    )


def release_listed_twice(bench: Bench) -> Stop:
    again = f"{SFR_2012}-again"
    bench.sources[again] = replace(bench.sources[SFR_2012], source_id=again)
    source = bench.sources[SFR_2012]
    return Stop(
        ManifestError,
        SFR_2012,
        source.file_name,
        "a release listed more than once",
        [
            f"release {source.release} of family {source.family}",
            f"lines {bench.line_of(SFR_2012)} ({SFR_2012}, {source.archive_path})",
            f"{bench.line_of(again)} ({again}, {source.archive_path})",
        ],
        str(bench.manifest_path),
    )


def two_files_of_one_family_and_release(bench: Bench) -> Stop:
    source = bench.sources[CLA_2024]
    copy = replace(
        source,
        source_id=f"{CLA_2024}-second-file",
        archive_path=source.archive_path.replace("/ees-2024/", "/ees-2024-second-file/"),
    )
    bench.sources[copy.source_id] = copy
    bench.put(copy.source_id, bench.real(CLA_2024).read_bytes())
    return Stop(
        ManifestError,
        CLA_2024,
        source.file_name,
        "a release listed more than once",
        [
            f"release {source.release} of family {source.family}",
            f"lines {bench.line_of(CLA_2024)} ({CLA_2024}, {source.archive_path})",
            f"{bench.line_of(copy.source_id)} ({copy.source_id}, {copy.archive_path})",
        ],
        "data/reference/source_families.csv",
    )


def drop_year(source_id: str, which: Callable[[list[int]], int]):
    """A doctor removing one year's rows (`which` picks it from the years the reference period covers)."""

    def doctor(bench: Bench) -> Stop:
        covered = bench.sources[source_id].years
        year = which(covered)
        bench.edit(source_id, lambda rows: [rows[0]] + [r for r in rows[1:] if r[0] != str(year)])
        return Stop(
            ParseError,
            source_id,
            bench.file_name(source_id),
            "the release holds the years it covers",
            [f"covers years {covered[0]}-{covered[-1]}", f"years missing: [{year}]"],
            "data/sources.csv",
        )

    return doctor


def value_wrong_as_published(bench: Bench) -> Stop:
    """The council with the most children missing at 31 March 2014 published x100: validation catches it."""
    picked = []

    def change(rows):
        councils = [(n, r) for n, r in records(rows) if r["geog_l"] == "LA" and r["CLA_Miss"].isdigit()]
        number, row = max(councils, key=lambda item: int(item[1]["CLA_Miss"]))
        set_cell(rows, number, "CLA_Miss", str(int(row["CLA_Miss"]) * 100))
        picked.append(row)

    bench.edit(SFR_2014, change)
    [row] = picked
    return Stop(
        ValidationFailed,
        SFR_2014,
        bench.file_name(SFR_2014),
        "[la_sum_vs_national] expect_column_values_to_be_between",
        [
            f"'time_period': {bench.sources[SFR_2014].years[0]}",
            f"'largest_council': '{row['geog_n']}'",
            f"'largest_council_code': '{row['New_geog_code']}'",
            f"'largest_value': {int(row['CLA_Miss']) * 100}",
        ],
        CORRECTIONS,
    )


# --- the "every stop names the file" issue --------------------------------------------------------------------


def cut_mid_row(source_id: str):
    """A doctor cutting the file in the middle of its middle record (one without quotes), no line break after."""

    def doctor(bench: Bench) -> Stop:
        raw = bench.real(source_id).read_bytes()
        lines = raw.split(b"\n")
        index = next(i for i in range(len(lines) // 2, len(lines)) if b'"' not in lines[i])
        bench.put(source_id, b"\n".join(lines[:index]) + b"\n" + lines[index][: len(lines[index]) // 2])
        return Stop(
            ParseError,
            source_id,
            bench.file_name(source_id),
            "every row has the header's number of cells",
            [f"record {index + 1} has", "(the file ends mid-row)"],
        )

    return doctor


def header_only(bench: Bench) -> Stop:
    bench.edit(CLA_2024, lambda rows: rows[:1])
    return Stop(
        ParseError,
        CLA_2024,
        bench.file_name(CLA_2024),
        "data rows present",
        ["the file holds only its header"],
    )


def negative_count(bench: Bench) -> Stop:
    picked = []

    def change(rows):
        number, row = next(
            (n, r)
            for n, r in records(rows)
            if r["geog_l"] == "LA" and r["CLA_Miss"].isdigit() and int(r["CLA_Miss"]) > 0
        )
        set_cell(rows, number, "CLA_Miss", f"-{row['CLA_Miss']}")
        picked.append(row)

    bench.edit(SFR_2012, change)
    [row] = picked
    return Stop(
        ParseError,
        SFR_2012,
        bench.file_name(SFR_2012),
        "values are not negative",
        [
            f"'-{row['CLA_Miss']}'",
            f"{bench.sources[SFR_2012].years[0]}, Local authority {row['New_geog_code']} {row['geog_n']}",
        ],
    )


def hartlepool_times_100(bench: Bench) -> Stop:
    picked = []

    def change(rows):
        number, row = next((n, r) for n, r in records(rows) if r["geog_n"] == "Hartlepool")
        set_cell(rows, number, "CLA_Mar2012", str(int(row["CLA_Mar2012"]) * 100))
        picked.append(row)

    bench.edit(SFR_2012, change)
    [row] = picked
    return Stop(
        ValidationFailed,
        SFR_2012,
        bench.file_name(SFR_2012),
        "[la_sum_vs_national] expect_column_values_to_be_between",
        [
            f"'time_period': {bench.sources[SFR_2012].years[0]}",
            "'largest_council': 'Hartlepool'",
            f"'largest_council_code': '{row['New_geog_code']}'",
            f"'largest_value': {int(row['CLA_Mar2012']) * 100}",
        ],
        CORRECTIONS,
    )


def home_places_times_100(bench: Bench) -> Stop:
    picked = []

    def change(rows):
        number, row = next(
            (n, r)
            for n, r in records(rows, 1)
            if r["Provision type"] == "Children's home" and r["Places"].isdigit()
        )
        set_cell(rows, number, "Places", str(int(row["Places"]) * 100), header=1)
        picked.append(row)

    bench.edit(LIST_2019, change)
    [row] = picked
    return Stop(
        ValidationFailed,
        LIST_2019,
        bench.file_name(LIST_2019),
        "expect_column_values_to_be_between {'column': 'places'",
        [f"'urn': '{row['URN']}'", f"'places': {int(row['Places']) * 100}"],
        CORRECTIONS,
    )


def year_beyond_coverage(bench: Bench) -> Stop:
    """The newest year's National rows again, as a year after the reference period, at the end of the file."""
    beyond = bench.sources[CLA_2024].years[-1] + 1
    added = []

    def change(rows):
        national = [
            r
            for _, r in records(rows)
            if r["geographic_level"] == "National" and r["time_period"] == str(beyond - 1)
        ]
        added.append(len(rows) + 1)
        rows.extend([[{**r, "time_period": str(beyond)}[c] for c in rows[0]] for r in national])

    bench.edit(CLA_2024, change)
    return Stop(
        ParseError,
        CLA_2024,
        bench.file_name(CLA_2024),
        "the release holds the years it covers",
        [f"years outside it: [{beyond}], first at record {added[0]} ({beyond}, National)"],
        "data/sources.csv",
    )


def repeated_header_in_an_ofsted_list(bench: Bench) -> Stop:
    at = []

    def change(rows):
        middle = (len(rows) + 3) // 2
        rows.insert(middle, list(rows[3]))  # the header is record 4, under three title rows
        at.append(middle + 1)

    bench.edit(FLOWS_2023, change)
    return Stop(
        ParseError,
        FLOWS_2023,
        bench.file_name(FLOWS_2023),
        "header row appears once",
        [f"header row repeated at record {at[0]}"],
    )


def html_page_for_a_csv(bench: Bench) -> Stop:
    page = (
        b"<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head><body>a, b, c</body></html>\n"
    )
    bench.put(CLA_2024, page)
    return Stop(FetchError, CLA_2024, bench.file_name(CLA_2024), "not an HTML page", ["HTML page, not CSV"])


def zip_of_random_bytes_for_a_json(bench: Bench) -> Stop:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("lookup.bin", random.Random(7).randbytes(4096))
    bench.put(CONSTITUENCIES, buffer.getvalue())
    return Stop(
        FetchError,
        CONSTITUENCIES,
        bench.file_name(CONSTITUENCIES),
        "content is JSON",
        ["zip archive (PK\\x03\\x04), not JSON"],
    )


def unknown_council_name_in_an_ofsted_list(bench: Bench) -> Stop:
    """A home in Wolverhampton listed under 'Wolverhampton City' (CONTRIBUTING.md's example)."""
    picked = []

    def change(rows):
        number, row = next((n, r) for n, r in records(rows, 1) if r["Local authority"] == "Wolverhampton")
        set_cell(rows, number, "Local authority", "Wolverhampton City", header=1)
        picked.append((number, row["URN"]))

    bench.edit(LIST_2019, change)
    [(number, urn)] = picked
    return Stop(
        GeographyError,
        LIST_2019,
        bench.file_name(LIST_2019),
        "local authority name known",
        [f"record {number} (URN {urn})", "'Wolverhampton City'"],
        ALIASES,
    )


def unknown_council_code_in_a_dfe_file(bench: Bench) -> Stop:
    picked = []

    def change(rows):
        number, row = next((n, r) for n, r in records(rows) if r["geog_l"] == "LA")
        set_cell(rows, number, "New_geog_code", "E06000098")
        picked.append(row)

    bench.edit(SFR_2012, change)
    [row] = picked
    return Stop(
        GeographyError,
        SFR_2012,
        bench.file_name(SFR_2012),
        "LA codes not known as English upper-tier authorities",
        [f"file {SFR_2012} ({bench.file_name(SFR_2012)})", f"('E06000098', '{row['geog_n']}', "],
        REORGANISATIONS,
    )


FAULTS = [
    # release day
    Fault("ees-renamed-value-column", POPULATION, renamed_value_column),
    Fault("ees-renamed-filter-column", POPULATION, renamed_filter_column),
    Fault("ees-count-column-now-holds-percentages", POPULATION, count_column_now_holds_percentages),
    Fault("ees-reworded-label", PLACEMENTS, reworded_label, documented=True),
    Fault("manifest-row-whose-file-the-release-dropped", POPULATION, file_dropped_by_the_release),
    Fault("ofsted-new-provision-type", FLOWS, new_provision_type),
    Fault("ees-rows-for-a-welsh-council", POPULATION, welsh_council_rows),
    Fault("ofsted-home-in-a-scottish-council", FLOWS, scottish_council_in_an_ofsted_list),
    Fault("ees-new-council-code", POPULATION, new_council_code),
    Fault("manifest-release-listed-twice", OVER_24_HOURS, release_listed_twice),
    Fault("manifest-two-files-of-one-family-and-release", POPULATION, two_files_of_one_family_and_release),
    Fault("ees-release-covers-fewer-years", DISTANCE, drop_year(DISTANCE_2024, lambda years: years[0])),
    Fault("sfr-council-value-needs-a-correction", OVER_24_HOURS, value_wrong_as_published),
    # every stop names the file
    Fault("ees-cut-mid-row", POPULATION, cut_mid_row(CLA_2024)),
    Fault("sfr-cut-mid-row", OVER_24_HOURS, cut_mid_row(SFR_2012)),
    Fault("ees-header-only", POPULATION, header_only),
    Fault("sfr-negative-count", OVER_24_HOURS, negative_count),
    Fault("sfr-hartlepool-2012-times-100", PLACEMENTS, hartlepool_times_100, documented=True),
    Fault("ofsted-home-places-times-100", HOMES, home_places_times_100),
    Fault("ees-latest-year-removed", POPULATION, drop_year(CLA_2024, lambda years: years[-1])),
    Fault("ees-middle-year-removed", POPULATION, drop_year(CLA_2024, lambda years: years[len(years) // 2])),
    Fault("ees-year-beyond-coverage", POPULATION, year_beyond_coverage),
    Fault("ofsted-repeated-header-row", FLOWS, repeated_header_in_an_ofsted_list),
    Fault("html-page-for-a-csv", POPULATION, html_page_for_a_csv),
    Fault("zip-of-random-bytes-for-a-json", CONSTITUENCY, zip_of_random_bytes_for_a_json),
    Fault("ofsted-unknown-council-name", HOMES, unknown_council_name_in_an_ofsted_list, documented=True),
    Fault("sfr-unknown-council-code", OVER_24_HOURS, unknown_council_code_in_a_dfe_file),
]


def _cases(faults: list[Fault]):
    return [
        pytest.param(
            fault,
            id=fault.name,
            marks=[pytest.mark.xfail(strict=True, reason=fault.xfail)] if fault.xfail else [],
        )
        for fault in faults
    ]


def assert_names(error: FarFromHomeError, stop: Stop) -> None:
    message = str(error)
    assert type(error) is stop.error, message
    if isinstance(error, SourceError):
        assert (error.source_id, error.file, error.check) == (stop.source_id, stop.file, stop.check)
    missing = [
        part
        for part in (stop.source_id, stop.file, stop.check, *stop.record, stop.table)
        if part not in message
    ]
    assert missing == [], message


def contributing_examples() -> list[str]:
    """The messages CONTRIBUTING.md quotes under "When the pipeline stops"."""
    text = (settings.PROJECT_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## When the pipeline stops", 1)[1].split("\n## ", 1)[0]
    return [block.split("\n```", 1)[0] for block in section.split("```text\n")[1:]]


def assert_nothing_refused_was_recorded(bench: Bench, error: FarFromHomeError) -> None:
    """Bytes a content check refused leave no provenance (nor a cached copy) behind."""
    if isinstance(error, FetchError):
        folder = bench.cache / error.source_id
        assert not (folder / PROVENANCE_JSON).exists()
        assert not (folder / error.file).exists()


@pytest.mark.parametrize("fault", _cases(FAULTS))
def test_a_fault_stops_the_run_naming_source_file_record_and_check(bench, committed, fault):
    stop = fault.doctor(bench)
    with pytest.raises(FarFromHomeError) as caught:
        bench.run(fault.only)
    assert_names(caught.value, stop)
    assert hashes(bench.output) == committed
    assert_nothing_refused_was_recorded(bench, caught.value)
    if fault.documented:  # as `make data` prints it (analysis/cli.py)
        assert f"error: {caught.value}" in contributing_examples()


# --------------------------------------------------------------------------------------------------------------
# Changes that must not stop the run
# --------------------------------------------------------------------------------------------------------------


def provenance_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["source_id"]: row for row in csv.DictReader(handle)}


def test_a_utf16_copy_reads_as_the_original(bench, committed):
    text = bench.real(CLA_2024).read_bytes().decode("utf-8-sig")
    bench.put(CLA_2024, text.encode("utf-16"))  # with its byte order mark, as a spreadsheet saves it
    assert bench.doctored[CLA_2024][:2] in (b"\xff\xfe", b"\xfe\xff")

    bench.run(POPULATION)

    after = hashes(bench.output)
    # every published file is as committed, but the provenance of the re-encoded file
    assert {k: v for k, v in after.items() if k != "provenance.csv"} == {
        k: v for k, v in committed.items() if k != "provenance.csv"
    }
    before, now = (
        provenance_rows(COMMITTED / "provenance.csv"),
        provenance_rows(bench.output / "provenance.csv"),
    )
    assert {k: v for k, v in now.items() if k != CLA_2024} == {
        k: v for k, v in before.items() if k != CLA_2024
    }
    content = bench.doctored[CLA_2024]
    assert (now[CLA_2024]["bytes"], now[CLA_2024]["sha256"]) == (str(len(content)), sha256(content))


def test_an_ofsted_workbook_with_one_more_title_row_reads_as_the_csv_export(bench, committed):
    """The oldest providers-and-places list (the smallest: a workbook is slow to write) as a sheet of a workbook,
    its table under four title rows, one more than Ofsted's: the homes read from it are the committed ones."""
    source = bench.sources[PLACES_2014]
    sheet = "Providers+places_at_30_Sep_2014"
    rows = wb.table_sheet(
        wb.export_rows(bench.real(PLACES_2014)), f"Fixture: {source.release_title}", title_rows=4
    )
    assert "URN" in rows[4] and not any(
        "URN" in row for row in rows[:4]
    )  # four title rows, the header in row 5
    book = wb.write_ods(
        bench.work / "childrens-social-care-data-in-england-2014.ods",
        [("Cover", [["Children's social care data in England 2014"]]), (sheet, rows)],
    )
    bench.sources[PLACES_2014] = replace(
        source,
        file_name=book.name,
        archive_path=f"ofsted/fixture-workbook/{book.name}",
        sheet=f"^{re.escape(sheet)}$",
    )
    bench.put(PLACES_2014, book.read_bytes())

    result = bench.run(HOMES)

    assert result.fetched[PLACES_2014].path.name == book.name  # the list was read from the workbook
    published = pl.read_csv(bench.output / "tidy" / "childrens_homes.csv", infer_schema=False)
    assert published.filter(pl.col("source_id") == PLACES_2014).height > 1000
    assert published.equals(pl.read_csv(COMMITTED / "tidy" / "childrens_homes.csv", infer_schema=False))
    # byte for byte; only the files that name the source's file (now the workbook) changed
    after = hashes(bench.output)
    changed = sorted(name for name in committed if after[name] != committed[name])
    assert changed == ["datapackage.json", "provenance.csv", "tidy/childrens_homes.meta.json"]
    assert book.name in (bench.output / "tidy" / "childrens_homes.meta.json").read_text(encoding="utf-8")


def test_a_formula_like_owner_name_is_published_neutralised_and_listed_in_the_validation_report(bench):
    picked = []

    def change(rows):
        number, row = next(
            (n, r)
            for n, r in records(rows, 1)
            if r["Provision type"] == "Children's home" and r["Organisation which owns the provider"]
        )
        set_cell(rows, number, "Organisation which owns the provider", "=1+1", header=1)
        picked.append(row)

    bench.edit(LIST_2019, change)
    [row] = picked

    bench.run(HOMES)

    homes = pl.read_csv(bench.output / "tidy" / "childrens_homes.csv", infer_schema=False)
    listed = homes.filter((pl.col("urn") == row["URN"]) & (pl.col("source_id") == LIST_2019))
    assert listed["owner_name_published"].to_list() == ["'=1+1"]  # a spreadsheet shows it, never runs it
    report = json.loads((bench.output / "validation" / "childrens_homes.json").read_text(encoding="utf-8"))
    named = [c for c in report["neutralised_text"] if c["column"] == "owner_name_published"]
    assert [(c["value"], c["source_id"], c["file"], c["urn"]) for c in named] == [
        ("=1+1", LIST_2019, bench.file_name(LIST_2019), row["URN"])
    ]


# --------------------------------------------------------------------------------------------------------------
# Over HTTP: the archive served by a server that misbehaves on one file
# --------------------------------------------------------------------------------------------------------------

STALL_SECONDS = 0.5  # Settings.download_stall_seconds in these runs


def reply(
    body: bytes, status: str = "200 OK", headers: Sequence[str] = (), length: int | None = None
) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body) if length is None else length}", *headers]
    return ("\r\n".join([*head, "Connection: close", "", ""])).encode() + body


@dataclass(frozen=True)
class HttpFault:
    name: str
    misbehave: Callable[[bytes], bytes | list]  # the reply for the file, from its real bytes
    fetcher: dict  # Fetcher options of the faulty run (sleep is recorded, not slept)
    check: str
    detail: Sequence[str]
    sleeps: Callable[[], list[float]] | None = None  # the waits the fetcher must have asked for
    tries: int = 1


HTTP_FAULTS = [
    # headers and half the body, then nothing: one try, failing after the stall budget
    HttpFault(
        "stalled-body",
        lambda body: [reply(body)[: -len(body) // 2], 60.0],
        {"max_retries": 0},
        "HTTP timeout",
        ["body stalled after", "(gave up after 1 attempt)"],
    ),
    # a body shorter than its Content-Length, every try: retried with backoff, then a stop
    HttpFault(
        "body-shorter-than-its-content-length",
        lambda body: reply(body[: len(body) // 2], length=len(body)),
        {"max_retries": 2, "backoff_seconds": 0.25},
        "truncated body",
        ["(gave up after 3 attempts)"],
        sleeps=lambda: [0.25, 0.5],
        tries=3,
    ),
    # always 503 with Retry-After: 7 s between tries (not the backoff), then a stop naming the status
    HttpFault(
        "503-with-retry-after",
        lambda body: reply(b"", "503 Service Unavailable", ["Retry-After: 7"]),
        {"max_retries": 2, "backoff_seconds": 0.25},
        "HTTP status",
        ["HTTP 503 Service Unavailable", "(gave up after 3 attempts)"],
        sleeps=lambda: [7.0, 7.0],
        tries=3,
    ),
]


@pytest.mark.parametrize("fault", [pytest.param(f, id=f.name) for f in HTTP_FAULTS])
def test_a_server_that_misbehaves_stops_the_run_and_keeps_the_last_good_copy(
    bench, committed, raw_http_server, fault
):
    target = bench.sources[DISTANCE_2024]
    faulty = {"on": False}

    def respond(head: bytes) -> bytes | list:
        path = unquote(head.split(b" ", 2)[1].decode()).lstrip("/")
        body = (bench.archive / path).read_bytes()
        return fault.misbehave(body) if faulty["on"] and path == target.archive_path else reply(body)

    server = raw_http_server(respond)
    over_http = {"mirror_dir": None, "base_url": server.url, "download_stall_seconds": STALL_SECONDS}

    # a good run fills the cache (and publishes the committed files again)
    bench.run(DISTANCE, **over_http)
    assert hashes(bench.output) == committed
    cached = bench.cache / DISTANCE_2024
    good = {name: sha256((cached / name).read_bytes()) for name in (target.file_name, PROVENANCE_JSON)}
    assert good[target.file_name] == target.expected_sha256

    faulty["on"] = True
    sleeps: list[float] = []
    served = len(server.requests)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        bench.run(DISTANCE, fetcher_options={**fault.fetcher, "sleep": sleeps.append}, **over_http)
    elapsed = time.monotonic() - started

    error = caught.value
    assert (error.source_id, error.file, error.check) == (DISTANCE_2024, target.file_name, fault.check)
    assert target.archive_path in error.detail and all(part in error.detail for part in fault.detail)
    requested = [h for h in server.requests[served:] if target.archive_path.encode() in h]
    assert len(requested) == fault.tries
    assert sleeps == (fault.sleeps() if fault.sleeps else [])
    if fault.name == "stalled-body":  # a behaviour, not a timing: it fails, well before a generous bound
        assert elapsed < 10 * STALL_SECONDS
    # the last good copy and its provenance are kept, no partial file is left, nothing is published
    assert {name: sha256((cached / name).read_bytes()) for name in good} == good
    assert sorted(p.name for p in cached.iterdir()) == sorted(good)
    assert hashes(bench.output) == committed
