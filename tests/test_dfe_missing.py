"""Missing-from-care datasets: readers (analysis/sources/dfe_missing.py), the three datasets and their suites.

Expected figures are read off the published files in the sources' archive (the `mirror_dir` fixture), quoted
with file and line; none is taken from this code's output. The readers take the manifest's families
(analysis.datasets.SourceFiles); small fixture files are read as a manifest row of the family they imitate.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest
from mirror_sources import MANIFEST, fixture_files, path_of, source_files

from analysis import geography, settings
from analysis.datasets import SourceFiles
from analysis.datasets import missing_from_care as mfc
from analysis.datasets import missing_incidents_by_placement as mip
from analysis.datasets import missing_over_24_hours as o24
from analysis.errors import ParseError
from analysis.sources import dfe, dfe_missing
from analysis.validate import validate

EES_LA = "la_children_who_were_missing_or_away_from_placement_without_authorisation.csv"
EES_2022_LA = "dfe-cla-ees-2022-la-children-who-were-missing-or-away-from-placement-without-authorisation"
EES_2023_LA = "dfe-cla-ees-2023-la-children-who-were-missing-or-away-from-placement-without-authorisation"
EES_2024_LA = "dfe-cla-ees-2024-la-children-who-were-missing-or-away-from-placement-without-authorisation"


# ---------------------------------------------------------------------------------------------------------
# Fixtures: the real files, built once per module


@pytest.fixture(scope="module")
def sources(mirror_dir: Path) -> SourceFiles:
    return source_files(mirror_dir)


def only(mirror_dir: Path, *source_ids: str) -> SourceFiles:
    """Some manifest rows alone, as if they were the only releases of their families."""
    return source_files(mirror_dir, {sid: MANIFEST[sid] for sid in source_ids})


@pytest.fixture(scope="module")
def missing(sources) -> pl.DataFrame:
    return mfc.build(sources)


@pytest.fixture(scope="module")
def by_placement(sources) -> pl.DataFrame:
    return mip.build(sources)


@pytest.fixture(scope="module")
def over_24(sources) -> pl.DataFrame:
    return o24.build(sources)


def national(frame: pl.DataFrame, year: int, measure: str) -> dict:
    rows = frame.filter(
        (pl.col("geographic_level") == "National")
        & (pl.col("time_period") == year)
        & (pl.col("measure") == measure)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def la(frame: pl.DataFrame, year: int, code: str, measure: str) -> dict:
    rows = frame.filter(
        (pl.col("geographic_level") == "Local authority")
        & (pl.col("time_period") == year)
        & (pl.col("new_la_code") == code)
        & (pl.col("measure") == measure)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


# ---------------------------------------------------------------------------------------------------------
# Acceptance and each published layout


def test_acceptance_2015_national_children_missing_and_incidents(missing):
    # SFR34_Missing2015.csv line 2 (ENGLAND): CLA_MissDuringYear 6110, CLA_MissIncs 28570
    children = national(missing, 2015, "children_missing")
    incidents = national(missing, 2015, "missing_incidents")
    assert children["value"] == 6110
    assert incidents["value"] == 28570
    assert children["source_id"] == "dfe-cla-sfr-2015-sfr34-missing2015"
    assert children["source_release"] == "year ending 31 March 2015"
    assert children["value_note"] is None and children["rate"] is None


def test_sfr_2016_layout(missing):
    # SFR41_Missing2016.csv line 2: 8670, 43000, 5200, 260, 4430, 17560, 2420, 50
    expected = {
        "children_missing": 8670,
        "missing_incidents": 43000,
        "children_missing_more_than_once": 5200,
        "children_missing_at_31_march": 260,
        "children_away": 4430,
        "away_incidents": 17560,
        "children_away_more_than_once": 2420,
        "children_away_at_31_march": 50,
    }
    assert {m: national(missing, 2016, m)["value"] for m in expected} == expected


def test_sfr_2017_miss_miss_layout_and_london_listed_three_times(missing):
    # SFR50_Missing_2017.csv line 2: Miss_Miss_DuringYear 10700, Miss_Miss_Incs 60720, Miss_Away_DuringYear 4860
    assert national(missing, 2017, "children_missing")["value"] == 10700
    assert national(missing, 2017, "missing_incidents")["value"] == 60720
    assert national(missing, 2017, "children_away")["value"] == 4860
    # lines 9-11 all carry E12000007: LONDON 1990, INNER LONDON 820, OUTER LONDON 1180 children missing.
    london = missing.filter(
        (pl.col("time_period") == 2017)
        & (pl.col("region_code") == "E12000007")
        & (pl.col("measure") == "children_missing")
        & (pl.col("geographic_level") == "Regional")
    )
    assert london["value"].to_list() == [1990]
    assert london["region_name"].to_list() == ["London"]
    regions = missing.filter((pl.col("time_period") == 2017) & (pl.col("geographic_level") == "Regional"))
    assert regions["region_code"].n_unique() == 9
    # region names in EES spelling, not the SFR capitals title-cased
    assert "Yorkshire and The Humber" in regions["region_name"].to_list()


def test_sfr_2017_not_available_symbol_kept_as_null_with_note(missing):
    # SFR50_Missing_2017.csv line 50: Sandwell (333) Miss_Away_DuringYear '..'
    row = la(missing, 2017, "E08000028", "children_away")
    assert row["value"] is None and row["value_note"] == "not available (..)"


def test_ees_2022_lower_case_cla_group_layout(mirror_dir, missing):
    header = path_of(mirror_dir, EES_2022_LA).read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.endswith(",cla_group,number")
    # EES 2022 file line 7803: 2018 National children who had a missing incident 11520; line 2512: incidents 70170
    row = national(missing, 2018, "children_missing")
    assert (row["value"], row["source_id"]) == (11520, EES_2022_LA)
    assert national(missing, 2018, "missing_incidents")["value"] == 70170


def test_ees_2023_and_2024_upper_case_cla_group_layout(mirror_dir, missing):
    for source_id in (EES_2023_LA, EES_2024_LA):
        header = path_of(mirror_dir, source_id).read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.endswith(",CLA_group,number")
    # EES 2023 lines 8743/8748: 2019 National 11930 children, 74010 incidents (2019 is not in EES 2024)
    row = national(missing, 2019, "children_missing")
    assert (row["value"], row["source_id"]) == (11930, EES_2023_LA)
    assert national(missing, 2019, "missing_incidents")["value"] == 74010
    # EES 2024 lines 7 and 12: 2024 National 13010 children, 83920 incidents
    row = national(missing, 2024, "children_missing")
    assert (row["value"], row["source_id"]) == (13010, EES_2024_LA)
    assert national(missing, 2024, "missing_incidents")["value"] == 83920


def test_latest_release_wins(mirror_dir, missing):
    # the same year, two releases: EES 2022 line 5715 says 12430 children went missing in 2020, EES 2024 line
    # 8691 says 12470 (revised). The premise first: the older release really has the other figure.
    older = dfe_missing.ees_la_missing(only(mirror_dir, EES_2022_LA))
    assert national(older, 2020, "children_missing")["value"] == 12430
    row = national(missing, 2020, "children_missing")
    assert row["value"] == 12470
    assert row["source_id"] == EES_2024_LA
    assert row["source_release"] == "reporting year 2024 (covers 2020 to 2024)"
    # every row of a year comes from one release
    per_year = missing.group_by("time_period").agg(pl.col("source_id").n_unique().alias("n"))
    assert per_year["n"].to_list() == [1] * per_year.height


def test_rates_and_denominator_from_2018(missing):
    # EES 2024 LA file lines 5, 13 and 3: 2024 National children looked after during the year 116420;
    # percentage who had a missing incident 11; average missing incidents per child who went missing 6.5
    assert national(missing, 2024, "children_looked_after_during_year")["value"] == 116420
    pct = national(missing, 2024, "percent_children_missing")
    assert (pct["value"], pct["rate"]) == (None, 11.0)
    assert national(missing, 2024, "average_missing_incidents_per_child_missing")["rate"] == 6.5
    assert (
        missing.filter(pl.col("measure") == "children_looked_after_during_year")["time_period"].min() == 2018
    )


def test_suppressed_values_stay_null_with_their_note(missing):
    # EES 2024 line 10236: Bath and North East Somerset, 2020, children looked after during the year: c
    row = la(missing, 2020, "E06000022", "children_looked_after_during_year")
    assert row["value"] is None
    assert row["value_note"] == "suppressed (c): confidential, small number"
    # SFR34_Missing2015.csv line 14, City of London (201): CLA_MissDuringYear x, CLA_MissIncs 22
    row = la(missing, 2015, "E09000001", "children_missing")
    assert row["value"] is None and row["value_note"].startswith("suppressed (x)")
    assert la(missing, 2015, "E09000001", "missing_incidents")["value"] == 22


def test_hackney_2021_published_as_zero_is_not_a_count(mirror_dir, missing):
    # DfE (EES 2022 and 2023 data guidance): "Figures for 2021 exclude data for Hackney". EES 2022 line 3064
    # shows x; EES 2024 line 8288 shows 0 for the same cell.
    lines_2022 = path_of(mirror_dir, EES_2022_LA).read_text(encoding="utf-8-sig").splitlines()
    lines_2024 = path_of(mirror_dir, EES_2024_LA).read_text(encoding="utf-8-sig").splitlines()
    assert lines_2022[3063].endswith(
        "Hackney,E09000012,Children who had a missing incident during the year,x"
    )
    assert lines_2024[8287].endswith(
        "Hackney,E09000012,Children who had a missing incident during the year,0"
    )
    row = la(missing, 2021, "E09000012", "children_missing")
    assert row["value"] is None and "Hackney could not provide" in row["value_note"]
    assert row["source_id"] == EES_2024_LA
    # EES 2024 line 8286: the denominator, 616, is real and kept
    assert la(missing, 2021, "E09000012", "children_looked_after_during_year")["value"] == 616


def test_authorities_that_did_not_exist_are_not_rows(missing):
    # EES 2024 publishes Cumbria for 2024 with every value z, and Cumberland for 2020-2023 likewise
    assert (
        missing.filter((pl.col("new_la_code") == "E10000006") & (pl.col("time_period") == 2024)).height == 0
    )
    assert (
        missing.filter((pl.col("new_la_code") == "E06000063") & (pl.col("time_period") == 2023)).height == 0
    )
    assert (
        missing.filter((pl.col("new_la_code") == "E06000063") & (pl.col("time_period") == 2024)).height == 13
    )


def test_inner_and_outer_london_left_out(missing):
    assert missing.filter(pl.col("region_code").is_in(["E13000001", "E13000002"])).height == 0
    assert missing.filter(pl.col("region_name").is_in(["Inner London", "Outer London"])).height == 0


# ---------------------------------------------------------------------------------------------------------
# Incidents by placement


def rows_for(frame, year, measure, **filters):
    expr = (pl.col("time_period") == year) & (pl.col("measure") == measure)
    for column, value in filters.items():
        expr &= pl.col(column) == value
    return frame.filter(expr)


def test_placement_type_definition_change_kept_apart(mirror_dir, by_placement):
    old = "Secure units, children's homes and semi-independent living accommodation"
    new = "4: Secure homes and children's homes"
    # EES 2023 national_statistics_official_statistics_cla_who_were_missing.csv line 301: 2019, old label, 38300
    r2019 = rows_for(by_placement, 2019, "missing_incidents", placement_type=old)
    assert r2019["value"].to_list() == [38300]
    # EES 2024 official_statistics_cla_who_were_missing.csv line 313: 2020, new label, 25730
    r2020 = rows_for(by_placement, 2020, "missing_incidents", placement_type=new)
    assert r2020["value"].to_list() == [25730]
    assert r2019["placement_type_group"][0] != r2020["placement_type_group"][0]
    # EES 2023 line 219 also has the old grouping for 2020 (45790): superseded by EES 2024, not mixed in
    assert rows_for(by_placement, 2020, "missing_incidents", placement_type=old).height == 0
    older = dfe_missing.ees_national_by_placement(
        only(mirror_dir, "dfe-cla-ees-2023-national-statistics-official-statistics-cla-who-were-missing")
    )
    assert rows_for(older, 2020, "missing_incidents", placement_type=old)["value"].to_list() == [45790]
    # a group id never spans two labels with different definitions
    groups = (
        by_placement.filter(pl.col("breakdown") == "placement_type")
        .group_by("placement_type_group")
        .agg(pl.col("placement_type").unique())
    )
    ids = dict(zip(groups["placement_type_group"], groups["placement_type"], strict=True))
    assert sorted(ids["secure_homes_and_childrens_homes"]) == [new]
    assert sorted(ids["secure_units_childrens_homes_and_semi_independent_living"]) == [old]
    # unchanged categories do share an id across the regrouping
    assert sorted(ids["foster_placements"]) == ["1: Foster placements", "Foster placements"]


def test_placement_location_breakdown(by_placement):
    # EES 2024 official_statistics_cla_who_were_missing.csv lines 55-56: 2024 inside 45140, outside 38780
    inside = rows_for(by_placement, 2024, "missing_incidents", placement_location="inside_council_boundary")
    outside = rows_for(by_placement, 2024, "missing_incidents", placement_location="outside_council_boundary")
    assert (inside["value"].to_list(), outside["value"].to_list()) == ([45140], [38780])
    assert inside["source_id"].to_list() == ["dfe-cla-ees-2024-official-statistics-cla-who-were-missing"]
    locations = by_placement.filter(pl.col("breakdown") == "placement_location")
    assert sorted(locations["time_period"].unique().to_list()) == [2019, 2020, 2021, 2022, 2023, 2024]


def test_placement_totals_match_missing_from_care(missing, by_placement):
    totals = by_placement.filter(pl.col("placement_type_group") == "total").select(
        "time_period", "measure", pl.col("value").alias("by_placement"), pl.col("source_release").alias("r1")
    )
    joined = totals.join(
        missing.filter(pl.col("geographic_level") == "National").select(
            "time_period", "measure", "value", pl.col("source_release").alias("r2")
        ),
        on=["time_period", "measure"],
    )
    assert joined.height == 14  # 2018-2024, missing and away
    assert (joined["by_placement"] == joined["value"]).all()
    assert (joined["r1"] == joined["r2"]).all()


# ---------------------------------------------------------------------------------------------------------
# Missing for more than 24 hours (2011-2014)


def test_missing_over_24_hours(over_24):
    # SFR21_CLA.csv, SFR20_CLA2012.csv, SFR36_CLA2013.csv, SFR36_CLA2014.csv line 2 (ENGLAND), CLA_Miss
    values = {y: national(over_24, y, o24.MEASURE)["value"] for y in (2011, 2012, 2013, 2014)}
    assert values == {2011: 110, 2012: 140, 2013: 150, 2014: 160}
    assert sorted(over_24["time_period"].unique().to_list()) == [2011, 2012, 2013, 2014]
    assert over_24["measure"].unique().to_list() == [o24.MEASURE]


SFR_2016_CLA = "dfe-cla-sfr-2016-sfr41-cla2016"


def test_2016_column_headed_cla_miss_is_refused(mirror_dir, tmp_path):
    # premise: the 2016 metadata lists CLA_OthPl, not CLA_Miss, for this file
    meta = path_of(mirror_dir, "dfe-cla-sfr-2016-meta-data-document").read_text(encoding="cp1252")
    lines = [line.strip() for line in meta.splitlines()]
    start = lines.index("SFR41_CLA2016.csv")  # the file's section in Annex A
    section = "\n".join(lines[start : lines.index("SFR41_ADM2016.csv", start)])
    assert "CLA_OthPl:" in section and "CLA_Miss:" not in section
    header = path_of(mirror_dir, SFR_2016_CLA).read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert "CLA_Miss" in [c.strip() for c in header] and "CLA_OthPl" not in [c.strip() for c in header]
    # sfr_columns.csv reads CLA_Miss up to the 2014 release only: the 2016 file gives no such rows
    read = dfe_missing.sfr_missing_over_24_hours(
        only(mirror_dir, "dfe-cla-sfr-2014-sfr36-cla2014", SFR_2016_CLA)
    )
    assert set(read["source_id"]) == {"dfe-cla-sfr-2014-sfr36-cla2014"} and read.height
    # and were the table extended to later releases, the guard still refuses the 2016 column
    reference = tmp_path / "reference"
    shutil.copytree(settings.REFERENCE_DIR, reference)
    table = reference / "sfr_columns.csv"
    text = table.read_text(encoding="utf-8")
    row = next(
        line
        for line in text.splitlines()
        if ",children_missing_over_24_hours_at_31_march,CLA_Miss,2011,2014," in line
    )
    table.write_text(text.replace(row, row.replace(",2011,2014,", ",2011,,")), encoding="utf-8")
    extended = SourceFiles(
        {SFR_2016_CLA: MANIFEST[SFR_2016_CLA]}, {SFR_2016_CLA: path_of(mirror_dir, SFR_2016_CLA)}, reference
    )
    with pytest.raises(ParseError) as caught:
        dfe_missing.sfr_missing_over_24_hours(extended)
    assert caught.value.file == "SFR41_CLA2016.csv" and "CLA_OthPl" in caught.value.detail


# ---------------------------------------------------------------------------------------------------------
# Small fixtures: labels, symbols, columns

EES_HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
    "old_la_code,la_name,new_la_code,CLA_group,number"
)
EES_NATIONAL = "2024,Reporting year,National,E92000001,England,,,,,"
EES_LONDON_LA = (
    "2024,Reporting year,Local authority,E92000001,England,E13000001,Inner London,204,Hackney,E09000012"
)


def write(
    tmp_path: Path, name: str, lines: list[str], bom: bool = True, *, family: str = dfe_missing.EES_LA_MISSING
) -> SourceFiles:
    """A fixture file as the one file of a family (default: the EES LA file), covering 2024 (SFR: 2015)."""
    year = "2015" if family.startswith("sfr:") else "2024"
    content = (b"\xef\xbb\xbf" if bom else b"") + ("\n".join(lines) + "\n").encode("utf-8")
    return fixture_files(tmp_path, family, content, file_name=name, release=year, reference_period=year)


def test_labels_normalised_once_spaces_and_capitals(tmp_path):
    files = write(
        tmp_path,
        "ees.csv",
        [
            EES_HEADER,
            f"{EES_NATIONAL},Children  missing at 31 march ,300",
            f"{EES_LONDON_LA},CHILDREN WHO HAD A MISSING INCIDENT DURING THE YEAR,95",
            f"{EES_LONDON_LA},Percentage of children who had a missing incident during the year,k",
        ],
    )
    frame = dfe_missing.ees_la_missing(files)
    assert frame["measure"].to_list() == [
        "children_missing_at_31_march",
        "children_missing",
        "percent_children_missing",
    ]
    assert frame["value"].to_list() == [300, 95, None]
    assert frame["value_note"].to_list()[2] == "rounds to zero, under 0.5 (k)"
    # London boroughs get London (E12), not the Inner London sub-region
    assert frame["region_code"].to_list()[1:] == ["E12000007", "E12000007"]


def test_unknown_label_raises_naming_the_file(tmp_path):
    files = write(
        tmp_path, "odd_labels.csv", [EES_HEADER, f"{EES_NATIONAL},Children missing from care homes,10"]
    )
    with pytest.raises(ParseError) as caught:
        dfe_missing.ees_la_missing(files)
    assert caught.value.file == "odd_labels.csv"
    assert "Children missing from care homes" in str(caught.value)


def test_missing_column_raises(tmp_path):
    files = write(
        tmp_path,
        "no_number.csv",
        [EES_HEADER.replace(",number", ""), f"{EES_NATIONAL},Children missing at 31 March"],
    )
    with pytest.raises(ParseError, match="number") as caught:
        dfe_missing.ees_la_missing(files)
    assert caught.value.file == "no_number.csv"


SFR_HEADER = (
    "New_geog_code,geog_l,geog_c,geog_n,CLA_MissDuringYear,CLA_MissIncs,CLA_MissMoreOnce,CLA_Miss31Mar,"
    "CLA_AwayDuringYear,CLA_AwayIncs,CLA_AwayMoreOnce,CLA_Away31Mar"
)


def test_sfr_missing_column_raises(tmp_path):
    header = SFR_HEADER.replace(",CLA_Miss31Mar", "")
    files = write(
        tmp_path,
        "SFR_short.csv",
        [header, "E92000001,NATIONAL,999,ENGLAND,6110,28570,3580,3230,13080,1730,50"],
        bom=False,
        family=dfe_missing.SFR_MISSING,
    )
    with pytest.raises(ParseError, match="children_missing_at_31_march") as caught:
        dfe_missing.sfr_missing(files)
    assert caught.value.file == "SFR_short.csv"


def test_sfr_unknown_column_raises(tmp_path):
    files = write(
        tmp_path,
        "SFR_extra.csv",
        [
            SFR_HEADER + ",CLA_MissOver24h",
            "E92000001,NATIONAL,999,ENGLAND,6110,28570,3580,160,3230,13080,1730,50,9",
        ],
        bom=False,
        family=dfe_missing.SFR_MISSING,
    )
    with pytest.raises(ParseError, match="CLA_MissOver24h"):
        dfe_missing.sfr_missing(files)


@pytest.mark.parametrize("published", ["n/a", "12.5", "-3"])
def test_values_that_are_not_counts_raise(tmp_path, published):
    files = write(
        tmp_path,
        "bad_value.csv",
        [EES_HEADER, f"{EES_NATIONAL},Number of missing incidents during the year,{published}"],
    )
    with pytest.raises(ParseError) as caught:
        dfe_missing.ees_la_missing(files)
    assert caught.value.file == "bad_value.csv"


@pytest.mark.parametrize("symbol", ["c", "x", "z", "low", "u", "#VALUE!", ".."])
def test_every_symbol_becomes_null_with_a_note(tmp_path, symbol):
    files = write(
        tmp_path,
        "symbols.csv",
        [EES_HEADER, f"{EES_NATIONAL},Number of missing incidents during the year,{symbol}"],
    )
    row = dfe_missing.ees_la_missing(files).row(0, named=True)
    assert row["value"] is None and f"({symbol})" in row["value_note"]


NATIONAL_HEADER = "time_period,time_identifier,geographic_level,country_code,country_name,missing_status,characteristic,number"
NAT = "2024,Reporting year,National,E92000001,England"


def test_placement_labels_canonical_and_unknown_ones_refused(tmp_path):
    files = write(
        tmp_path,
        "nat.csv",
        [
            NATIONAL_HEADER,
            f"{NAT},Placements from which children were missing ,Foster Placements ,15030",
            f"{NAT},Placements from which children were missing,Total incidents,83920",
            f"{NAT},Age of children missing from placement,1 to 4 years,30",
        ],
        family=dfe_missing.EES_NATIONAL_MISSING,
    )
    frame = dfe_missing.ees_national_by_placement(files)
    assert frame["placement_type"].to_list() == ["Foster placements", "Total incidents"]
    assert frame["placement_type_group"].to_list() == ["foster_placements", "total"]
    bad = write(
        tmp_path,
        "nat_bad.csv",
        [NATIONAL_HEADER, f"{NAT},Placements from which children were missing,Hotels,40"],
        family=dfe_missing.EES_NATIONAL_MISSING,
    )
    with pytest.raises(ParseError) as caught:
        dfe_missing.ees_national_by_placement(bad)
    assert caught.value.file == "nat_bad.csv" and "Hotels" in str(caught.value)
    status = write(
        tmp_path,
        "nat_status.csv",
        [NATIONAL_HEADER, f"{NAT},Missing by weekday,Monday,40"],
        family=dfe_missing.EES_NATIONAL_MISSING,
    )
    with pytest.raises(ParseError, match="Missing by weekday"):
        dfe_missing.ees_national_by_placement(status)


# ---------------------------------------------------------------------------------------------------------
# Measures and expectation suites


def test_every_measure_has_a_row_in_measures_csv(missing, by_placement, over_24):
    with (settings.REFERENCE_DIR / "measures.csv").open(newline="", encoding="utf-8") as handle:
        rows = {(r["measure"], r["dataset"]): r for r in csv.DictReader(handle)}
    for name, frame in (
        ("missing_from_care", missing),
        ("missing_incidents_by_placement", by_placement),
        ("missing_over_24_hours", over_24),
    ):
        for measure in frame["measure"].unique().to_list():
            row = rows[(measure, name)]
            assert row["label"] and row["unit"] and row["definition"], (measure, name)
    note = rows[(o24.MEASURE, "missing_over_24_hours")]["definition_break_note"]
    assert "2015" in note and "never join" in note
    assert (
        "regrouped" in rows[("missing_incidents", "missing_incidents_by_placement")]["definition_break_note"]
    )


def failed(report) -> set[tuple[str, str, str]]:
    return {
        (
            o.view,
            o.expectation,
            str(o.kwargs.get("column") or o.kwargs.get("column_A") or o.kwargs.get("column_list")),
        )
        for o in report.failures
    }


def run_suite(dataset, frame, sources):
    """The dataset's suite, placeholders resolved from the files read (as the pipeline runs it)."""
    return validate(dataset, frame, dataset.views(frame), source_files=sources)


@pytest.fixture(scope="module")
def missing_complete(missing, sources):
    return geography.complete_geography(missing, sources.geo_files())


def test_missing_from_care_suite_passes_on_the_real_data(missing_complete, sources):
    report = run_suite(mfc.DATASET, missing_complete, sources)
    assert report.success, failed(report)
    assert len(report.outcomes) > 40


def test_missing_from_care_suite_catches_broken_data(missing_complete, sources):
    frame = missing_complete
    leeds_2019 = (pl.col("new_la_code") == "E08000035") & (pl.col("time_period") == 2019)
    broken = (
        frame.with_columns(
            # more children missing more than once than children missing (Leeds, 2024)
            pl.when(
                (pl.col("new_la_code") == "E08000035")
                & (pl.col("time_period") == 2024)
                & (pl.col("measure") == "children_missing_more_than_once")
            )
            .then(pl.lit(100_000, dtype=pl.Int64))
            .otherwise(pl.col("value"))
            .alias("value"),
        )
        .with_columns(
            # a national figure from somewhere else (2016 missing incidents doubled)
            pl.when(
                (pl.col("geographic_level") == "National")
                & (pl.col("time_period") == 2016)
                & (pl.col("measure") == "missing_incidents")
            )
            .then(pl.col("value") * 2)
            .otherwise(pl.col("value"))
            .alias("value")
        )
        .filter(~leeds_2019)  # an LA silently dropped for a year
    )
    broken = pl.concat([broken, broken.head(1)])  # a duplicated row
    got = failed(run_suite(mfc.DATASET, broken, sources))
    assert ("areas", "expect_column_pair_values_a_to_be_greater_than_b", "children_missing") in got
    assert ("la_sum_vs_national", "expect_column_values_to_be_between", "excess") in got
    assert ("la_continuity", "expect_column_values_to_be_in_set", "in_reorganisations") in got
    assert (
        "coverage",
        "expect_column_values_to_be_in_set",
        "national_rows",
    ) in got  # the duplicate is National
    assert ("tidy", "expect_compound_columns_to_be_unique", str(mfc.KEY)) in got


def test_la_continuity_needs_the_reorganisations_file(missing, tmp_path):
    view = dfe.la_continuity_view(missing, ["measure"], tmp_path / "absent.csv")
    assert view.height > 0 and not view["in_reorganisations"].any()
    listed = tmp_path / "reorg.csv"
    listed.write_text("old_la_code_gss,effective_date\nE10000002,2020-04-01\nE10000009,\n", encoding="utf-8")
    view = dfe.la_continuity_view(missing, ["measure"], listed).unique(["new_la_code", "in_reorganisations"])
    explained = dict(zip(view["new_la_code"], view["in_reorganisations"], strict=True))
    assert explained["E10000002"] is True  # Buckinghamshire, listed with a date
    assert explained["E10000009"] is False  # listed without an effective date: not applied


def test_by_placement_suite_passes_and_refuses_a_merged_definition(by_placement, sources):
    frame = geography.complete_geography(by_placement, sources.geo_files())
    report = run_suite(mip.DATASET, frame, sources)
    assert report.success, failed(report)
    merged = frame.with_columns(
        pl.when(pl.col("placement_type_group") == "secure_units_childrens_homes_and_semi_independent_living")
        .then(pl.lit("secure_homes_and_childrens_homes"))
        .otherwise(pl.col("placement_type_group"))
        .alias("placement_type_group")
    )
    got = failed(run_suite(mip.DATASET, merged, sources))
    assert ("tidy", "expect_column_pair_values_to_be_in_set", "placement_type") in got
    assert ("releases", "expect_column_pair_values_to_be_in_set", "breakdown") in got


def test_over_24_hours_suite_passes_and_refuses_a_later_year(over_24, sources):
    frame = geography.complete_geography(over_24, sources.geo_files())
    report = run_suite(o24.DATASET, frame, sources)
    assert report.success, failed(report)
    later = pl.concat(
        [
            frame,
            frame.filter(pl.col("time_period") == 2014).with_columns(
                pl.lit(2016, dtype=pl.Int64).alias("time_period")
            ),
        ]
    )
    got = failed(run_suite(o24.DATASET, later, sources))
    assert ("tidy", "expect_column_values_to_be_between", "time_period") in got
    assert ("years", "expect_column_pair_values_to_be_in_set", "series") in got
