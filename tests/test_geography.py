"""analysis.geography on the real geo, DfE and Ofsted files of the mirror (../shared/upstream)."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analysis import geography, settings
from analysis.errors import GeographyError, ParseError
from analysis.layout import EES_GEOGRAPHY_COLUMNS, GSS_LA_PATTERN
from analysis.sources.dfe_common import read_ees_csv, read_sfr_csv

MIRROR = settings.DEFAULT_MIRROR
CLA = MIRROR / "dfe" / "children-looked-after"
OFSTED = MIRROR / "ofsted" / "childrens-social-care"
POPULATION = MIRROR / "dfe" / "population" / "ons_mid-year_population_estimates_2012_to_2024.csv"

SFR_FILES = sorted(CLA.glob("sfr-*/*.csv"))
EES_FILES = sorted(CLA.glob("ees-*/data/*.csv")) + [POPULATION]


def test_mirror_is_there():
    # A missing mirror is an error, not a skip: every test below reads it.
    assert SFR_FILES and len(EES_FILES) > 30 and sorted(OFSTED.glob("*.csv"))


# --------------------------------------------------------------------------------------------------
# Reorganisations


def _authority(code: str) -> dict:
    rows = geography.upper_tier_authorities().filter(pl.col("la_code") == code).to_dicts()
    assert len(rows) == 1, code
    return rows[0]


def test_same_area_successors_continue_the_series():
    assert _authority("E10000002")["current_la_code"] == "E06000060"  # Buckinghamshire, 2020
    assert _authority("E10000023")["current_la_code"] == "E06000065"  # North Yorkshire, 2023
    assert _authority("E10000027")["current_la_code"] == "E06000066"  # Somerset, 2023
    assert _authority("E08000020")["current_la_code"] == "E08000037"  # Gateshead re-code, 2013
    assert _authority("E06000048")["current_la_code"] == "E06000057"  # Northumberland re-code, 2013
    assert _authority("E06000028")["current_la_name"] == "Bournemouth, Christchurch and Poole"


def test_split_areas_have_no_current_council():
    for county, successors in [
        ("E10000021", "E06000061,E06000062"),  # Northamptonshire, 2021
        ("E10000006", "E06000063,E06000064"),  # Cumbria, 2023
        ("E10000009", "E06000058,E06000059"),  # Dorset county, 2019 (Christchurch went to BCP)
    ]:
        row = _authority(county)
        assert row["current_la_code"] is None and row["current_la_name"] is None
        assert row["successor_codes"] == successors
        assert not row["is_current"]


def test_reorganisation_dates_and_end_dates():
    assert _authority("E10000002")["end_date"] == date(2020, 3, 31)
    assert _authority("E06000060")["start_date"] == date(2020, 4, 1)
    assert _authority("E10000021")["end_date"] == date(2021, 3, 31)
    assert _authority("E06000063")["start_date"] == date(2023, 4, 1)
    assert _authority("E06000058")["start_date"] == date(2019, 4, 1)
    assert _authority("E09000001")["start_date"] is None and _authority("E09000001")["end_date"] is None


def test_every_county_split_matches_where_its_districts_went():
    """Successors of each abolished county = ONS upper tier of the districts mySociety puts in that county."""
    mysociety = geography.read_mysociety_authorities()
    ons = geography.read_ons_la_lookup()
    reorganisations = geography.la_reorganisations().filter(pl.col("effective_date").is_not_null())
    registry = dict(mysociety.select("gss-code", "local-authority-code").iter_rows())
    utla = dict(ons.select("LADCD", "UTLACD").iter_rows())
    counties = reorganisations.filter(pl.col("old_la_code_gss").str.starts_with("E10"))
    assert counties["old_la_code_gss"].n_unique() == 6
    for (county,), rows in counties.group_by(["old_la_code_gss"]):
        districts = mysociety.filter(pl.col("county-la") == registry[county])["gss-code"].to_list()
        assert districts, county
        assert {utla[d] for d in districts} == set(rows["current_la_code"]), county


def test_effective_dates_are_the_successors_start_dates_in_mysociety():
    mysociety = geography.read_mysociety_authorities()
    start = dict(mysociety.select("gss-code", "start-date").iter_rows())
    ended = set(mysociety.filter(pl.col("end-date").is_not_null())["gss-code"])
    checked = 0
    for row in geography.la_reorganisations().iter_rows(named=True):
        if row["effective_date"] is not None and row["old_la_code_gss"] in ended:
            assert start[row["current_la_code"]] == row["effective_date"].isoformat(), row
            checked += 1
    assert checked == 11


def test_later_ons_recodes_are_recorded_but_not_applied():
    # ONS re-coded Barnsley and Sheffield after the DfE data; DfE 2024 files use the old codes.
    assert _authority("E08000016")["is_current"] and _authority("E08000019")["is_current"]
    assert "E08000038" not in geography.known_la_codes()
    later = geography.la_reorganisations().filter(pl.col("effective_date").is_null())
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


def test_undocumented_ons_recode_fails_loudly(tmp_path):
    table = pl.read_csv(geography.REORGANISATIONS_FILE, infer_schema=False)
    path = tmp_path / "la_reorganisations.csv"
    table.filter(pl.col("old_la_code_gss") != "E08000020").write_csv(path)
    files = dataclasses.replace(geography.GeoFiles.from_mirror(), reorganisations=path)
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


def test_current_authorities_are_the_2024_dfe_list():
    current = set(geography.current_authorities()["la_code"])
    assert len(current) == 153
    assert _dfe_la_codes(POPULATION, 2024) == current
    assert (
        _dfe_la_codes(CLA / "ees-2024" / "data" / "la_cla_on_31_march_by_characteristics.csv", 2024)
        == current
    )
    assert {"E09000001", "E06000053"} <= current  # City of London, Isles of Scilly


def test_each_authority_has_exactly_one_region():
    authorities = geography.upper_tier_authorities()
    assert authorities["la_code"].is_unique().all()
    assert authorities.height == 163
    assert authorities["region_code"].null_count() == 0
    assert set(authorities["region_code"]) == {f"E1200000{i}" for i in range(1, 10)}
    ons = geography.read_ons_utla_lookup()
    for code, region in ons.select("UTLACD", "RGNCD").iter_rows():
        if code in geography.known_la_codes():
            assert geography.region_for_la(code)[0] == region
    assert geography.region_for_la("E10000021") == ("E12000004", "East Midlands")
    assert geography.region_for_la("E06000010") == ("E12000003", "Yorkshire and The Humber")
    counts = dict(geography.current_authorities().group_by("region_name").len().iter_rows())
    assert sum(counts.values()) == 153 and counts["London"] == 33


def test_region_for_unknown_code_raises():
    # Aylesbury Vale: a district, not a children's services authority
    with pytest.raises(GeographyError, match="E07000004"):
        geography.region_for_la("E07000004")


# --------------------------------------------------------------------------------------------------
# complete_geography on every DfE file


def _sfr_frame(path: Path) -> pl.DataFrame:
    year = int(path.parent.name.removeprefix("sfr-"))
    return read_sfr_csv(path, "test", year, path.parent.name)


@pytest.mark.parametrize("path", SFR_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sfr_la_code_is_known(path):
    frame = _sfr_frame(path)
    done = geography.complete_geography(frame)
    la = done.filter(pl.col("geographic_level") == "Local authority")
    # The SFRs leave out the Isles of Scilly, except 2017 (a row of zeros with a blank geog_l)
    assert la.height == (152 if path.name == "SFR50_CLA2017.csv" else 151)
    assert la["region_code"].null_count() == 0
    regional = done.filter(pl.col("geographic_level") == "Regional")
    assert set(regional["region_name"]) <= set(geography.regions()["region_name"])
    assert regional.select("region_code", "region_name").is_unique().all()


@pytest.mark.parametrize("path", EES_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_ees_la_code_is_known(path):
    frame = read_ees_csv(path, "test", "test")
    if "new_la_code" not in frame.columns:
        assert set(frame["geographic_level"]) == {"National"}
        return
    done = geography.complete_geography(frame)
    assert done.height == frame.height
    la = done.filter(pl.col("geographic_level") == "Local authority")
    assert la["region_code"].str.starts_with("E12").all()
    current = la.filter(pl.col("new_la_code").is_in(geography.current_authorities()["la_code"].implode()))
    assert (current["current_la_code"] == current["new_la_code"]).all()
    # Rows are kept in order and nothing but the region and current_la_* columns changes; current_la_*
    # follow the last EES geography column (new_la_code comes after la_name in EES files).
    last = max(frame.columns.index(c) for c in EES_GEOGRAPHY_COLUMNS)
    assert done.columns[last + 1 : last + 3] == ["current_la_code", "current_la_name"]
    unchanged = [c for c in frame.columns if c not in ("region_code", "region_name")]
    assert done.select(unchanged).equals(frame.select(unchanged))


def test_la_counts_per_year_in_dfe_files():
    counts = {}
    for path in SFR_FILES:
        frame = _sfr_frame(path)
        if "Missing" not in path.name:
            counts[int(path.parent.name[-4:])] = frame.filter(
                pl.col("geographic_level") == "Local authority"
            ).height
    assert counts == {2011: 151, 2012: 151, 2013: 151, 2014: 151, 2015: 151, 2016: 151, 2017: 152}
    population = read_ees_csv(POPULATION, "test", "test").filter(
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


def test_complete_geography_fills_regions_and_current_councils():
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
    done = geography.complete_geography(frame)
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
    assert geography.complete_geography(done).equals(done)  # idempotent


def test_complete_geography_rejects_unknown_codes_and_contradictions():
    unknown = _frame(
        [{"geographic_level": "Local authority", "new_la_code": "E07000004", "la_name": "Aylesbury Vale"}]
    )
    with pytest.raises(GeographyError, match="E07000004.*Aylesbury Vale"):
        geography.complete_geography(unknown.with_columns(pl.lit("some-source").alias("source_id")))
    wrong_region = _frame([{"geographic_level": "Local authority", "new_la_code": "E09000007", "la_name": "Camden",
                            "region_code": "E12000008"}])  # fmt: skip
    with pytest.raises(GeographyError, match="E09000007"):
        geography.complete_geography(wrong_region)
    bad_region = _frame(
        [{"geographic_level": "Regional", "region_code": "E12000001", "region_name": "North"}]
    )
    with pytest.raises(GeographyError, match="North"):
        geography.complete_geography(bad_region)
    mismatched = _frame(
        [{"geographic_level": "Regional", "region_code": "E12000001", "region_name": "South West"}]
    )
    with pytest.raises(GeographyError, match="E12000001"):
        geography.complete_geography(mismatched)


def test_complete_geography_is_fast_on_half_a_million_rows():
    frame = read_ees_csv(
        CLA / "ees-2024" / "data" / "la_cla_on_31_march_by_characteristics.csv", "test", "test"
    )
    big = pl.concat([frame] * (500_000 // frame.height + 1)).head(500_000)
    geography.load_geography()  # files read once, outside the timing
    started = time.perf_counter()
    done = geography.complete_geography(big)
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
def test_la_code_for_name(name, on, code):
    assert geography.la_code_for_name(name, on).gss_code == code


def test_la_code_for_name_fails_loudly():
    with pytest.raises(GeographyError, match="'Bournemouth'.*provider-level-2020.*E06000028"):
        geography.la_code_for_name("Bournemouth", date(2020, 3, 31), source="provider-level-2020-03-31.csv")
    with pytest.raises(GeographyError, match="Northamptonshire.*2021-03-31"):
        geography.la_code_for_name("Northamptonshire", date(2022, 3, 31))
    with pytest.raises(GeographyError, match="'Cumberland'.*2023-03-31"):
        geography.la_code_for_name("Cumberland", date(2023, 3, 31))
    with pytest.raises(GeographyError, match="'Aylesbury Vale'.*some.csv.*la_name_aliases"):
        geography.la_code_for_name("Aylesbury Vale", source="some.csv")  # a district
    with pytest.raises(GeographyError, match="blank"):
        geography.la_code_for_name("  ")


def test_no_name_means_two_authorities_on_the_same_day():
    authorities = {r["la_code"]: r for r in geography.upper_tier_authorities().iter_rows(named=True)}
    for key, candidates in geography.load_geography().names.items():
        rows = [authorities[code] for code, _ in candidates]
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                a_end, b_end = a["end_date"] or date.max, b["end_date"] or date.max
                a_start, b_start = a["start_date"] or date.min, b["start_date"] or date.min
                assert a_end < b_start or b_end < a_start, (key, a["la_code"], b["la_code"])


def test_every_alias_is_needed_and_documented(tmp_path):
    aliases = geography.read_name_aliases()
    assert aliases.height == 7
    ofsted_names = set().union(*(geography.ofsted_la_names_in_file(p) for p in OFSTED_FILES_WITH_LA))
    (tmp_path / "no_aliases.csv").write_text(",".join(geography.ALIAS_COLUMNS) + "\n")
    without_aliases = dataclasses.replace(
        geography.GeoFiles.from_mirror(), name_aliases=tmp_path / "no_aliases.csv"
    )
    for alias in aliases["alias"]:
        assert alias in ofsted_names, alias
        with pytest.raises(GeographyError):
            geography.la_code_for_name(alias, date(2014, 9, 30), files=without_aliases)


def test_map_la_names_is_vectorised_and_keeps_blanks():
    frame = pl.DataFrame(
        {
            "Local authority": ["Bournemouth", "Bournemouth", "Dorset", None, "", "Dorset", "Leeds"],
            "as_at": [date(2015, 3, 31)] * 3 + [date(2020, 3, 31)] * 4,
        }
    )
    done = geography.map_la_names(frame, "Local authority", "as_at", source="test")
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
    same_day = geography.map_la_names(frame.drop("as_at"), "Local authority", on_date=date(2015, 3, 31))
    assert same_day["new_la_code"][5] == "E10000009"
    with pytest.raises(GeographyError, match="Narnia.*test.csv"):
        geography.map_la_names(pl.DataFrame({"la": ["Narnia"]}), "la", source="test.csv")
    undated = pl.DataFrame({"la": ["Leeds"], "as_at": [None]}, schema={"la": pl.Utf8, "as_at": pl.Date})
    with pytest.raises(GeographyError, match="no date.*Leeds"):
        geography.map_la_names(undated, "la", "as_at")


# --------------------------------------------------------------------------------------------------
# Every LA name in every Ofsted file


def _names_date(path: Path) -> date:
    """The date an Ofsted file's LA names refer to."""
    name = path.stem
    if found := re.search(r"(\d{4})-(\d{2})-(\d{2})$", name):
        return date(*map(int, found.groups()))
    if found := re.fullmatch(r"joiners-leavers-(\d{4})-(\d{2})", name):
        return date(2000 + int(found.group(2)), 3, 31)
    # In-year inspection lists name each provider's LA as at extraction, after the year: the 2022-23 file
    # already says Cumberland for a December 2022 inspection. Dates: the latest 'Inspection publication
    # date' in each file.
    return {
        "inspections-in-year-2022-23": date(2023, 9, 29),
        "inspections-in-year-2023-24": date(2024, 4, 30),
    }[name]


OFSTED_FILES_WITHOUT_LA = ["closed-childrens-homes-2023-03-31.csv", "closed-childrens-homes-2024-03-31.csv"]
OFSTED_FILES_WITH_LA = [p for p in sorted(OFSTED.glob("*.csv")) if p.name not in OFSTED_FILES_WITHOUT_LA]


@pytest.mark.parametrize("path", OFSTED_FILES_WITH_LA, ids=lambda p: p.name)
def test_every_ofsted_la_name_maps(path):
    names = geography.ofsted_la_names_in_file(path)
    assert len(names) >= 100, "too few names: wrong column?"
    on = _names_date(path)
    for name in sorted(names):
        assert re.fullmatch(GSS_LA_PATTERN, geography.la_code_for_name(name, on, source=path.name).gss_code)


@pytest.mark.parametrize("name", ["inspections-in-year-2022-23.csv", "inspections-in-year-2023-24.csv"])
def test_inspection_list_dates_are_their_latest_publication_dates(name):
    frame = pl.read_csv(OFSTED / name, infer_schema=False, encoding="windows-1252")
    latest = frame["Inspection publication date"].str.to_date("%d/%m/%Y").max()
    assert _names_date(OFSTED / name) == latest


@pytest.mark.parametrize("name", OFSTED_FILES_WITHOUT_LA)
def test_ofsted_files_without_la_column(name):
    with pytest.raises(ParseError, match="LA name column"):
        geography.ofsted_la_names_in_file(OFSTED / name)


def test_ofsted_names_overall():
    names = set().union(*(geography.ofsted_la_names_in_file(p) for p in OFSTED_FILES_WITH_LA))
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


def test_hex_cells_cover_the_current_authorities_once():
    cells = geography.hex_cells()
    assert cells.height == 153
    assert set(cells["la_code"]) == set(geography.current_authorities()["la_code"])
    assert cells.select("q", "r").is_unique().all()
    assert cells["region_code"].null_count() == 0


def test_split_authorities_get_adjacent_cells_and_other_cells_are_the_hexjsons():
    cells = {code: (q, r) for code, q, r in geography.hex_cells().select("la_code", "q", "r").iter_rows()}
    # Cumberland next to Westmorland and Furness; North next to West Northamptonshire
    assert cells["E06000063"] in geography.hex_neighbours(*cells["E06000064"])
    assert cells["E06000061"] in geography.hex_neighbours(*cells["E06000062"])
    hexjson = {code: (q, r) for code, _, q, r in geography.read_hexjson().iter_rows()}
    placed = set(geography.read_hexmap_cells()["la_code"])
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


def test_centroids_of_current_authorities_are_in_england():
    points = geography.centroids()
    assert points.height == 153 and points.null_count().sum_horizontal()[0] == 0
    assert points["lat"].is_between(49.8, 55.9).all() and points["long"].is_between(-6.5, 1.8).all()
