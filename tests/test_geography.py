"""analysis.geography on the real geo, DfE and Ofsted files of the sources' archive (the `mirror_dir` fixture).

The geography reads the files the manifest names: the newest file of each geo family (GeoFiles, built here as
the pipeline builds it from SourceFiles). Files are chosen by their manifest rows (family), never by a path.
"""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from mirror_sources import MANIFEST, of_families, path_of, source_files

from analysis import geography
from analysis.errors import GeographyError, ParseError
from analysis.layout import EES_GEOGRAPHY_COLUMNS, GSS_LA_PATTERN
from analysis.sources.dfe_common import read_ees_csv, read_sfr_csv

POPULATION = "dfe-population-ons-mid-year-population-estimates-2012-to-2024"
LA_CHARACTERISTICS_2024 = "dfe-cla-ees-2024-la-cla-on-31-march-by-characteristics"

SFR_FILES = of_families("sfr:cla_underlying_data", "sfr:missing_underlying_data")
EES_FILES = [s for s in of_families(prefix="ees:") if s.file_name.endswith(".csv")] + [MANIFEST[POPULATION]]
OFSTED_FILES = [s for s in of_families(prefix="ofsted:") if s.file_name.endswith(".csv")]
OFSTED_FILES_WITHOUT_LA = [s for s in OFSTED_FILES if s.family == "ofsted:closed_homes"]
OFSTED_FILES_WITH_LA = [s for s in OFSTED_FILES if s not in OFSTED_FILES_WITHOUT_LA]


def _archive_id(source) -> str:
    return source.archive_path.rsplit("/", 3)[-2] + "/" + source.file_name


@pytest.fixture(scope="module")
def files(mirror_dir: Path) -> geography.GeoFiles:
    """The geography's files as the pipeline picks them: the newest of each geo family, the reference tables."""
    return source_files(mirror_dir).geo_files()


def test_the_manifest_names_the_files_read_here_and_the_archive_has_them(mirror_dir, files):
    assert SFR_FILES and len(EES_FILES) > 30 and len(OFSTED_FILES_WITH_LA) > 15 and OFSTED_FILES_WITHOUT_LA
    for source in SFR_FILES + EES_FILES + OFSTED_FILES:
        assert path_of(mirror_dir, source).is_file(), source.source_id
    # the geography reads the newest file of each of its families, in the archive
    for family in geography.GEO_FAMILIES:
        [newest] = [s for s in of_families(family) if s.release == of_families(family)[-1].release]
        assert path_of(mirror_dir, newest) in dataclasses.astuple(files), family


def test_geo_files_need_every_family():
    paths = {family: Path(f"/nowhere/{family}") for family in geography.GEO_FAMILIES}
    assert geography.GeoFiles.from_paths(paths).hexmap == paths[geography.FAMILY_HEXMAP]
    del paths[geography.FAMILY_ONS_UTLA]
    with pytest.raises(KeyError, match="geo:ons_utla_all_codes"):
        geography.GeoFiles.from_paths(paths)


# --------------------------------------------------------------------------------------------------
# Reorganisations


def _authority(files, code: str) -> dict:
    rows = geography.upper_tier_authorities(files).filter(pl.col("la_code") == code).to_dicts()
    assert len(rows) == 1, code
    return rows[0]


def test_same_area_successors_continue_the_series(files):
    assert _authority(files, "E10000002")["current_la_code"] == "E06000060"  # Buckinghamshire, 2020
    assert _authority(files, "E10000023")["current_la_code"] == "E06000065"  # North Yorkshire, 2023
    assert _authority(files, "E10000027")["current_la_code"] == "E06000066"  # Somerset, 2023
    assert _authority(files, "E08000020")["current_la_code"] == "E08000037"  # Gateshead re-code, 2013
    assert _authority(files, "E06000048")["current_la_code"] == "E06000057"  # Northumberland re-code, 2013
    assert _authority(files, "E06000028")["current_la_name"] == "Bournemouth, Christchurch and Poole"


def test_split_areas_have_no_current_council(files):
    for county, successors in [
        ("E10000021", "E06000061,E06000062"),  # Northamptonshire, 2021
        ("E10000006", "E06000063,E06000064"),  # Cumbria, 2023
        ("E10000009", "E06000058,E06000059"),  # Dorset county, 2019 (Christchurch went to BCP)
    ]:
        row = _authority(files, county)
        assert row["current_la_code"] is None and row["current_la_name"] is None
        assert row["successor_codes"] == successors
        assert not row["is_current"]


def test_reorganisation_dates_and_end_dates(files):
    assert _authority(files, "E10000002")["end_date"] == date(2020, 3, 31)
    assert _authority(files, "E06000060")["start_date"] == date(2020, 4, 1)
    assert _authority(files, "E10000021")["end_date"] == date(2021, 3, 31)
    assert _authority(files, "E06000063")["start_date"] == date(2023, 4, 1)
    assert _authority(files, "E06000058")["start_date"] == date(2019, 4, 1)
    assert (
        _authority(files, "E09000001")["start_date"] is None
        and _authority(files, "E09000001")["end_date"] is None
    )


def test_every_county_split_matches_where_its_districts_went(files):
    """Successors of each abolished county = ONS upper tier of the districts mySociety puts in that county."""
    mysociety = geography.read_mysociety_authorities(files.mysociety_authorities)
    ons = geography.read_ons_la_lookup(files.ons_la)
    reorganisations = geography.la_reorganisations(files).filter(pl.col("effective_date").is_not_null())
    registry = dict(mysociety.select("gss-code", "local-authority-code").iter_rows())
    utla = dict(ons.select("LADCD", "UTLACD").iter_rows())
    counties = reorganisations.filter(pl.col("old_la_code_gss").str.starts_with("E10"))
    assert counties["old_la_code_gss"].n_unique() == 6
    for (county,), rows in counties.group_by(["old_la_code_gss"]):
        districts = mysociety.filter(pl.col("county-la") == registry[county])["gss-code"].to_list()
        assert districts, county
        assert {utla[d] for d in districts} == set(rows["current_la_code"]), county


def test_effective_dates_are_the_successors_start_dates_in_mysociety(files):
    mysociety = geography.read_mysociety_authorities(files.mysociety_authorities)
    start = dict(mysociety.select("gss-code", "start-date").iter_rows())
    ended = set(mysociety.filter(pl.col("end-date").is_not_null())["gss-code"])
    checked = 0
    for row in geography.la_reorganisations(files).iter_rows(named=True):
        if row["effective_date"] is not None and row["old_la_code_gss"] in ended:
            assert start[row["current_la_code"]] == row["effective_date"].isoformat(), row
            checked += 1
    assert checked == 11


def test_later_ons_recodes_are_recorded_but_not_applied(files):
    # ONS re-coded Barnsley and Sheffield after the DfE data; DfE 2024 files use the old codes.
    assert _authority(files, "E08000016")["is_current"] and _authority(files, "E08000019")["is_current"]
    assert "E08000038" not in geography.known_la_codes(files)
    later = geography.la_reorganisations(files).filter(pl.col("effective_date").is_null())
    assert set(later["old_la_code_gss"]) == {"E08000016", "E08000019"}


def test_reorganisation_table_is_checked(tmp_path):
    table = pl.read_csv(geography.REORGANISATIONS_FILE, infer_schema=False)
    bad = table.with_columns(
        pl.when(pl.col("old_la_code_gss") == "E10000021")
        .then(pl.lit("true"))
        .otherwise(pl.col("one_to_one"))
        .alias("one_to_one")
    )
    path = tmp_path / "la_reorganisations.csv"
    bad.write_csv(path)
    with pytest.raises(GeographyError, match="E10000021"):
        geography.read_reorganisations(path)


def test_undocumented_ons_recode_fails_loudly(files, tmp_path):
    table = pl.read_csv(geography.REORGANISATIONS_FILE, infer_schema=False)
    path = tmp_path / "la_reorganisations.csv"
    table.filter(pl.col("old_la_code_gss") != "E08000020").write_csv(path)
    files = dataclasses.replace(files, reorganisations=path)
    with pytest.raises(GeographyError, match="E08000020"):
        geography.load_geography(files)


# --------------------------------------------------------------------------------------------------
# Authorities and regions


def _dfe_la_codes(path: Path, year: int) -> set[str]:
    frame = read_ees_csv(path, "test", "test")
    return set(
        frame.filter(pl.col("geographic_level") == "Local authority", pl.col("time_period") == year)[
            "new_la_code"
        ]
    )


def test_current_authorities_are_the_2024_dfe_list(files, mirror_dir):
    current = set(geography.current_authorities(files)["la_code"])
    assert len(current) == 153
    assert _dfe_la_codes(path_of(mirror_dir, POPULATION), 2024) == current
    assert _dfe_la_codes(path_of(mirror_dir, LA_CHARACTERISTICS_2024), 2024) == current
    assert {"E09000001", "E06000053"} <= current  # City of London, Isles of Scilly


def test_each_authority_has_exactly_one_region(files):
    authorities = geography.upper_tier_authorities(files)
    assert authorities["la_code"].is_unique().all()
    assert authorities.height == 163
    assert authorities["region_code"].null_count() == 0
    assert set(authorities["region_code"]) == {f"E1200000{i}" for i in range(1, 10)}
    ons = geography.read_ons_utla_lookup(files.ons_utla)
    for code, region in ons.select("UTLACD", "RGNCD").iter_rows():
        if code in geography.known_la_codes(files):
            assert geography.region_for_la(code, files)[0] == region
    assert geography.region_for_la("E10000021", files) == ("E12000004", "East Midlands")
    assert geography.region_for_la("E06000010", files) == ("E12000003", "Yorkshire and The Humber")
    counts = dict(geography.current_authorities(files).group_by("region_name").len().iter_rows())
    assert sum(counts.values()) == 153 and counts["London"] == 33


def test_region_for_unknown_code_raises(files):
    # Aylesbury Vale: a district, not a children's services authority
    with pytest.raises(GeographyError, match="E07000004"):
        geography.region_for_la("E07000004", files)


# --------------------------------------------------------------------------------------------------
# complete_geography on every DfE file


def _sfr_frame(mirror_dir: Path, source) -> pl.DataFrame:
    (year,) = source.years
    return read_sfr_csv(path_of(mirror_dir, source), source.source_id, year, source.release_title)


@pytest.mark.parametrize("source", SFR_FILES, ids=_archive_id)
def test_every_sfr_la_code_is_known(files, mirror_dir, source):
    frame = _sfr_frame(mirror_dir, source)
    done = geography.complete_geography(frame, files)
    la = done.filter(pl.col("geographic_level") == "Local authority")
    # The SFRs leave out the Isles of Scilly, except 2017 (a row of zeros with a blank geog_l)
    assert la.height == (152 if source.file_name == "SFR50_CLA2017.csv" else 151)
    assert la["region_code"].null_count() == 0
    regional = done.filter(pl.col("geographic_level") == "Regional")
    assert set(regional["region_name"]) <= set(geography.regions(files)["region_name"])
    assert regional.select("region_code", "region_name").is_unique().all()


@pytest.mark.parametrize("source", EES_FILES, ids=_archive_id)
def test_every_ees_la_code_is_known(files, mirror_dir, source):
    frame = read_ees_csv(path_of(mirror_dir, source), source.source_id, source.release_title)
    if "new_la_code" not in frame.columns:
        assert set(frame["geographic_level"]) == {"National"}
        return
    done = geography.complete_geography(frame, files)
    assert done.height == frame.height
    la = done.filter(pl.col("geographic_level") == "Local authority")
    assert la["region_code"].str.starts_with("E12").all()
    current = la.filter(
        pl.col("new_la_code").is_in(geography.current_authorities(files)["la_code"].implode())
    )
    assert (current["current_la_code"] == current["new_la_code"]).all()
    # Rows are kept in order and nothing but the region and current_la_* columns changes; current_la_*
    # follow the last EES geography column (new_la_code comes after la_name in EES files).
    last = max(frame.columns.index(c) for c in EES_GEOGRAPHY_COLUMNS)
    assert done.columns[last + 1 : last + 3] == ["current_la_code", "current_la_name"]
    unchanged = [c for c in frame.columns if c not in ("region_code", "region_name")]
    assert done.select(unchanged).equals(frame.select(unchanged))


def test_la_counts_per_year_in_dfe_files(mirror_dir):
    counts = {}
    for source in SFR_FILES:
        if source.family == "sfr:cla_underlying_data":
            frame = _sfr_frame(mirror_dir, source)
            counts[source.years[0]] = frame.filter(pl.col("geographic_level") == "Local authority").height
    assert counts == {2011: 151, 2012: 151, 2013: 151, 2014: 151, 2015: 151, 2016: 151, 2017: 152}
    population = read_ees_csv(path_of(mirror_dir, POPULATION), "test", "test").filter(
        pl.col("geographic_level") == "Local authority"
    )
    by_year = dict(population.group_by("time_period").len().iter_rows())
    assert by_year == {2012: 152, 2013: 152, 2014: 152, 2015: 152, 2016: 152, 2017: 152, 2018: 152,
                       2019: 151, 2020: 151, 2021: 152, 2022: 152, 2023: 153, 2024: 153}  # fmt: skip


def _frame(rows: list[dict]) -> pl.DataFrame:
    base = dict.fromkeys(EES_GEOGRAPHY_COLUMNS)
    return pl.DataFrame([{**base, "time_period": 2015, "time_identifier": "Reporting year", **r} for r in rows],
                        schema={**dict.fromkeys(EES_GEOGRAPHY_COLUMNS, pl.Utf8), "time_period": pl.Int64,
                                "value": pl.Int64})  # fmt: skip


def test_complete_geography_fills_regions_and_current_councils(files):
    frame = _frame(
        [
            {"geographic_level": "National", "country_code": "E92000001", "value": 1},
            {
                "geographic_level": "Regional",
                "region_code": "E12000003",
                "region_name": "Yorkshire And The Humber",
                "value": 2,
            },
            {
                "geographic_level": "Regional",
                "region_code": "E12000007",
                "region_name": "Inner London",
                "value": 3,
            },
            {"geographic_level": "Regional", "region_code": "E12000006", "region_name": None, "value": 4},
            {
                "geographic_level": "Local authority",
                "new_la_code": "E10000002",
                "la_name": "Buckinghamshire",
                "value": 5,
            },
            {
                "geographic_level": "Local authority",
                "new_la_code": "E10000021",
                "la_name": "Northamptonshire",
                "value": 6,
            },
            {
                "geographic_level": "Local authority",
                "new_la_code": "E09000007",
                "la_name": "Camden",
                "region_code": "E13000001",
                "region_name": "Inner London",
                "value": 7,
            },
            {
                "geographic_level": "Local authority",
                "new_la_code": "E06000028",
                "la_name": "Bournemouth",
                "value": 8,
            },
        ]
    )
    done = geography.complete_geography(frame, files)
    assert done.columns.index("current_la_code") == done.columns.index("la_name") + 1
    assert done.columns[-1] == "value"
    assert done["value"].to_list() == list(range(1, 9))
    rows = done.select("region_code", "region_name", "current_la_code", "current_la_name").rows()
    assert rows == [
        (None, None, None, None),
        ("E12000003", "Yorkshire and The Humber", None, None),
        ("E13000001", "Inner London", None, None),
        ("E12000006", "East of England", None, None),
        ("E12000008", "South East", "E06000060", "Buckinghamshire"),
        ("E12000004", "East Midlands", None, None),
        ("E12000007", "London", "E09000007", "Camden"),
        ("E12000009", "South West", "E06000058", "Bournemouth, Christchurch and Poole"),
    ]
    assert geography.complete_geography(done, files).equals(done)  # idempotent


def test_complete_geography_rejects_unknown_codes_and_contradictions(files):
    unknown = _frame(
        [{"geographic_level": "Local authority", "new_la_code": "E07000004", "la_name": "Aylesbury Vale"}]
    )
    with pytest.raises(GeographyError, match="E07000004.*Aylesbury Vale"):
        geography.complete_geography(unknown.with_columns(pl.lit("some-source").alias("source_id")), files)
    wrong_region = _frame([{"geographic_level": "Local authority", "new_la_code": "E09000007", "la_name": "Camden",
                            "region_code": "E12000008"}])  # fmt: skip
    with pytest.raises(GeographyError, match="E09000007"):
        geography.complete_geography(wrong_region, files)
    bad_region = _frame(
        [{"geographic_level": "Regional", "region_code": "E12000001", "region_name": "North"}]
    )
    with pytest.raises(GeographyError, match="North"):
        geography.complete_geography(bad_region, files)
    mismatched = _frame(
        [{"geographic_level": "Regional", "region_code": "E12000001", "region_name": "South West"}]
    )
    with pytest.raises(GeographyError, match="E12000001"):
        geography.complete_geography(mismatched, files)


def test_complete_geography_is_fast_on_half_a_million_rows(files, mirror_dir):
    frame = read_ees_csv(path_of(mirror_dir, LA_CHARACTERISTICS_2024), "test", "test")
    big = pl.concat([frame] * (500_000 // frame.height + 1)).head(500_000)
    geography.load_geography(files)  # files read once, outside the timing
    started = time.perf_counter()
    done = geography.complete_geography(big, files)
    assert time.perf_counter() - started < 15
    assert done.height == 500_000


# --------------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("name", "on", "code"),
    [
        ("Bournemouth", date(2015, 3, 31), "E06000028"),
        ("Poole", date(2019, 3, 31), "E06000029"),
        ("Bournemouth, Christchurch & Poole", date(2020, 3, 31), "E06000058"),
        ("Dorset", date(2019, 3, 31), "E10000009"),
        ("Dorset", date(2019, 4, 1), "E06000059"),
        ("Buckinghamshire", date(2018, 3, 31), "E10000002"),
        ("Buckinghamshire", date(2021, 3, 31), "E06000060"),
        ("Northamptonshire", date(2021, 3, 31), "E10000021"),
        ("North Northamptonshire", date(2022, 3, 31), "E06000061"),
        ("Cumbria", date(2023, 3, 31), "E10000006"),
        ("Westmorland and Furness", date(2023, 8, 31), "E06000064"),
        ("North Yorkshire", date(2023, 3, 31), "E10000023"),
        ("North Yorkshire", date(2024, 3, 31), "E06000065"),
        ("Somerset", None, "E06000066"),
        ("Gateshead", date(2012, 3, 31), "E08000020"),
        ("Gateshead", date(2015, 3, 31), "E08000037"),
        ("St Helens", None, "E08000013"),
        ("St. Helens", None, "E08000013"),
        ("Herefordshire, County of", None, "E06000019"),
        ("Kingston upon Hull", None, "E06000010"),
        ("Bristol City", date(2014, 9, 30), "E06000023"),
        ("Medway Towns", date(2014, 9, 30), "E06000035"),
        ("Telford & Wrekin", None, "E06000020"),
        ("Southend on Sea", None, "E06000033"),
        ("Durham", None, "E06000047"),
        ("Barnsley", date(2024, 8, 31), "E08000016"),
    ],
)
def test_la_code_for_name(files, name, on, code):
    assert geography.la_code_for_name(name, on, files=files).gss_code == code


def test_la_code_for_name_fails_loudly(files):
    with pytest.raises(GeographyError, match="'Bournemouth'.*provider-level-2020.*E06000028"):
        geography.la_code_for_name(
            "Bournemouth", date(2020, 3, 31), source="provider-level-2020-03-31.csv", files=files
        )
    with pytest.raises(GeographyError, match="Northamptonshire.*2021-03-31"):
        geography.la_code_for_name("Northamptonshire", date(2022, 3, 31), files=files)
    with pytest.raises(GeographyError, match="'Cumberland'.*2023-03-31"):
        geography.la_code_for_name("Cumberland", date(2023, 3, 31), files=files)
    with pytest.raises(GeographyError, match="'Aylesbury Vale'.*some.csv.*la_name_aliases"):
        geography.la_code_for_name("Aylesbury Vale", source="some.csv", files=files)  # a district
    with pytest.raises(GeographyError, match="blank"):
        geography.la_code_for_name("  ", files=files)


def test_no_name_means_two_authorities_on_the_same_day(files):
    authorities = {r["la_code"]: r for r in geography.upper_tier_authorities(files).iter_rows(named=True)}
    for key, candidates in geography.load_geography(files).names.items():
        rows = [authorities[code] for code, _ in candidates]
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                a_end, b_end = a["end_date"] or date.max, b["end_date"] or date.max
                a_start, b_start = a["start_date"] or date.min, b["start_date"] or date.min
                assert a_end < b_start or b_end < a_start, (key, a["la_code"], b["la_code"])


def test_every_alias_is_needed_and_documented(files, mirror_dir, tmp_path):
    aliases = geography.read_name_aliases(files.name_aliases)
    assert aliases.height == 7
    ofsted_names = _ofsted_names(mirror_dir, OFSTED_FILES_WITH_LA)
    (tmp_path / "no_aliases.csv").write_text(",".join(geography.ALIAS_COLUMNS) + "\n")
    without_aliases = dataclasses.replace(files, name_aliases=tmp_path / "no_aliases.csv")
    for alias in aliases["alias"]:
        assert alias in ofsted_names, alias
        with pytest.raises(GeographyError):
            geography.la_code_for_name(alias, date(2014, 9, 30), files=without_aliases)


def test_map_la_names_is_vectorised_and_keeps_blanks(files):
    frame = pl.DataFrame(
        {
            "Local authority": ["Bournemouth", "Bournemouth", "Dorset", None, "", "Dorset", "Leeds"],
            "as_at": [date(2015, 3, 31)] * 3 + [date(2020, 3, 31)] * 4,
        }
    )
    done = geography.map_la_names(frame, "Local authority", "as_at", source="test", files=files)
    assert done["new_la_code"].to_list() == [
        "E06000028",
        "E06000028",
        "E10000009",
        None,
        None,
        "E06000059",
        "E08000035",
    ]
    assert done["Local authority"].to_list() == frame["Local authority"].to_list()
    assert done["region_name"][6] == "Yorkshire and The Humber"
    same_day = geography.map_la_names(
        frame.drop("as_at"), "Local authority", on_date=date(2015, 3, 31), files=files
    )
    assert same_day["new_la_code"][5] == "E10000009"
    with pytest.raises(GeographyError, match="Narnia.*test.csv"):
        geography.map_la_names(pl.DataFrame({"la": ["Narnia"]}), "la", source="test.csv", files=files)
    undated = pl.DataFrame({"la": ["Leeds"], "as_at": [None]}, schema={"la": pl.Utf8, "as_at": pl.Date})
    with pytest.raises(GeographyError, match="no date.*Leeds"):
        geography.map_la_names(undated, "la", "as_at", files=files)


# --------------------------------------------------------------------------------------------------
# Every LA name in every Ofsted file

# In-year inspection lists name each provider's LA as at extraction, after the year: the 2022-23 file already
# says Cumberland for a December 2022 inspection. Their names are read as at the latest 'Inspection
# publication date' in each file (checked below).
INSPECTION_NAME_DATES = {
    "ofsted-inspections-in-year-2022-23": date(2023, 9, 29),
    "ofsted-inspections-in-year-2023-24": date(2024, 4, 30),
}


def _names_date(mirror_dir: Path, source) -> date:
    """The date an Ofsted file's LA names refer to: a list's date as at (after data/reference/corrections.csv:
    the list labelled 31 August 2024 describes 31 March 2024), a year's last day, or the inspection dates."""
    if source.source_id in INSPECTION_NAME_DATES:
        return INSPECTION_NAME_DATES[source.source_id]
    corrected = source_files(mirror_dir).get(source.source_id).source
    if corrected.family == "ofsted:joiners_leavers":
        return corrected.period[1]
    return corrected.as_at


def _ofsted_names(mirror_dir: Path, sources) -> set[str]:
    return set().union(
        *(geography.ofsted_la_names_in_file(path_of(mirror_dir, s), s.source_id) for s in sources)
    )


@pytest.mark.parametrize("source", OFSTED_FILES_WITH_LA, ids=lambda s: s.file_name)
def test_every_ofsted_la_name_maps(files, mirror_dir, source):
    names = geography.ofsted_la_names_in_file(path_of(mirror_dir, source), source.source_id)
    assert len(names) >= 100, "too few names: wrong column?"
    on = _names_date(mirror_dir, source)
    for name in sorted(names):
        match = geography.la_code_for_name(name, on, source=source.file_name, files=files)
        assert re.fullmatch(GSS_LA_PATTERN, match.gss_code)


def test_the_corrected_list_date_is_the_one_names_are_read_at(mirror_dir):
    # corrections.csv: providers-places-2024-08-31.csv is labelled 31 August 2024 but describes 31 March 2024
    [source] = [s for s in OFSTED_FILES_WITH_LA if s.file_name == "providers-places-2024-08-31.csv"]
    assert source.as_at == date(2024, 8, 31)
    assert _names_date(mirror_dir, source) == date(2024, 3, 31)


@pytest.mark.parametrize("source_id", sorted(INSPECTION_NAME_DATES))
def test_inspection_list_dates_are_their_latest_publication_dates(mirror_dir, source_id):
    frame = pl.read_csv(path_of(mirror_dir, source_id), infer_schema=False, encoding="windows-1252")
    latest = frame["Inspection publication date"].str.to_date("%d/%m/%Y").max()
    assert _names_date(mirror_dir, MANIFEST[source_id]) == latest


@pytest.mark.parametrize("source", OFSTED_FILES_WITHOUT_LA, ids=lambda s: s.file_name)
def test_ofsted_files_without_la_column(mirror_dir, source):
    with pytest.raises(ParseError, match="LA name column"):
        geography.ofsted_la_names_in_file(path_of(mirror_dir, source), source.source_id)


def test_ofsted_names_overall(mirror_dir):
    names = _ofsted_names(mirror_dir, OFSTED_FILES_WITH_LA)
    assert len(names) == 177
    assert {
        "Medway Towns",
        "Bristol City",
        "St. Helens",
        "St Helens",
        "Bournemouth, Christchurch & Poole",
    } <= names


# --------------------------------------------------------------------------------------------------
# Hex map and centroids


def test_hex_cells_cover_the_current_authorities_once(files):
    cells = geography.hex_cells(files)
    assert cells.height == 153
    assert set(cells["la_code"]) == set(geography.current_authorities(files)["la_code"])
    assert cells.select("q", "r").is_unique().all()
    assert cells["region_code"].null_count() == 0


def test_split_authorities_get_adjacent_cells_and_other_cells_are_the_hexjsons(files):
    cells = {
        code: (q, r) for code, q, r in geography.hex_cells(files).select("la_code", "q", "r").iter_rows()
    }
    # Cumberland next to Westmorland and Furness; North next to West Northamptonshire
    assert cells["E06000063"] in geography.hex_neighbours(*cells["E06000064"])
    assert cells["E06000061"] in geography.hex_neighbours(*cells["E06000062"])
    hexjson = {code: (q, r) for code, _, q, r in geography.read_hexjson(files.hexmap).iter_rows()}
    placed = set(geography.read_hexmap_cells(files.hexmap_cells)["la_code"])
    moved = {code for code, cell in cells.items() if code in hexjson and hexjson[code] != cell}
    assert moved == {"E10000031", "E06000019"}  # Warwickshire and Herefordshire, to make room
    assert {code for code in cells if code not in hexjson} <= placed
    for new, old in [("E06000060", "E10000002"), ("E06000065", "E10000023"), ("E06000066", "E10000027"),
                     ("E06000064", "E10000006"), ("E06000061", "E10000021")]:  # fmt: skip
        assert cells[new] == hexjson[old]
    for code in placed:  # every placed cell touches at least one other authority
        assert geography.hex_neighbours(*cells[code]) & set(cells.values()), code


def test_hex_neighbours_in_odd_r_layout():
    assert geography.hex_neighbours(6, 14) == {(5, 14), (7, 14), (5, 13), (6, 13), (5, 15), (6, 15)}
    assert geography.hex_neighbours(6, 15) == {(5, 15), (7, 15), (6, 14), (7, 14), (6, 16), (7, 16)}


def test_centroids_of_current_authorities_are_in_england(files):
    points = geography.centroids(files)
    assert points.height == 153 and points.null_count().sum_horizontal()[0] == 0
    assert points["lat"].is_between(49.8, 55.9).all() and points["long"].is_between(-6.5, 1.8).all()
