"""Children's homes opened and closed in England by sector: each year to 31 March, and the running total.

Built from childrens_homes_openings_closures (England, all registration types). Each row is one year to 31 March
and one sector, with the year's openings and closures, the sector's share of the year's openings and closures,
and the totals from the first year held up to and including this one (cumulative_*), so "in the N years to
31 March YYYY" is one row: the last year's. Shares are derived here from the counts, unrounded. A home that
opened and closed within a year is counted in both (as Ofsted lists it).
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes_by_area import ALL_SECTORS, ALL_TYPES, SECTORS
from analysis.datasets.childrens_homes_by_sector import share
from analysis.datasets.childrens_homes_openings_closures import NAME as FLOWS
from analysis.layout import (
    EES_GEOGRAPHY_COLUMNS,
    NATIONAL_GEOGRAPHY_DESCRIPTIONS,
    PROVENANCE_COLUMNS,
    order_columns,
)

NAME = "childrens_homes_openings_by_sector"
FILTERS = ["year_end_date", "sector"]
INDICATORS = [
    "opened",
    "closed",
    "net_change",
    "share_of_opened_percent",
    "share_of_closed_percent",
    "first_year_end_date",
    "years_in_total",
    "cumulative_opened",
    "cumulative_closed",
    "cumulative_net_change",
    "cumulative_share_of_opened_percent",
    "cumulative_share_of_closed_percent",
]


def build(source_files: SourceFiles, childrens_homes_openings_closures: pl.DataFrame) -> pl.DataFrame:
    flows = childrens_homes_openings_closures.filter(
        pl.col("geographic_level") == "National", pl.col("provision_type") == ALL_TYPES
    ).select(
        *EES_GEOGRAPHY_COLUMNS,
        "year_end_date",
        "sector",
        "opened",
        "closed",
        "net_change",
        *PROVENANCE_COLUMNS,
    )
    years = flows["year_end_date"].unique().sort()
    expected = list(range(years[0].year, years[-1].year + 1))
    if [d.year for d in years] != expected:
        raise ValueError(
            f"{NAME}: the joiners-and-leavers years held are not consecutive ({[d.year for d in years]}): "
            "running totals would skip a year"
        )
    flows = flows.sort("sector", "year_end_date").with_columns(
        pl.col("opened").cum_sum().over("sector").alias("cumulative_opened"),
        pl.col("closed").cum_sum().over("sector").alias("cumulative_closed"),
        pl.col("net_change").cum_sum().over("sector").alias("cumulative_net_change"),
        pl.lit(years[0]).alias("first_year_end_date"),
        (pl.col("year_end_date").dt.year() - years[0].year + 1).cast(pl.Int64).alias("years_in_total"),
    )
    totals = flows.filter(pl.col("sector") == ALL_SECTORS).select(
        "year_end_date",
        pl.col("opened").alias("_all_opened"),
        pl.col("closed").alias("_all_closed"),
        pl.col("cumulative_opened").alias("_all_cumulative_opened"),
        pl.col("cumulative_closed").alias("_all_cumulative_closed"),
    )
    frame = (
        flows.join(totals, on="year_end_date", how="left")
        .with_columns(
            share("opened", "_all_opened").alias("share_of_opened_percent"),
            share("closed", "_all_closed").alias("share_of_closed_percent"),
            share("cumulative_opened", "_all_cumulative_opened").alias("cumulative_share_of_opened_percent"),
            share("cumulative_closed", "_all_cumulative_closed").alias("cumulative_share_of_closed_percent"),
        )
        .drop("_all_opened", "_all_closed", "_all_cumulative_opened", "_all_cumulative_closed")
        .sort(
            "year_end_date",
            pl.col("sector").replace_strict({s: i for i, s in enumerate(SECTORS)}, return_dtype=pl.Int64),
        )
    )
    return order_columns(frame, FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Sectors add up to all sectors; the running totals equal the sums of the years; shares equal their counts."""
    parts = (
        frame.filter(pl.col("sector") != ALL_SECTORS)
        .group_by("year_end_date")
        .agg(pl.col("opened", "closed", "cumulative_opened", "cumulative_closed").sum())
        .join(
            frame.filter(pl.col("sector") == ALL_SECTORS).select(
                "year_end_date",
                pl.col("opened").alias("all_opened"),
                pl.col("closed").alias("all_closed"),
                pl.col("cumulative_opened").alias("all_cumulative_opened"),
                pl.col("cumulative_closed").alias("all_cumulative_closed"),
            ),
            on="year_end_date",
        )
        .with_columns(
            (pl.col("opened") - pl.col("all_opened")).alias("opened_difference"),
            (pl.col("closed") - pl.col("all_closed")).alias("closed_difference"),
            (pl.col("cumulative_opened") - pl.col("all_cumulative_opened")).alias(
                "cumulative_opened_difference"
            ),
            (pl.col("cumulative_closed") - pl.col("all_cumulative_closed")).alias(
                "cumulative_closed_difference"
            ),
        )
    )
    running = frame.sort("year_end_date").with_columns(
        (pl.col("cumulative_opened") - pl.col("opened").cum_sum().over("sector")).alias(
            "opened_running_error"
        ),
        (pl.col("cumulative_net_change") - (pl.col("cumulative_opened") - pl.col("cumulative_closed"))).alias(
            "net_error"
        ),
        (
            pl.col("years_in_total")
            - (pl.col("year_end_date").dt.year() - pl.col("first_year_end_date").dt.year() + 1)
        ).alias("years_error"),
    )
    return {"sectors_vs_all": parts, "running_totals": running}


DATASET = Dataset(
    name=NAME,
    title="Children's homes opened and closed by sector, each year to 31 March and in total, England",
    description=(
        "For each year to 31 March held (Ofsted's joiners-and-leavers lists) and each sector: children's homes "
        "opened and closed, the net change, each sector's share of the year's openings and closures, and the same "
        "from the first year held up to that year (cumulative_*). Shares derived here, unrounded."
    ),
    families=[],
    build=build,
    key=["year_end_date", "sector"],
    columns={
        "time_period": "Year the period ends (2017 = the year to 31 March 2017).",
        "time_identifier": "Year to 31 March.",
        **NATIONAL_GEOGRAPHY_DESCRIPTIONS,
        "year_end_date": "31 March ending the year.",
        "sector": "All sectors, or Local authority (council-run), Private, Voluntary, Health authority.",
        "opened": "Homes registered during the year (Ofsted 'joiners'), all three registration types.",
        "closed": "Homes that closed, resigned or had their registration cancelled during the year ('leavers').",
        "net_change": "opened minus closed (not the change between two lists, which differ in coverage).",
        "share_of_opened_percent": "This sector's openings as a percentage of all openings in the year (derived, "
        "unrounded).",
        "share_of_closed_percent": "This sector's closures as a percentage of all closures in the year.",
        "first_year_end_date": "31 March ending the first year held: the running totals start with that year.",
        "years_in_total": "Years in the running totals (the first year held to this one, consecutive).",
        "cumulative_opened": "Homes opened from the first year held to this year, inclusive.",
        "cumulative_closed": "Homes closed over the same years.",
        "cumulative_net_change": "cumulative_opened minus cumulative_closed.",
        "cumulative_share_of_opened_percent": "This sector's share of all homes opened over the same years "
        "(derived, unrounded).",
        "cumulative_share_of_closed_percent": "This sector's share of all homes closed over the same years.",
        "source_id": "Source file of this year's figures (the running totals also use the earlier years' files).",
        "source_release": "Release of that source.",
    },
    needs=[FLOWS],
    views=views,
)
