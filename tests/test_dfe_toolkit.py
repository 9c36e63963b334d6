"""The DfE toolkit (analysis/sources/dfe.py) on small frames and fixture files: the revision policy
(select_releases, superseded), the drift tables as data (read_ees against ees_columns.csv, map_labels against
ees_labels.csv) and the checks that stop a run when a file changes meaning.

Fixture files are read as manifest rows of the family they imitate (tests/mirror_sources.py), with the
committed drift tables unless a test edits a copy of them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from mirror_sources import fixture_files

from analysis import settings
from analysis.errors import ParseError
from analysis.sources import dfe

# --------------------------------------------------------------------------------------------------------------
# The revision policy
# --------------------------------------------------------------------------------------------------------------

GROUPS = ["time_period", "measure", "geographic_level"]


def published(*rows: tuple) -> pl.DataFrame:
    """Rows of (release_rank, table, time_period, geographic_level, new_la_code, measure, value)."""
    return pl.DataFrame(
        rows,
        schema={
            "release_rank": pl.Int64,
            "table": pl.Utf8,
            "time_period": pl.Int64,
            "geographic_level": pl.Utf8,
            "new_la_code": pl.Utf8,
            "measure": pl.Utf8,
            "value": pl.Int64,
        },
        orient="row",
    ).with_columns(pl.format("release {}", "release_rank").alias("source_release"))


def kept(frame: pl.DataFrame) -> list[tuple]:
    return sorted(
        frame.select(
            "time_period", "geographic_level", "new_la_code", "measure", "value", "release_rank"
        ).rows(),
        key=str,
    )


def test_the_newest_release_holding_a_year_wins_and_older_ones_are_superseded():
    frame = published(
        (2022, "t", 2020, "National", None, "total", 100),
        (2023, "t", 2020, "National", None, "total", 101),
        (2024, "t", 2020, "National", None, "total", 102),
        (2023, "t", 2021, "National", None, "total", 110),
        (2024, "t", 2021, "National", None, "total", 111),
    )
    selected = dfe.select_releases(frame, GROUPS)
    assert kept(selected) == [
        (2020, "National", None, "total", 102, 2024),
        (2021, "National", None, "total", 111, 2024),
    ]
    assert selected["source_release"].to_list() == ["release 2024", "release 2024"]
    replaced = dfe.superseded(frame, GROUPS)
    assert sorted(replaced.select("time_period", "release_rank").rows()) == [
        (2020, 2022),
        (2020, 2023),
        (2021, 2023),
    ]


def test_a_value_only_an_older_release_holds_stays_with_its_release():
    # each release covers five years: 2018 is only in the 2022 release, 2024 only in the 2024 release
    frame = published(
        (2022, "t", 2018, "National", None, "total", 75),
        (2022, "t", 2020, "National", None, "total", 80),
        (2024, "t", 2020, "National", None, "total", 81),
        (2024, "t", 2024, "National", None, "total", 84),
    )
    selected = dfe.select_releases(frame, GROUPS)
    assert kept(selected) == [
        (2018, "National", None, "total", 75, 2022),
        (2020, "National", None, "total", 81, 2024),
        (2024, "National", None, "total", 84, 2024),
    ]
    assert dict(selected.select("time_period", "source_release").rows())[2018] == "release 2022"
    assert dfe.superseded(frame, GROUPS).select("time_period", "release_rank").rows() == [(2020, 2022)]


def test_each_measure_and_level_is_chosen_on_its_own_and_a_group_comes_whole_from_one_release():
    frame = published(
        # the 2024 release publishes 2020 nationally but only one council; the 2023 release has two councils
        (2023, "t", 2020, "National", None, "total", 500),
        (2023, "t", 2020, "Local authority", "E06000001", "total", 10),
        (2023, "t", 2020, "Local authority", "E06000002", "total", 20),
        (2024, "t", 2020, "National", None, "total", 501),
        (2024, "t", 2020, "Local authority", "E06000001", "total", 11),
        # another measure of the same year: only the older release has it
        (2023, "t", 2020, "National", None, "outside", 300),
    )
    selected = dfe.select_releases(frame, GROUPS)
    assert kept(selected) == [
        (2020, "Local authority", "E06000001", "total", 11, 2024),
        (2020, "National", None, "outside", 300, 2023),
        (2020, "National", None, "total", 501, 2024),
    ]
    # councils are one group: E06000002's older value is not mixed in with the newer release's council rows
    assert "E06000002" not in selected["new_la_code"].to_list()


def test_within_a_release_the_preferred_table_is_read_but_a_newer_release_still_wins():
    frame = published(
        (2024, "national_distance", 2022, "National", None, "over_20", 14590),
        (2024, "la_characteristics", 2022, "National", None, "over_20", 14600),
        (2023, "national_distance", 2021, "National", None, "over_20", 14000),
        (2024, "la_characteristics", 2021, "National", None, "over_20", 14100),
    )
    preference = ["national_distance", "la_characteristics"]
    selected = dfe.select_releases(frame, GROUPS, table_preference=preference)
    assert sorted(selected.select("time_period", "table", "value").rows()) == [
        (2021, "la_characteristics", 14100),  # the 2024 release, though its table is the less preferred
        (2022, "national_distance", 14590),
    ]
    # the other order of preference reads the other table
    other = dfe.select_releases(frame, GROUPS, table_preference=list(reversed(preference)))
    assert dict(other.select("time_period", "value").rows()) == {2021: 14100, 2022: 14600}
    # with no preference both tables of a release are kept, and finish() refuses the repeated key
    both = dfe.select_releases(frame, GROUPS)
    assert both.filter(pl.col("time_period") == 2022).height == 2
    with pytest.raises(ValueError, match="repeat the key"):
        dfe.finish(both.drop("source_release"), ["measure"], ["value"], GROUPS)


# --------------------------------------------------------------------------------------------------------------
# read_ees: columns, years and kinds against the manifest and ees_columns.csv
# --------------------------------------------------------------------------------------------------------------

CLA_NUMBER = "ees:cla_number_and_rate_per_10k_children"
CLA_FILE = "cla_number_and_rate_per_10k_children.csv"
CLA_HEADER = "time_period,time_identifier,geographic_level,country_code,country_name,population_count,number,population_estimate,rate_per_10000"
NATIONAL = "Reporting year,National,E92000001,England"


def cla_rows(*years: int, number: str = "83630") -> list[str]:
    return [
        f"{year},{NATIONAL},Children looked after at 31 March each year,{number},11998646,70"
        for year in years
    ]


def cla_file(
    tmp_path: Path, lines: list[str], *, reference_period: str = "2023-2024", header: str = CLA_HEADER
):
    files = fixture_files(
        tmp_path,
        CLA_NUMBER,
        "\n".join([header, *lines]) + "\n",
        file_name=CLA_FILE,
        reference_period=reference_period,
    )
    return files.get("fixture")


def test_read_ees_gives_canonical_columns_and_the_release_rank(tmp_path):
    frame = dfe.read_ees(cla_file(tmp_path, cla_rows(2023, 2024)), settings.REFERENCE_DIR)
    assert frame["time_period"].to_list() == [2023, 2024]
    assert set(frame["release_rank"]) == {2024} and set(frame["source_release"]) == {"fixture release 2024"}
    assert frame["number"].to_list() == ["83630", "83630"]  # text: symbols survive until parse_values


def test_an_unknown_column_stops_the_read_naming_ees_columns_csv(tmp_path):
    file = cla_file(
        tmp_path, [r + ",1" for r in cla_rows(2023, 2024)], header=CLA_HEADER + ",number_in_kinship_care"
    )
    with pytest.raises(ParseError) as caught:
        dfe.read_ees(file, settings.REFERENCE_DIR)
    error = caught.value
    assert (error.source_id, error.file, error.check) == ("fixture", CLA_FILE, "known columns")
    assert "number_in_kinship_care" in error.detail and "data/reference/ees_columns.csv" in error.detail
    assert "in the header (record 1)" in error.detail and "lacks" not in error.detail  # a new column
    assert CLA_NUMBER in error.detail
    # a renamed column listed in the table (published_as) is read under its canonical name
    reference = tmp_path / "reference"
    shutil.copytree(settings.REFERENCE_DIR, reference)
    with (reference / "ees_columns.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{CLA_NUMBER},number,Number_Of_Children,indicator,count,renamed (fixture)\n")
    renamed = fixture_files(
        tmp_path,
        CLA_NUMBER,
        "\n".join([CLA_HEADER.replace(",number,", ",Number_Of_Children,"), *cla_rows(2023, 2024)]) + "\n",
        file_name=CLA_FILE,
        reference_period="2023-2024",
        reference_dir=reference,
    )
    frame = dfe.read_ees(renamed.get("fixture"), reference)
    assert "number" in frame.columns and "Number_Of_Children" not in frame.columns
    # not yet listed, the renamed column (named in lower case, as EES headers are compared) is named with the
    # column the header lacks
    with pytest.raises(
        ParseError, match=r"\['number_of_children'\] in the header \(record 1\), which lacks \['number'\]"
    ):
        dfe.read_ees(renamed.get("fixture"), settings.REFERENCE_DIR)


def test_a_release_holding_years_outside_its_reference_period_is_refused(tmp_path):
    file = cla_file(tmp_path, cla_rows(2023, 2024, 2025), reference_period="2023-2024")
    with pytest.raises(ParseError) as caught:
        dfe.read_ees(file, settings.REFERENCE_DIR)
    assert caught.value.check == "the release holds the years it covers"
    assert "years outside it: [2025]" in caught.value.detail and "data/sources.csv" in caught.value.detail
    # and one lacking a year it says it covers
    file = cla_file(tmp_path, cla_rows(2024), reference_period="2023-2024")
    with pytest.raises(ParseError, match=r"years missing: \[2023\]"):
        dfe.read_ees(file, settings.REFERENCE_DIR)


@pytest.mark.parametrize(
    ("value", "problem"),
    [("83630.5", "fractional value"), ("12.5", "fractional value"), ("-3", "negative value")],
)
def test_a_count_column_holding_other_values_is_refused_as_reused(tmp_path, value, problem):
    file = cla_file(tmp_path, cla_rows(2023) + cla_rows(2024, number=value))
    with pytest.raises(ParseError) as caught:
        dfe.read_ees(file, settings.REFERENCE_DIR)
    error = caught.value
    assert error.check == "column 'number' holds count values"
    assert problem in error.detail and "reused with another meaning" in error.detail
    assert "data/reference/ees_columns.csv" in error.detail


def test_a_reused_column_and_a_year_outside_the_release_are_named_by_record_and_area(tmp_path):
    header = CLA_HEADER.replace("country_name,", "country_name,new_la_code,la_name,")
    council = "Reporting year,Local authority,E92000001,England,E06000001,Hartlepool"
    nation = f"{NATIONAL},,"

    def line(year: int, area: str, number: str) -> str:
        return f"{year},{area},Children looked after at 31 March each year,{number},11998646,70"

    # records 2-5: 2023 England, 2023 Hartlepool, 2024 England, 2024 Hartlepool (the fraction: record 5)
    lines = [line(2023, nation, "83630"), line(2023, council, "167"), line(2024, nation, "83630")]
    file = cla_file(tmp_path, [*lines, line(2024, council, "0.35")], header=header)
    with pytest.raises(ParseError) as caught:
        dfe.read_ees(file, settings.REFERENCE_DIR)
    assert "'0.35', first at record 5 (2024, Local authority E06000001 Hartlepool)" in caught.value.detail
    # a year the release does not cover: its first record (record 4 here)
    file = cla_file(tmp_path, [lines[0], lines[1], line(2025, council, "5"), lines[2]], header=header)
    with pytest.raises(ParseError) as caught:
        dfe.read_ees(file, settings.REFERENCE_DIR)
    assert "years outside it: [2025], first at record 4 (2025, Local authority E06000001 Hartlepool)" in (
        caught.value.detail
    )


@pytest.mark.parametrize(
    ("area", "named"),
    [
        ("Reporting year,Local authority,E92000001,England,W06000015,Cardiff", "W06000015 Cardiff"),
        ("Reporting year,Local authority,W92000004,Wales,W06000015,Cardiff", "W92000004"),
        ("Reporting year,National,W92000004,Wales,,", "W92000004"),
    ],
)
def test_a_row_for_an_area_outside_england_stops_the_read_naming_its_record(tmp_path, area, named):
    header = CLA_HEADER.replace("country_name,", "country_name,new_la_code,la_name,")
    rows = [
        f"{year},{NATIONAL},,,Children looked after at 31 March each year,83630,11998646,70"
        for year in (2023, 2024)
    ]
    rows.insert(1, f"2023,{area},Children looked after at 31 March each year,50,600000,8")
    with pytest.raises(ParseError) as caught:
        dfe.read_ees(cla_file(tmp_path, rows, header=header), settings.REFERENCE_DIR)
    error = caught.value
    assert (error.file, error.check) == (CLA_FILE, "rows are for England")
    assert "first at record 3 (2023, " in error.detail and named in error.detail


def test_symbols_in_a_count_column_are_not_a_change_of_meaning(tmp_path):
    frame = dfe.read_ees(
        cla_file(tmp_path, cla_rows(2023) + cla_rows(2024, number="c")), settings.REFERENCE_DIR
    )
    assert frame["number"].to_list() == ["83630", "c"]


# --------------------------------------------------------------------------------------------------------------
# map_labels: every label known to ees_labels.csv
# --------------------------------------------------------------------------------------------------------------

CHARACTERISTICS = "ees:national_cla_on_31_march_by_characteristics"
CHAR_FILE = "national_cla_on_31_march_by_characteristics.csv"
CHAR_HEADER = "time_period,time_identifier,geographic_level,country_code,country_name,cla_group,characteristic,number,percentage"


def characteristics(tmp_path: Path, rows: list[tuple[str, str]]):
    lines = [f"2024,{NATIONAL},{group},{label},10,1" for group, label in rows]
    files = fixture_files(
        tmp_path, CHARACTERISTICS, "\n".join([CHAR_HEADER, *lines]) + "\n", file_name=CHAR_FILE
    )
    file = files.get("fixture")
    return file, dfe.read_ees(file, settings.REFERENCE_DIR)


def test_labels_map_by_meaning_known_unused_labels_map_to_nothing(tmp_path):
    file, frame = characteristics(
        tmp_path,
        [
            ("Placement", "4c.1 Children's Home placement inside the council  boundary"),
            ("Placement", "Total foster placements"),
            ("Gender", "Male"),
        ],
    )
    groups = dfe.map_labels(frame, file, settings.REFERENCE_DIR, "cla_group", into="group")
    assert groups["group"].to_list() == ["read", "read", ""]
    mapped = dfe.map_labels(
        groups, file, settings.REFERENCE_DIR, "characteristic", into="measure", context="cla_group"
    )
    # under 'Placement' each label is what ees_labels.csv says; 'Gender' has no table: left null
    assert mapped["measure"].to_list() == ["childrens_home_placements_inside_la_boundary", "", None]


def test_an_unknown_label_stops_the_read_naming_ees_labels_csv(tmp_path):
    file, frame = characteristics(
        tmp_path, [("Placement", "Total foster placements"), ("Placement", "Kinship care")]
    )
    with pytest.raises(ParseError) as caught:
        dfe.map_labels(
            frame, file, settings.REFERENCE_DIR, "characteristic", into="measure", context="cla_group"
        )
    error = caught.value
    assert (error.source_id, error.file) == ("fixture", CHAR_FILE)
    assert error.check == "known characteristic labels under cla_group"
    assert "'Kinship care'" in error.detail and "data/reference/ees_labels.csv" in error.detail
    assert "(first in the row for 2024, National)" in error.detail
    assert f"family {CHARACTERISTICS}, column characteristic" in error.detail
    # a new cla_group is just as unknown
    file, frame = characteristics(tmp_path, [("Sexual orientation", "Total")])
    with pytest.raises(ParseError, match="Sexual orientation"):
        dfe.map_labels(frame, file, settings.REFERENCE_DIR, "cla_group", into="group")


def test_a_label_added_to_the_table_is_then_read(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(settings.REFERENCE_DIR, reference)
    with (reference / "ees_labels.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{CHARACTERISTICS},characteristic,placement,kinship care,kinship_placements,fixture\n")
    file, frame = characteristics(tmp_path, [("Placement", "Kinship  Care")])
    mapped = dfe.map_labels(frame, file, reference, "characteristic", into="measure", context="cla_group")
    assert mapped["measure"].to_list() == ["kinship_placements"]


def test_a_column_with_no_labels_listed_for_its_family_stops_the_read(tmp_path):
    file, frame = characteristics(tmp_path, [("Placement", "Total foster placements")])
    with pytest.raises(ParseError, match="no labels of 'characteristic' are listed"):
        dfe.map_labels(frame, file, settings.REFERENCE_DIR, "characteristic", into="measure")


# --------------------------------------------------------------------------------------------------------------
# parse_values: a value that cannot be published stops the read, naming its measure, year and area
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "check", "counted"),
    [
        ("-8", "values are not negative", "1 value(s)"),
        ("7.5", "counts are whole numbers", "1 count(s)"),
        ("seven", "values are numbers or known symbols", "1 value(s)"),
    ],
)
def test_a_value_that_is_not_a_count_is_named_with_its_measure_year_and_council(
    tmp_path, published, check, counted
):
    file = cla_file(tmp_path, cla_rows(2023, 2024))
    frame = pl.DataFrame(
        {
            "time_period": [2012, 2012],
            "geographic_level": ["National", "Local authority"],
            "new_la_code": [None, "E06000001"],
            "la_name": [None, "Hartlepool"],
            "measure": ["children_looked_after", "children_looked_after"],
            "_raw": ["67050", published],
        }
    )
    with pytest.raises(ParseError) as caught:
        dfe.parse_values(frame, "_raw", file)
    assert (caught.value.check, caught.value.file) == (check, CLA_FILE)
    where = "(children_looked_after, 2012, Local authority E06000001 Hartlepool)"
    assert f"{counted} such as {published!r} {where}" in caught.value.detail
