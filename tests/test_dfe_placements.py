"""The DfE placement datasets: placements_at_31_march (+ placements_revisions), placement_distance_national,
childrens_homes_placements and population, built from the real files of the sources' archive (the
`mirror_dir` fixture) through the manifest's families, as the pipeline builds them.

Expected figures are read off the published files (file and row named beside each) or DfE's publications,
never from this code's output. Small fixture files are read as a manifest row of the family they imitate.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from mirror_sources import MANIFEST, fixture_files, path_of, source_files

from analysis import geography, settings
from analysis.datasets import SourceFiles
from analysis.datasets import childrens_homes_placements as homes_module
from analysis.datasets import placement_distance_national as distance_module
from analysis.datasets import placements_at_31_march as placements_module
from analysis.datasets import population as population_module
from analysis.errors import ParseError
from analysis.sources import dfe
from analysis.sources import dfe_placements as dp
from analysis.validate import validate

DATASETS = {
    d.name: d
    for d in (
        *placements_module.DATASETS,
        distance_module.DATASET,
        homes_module.DATASET,
        population_module.DATASET,
    )
}
EES_2022 = "reporting year 2022 (covers 2018 to 2022)"
EES_2023 = "reporting year 2023 (covers 2019 to 2023)"
EES_2024 = "reporting year 2024 (covers 2020 to 2024)"


@pytest.fixture(scope="module")
def sources(mirror_dir: Path) -> SourceFiles:
    return source_files(mirror_dir)


@pytest.fixture(scope="module")
def built(sources: SourceFiles) -> dict[str, pl.DataFrame]:
    return {name: dataset.build(sources) for name, dataset in DATASETS.items()}


def one(frame: pl.DataFrame, **where) -> dict:
    rows = frame.filter(*[pl.col(k).is_null() if v is None else pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, f"{where}: {rows.height} rows"
    return rows.row(0, named=True)


def england(frame: pl.DataFrame, year: int, measure: str, **where) -> dict:
    return one(frame, time_period=year, geographic_level="National", measure=measure, **where)


# --- acceptance figures ------------------------------------------------------------------------------------


def test_acceptance_figures(built):
    frame = built["placements_at_31_march"]
    # SFR20_CLA2012.csv, row ENGLAND, CLA_Mar2012 (DfE SFR 20/2012: 67,050 looked after at 31 March 2012)
    row = england(frame, 2012, "children_looked_after")
    assert (row["value"], row["source_id"]) == (67050, "dfe-cla-sfr-2012-sfr20-cla2012")
    # EES 2024 cla_number_and_rate_per_10k_children.csv, 2024 National 'Children looked after at 31 March each year'
    row = england(frame, 2024, "children_looked_after")
    assert (row["value"], row["source_id"], row["source_release"]) == (
        83630,
        "dfe-cla-ees-2024-cla-number-and-rate-per-10k-children",
        EES_2024,
    )
    # SFR20_CLA2012.csv, row ENGLAND, CLA_Outbound
    row = england(frame, 2012, "placed_outside_la_boundary")
    assert (row["value"], row["derivation"]) == (23560, None)
    # the population dataset carries the same totals
    assert england(built["population"], 2012, "children_looked_after")["value"] == 67050
    assert england(built["population"], 2024, "children_looked_after")["value"] == 83630


# --- one SFR year per layout ---------------------------------------------------------------------------------


def test_sfr_2011_claa_inbound(built):
    # SFR21_CLA.csv (2011) spells the column CLAA_InBound: row ENGLAND, CLAA_InBound = 39,880; CLA_Outbound = 22,990
    frame = built["placements_at_31_march"]
    assert england(frame, 2011, "placed_inside_la_boundary")["value"] == 39880
    assert england(frame, 2011, "placed_outside_la_boundary")["value"] == 22990
    # SFR20_CLA2012.csv (also CLAA_InBound) row City of London: CLAA_InBound 0, CLA_Outbound 6
    assert (
        one(frame, time_period=2012, new_la_code="E09000001", measure="placed_outside_la_boundary")["value"]
        == 6
    )
    assert (
        one(frame, time_period=2012, new_la_code="E09000001", measure="placed_inside_la_boundary")["value"]
        == 0
    )


def test_sfr_2013_2014_spreadsheet_symbols_stay_null_with_note(built):
    frame = built["placements_at_31_march"]
    # SFR36_CLA2013.csv row ENGLAND: CLA_NetGain '#VALUE!'; SFR36_CLA2014.csv row ENGLAND: CLA_NetGain '..'
    row = england(frame, 2013, "net_gain")
    assert row["value"] is None and "#VALUE!" in row["value_note"]
    row = england(frame, 2014, "net_gain")
    assert row["value"] is None and "(..)" in row["value_note"]
    # the rest of those rows is read normally: SFR36_CLA2014.csv ENGLAND CLA_Outbound 26,090, CLA_ExtPl 25,480
    assert england(frame, 2014, "placed_outside_la_boundary")["value"] == 26090
    assert england(frame, 2014, "placed_in_la_by_other_las")["value"] == 25480


def test_sfr_2017_la_order_distance_columns_and_isles_of_scilly(built):
    frame = built["placements_at_31_march"]
    assert "LA_order" not in frame.columns
    # SFR50_CLA2017.csv row ENGLAND: CLA_InLA_GT20 3,040, CLA_OutLA_GT20 10,530; no total column is published
    assert england(frame, 2017, "placed_over_20_miles_inside_la_boundary")["value"] == 3040
    assert england(frame, 2017, "placed_over_20_miles_outside_la_boundary")["value"] == 10530
    total = england(frame, 2017, "placed_over_20_miles")
    assert total["value"] == 3040 + 10530
    assert total["derivation"].startswith("sum of placed_over_20_miles_inside_la_boundary")
    # SFR50_CLA2017.csv: Isles of Scilly (E06000053) is published with a blank geog_l; it is a council row
    scilly = one(frame, time_period=2017, new_la_code="E06000053", measure="children_looked_after")
    assert (scilly["geographic_level"], scilly["old_la_code"], scilly["value"]) == (
        "Local authority",
        "420",
        0,
    )


def test_sfr_london_published_three_times_is_kept_once(built):
    # Every SFR lists E12000007 three times (LONDON, INNER LONDON, OUTER LONDON). SFR20_CLA2012.csv LONDON
    # CLA_Mar2012 = 10,250 (Inner 4,560, Outer 5,680): only the London row is kept.
    frame = built["placements_at_31_march"]
    london = frame.filter(
        (pl.col("time_period") == 2012)
        & (pl.col("region_code") == "E12000007")
        & (pl.col("geographic_level") == "Regional")
        & (pl.col("measure") == "children_looked_after")
    )
    assert london["value"].to_list() == [10250]
    assert not frame.filter(
        pl.col("region_name").is_in(["Inner London", "Outer London"])
        & (pl.col("geographic_level") == "Regional")
    ).height


def test_sfr_x_is_suppressed_not_zero(built):
    # SFR20_CLA2012.csv row City of London (E09000001): CLA_ExtPl 'x' (SFR: 1 to 5 suppressed)
    row = one(
        built["placements_at_31_march"],
        time_period=2012,
        new_la_code="E09000001",
        measure="placed_in_la_by_other_las",
    )
    assert row["value"] is None and row["value_note"].startswith("suppressed (x)")


# --- EES releases -------------------------------------------------------------------------------------------


def test_ees_net_gain_file_renamed_between_releases(built):
    frame = built["placements_at_31_march"]
    # EES 2022 la_cla_on_31_march_la_of_placement_net_gain.csv, 2018 National: '2. ...outside' 30,900, '1. ...' 29,860, net -1,040
    row = england(frame, 2018, "placed_outside_la_boundary")
    assert (row["value"], row["source_id"]) == (
        30900,
        "dfe-cla-ees-2022-la-cla-on-31-march-la-of-placement-net-gain",
    )
    assert england(frame, 2018, "placed_in_la_by_other_las")["value"] == 29860
    assert england(frame, 2018, "net_gain")["value"] == -1040
    # EES 2023 la_cla_on_31_march_la_of_placement_netgain.csv, 2019 National '2. ...outside' 32,380
    row = england(frame, 2019, "placed_outside_la_boundary")
    assert (row["value"], row["source_id"], row["source_release"]) == (
        32380,
        "dfe-cla-ees-2023-la-cla-on-31-march-la-of-placement-netgain",
        EES_2023,
    )


def test_latest_release_wins_and_revisions_are_kept(built):
    frame, revisions = built["placements_at_31_march"], built["placements_revisions"]
    # England net gain 2020: EES 2022 net_gain file -1,050; EES 2023 and EES 2024 netgain files -1,060
    row = england(frame, 2020, "net_gain")
    assert (row["value"], row["source_release"]) == (-1060, EES_2024)
    # Hartlepool (805) children looked after at 31 March 2020: 311 in EES 2022 and 2023, 312 in EES 2024
    row = one(frame, time_period=2020, old_la_code="805", measure="children_looked_after")
    assert (row["value"], row["source_release"]) == (312, EES_2024)
    history = revisions.filter(
        (pl.col("time_period") == 2020)
        & (pl.col("old_la_code") == "805")
        & (pl.col("measure") == "children_looked_after")
    ).sort("source_release")
    assert history.select("source_release", "value", "is_latest_release", "latest_value").rows() == [
        (EES_2022, 311, False, 312),
        (EES_2023, 311, False, 312),
        (EES_2024, 312, True, 312),
    ]
    # a year only one release publishes is not a revision
    assert not revisions.filter(pl.col("time_period").is_in([2018, 2024])).height


def test_ees_suppressed_value_stays_null_with_note(built):
    # EES 2024 netgain file, 2022 City of London '2. ...outside the LA boundary' = 'c'
    row = one(
        built["placements_at_31_march"],
        time_period=2022,
        new_la_code="E09000001",
        measure="placed_outside_la_boundary",
    )
    assert row["value"] is None and row["value_note"].startswith("suppressed (c)")


def test_inside_boundary_derived_only_where_not_published(built):
    frame = built["placements_at_31_march"]
    # 2018: no inside count is published; EES 2022 gives 75,360 looked after and 30,900 placed outside
    row = england(frame, 2018, "placed_inside_la_boundary")
    assert (
        row["value"] == 75360 - 30900
        and "children_looked_after minus placed_outside_la_boundary" in row["derivation"]
    )
    # 2020: published in the EES 2024 LA characteristics file, 'Locality of placement', National: 46,810
    row = england(frame, 2020, "placed_inside_la_boundary")
    assert (row["value"], row["derivation"], row["source_id"]) == (
        46810,
        None,
        "dfe-cla-ees-2024-la-cla-on-31-march-by-characteristics",
    )
    # Cumbria (909) has no rows in that (reconstructed) file: derived from EES 2024 totals for 2020-2023
    cumbria = frame.filter(
        (pl.col("old_la_code") == "909")
        & (pl.col("measure") == "placed_inside_la_boundary")
        & pl.col("time_period").is_between(2020, 2023)
    )
    assert cumbria.height == 4 and cumbria["derivation"].is_not_null().all()
    # councils that did not exist ('z' rows) are not in the data: Cumbria 2024, North Northamptonshire 2020
    assert not frame.filter((pl.col("old_la_code") == "909") & (pl.col("time_period") == 2024)).height
    assert not frame.filter((pl.col("new_la_code") == "E06000061") & (pl.col("time_period") == 2020)).height


def test_no_inner_outer_london_rows_from_ees(built):
    for name in ("placements_at_31_march", "population"):
        assert (
            not built[name]
            .filter(pl.col("region_code").str.starts_with("E13") & (pl.col("geographic_level") == "Regional"))
            .height
        )


def test_over_20_miles_national_from_distance_file(built):
    frame = built["placements_at_31_march"]
    # EES 2024 national_cla_on_31_march_by_placement_distance_and_placement_locality.csv: 2024 'All children',
    # '2.ii Over 20 miles outside LA boundary' = 14,590
    row = england(frame, 2024, "placed_over_20_miles_outside_la_boundary")
    assert (row["value"], row["source_id"]) == (
        14590,
        "dfe-cla-ees-2024-national-cla-on-31-march-by-placement-distance-and-placement-locality",
    )
    # no council distance figures for 2018-2019
    assert not frame.filter(
        pl.col("measure").str.starts_with("placed_over_20")
        & (pl.col("geographic_level") != "National")
        & pl.col("time_period").is_in([2018, 2019])
    ).height


# --- placement_distance_national, childrens_homes_placements, population -------------------------------------


def test_distance_all_new_placements_is_all_children(built):
    frame = built["placement_distance_national"]
    # EES 2022 distance file labels the group 'All new placements': 2018 'Total' = 75,360, '2.ii' = 11,480
    total = one(frame, time_period=2018, placement_type="All children", distance="Total", locality="Total")
    assert (total["value"], total["source_release"]) == (75360, EES_2022)
    assert (
        one(
            frame,
            time_period=2018,
            placement_type="All children",
            distance="Over 20 miles",
            locality="Outside LA boundary",
        )["value"]
        == 11480
    )
    # whole years come from one release: 2020 uses only the EES 2024 placement groups
    assert set(frame.filter(pl.col("time_period") == 2020)["source_release"].to_list()) == {EES_2024}
    assert (
        "Secure homes and children's homes"
        in frame.filter(pl.col("time_period") == 2020)["placement_type"].to_list()
    )
    assert (
        "Secure homes and children's homes"
        not in frame.filter(pl.col("time_period") == 2019)["placement_type"].to_list()
    )


def test_childrens_homes_renumbered_labels_and_definitions(built):
    frame = built["childrens_homes_placements"]
    ch = "Children's homes (subject to Children's Homes Regulations)"
    # EES 2024 national characteristics: 2024 '4c.1 ...inside the council boundary' 2,780, '4c.2 ...outside' 5,760
    inside = england(frame, 2024, "childrens_home_placements_inside_la_boundary", definition=ch)
    outside = england(frame, 2024, "childrens_home_placements_outside_la_boundary", definition=ch)
    assert (inside["value"], outside["value"]) == (2780, 5760)
    assert outside["share_of_total_percent"] == round(5760 * 100 / (2780 + 5760), 1)
    assert outside["share_derivation"].startswith("derived")
    # EES 2022 labels '5c.1'/'5c.2': 2018 inside 2,390, outside 4,090
    assert (
        england(frame, 2018, "childrens_home_placements_outside_la_boundary", definition=ch)["value"] == 4090
    )
    # 2022 from the latest release (EES 2024 '4c.2' 4,940), not EES 2022's '5c.2' 4,910
    assert (
        england(frame, 2022, "childrens_home_placements_outside_la_boundary", definition=ch)["value"] == 4940
    )
    # SFR20_CLA2012.csv ENGLAND CLA_Secure = 5,930 (secure units, children's homes and hostels)
    row = england(
        frame, 2012, "childrens_home_placements", definition="Secure units, children's homes and hostels"
    )
    assert row["value"] == 5930
    # 2020: both national definitions exist, as separate rows (EES 2024: '4c' 6,970; '4.' 7,100)
    both = frame.filter(
        (pl.col("time_period") == 2020)
        & (pl.col("geographic_level") == "National")
        & (pl.col("measure") == "childrens_home_placements")
    )
    assert sorted(both.select("definition", "value").rows()) == [
        (ch, 6970),
        ("Secure homes and children's homes", 7100),
    ]


def test_population_design(built):
    frame = built["population"]
    # EES 2024 cla_number_and_rate_per_10k_children.csv, 2024 National: population_estimate 11,998,646, rate 70
    assert england(frame, 2024, "population_0_to_17_rate_base")["value"] == 11998646
    assert england(frame, 2024, "cla_rate_per_10000")["value"] == 70
    # the rate base for year Y is the ONS mid-year Y-1 estimate: EES 2024's 2022 base 11,762,878 equals the
    # population file's 2021 (mid-2021) England value 11,762,878
    base = england(frame, 2022, "population_0_to_17_rate_base")
    ons = england(frame, 2021, "population_0_to_17")
    assert base["value"] == ons["value"] == 11762878
    assert (base["reference_date"], ons["reference_date"]) == ("2021-06-30", "2021-06-30")
    # no rate for SFR years (the SFRs publish none)
    assert not frame.filter(
        (pl.col("measure") == "cla_rate_per_10000") & (pl.col("time_period") < 2018)
    ).height
    # 'x' rows of councils that existed are kept as nulls: Poole mid-2012 in the population file
    row = one(frame, time_period=2012, new_la_code="E06000029", measure="population_0_to_17")
    assert row["value"] is None and row["value_note"] == "not available (x)"


def test_every_measure_documented(built):
    with (settings.REFERENCE_DIR / "measures.csv").open(newline="", encoding="utf-8") as handle:
        documented = {(r["measure"], r["dataset"]) for r in csv.DictReader(handle)}
    for name, frame in built.items():
        missing = {(m, name) for m in frame["measure"].unique().to_list()} - documented
        assert not missing, missing


def test_sorted_by_key_and_columns_described(built):
    for name, frame in built.items():
        key = DATASETS[name].key
        assert frame.equals(frame.sort(key, nulls_last=False)), name
        assert not frame.filter(pl.struct(key).is_duplicated()).height, name
        assert set(frame.columns) <= set(DATASETS[name].columns), name


# --- failures are loud ---------------------------------------------------------------------------------------


NETGAIN_FILE = "la_cla_on_31_march_la_of_placement_netgain.csv"
NETGAIN_HEADER = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,la_name,new_la_code,characteristic,number\n"
NETGAIN_ROWS = [
    "2024,Reporting year,National,E92000001,England,,,,,,1. Children who are the responsibility of other LAs placed within this LA boundary,36440\n",
    "2024,Reporting year,National,E92000001,England,,,,,,2. Children who are the responsibility of this LA placed outside the LA boundary,37520\n",
    "2024,Reporting year,National,E92000001,England,,,,,,Net gain of children by responsible LA,-1080\n",
]


def test_fixture_well_formed_reads(tmp_path):
    # BOM, trailing spaces and other capitals in the labels are normalised away
    rows = [r.replace("LA boundary,", "LA Boundary  ,") for r in NETGAIN_ROWS]
    files = fixture_files(
        tmp_path,
        dp.EES_NETGAIN,
        b"\xef\xbb\xbf" + (NETGAIN_HEADER + "".join(rows)).encode("utf-8"),
        file_name=NETGAIN_FILE,
    )
    frame = dp.netgain(files)
    assert dict(frame.select("measure", "value").rows()) == {
        "placed_in_la_by_other_las": 36440,
        "placed_outside_la_boundary": 37520,
        "net_gain": -1080,
    }
    assert set(frame["source_id"]) == {"fixture"} and set(frame["table"]) == {dp.EES_NETGAIN}


def test_fixture_unknown_label_raises_naming_the_file_and_the_labels_table(tmp_path):
    rows = NETGAIN_ROWS + [
        "2024,Reporting year,National,E92000001,England,,,,,,3. Children placed in Wales,120\n"
    ]
    files = fixture_files(tmp_path, dp.EES_NETGAIN, NETGAIN_HEADER + "".join(rows), file_name=NETGAIN_FILE)
    with pytest.raises(ParseError) as error:
        dp.netgain(files)
    assert error.value.file == NETGAIN_FILE and error.value.source_id == "fixture"
    assert "3. Children placed in Wales" in error.value.detail
    assert "data/reference/ees_labels.csv" in error.value.detail


def test_fixture_unknown_childrens_home_label_raises(tmp_path):
    name = "national_cla_on_31_march_by_characteristics.csv"
    header = "time_period,time_identifier,geographic_level,country_code,country_name,cla_group,characteristic,number,percentage\n"
    body = [
        "2024,Reporting year,National,E92000001,England,Placement,4c Total children's homes subject to children's homes regulations,8540,10\n",
        "2024,Reporting year,National,E92000001,England,Placement,4c.1 Children's home placement inside the council boundary,2780,3\n",
        "2024,Reporting year,National,E92000001,England,Placement,4c.2 Children's home placement outside the council boundary,5760,7\n",
    ]

    def read(text: str) -> pl.DataFrame:
        return dp.national_childrens_homes(
            fixture_files(tmp_path, dp.EES_NATIONAL_CHARACTERISTICS, text, file_name=name)
        )

    assert len(read(header + "".join(body))) == 3
    # renumbered and recapitalised still matches by meaning
    renumbered = read(
        header + "".join(b.replace("4c.1 Children's home", "7z.1 Children's Home ") for b in body)
    )
    assert dict(renumbered.select("measure", "value").rows()) == {
        "childrens_home_placements": 8540,
        "childrens_home_placements_inside_la_boundary": 2780,
        "childrens_home_placements_outside_la_boundary": 5760,
    }
    # a new children's home category is not silently ignored
    with pytest.raises(ParseError) as error:
        read(
            header
            + "".join(body)
            + "2024,Reporting year,National,E92000001,England,Placement,4c.3 Children's home placement in Scotland,40,0\n"
        )
    assert error.value.file == name and "Scotland" in error.value.detail
    # a required label that disappears is an error too
    with pytest.raises(ParseError, match="childrens_home_placements_outside_la_boundary"):
        read(header + "".join(body[:2]))


def test_fixture_missing_required_column_raises(tmp_path):
    files = fixture_files(
        tmp_path,
        dp.EES_NETGAIN,
        NETGAIN_HEADER.replace(",characteristic", ",category") + "".join(NETGAIN_ROWS),
        file_name=NETGAIN_FILE,
    )
    # 'category' is no column of the family (ees_columns.csv): named as unknown before anything is read
    with pytest.raises(ParseError) as error:
        dp.netgain(files)
    assert error.value.check == "known columns" and "'category'" in error.value.detail
    assert "data/reference/ees_columns.csv" in error.value.detail and error.value.file == NETGAIN_FILE
    # a column of the family that is dropped: named as missing
    dropped = fixture_files(
        tmp_path,
        dp.EES_NETGAIN,
        NETGAIN_HEADER.replace(",characteristic", "")
        + "".join(r.rsplit(",", 2)[0] + "," + r.rsplit(",", 1)[1] for r in NETGAIN_ROWS),
        file_name=NETGAIN_FILE,
    )
    with pytest.raises(ParseError) as error:
        dp.netgain(dropped)
    assert error.value.check == "expected columns present" and "characteristic" in error.value.detail


def test_fixture_sfr_missing_column_and_unknown_symbol_raise(tmp_path):
    header = "New_geog_code,geog_l,geog_c,geog_n,CLA_Mar2015,CLA_InBound,CLA_ExtPl,CLA_NetGain\n"
    name = "SFR34_CLA2015.csv"

    def read(text: str) -> pl.DataFrame:
        files = fixture_files(
            tmp_path, dp.SFR_CLA, text, file_name=name, release="2015", reference_period="2015"
        )
        return dp.sfr_measures(files, placements_module.MEASURES)

    with pytest.raises(ParseError) as error:  # CLA_Outbound is missing
        read(header + "E92000001,NATIONAL,999,ENGLAND,69540,42020,26590,0\n")
    assert "placed_outside_la_boundary" in error.value.check and error.value.file == name
    assert "data/reference/sfr_columns.csv" in error.value.detail
    with pytest.raises(ParseError, match="12a"):
        read(
            header.replace("CLA_NetGain", "CLA_Outbound,CLA_NetGain")
            + "E92000001,NATIONAL,999,ENGLAND,69540,42020,27520,26590,12a\n"
        )
    # the columns of the measures this release publishes, named as sfr_columns.csv says (2015: no distance)
    frame = read(
        header.replace("CLA_NetGain", "CLA_Outbound,CLA_NetGain")
        + "E92000001,NATIONAL,999,ENGLAND,69540,42020,27520,26590,930\n"
    )
    assert dict(frame.select("measure", "value").rows()) == {
        "children_looked_after": 69540,
        "placed_inside_la_boundary": 42020,
        "placed_in_la_by_other_las": 27520,
        "placed_outside_la_boundary": 26590,
        "net_gain": 930,
    }


def test_fixture_unknown_placement_type_raises(tmp_path, mirror_dir):
    [real] = [s for s in MANIFEST.values() if s.family == dp.EES_NATIONAL_DISTANCE and s.release == "2024"]
    text = path_of(mirror_dir, real).read_text(encoding="utf-8-sig")
    files = fixture_files(
        tmp_path,
        dp.EES_NATIONAL_DISTANCE,
        text.replace("Foster placements", "Kinship placements"),
        file_name=real.file_name,
        reference_period=real.reference_period,
    )
    with pytest.raises(ParseError) as error:
        dp.national_distance(files)
    assert error.value.file == real.file_name and "Kinship placements" in error.value.detail
    # unchanged, the same file reads
    same = fixture_files(
        tmp_path,
        dp.EES_NATIONAL_DISTANCE,
        text,
        file_name=real.file_name,
        reference_period=real.reference_period,
    )
    assert dp.national_distance(same).height


def test_meaning_strips_enumeration_not_numbers():
    assert dfe.meaning("5c.1 Children's home placement inside the council boundary") == dfe.meaning(
        "4c.1 Children\u2019s Home placement inside the  council boundary "
    )
    assert dfe.meaning("2.ii Over 20 miles outside LA boundary") == "over 20 miles outside la boundary"
    assert dfe.meaning("20 miles or less") == "20 miles or less"
    assert dfe.meaning("1 to 4 years") == "1 to 4 years"


# --- the expectation suites ------------------------------------------------------------------------------------


def _run_suite(name: str, frame: pl.DataFrame, sources: SourceFiles) -> list[tuple[str, str, dict]]:
    """Validate a frame and its views with expectations/<name>.json (placeholders resolved from the files
    the run read, as the pipeline does); return the failures."""
    report = validate(DATASETS[name], frame, DATASETS[name].views(frame), source_files=sources)
    assert report.outcomes and all(o.expectation != "view exists" for o in report.outcomes)
    return [(o.view, o.expectation, o.kwargs) for o in report.failures]


def _with_geography(frame: pl.DataFrame, sources: SourceFiles) -> pl.DataFrame:
    """As the pipeline validates it: after geography.complete_geography."""
    return geography.complete_geography(frame, sources.geo_files())


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_suites_pass_on_built_data(name, built, sources):
    frame = _with_geography(built[name], sources)
    assert _run_suite(name, frame, sources) == []
    # filling region codes on council rows does not unsort the key
    assert frame.equals(frame.sort(DATASETS[name].key, nulls_last=False))


def test_suite_catches_broken_data(built, sources):
    frame = _with_geography(built["placements_at_31_march"], sources)
    is_england_2012 = (pl.col("time_period") == 2012) & (pl.col("geographic_level") == "National")

    def failed(broken: pl.DataFrame) -> set[tuple[str, str]]:
        return {(view, kind) for view, kind, _ in _run_suite("placements_at_31_march", broken, sources)}

    # outside boundary larger than the total
    broken = frame.with_columns(
        pl.when(is_england_2012 & (pl.col("measure") == "placed_outside_la_boundary"))
        .then(99999)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    assert ("parts_vs_totals", "expect_column_pair_values_a_to_be_greater_than_b") in failed(broken)
    # a negative count and a row published twice
    broken = pl.concat(
        [
            frame.with_columns(
                pl.when(is_england_2012 & (pl.col("measure") == "children_looked_after"))
                .then(-1)
                .otherwise(pl.col("value"))
                .alias("value")
            ),
            frame.filter(is_england_2012 & (pl.col("measure") == "net_gain")),
        ]
    )
    assert {
        ("tidy", "expect_column_values_to_be_between"),
        ("tidy", "expect_compound_columns_to_be_unique"),
    } <= failed(broken)
    # a council silently missing in one year (Barnsley, 370, in 2016)
    broken = frame.filter(~((pl.col("old_la_code") == "370") & (pl.col("time_period") == 2016)))
    assert ("la_continuity", "expect_column_values_to_be_in_set") in failed(broken)


def test_la_continuity_reads_the_reorganisations_table(tmp_path):
    frame = pl.DataFrame(
        {
            "measure": ["children_looked_after"] * 5,
            "time_period": [2022, 2022, 2023, 2023, 2024],
            "geographic_level": ["Local authority"] * 5,
            "new_la_code": ["E10000006", "E08000016", "E10000006", "E08000016", "E06000063"],
            "la_name": ["Cumbria", "Barnsley", "Cumbria", "Barnsley", "Cumberland"],
        }
    )
    table = tmp_path / "la_reorganisations.csv"
    table.write_text(
        "old_la_code_gss,old_la_name,current_la_code,current_la_name,effective_date\n"
        "E10000006,Cumbria,E06000063,Cumberland,2023-04-01\n"
        "E08000016,Barnsley,E08000038,Barnsley,\n",  # no effective_date: a re-coding not applied
        encoding="utf-8",
    )
    view = dfe.la_continuity_view(frame, ["measure"], table)
    assert view.select("new_la_code", "last_year", "in_reorganisations").sort("new_la_code").rows() == [
        ("E08000016", 2023, False),
        ("E10000006", 2023, True),
    ]
    # without the table every disappearance is flagged
    assert not dfe.la_continuity_view(frame, ["measure"], tmp_path / "absent.csv")["in_reorganisations"].any()
