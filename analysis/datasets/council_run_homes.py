"""Council-run children's homes by council area, and the councils with none, at each Ofsted snapshot.

"Council-run" = a home in the Local authority sector. A home is counted in the council area it is in (Ofsted's
"Local authority" column), which for council-run homes is almost always the council that runs it (a handful of
councils run a home in a neighbouring area; Ofsted publishes the owning council's name only from 2018 and it is
not mapped to a code here). Every council in existence on the snapshot date has a row, so councils with no
council-run home are listed with 0. Provider-level snapshots leave out homes without a full inspection.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import NAME as HOMES
from analysis.datasets.childrens_homes_by_area import ALL_SECTORS, ALL_TYPES, counts_by_area
from analysis.datasets.homes_reconciliation import read_published_totals
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, order_columns

NAME = "council_run_homes"
LEVEL_ORDER = {"National": 0, "Regional": 1, "Local authority": 2}
AREA = ["snapshot_date", "geographic_level", "region_code", "new_la_code"]


def published_notes(frame: pl.DataFrame) -> pl.DataFrame:
    """National rows: the published count of councils running no home for the same year, where its exact date is
    not stated (a 2019 Commons debate), quoted beside ours rather than compared as if the dates matched."""
    published = read_published_totals().filter(pl.col("measure") == "councils_without_council_run_home")
    notes = []
    for row in published.iter_rows(named=True):
        year = int(row["period_as_stated"][:4])
        notes.append(
            {
                "time_period": year,
                "geographic_level": "National",
                "published_figure_note": (
                    f"Published: {row['value']:,} {row['scope']} ({row['period_as_stated']}; {row['document']}, "
                    f"{row['section']}). The date behind the published figure is not stated; this row counts council "
                    "areas with no council-run home in this Ofsted list."
                ),
            }
        )
    schema = {"time_period": pl.Int64, "geographic_level": pl.Utf8, "published_figure_note": pl.Utf8}
    notes_frame = pl.DataFrame(notes, schema=schema)
    march = frame.filter(pl.col("time_identifier") == "As at 31 March")
    matched = (
        march.select("snapshot_date", "time_period", "geographic_level")
        .unique()
        .join(notes_frame, on=["time_period", "geographic_level"], how="inner")
    )
    return frame.join(matched.drop("time_period"), on=["snapshot_date", "geographic_level"], how="left")


def build(source_files: SourceFiles, childrens_homes: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    counts = counts_by_area(childrens_homes, councils).filter(pl.col("provision_type") == ALL_TYPES)
    area_all = counts.filter(pl.col("sector") == ALL_SECTORS).select(
        *AREA, pl.col("homes").alias("all_homes"), pl.col("places").alias("all_places")
    )
    council = (
        counts.filter(pl.col("sector") == "Local authority")
        .rename({"homes": "council_run_homes", "places": "council_run_places"})
        .drop("provision_type", "sector")
    )
    frame = council.join(area_all, on=AREA, how="left", nulls_equal=True)

    las = frame.filter(pl.col("geographic_level") == "Local authority").with_columns(
        (pl.col("council_run_homes") == 0).alias("no_council_run_home")
    )
    per_area = []
    for level, by in (("National", []), ("Regional", ["region_code", "region_name"])):
        summary = (
            las.group_by(["snapshot_date", *by])
            .agg(
                pl.len().cast(pl.Int64).alias("councils"),
                pl.col("no_council_run_home").sum().cast(pl.Int64).alias("councils_without_council_run_home"),
            )
            .with_columns(pl.lit(level).alias("geographic_level"))
        )
        per_area.append(summary)
    summaries = pl.concat(per_area, how="diagonal")
    aggregates = frame.filter(pl.col("geographic_level") != "Local authority").join(
        summaries.drop("region_name", strict=False),
        on=["snapshot_date", "geographic_level", "region_code"],
        how="left",
        nulls_equal=True,
    )
    out = pl.concat([aggregates, las], how="diagonal").with_columns(
        pl.lit(ENGLAND_CODE).alias("country_code"),
        pl.lit(ENGLAND_NAME).alias("country_name"),
        pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
    )
    out = published_notes(out)
    out = out.sort(
        "snapshot_date",
        pl.col("geographic_level").replace_strict(LEVEL_ORDER, return_dtype=pl.Int64),
        pl.col("region_code").fill_null(""),
        pl.col("new_la_code").fill_null(""),
    )
    return order_columns(
        out,
        ["snapshot_date", "snapshot_kind"],
        [
            "council_run_homes",
            "council_run_places",
            "all_homes",
            "all_places",
            "no_council_run_home",
            "councils",
            "councils_without_council_run_home",
            "published_figure_note",
        ],
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Councils and council-run homes in the regions add up to England's."""
    national = frame.filter(pl.col("geographic_level") == "National").select(
        "snapshot_date", "councils", "councils_without_council_run_home", "council_run_homes"
    )
    regional = (
        frame.filter(pl.col("geographic_level") == "Regional")
        .group_by("snapshot_date")
        .agg(
            pl.col("councils").sum().alias("regional_councils"),
            pl.col("councils_without_council_run_home").sum().alias("regional_without"),
            pl.col("council_run_homes").sum().alias("regional_council_run_homes"),
        )
    )
    las = (
        frame.filter(pl.col("geographic_level") == "Local authority")
        .group_by("snapshot_date")
        .agg(
            pl.len().alias("la_rows"),
            pl.col("no_council_run_home").sum().alias("la_without"),
            pl.col("council_run_homes").sum().alias("la_council_run_homes"),
        )
    )
    joined = (
        national.join(regional, on="snapshot_date", how="full", coalesce=True)
        .join(las, on="snapshot_date", how="full", coalesce=True)
        .with_columns(
            (pl.col("regional_councils") - pl.col("councils")).alias("councils_difference"),
            (pl.col("la_rows") - pl.col("councils")).alias("la_rows_difference"),
            (pl.col("regional_without") - pl.col("councils_without_council_run_home")).alias(
                "without_difference"
            ),
            (pl.col("la_without") - pl.col("councils_without_council_run_home")).alias(
                "la_without_difference"
            ),
            (pl.col("regional_council_run_homes") - pl.col("council_run_homes")).alias("homes_difference"),
            (pl.col("la_council_run_homes") - pl.col("council_run_homes")).alias("la_homes_difference"),
        )
    )
    return {"sums_vs_england": joined}


COLUMNS = {
    "time_period": "Year of the snapshot date.",
    "time_identifier": "Snapshot day and month ('As at 31 March', 'As at 30 September', 'As at 31 August').",
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
    "snapshot_date": "Date of the Ofsted list.",
    "snapshot_kind": "'providers_and_places' (all registered homes) or 'provider_level' (homes with a latest full "
    "inspection; see homes_reconciliation).",
    "council_run_homes": "Children's homes (all three registration types) in the Local authority sector located in "
    "the area.",
    "council_run_places": "Places in those homes (empty for 31 March 2015: no places published).",
    "all_homes": "All children's homes in the area, any sector.",
    "all_places": "Places in all children's homes in the area.",
    "no_council_run_home": "Local authority rows: True when no council-run home is located in the council area.",
    "councils": "National and Regional rows: councils (upper-tier authorities) in existence on the snapshot date, "
    "including the City of London and the Isles of Scilly.",
    "councils_without_council_run_home": "National and Regional rows: of those, councils with no council-run home "
    "located in their area.",
    "published_figure_note": "A published count of councils running no children's home for the same year, quoted "
    "with its source (data/reference/ofsted_published_totals.csv) where the date behind it is not stated.",
    "source_id": "Source file of the snapshot (data/sources.csv).",
    "source_release": "Release of that source.",
}

DATASET = Dataset(
    name=NAME,
    title="Council-run children's homes, and councils with none, England, 2014-2024",
    description=(
        "For every council at each Ofsted snapshot, the council-run (Local authority sector) children's homes and "
        "places located in its area beside all homes there; and for England and each region, how many councils "
        "have no council-run home in their area."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "geographic_level", "region_code", "new_la_code"],
    columns=COLUMNS,
    needs=[HOMES, "councils"],
    views=views,
    reference_files=["ofsted_published_totals.csv"],
)
