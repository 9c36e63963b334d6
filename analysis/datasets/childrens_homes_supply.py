"""Supply against need: children's home places per 10,000 children aged 0-17, and per child looked after in a
children's home, by area, at each 31 March Ofsted snapshot.

Supply: places in children's homes (all three registration types, all sectors) LOCATED in the area, from
childrens_homes_by_area (Ofsted). Need, from the DfE datasets:
- `population` measure population_0_to_17: the ONS mid-year estimate for 30 June of the year BEFORE the snapshot
  (mid-2017 for 31 March 2018), as DfE uses for its rates per 10,000 at 31 March;
- `childrens_homes_placements` measure childrens_home_placements: children looked after at 31 March BY the area's
  council (wherever they are placed) in DfE's children's-home placement category of that year. DfE's category
  changed, so the `children_definition` column says which one each row uses, and ratios under different
  definitions must not be compared: 'Secure units, children's homes and hostels' (2015-2017),
  "Children's homes (subject to Children's Homes Regulations)" (2018-2019, England only), 'Secure homes and
  children's homes' (2020-2024, England, regions and councils). DfE rounds national and regional counts to the
  nearest 10.
A council area's places serve children from anywhere and its children are placed anywhere: the ratio compares
the area's supply with its own council's use, it does not count places available to that council.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes_by_area import ALL_SECTORS, ALL_TYPES
from analysis.datasets.childrens_homes_by_area import NAME as BY_AREA
from analysis.layout import EES_GEOGRAPHY_COLUMNS, order_columns

NAME = "childrens_homes_supply"
POPULATION = "population"
PLACEMENTS = "childrens_homes_placements"
POPULATION_MEASURE = "population_0_to_17"
PLACEMENTS_MEASURE = "childrens_home_placements"
# DfE definitions in order of preference for a year (the first published for the year and area is used).
CHILDREN_DEFINITIONS = [
    "Secure homes and children's homes",
    "Children's homes (subject to Children's Homes Regulations)",
    "Secure units, children's homes and hostels",
]
AREA = ["geographic_level", "region_code", "new_la_code"]
GEOGRAPHY = EES_GEOGRAPHY_COLUMNS


def _check_measures(frame: pl.DataFrame, name: str, measure: str) -> None:
    if "measure" not in frame.columns or frame.filter(pl.col("measure") == measure).is_empty():
        raise ValueError(
            f"dataset {name!r} has no measure {measure!r}: {NAME} reads it (coordinate the measure ids)"
        )


def _join_la(left: pl.DataFrame, right: pl.DataFrame, on_year: list[str]) -> pl.DataFrame:
    """Join right's value columns onto left by area: by the GSS code as published where it matches; else, for a
    council row, by the council now covering the area (DfE files publish some successor codes for earlier
    years, e.g. Buckinghamshire E06000060 from 2018) but only where that is unambiguous: the left area is the
    only one in its year mapping to that council and the right side has one row for it."""
    value_columns = [c for c in right.columns if c not in AREA + on_year + ["current_la_code"]]
    exact = left.join(right.drop("current_la_code"), on=on_year + AREA, how="left", nulls_equal=True)
    is_missing = pl.col(value_columns[0]).is_null() & (pl.col("geographic_level") == "Local authority")
    missing = exact.filter(is_missing & pl.col("current_la_code").is_not_null())
    if missing.is_empty():
        return exact
    left_las = left.filter(pl.col("geographic_level") == "Local authority")
    shared_current = left_las.group_by([*on_year, "current_la_code"]).len().filter(pl.col("len") > 1)
    right_las = right.filter(
        pl.col("geographic_level") == "Local authority", pl.col("current_la_code").is_not_null()
    )
    single = right_las.group_by([*on_year, "current_la_code"]).len().filter(pl.col("len") == 1)
    candidates = (
        right_las.join(single.drop("len"), on=[*on_year, "current_la_code"], how="semi")
        .join(shared_current.drop("len"), on=[*on_year, "current_la_code"], how="anti")
        .drop("new_la_code", "region_code", "geographic_level")
    )
    by_current = missing.drop(value_columns).join(candidates, on=[*on_year, "current_la_code"], how="left")
    kept = exact.join(missing.select(*on_year, *AREA), on=[*on_year, *AREA], how="anti", nulls_equal=True)
    return pl.concat([kept, by_current.select(exact.columns)])


def build(
    source_files: SourceFiles,
    childrens_homes_by_area: pl.DataFrame,
    population: pl.DataFrame,
    childrens_homes_placements: pl.DataFrame,
) -> pl.DataFrame:
    _check_measures(population, POPULATION, POPULATION_MEASURE)
    _check_measures(childrens_homes_placements, PLACEMENTS, PLACEMENTS_MEASURE)
    supply = childrens_homes_by_area.filter(
        pl.col("time_identifier") == "As at 31 March",
        pl.col("provision_type") == ALL_TYPES,
        pl.col("sector") == ALL_SECTORS,
    ).select(
        *GEOGRAPHY,
        "current_la_code",
        "snapshot_date",
        "snapshot_kind",
        "homes",
        "places",
        "source_id",
        "source_release",
    )

    people = population.filter(pl.col("measure") == POPULATION_MEASURE).select(
        (pl.col("time_period") + 1).alias("time_period"),
        *AREA,
        "current_la_code",
        pl.col("value").cast(pl.Int64).alias("population_0_to_17"),
        pl.col("reference_date").cast(pl.Utf8).alias("population_reference_date"),
        pl.col("source_id").alias("population_source_id"),
    )
    rank = {d: i for i, d in enumerate(CHILDREN_DEFINITIONS)}
    placements = childrens_homes_placements.filter(pl.col("measure") == PLACEMENTS_MEASURE)
    unknown = set(placements["definition"].unique().to_list()) - set(CHILDREN_DEFINITIONS)
    if unknown:
        raise ValueError(f"{PLACEMENTS}: definitions not known to {NAME}: {sorted(unknown)}")
    children = (
        placements.with_columns(
            pl.col("definition").replace_strict(rank, return_dtype=pl.Int64).alias("_rank")
        )
        .sort("_rank")
        .group_by(["time_period", *AREA], maintain_order=True)
        .first()
        .select(
            "time_period",
            *AREA,
            "current_la_code",
            pl.col("value").cast(pl.Int64).alias("children_in_childrens_homes"),
            pl.col("value_note").alias("children_value_note"),
            pl.col("definition").alias("children_definition"),
            pl.col("source_id").alias("children_source_id"),
        )
    )
    frame = _join_la(supply, people, ["time_period"])
    frame = _join_la(frame, children, ["time_period"])
    frame = frame.with_columns(
        pl.when(pl.col("population_0_to_17") > 0)
        .then((pl.col("places") * 10_000 / pl.col("population_0_to_17")).round(1))
        .alias("places_per_10000_children"),
        pl.when(pl.col("children_in_childrens_homes") > 0)
        .then((pl.col("places") / pl.col("children_in_childrens_homes")).round(2))
        .alias("places_per_child_in_childrens_homes"),
    ).drop("current_la_code")
    level = {"National": 0, "Regional": 1, "Local authority": 2}
    frame = frame.sort(
        "snapshot_date",
        pl.col("geographic_level").replace_strict(level, return_dtype=pl.Int64),
        pl.col("region_code").fill_null(""),
        pl.col("new_la_code").fill_null(""),
    )
    return order_columns(
        frame,
        ["snapshot_date", "snapshot_kind", "children_definition"],
        [
            "homes",
            "places",
            "population_0_to_17",
            "population_reference_date",
            "places_per_10000_children",
            "children_in_childrens_homes",
            "children_value_note",
            "places_per_child_in_childrens_homes",
            "population_source_id",
            "children_source_id",
        ],
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Every England and region row has a population (the ONS estimates cover 2012-2024)."""
    return {"national_and_regional": frame.filter(pl.col("geographic_level") != "Local authority")}


DATASET = Dataset(
    name=NAME,
    title="Children's home places against need: per 10,000 children and per child in a children's home, 2015-2024",
    description=(
        "At each 31 March Ofsted snapshot, places in children's homes located in England, each region and each "
        "council area, per 10,000 children aged 0-17 (ONS mid-year estimate for the previous year, as DfE uses "
        "for its rates) and per child looked after by that council in a children's home (DfE; the placement "
        "category changed over time: children_definition says which, do not compare ratios across definitions). "
        "Places are where homes are; children are counted by the council responsible for them, wherever placed."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "geographic_level", "region_code", "new_la_code"],
    columns={
        "time_period": "Year of the snapshot (31 March).",
        "time_identifier": "As at 31 March.",
        "geographic_level": "National, Regional or Local authority.",
        "country_code": "E92000001 (England).",
        "country_name": "England.",
        "region_code": "GSS code of the region.",
        "region_name": "Region name.",
        "new_la_code": "GSS code of the council area as at the snapshot date.",
        "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
        "la_name": "Council area name.",
        "current_la_code": "GSS code of the council that covers the area now.",
        "current_la_name": "Name of the council that covers the area now.",
        "snapshot_date": "Date of the Ofsted list (31 March).",
        "snapshot_kind": "'providers_and_places' (all registered homes) or 'provider_level' (homes with a latest full "
        "inspection; see homes_reconciliation).",
        "children_definition": "DfE placement category of children_in_childrens_homes for this year (empty where DfE "
        "publishes none for the area and year).",
        "homes": "Children's homes located in the area (Ofsted).",
        "places": "Places in those homes (Ofsted; empty for 2015).",
        "population_0_to_17": "ONS mid-year estimate of children aged 0-17 in the area (from the population dataset). "
        "Empty for Bournemouth, Poole and Dorset county before April 2019: DfE's population file gives only the "
        "councils formed in 2019 for earlier years, and nothing is apportioned here.",
        "population_reference_date": "The mid-year the population describes (30 June of the previous year).",
        "places_per_10000_children": "places / population_0_to_17 x 10,000, rounded to 1 decimal place.",
        "children_in_childrens_homes": "Children looked after at 31 March by the area's council placed in the "
        "children_definition category (from the childrens_homes_placements dataset); rounded by DfE to the "
        "nearest 10 for England and regions.",
        "children_value_note": "Why children_in_childrens_homes is empty where DfE published a symbol.",
        "places_per_child_in_childrens_homes": "places / children_in_childrens_homes, rounded to 2 decimal places.",
        "population_source_id": "Source of the population figure (data/sources.csv).",
        "children_source_id": "Source of the children figure (data/sources.csv).",
        "source_id": "Source of the places (the Ofsted list).",
        "source_release": "Release of that Ofsted list.",
    },
    needs=[BY_AREA, POPULATION, PLACEMENTS],
    views=views,
)
