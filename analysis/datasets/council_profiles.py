"""Every figure a council page shows, for each council since 2011, its region and England (derived).

The council pages (analysis/council_pages.py) read this dataset and nothing else for their figures, so every
number on them is a validated, published value. One row per area, year (or list date), measure and sector:

- children looked after at 31 March, placed inside and outside the council's boundary, and placed in the
  council's area by other councils (placements_at_31_march, 2011 onwards), with the share placed outside;
- for 2011-2014, when the statistical first releases' inside and outside counts add up to fewer children than
  the total, the children in neither count and the upper bound of the share placed outside (had every one of
  them been placed outside): the true share lies between share_placed_outside_percent and
  share_placed_outside_upper_percent;
- children placed more than 20 miles from home, where published (councils: 2017 and 2020 onwards), and as a
  share of children looked after;
- children who went missing and missing incidents during the year (missing_from_care, 2015 onwards), and the
  children who went missing per 100 children looked after during the year (2018 onwards, when DfE publishes
  the denominator);
- children's homes and places located in the area by sector in Ofsted's latest 31 March list (childrens_homes_by_area),
  the children aged 0-17 they are compared with (childrens_homes_supply's population) and places per 10,000
  children;
- for councils, the children's homes the council runs wherever they are located (council_owned_homes).

Shares and rates are derived here from two published counts, unrounded (the `derivation` column says which);
national and regional counts are DfE's, rounded to the nearest 10. A suppressed or unpublished part gives no
derived figure: value and rate stay empty and `value_note` says why, never 0.

`profile_code` says which council page a council row belongs to: its own code, or for an old code whose area a
council now covers unchanged (Buckinghamshire County Council's E10000002, now Buckinghamshire Council's
E06000060) the current council's code, with `series_note` saying so. Councils whose area changed (Bournemouth,
Poole, the Dorset, Northamptonshire and Cumbria counties) keep their own code and page.
"""

from __future__ import annotations

import polars as pl

from analysis import geography
from analysis.datasets import Dataset, SourceFiles
from analysis.layout import EES_GEOGRAPHY_COLUMNS, PROVENANCE_COLUMNS, order_columns

NAME = "council_profiles"
PLACEMENTS = "placements_at_31_march"
MISSING = "missing_from_care"
BY_AREA = "childrens_homes_by_area"
SUPPLY = "childrens_homes_supply"
OWNED = "council_owned_homes"

# In the 2011-2014 statistical first releases inside + outside is less than the total (measures.csv,
# definition_break_note of placed_inside_la_boundary): from 2015 the parts add up.
PARTS_ADD_UP_FROM = 2015  # domain: the SFR layout of 2011-2014 ends with the 2015 release
ALL_TYPES = "All children's homes"
ALL_SECTORS = "All sectors"
SECTORS = [ALL_SECTORS, "Local authority", "Private", "Voluntary", "Health authority"]
LEVELS = {"National": 0, "Regional": 1, "Local authority": 2}

CLA = "children_looked_after"
OUTSIDE = "placed_outside_la_boundary"
INSIDE = "placed_inside_la_boundary"
PLACED_IN = "placed_in_la_by_other_las"
NET_GAIN = "net_gain"
OVER_20 = "placed_over_20_miles"
NEITHER = "children_in_neither_count"
SHARE_OUTSIDE = "share_placed_outside_percent"
SHARE_OUTSIDE_UPPER = "share_placed_outside_upper_percent"
SHARE_OVER_20 = "share_placed_over_20_miles_percent"
CLA_YEAR = "children_looked_after_during_year"
MISSING_CHILDREN = "children_missing"
INCIDENTS = "missing_incidents"
MISSING_RATE = "children_missing_per_100"
HOMES = "homes"
PLACES = "places"
POPULATION = "population_0_to_17"
PLACES_RATE = "places_per_10000_children"
RUN_HOMES = "homes_run_by_council"
RUN_PLACES = "places_run_by_council"
RUN_ELSEWHERE = "homes_run_by_council_outside_area"

MEASURES = [
    CLA,
    OUTSIDE,
    INSIDE,
    NEITHER,
    SHARE_OUTSIDE,
    SHARE_OUTSIDE_UPPER,
    OVER_20,
    SHARE_OVER_20,
    PLACED_IN,
    NET_GAIN,
    CLA_YEAR,
    MISSING_CHILDREN,
    INCIDENTS,
    MISSING_RATE,
    HOMES,
    PLACES,
    POPULATION,
    PLACES_RATE,
    RUN_HOMES,
    RUN_PLACES,
    RUN_ELSEWHERE,
]
RATES = {SHARE_OUTSIDE, SHARE_OUTSIDE_UPPER, SHARE_OVER_20, MISSING_RATE, PLACES_RATE}
AREA = ["geographic_level", "region_code", "new_la_code"]
FILTERS = ["profile_code", "measure", "sector", "reference_date"]
INDICATORS = ["value", "rate", "value_note", "derivation", "series_note", "denominator_source_id"]
KEY = ["geographic_level", "region_code", "new_la_code", "measure", "sector", "reference_date"]
OUT_COLUMNS = EES_GEOGRAPHY_COLUMNS + FILTERS + INDICATORS + PROVENANCE_COLUMNS


def _as_date(column: str) -> pl.Expr:
    """A date column, whether the frame holds it as a date or as ISO text."""
    return pl.col(column).cast(pl.Utf8).str.to_date("%Y-%m-%d")


def _areas(frame: pl.DataFrame) -> pl.DataFrame:
    """England, the nine regions (not DfE's Inner and Outer London) and councils."""
    return frame.filter(
        pl.col("geographic_level").is_in(list(LEVELS))
        & (
            (pl.col("geographic_level") != "Regional")
            | pl.col("region_code").fill_null("").str.starts_with("E12")
        )
    )


def _published(frame: pl.DataFrame, measures: list[str]) -> pl.DataFrame:
    """Published count rows as they are (value and value_note), in this dataset's columns."""
    return frame.filter(pl.col("measure").is_in(measures)).select(
        *EES_GEOGRAPHY_COLUMNS,
        "measure",
        pl.lit(None, dtype=pl.Utf8).alias("sector"),
        pl.date(pl.col("time_period"), 3, 31).alias("reference_date"),
        pl.col("value").cast(pl.Int64),
        pl.lit(None, dtype=pl.Float64).alias("rate"),
        "value_note",
        pl.lit(None, dtype=pl.Utf8).alias("derivation"),
        pl.lit(None, dtype=pl.Utf8).alias("denominator_source_id"),
        "source_id",
        "source_release",
    )


def _wide(frame: pl.DataFrame, measures: list[str]) -> pl.DataFrame:
    """One row per area and year: each measure's value, note and source id."""
    wide = frame.filter(pl.col("measure") == measures[0]).select(*EES_GEOGRAPHY_COLUMNS)
    for measure in measures:
        part = frame.filter(pl.col("measure") == measure).select(
            *AREA,
            "time_period",
            pl.col("value").alias(measure),
            pl.col("value_note").alias(f"{measure}__note"),
            pl.col("source_id").alias(f"{measure}__source"),
            pl.col("source_release").alias(f"{measure}__release"),
        )
        wide = wide.join(part, on=[*AREA, "time_period"], how="left", nulls_equal=True)
    return wide


def _why_not(*measures: str) -> pl.Expr:
    """value_note of a derived figure that cannot be derived: which part is missing, and why."""
    expr = pl.lit(None, dtype=pl.Utf8)
    for measure in reversed(measures):
        note = pl.col(f"{measure}__note").fill_null("not published")
        expr = (
            pl.when(pl.col(measure).is_null())
            .then(pl.lit(f"not derived: {measure} is ") + note)
            .otherwise(expr)
        )
    return expr


def _derived(
    wide: pl.DataFrame,
    measure: str,
    expr: pl.Expr,
    parts: list[str],
    derivation: str,
    *,
    numerator: str,
    denominator: str | None,
    rate: bool,
    valid: tuple[pl.Expr, str] | None = None,
) -> pl.DataFrame:
    """One derived measure's rows: its value (or rate), or empty with the reason in value_note."""
    published = pl.all_horizontal([pl.col(p).is_not_null() for p in parts])
    reason = _why_not(*parts)
    usable = published
    if denominator:
        usable = usable & (pl.col(denominator) > 0)
        reason = pl.when(published).then(pl.lit(f"not derived: {denominator} is 0")).otherwise(reason)
    if valid is not None:
        condition, why = valid
        reason = pl.when(usable).then(pl.lit(f"not derived: {why}")).otherwise(reason)
        usable = usable & condition
    result = pl.when(usable).then(expr)
    note = pl.when(usable).then(pl.lit(None, dtype=pl.Utf8)).otherwise(reason)
    return wide.select(
        *EES_GEOGRAPHY_COLUMNS,
        pl.lit(measure).alias("measure"),
        pl.lit(None, dtype=pl.Utf8).alias("sector"),
        pl.date(pl.col("time_period"), 3, 31).alias("reference_date"),
        (pl.lit(None, dtype=pl.Int64) if rate else result.cast(pl.Int64)).alias("value"),
        (result.cast(pl.Float64) if rate else pl.lit(None, dtype=pl.Float64)).alias("rate"),
        note.alias("value_note"),
        pl.lit(derivation).alias("derivation"),
        (
            pl.when(pl.col(f"{denominator}__source") != pl.col(f"{numerator}__source")).then(
                pl.col(f"{denominator}__source")
            )
            if denominator
            else pl.lit(None, dtype=pl.Utf8)
        ).alias("denominator_source_id"),
        pl.coalesce(pl.col(f"{numerator}__source"), *[pl.col(f"{p}__source") for p in parts]).alias(
            "source_id"
        ),
        pl.coalesce(pl.col(f"{numerator}__release"), *[pl.col(f"{p}__release") for p in parts]).alias(
            "source_release"
        ),
    )


def placements_rows(placements: pl.DataFrame) -> pl.DataFrame:
    frame = _areas(placements)
    published = _published(frame, [CLA, OUTSIDE, INSIDE, PLACED_IN, NET_GAIN, OVER_20])
    wide = _wide(frame, [CLA, OUTSIDE, INSIDE])
    gap_years = wide.filter(pl.col("time_period") < PARTS_ADD_UP_FROM)
    neither = pl.col(CLA) - pl.col(INSIDE) - pl.col(OUTSIDE)
    no_gap = (neither >= 0, "inside and outside add up to more than the total in the published file")
    rows = [
        published,
        _derived(
            wide,
            SHARE_OUTSIDE,
            pl.col(OUTSIDE) / pl.col(CLA) * 100,
            [OUTSIDE, CLA],
            f"{OUTSIDE} / {CLA} x 100",
            numerator=OUTSIDE,
            denominator=CLA,
            rate=True,
        ),
        _derived(
            gap_years,
            NEITHER,
            neither,
            [CLA, INSIDE, OUTSIDE],
            f"{CLA} - {INSIDE} - {OUTSIDE} (before {PARTS_ADD_UP_FROM} the two parts need not add up to the total)",
            numerator=CLA,
            denominator=None,
            rate=False,
            valid=no_gap,
        ),
        _derived(
            gap_years,
            SHARE_OUTSIDE_UPPER,
            (pl.col(CLA) - pl.col(INSIDE)) / pl.col(CLA) * 100,
            [CLA, INSIDE, OUTSIDE],
            f"({OUTSIDE} + {NEITHER}) / {CLA} x 100: the share if every child in neither count had been placed "
            "outside",
            numerator=OUTSIDE,
            denominator=CLA,
            rate=True,
            valid=no_gap,
        ),
    ]
    over20 = frame.filter(pl.col("measure") == OVER_20).select(*AREA, "time_period")
    wide20 = _wide(frame, [CLA, OVER_20]).join(
        over20, on=[*AREA, "time_period"], how="semi", nulls_equal=True
    )
    rows.append(
        _derived(
            wide20,
            SHARE_OVER_20,
            pl.col(OVER_20) / pl.col(CLA) * 100,
            [OVER_20, CLA],
            f"{OVER_20} / {CLA} x 100 (children whose distance is not known are in neither part)",
            numerator=OVER_20,
            denominator=CLA,
            rate=True,
        )
    )
    return pl.concat(rows, how="vertical_relaxed")


def missing_rows(missing: pl.DataFrame) -> pl.DataFrame:
    frame = _areas(missing)
    published = _published(frame, [CLA_YEAR, MISSING_CHILDREN, INCIDENTS])
    years = frame.filter(pl.col("measure") == CLA_YEAR).select(*AREA, "time_period")
    wide = _wide(frame, [MISSING_CHILDREN, CLA_YEAR]).join(
        years, on=[*AREA, "time_period"], how="semi", nulls_equal=True
    )
    rate = _derived(
        wide,
        MISSING_RATE,
        pl.col(MISSING_CHILDREN) / pl.col(CLA_YEAR) * 100,
        [MISSING_CHILDREN, CLA_YEAR],
        f"{MISSING_CHILDREN} / {CLA_YEAR} x 100",
        numerator=MISSING_CHILDREN,
        denominator=CLA_YEAR,
        rate=True,
    )
    return pl.concat([published, rate], how="vertical_relaxed")


def homes_rows(by_area: pl.DataFrame, supply: pl.DataFrame, releases: dict[str, str]) -> pl.DataFrame:
    """Homes, places and places per 10,000 children by sector, in Ofsted's latest 31 March list (the lists
    the population is matched to: an August list, when it is the newest, has no rate to show)."""
    latest = supply["snapshot_date"].max()
    homes = by_area.filter(
        (pl.col("snapshot_date") == latest)
        & (pl.col("provision_type") == ALL_TYPES)
        & pl.col("sector").is_in(SECTORS)
    )
    population = supply.filter(pl.col("snapshot_date") == latest).select(
        *AREA,
        pl.col("population_0_to_17").alias("_pop"),
        "population_reference_date",
        "population_source_id",
    )
    if population.is_empty():
        raise ValueError(f"{SUPPLY} has no population for Ofsted's latest 31 March list ({latest})")
    joined = homes.join(population, on=AREA, how="left", nulls_equal=True)
    common = [
        *EES_GEOGRAPHY_COLUMNS,
        pl.col("sector"),
        pl.col("snapshot_date").alias("reference_date"),
    ]
    counts = [
        joined.select(
            *common[:-2],
            pl.lit(measure).alias("measure"),
            *common[-2:],
            pl.col(measure).cast(pl.Int64).alias("value"),
            pl.lit(None, dtype=pl.Float64).alias("rate"),
            pl.lit(None, dtype=pl.Utf8).alias("value_note"),
            pl.lit(None, dtype=pl.Utf8).alias("derivation"),
            pl.lit(None, dtype=pl.Utf8).alias("denominator_source_id"),
            "source_id",
            "source_release",
        )
        for measure in (HOMES, PLACES)
    ]
    population_rows = joined.filter(pl.col("sector") == ALL_SECTORS).select(
        *EES_GEOGRAPHY_COLUMNS,
        pl.lit(POPULATION).alias("measure"),
        pl.lit(None, dtype=pl.Utf8).alias("sector"),
        _as_date("population_reference_date").alias("reference_date"),
        pl.col("_pop").cast(pl.Int64).alias("value"),
        pl.lit(None, dtype=pl.Float64).alias("rate"),
        pl.when(pl.col("_pop").is_null()).then(pl.lit("not published")).alias("value_note"),
        pl.lit(None, dtype=pl.Utf8).alias("derivation"),
        pl.lit(None, dtype=pl.Utf8).alias("denominator_source_id"),
        pl.col("population_source_id").alias("source_id"),
        pl.col("population_source_id").replace_strict(releases, default=None).alias("source_release"),
    )
    usable = pl.col("places").is_not_null() & (pl.col("_pop") > 0)
    rate = joined.select(
        *common[:-2],
        pl.lit(PLACES_RATE).alias("measure"),
        *common[-2:],
        pl.lit(None, dtype=pl.Int64).alias("value"),
        pl.when(usable).then(pl.col("places") / pl.col("_pop") * 10000).alias("rate"),
        pl.when(usable)
        .then(pl.lit(None, dtype=pl.Utf8))
        .otherwise(pl.lit("not derived: places or the population aged 0-17 is not published"))
        .alias("value_note"),
        pl.lit(
            f"{PLACES} / {POPULATION} x 10,000 (the population at the date in childrens_homes_supply)"
        ).alias("derivation"),
        pl.col("population_source_id").alias("denominator_source_id"),
        "source_id",
        "source_release",
    )
    return pl.concat([*counts, population_rows, rate], how="vertical_relaxed")


def council_run_rows(owned: pl.DataFrame, by_area: pl.DataFrame) -> pl.DataFrame:
    """Homes each current council runs wherever they are (0 when it runs none), in the latest list."""
    latest = owned["snapshot_date"].max()
    listed = by_area.filter(
        (pl.col("snapshot_date") == latest)
        & (pl.col("geographic_level") == "Local authority")
        & (pl.col("provision_type") == ALL_TYPES)
        & (pl.col("sector") == ALL_SECTORS)
    ).select(*EES_GEOGRAPHY_COLUMNS, "source_id", "source_release")
    if listed.is_empty():
        raise ValueError(f"{BY_AREA} has no councils for the date of {OWNED} ({latest})")
    per_council = owned.group_by("new_la_code").agg(
        pl.col("urn").n_unique().cast(pl.Int64).alias(RUN_HOMES),
        pl.col("places").sum().cast(pl.Int64).alias(RUN_PLACES),
        pl.col("places").null_count().alias("_null_places"),
        (pl.col("located_la_code") != pl.col("new_la_code")).sum().cast(pl.Int64).alias(RUN_ELSEWHERE),
    )
    unknown = set(per_council["new_la_code"]) - set(listed["new_la_code"])
    if unknown:
        raise ValueError(f"{OWNED}: councils {sorted(unknown)} are not councils of the list of {latest}")
    joined = listed.join(per_council, on="new_la_code", how="left")
    rows = []
    for measure in (RUN_HOMES, RUN_PLACES, RUN_ELSEWHERE):
        value = pl.col(measure).fill_null(0)  # no row in council_owned_homes: the council runs no home
        if measure == RUN_PLACES:
            value = pl.when(pl.col("_null_places").fill_null(0) == 0).then(value)
        rows.append(
            joined.select(
                *EES_GEOGRAPHY_COLUMNS,
                pl.lit(measure).alias("measure"),
                pl.lit(None, dtype=pl.Utf8).alias("sector"),
                pl.lit(latest).alias("reference_date"),
                value.cast(pl.Int64).alias("value"),
                pl.lit(None, dtype=pl.Float64).alias("rate"),
                pl.when(value.is_null())
                .then(pl.lit("not published: places missing for a home"))
                .alias("value_note"),
                pl.lit(f"counted from {OWNED} (owning organisation names the council)").alias("derivation"),
                pl.lit(None, dtype=pl.Utf8).alias("denominator_source_id"),
                "source_id",
                "source_release",
            )
        )
    return pl.concat(rows, how="vertical_relaxed")


def profile_codes(reorganisations: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    """Old code -> (profile_code, series_note) for codes whose area a current council covers unchanged."""
    same = reorganisations.filter(
        pl.col("same_area") & pl.col("one_to_one") & pl.col("effective_date").is_not_null()
    )
    names = dict(councils.select("new_la_code", "la_name").iter_rows())
    rows = [
        {
            "new_la_code": row["old_la_code_gss"],
            "profile_code": row["current_la_code"],
            "series_note": (
                f"Published under code {row['old_la_code_gss']} ({names.get(row['old_la_code_gss'], row['old_la_name'])}), "
                f"which covered the same area as {row['current_la_code']} ({row['current_la_name']}): the series "
                "continues."
            ),
        }
        for row in same.iter_rows(named=True)
    ]
    return pl.DataFrame(
        rows, schema={"new_la_code": pl.Utf8, "profile_code": pl.Utf8, "series_note": pl.Utf8}
    )


def build(
    source_files: SourceFiles,
    placements_at_31_march: pl.DataFrame,
    missing_from_care: pl.DataFrame,
    childrens_homes_by_area: pl.DataFrame,
    childrens_homes_supply: pl.DataFrame,
    council_owned_homes: pl.DataFrame,
    councils: pl.DataFrame,
    population: pl.DataFrame,
) -> pl.DataFrame:
    releases = dict(population.select("source_id", "source_release").unique().iter_rows())
    reorganisations = geography.la_reorganisations(source_files.geo_files())
    frame = pl.concat(
        [
            placements_rows(placements_at_31_march),
            missing_rows(missing_from_care),
            homes_rows(childrens_homes_by_area, childrens_homes_supply, releases),
            council_run_rows(council_owned_homes, childrens_homes_by_area),
        ],
        how="vertical_relaxed",
    )
    codes = profile_codes(reorganisations, councils)
    frame = (
        frame.join(codes, on="new_la_code", how="left")
        .with_columns(
            pl.when(pl.col("geographic_level") == "Local authority")
            .then(pl.coalesce("profile_code", "new_la_code"))
            .alias("profile_code")
        )
        .select(OUT_COLUMNS)
    )
    order = {m: i for i, m in enumerate(MEASURES)}
    frame = frame.sort(
        pl.col("geographic_level").replace_strict(LEVELS, return_dtype=pl.Int64),
        pl.col("region_code").fill_null(""),
        pl.col("profile_code").fill_null(""),
        pl.col("measure").replace_strict(order, return_dtype=pl.Int64),
        pl.col("sector")
        .fill_null("")
        .replace_strict({s: i for i, s in enumerate(["", *SECTORS])}, return_dtype=pl.Int64),
        "reference_date",
        pl.col("new_la_code").fill_null(""),
    )
    return order_columns(frame, FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Derived shares against the counts they come from; one row per page, measure, sector and date; the share
    placed outside never above its upper bound."""
    wide = frame.filter(pl.col("measure").is_in([OUTSIDE, CLA, SHARE_OUTSIDE, SHARE_OUTSIDE_UPPER])).pivot(
        on="measure",
        index=["geographic_level", "region_code", "new_la_code", "reference_date"],
        values=["value", "rate"],
        aggregate_function="first",
    )
    checks = wide.select(
        pl.col(f"rate_{SHARE_OUTSIDE}").alias("share"),
        (pl.col(f"value_{OUTSIDE}") / pl.col(f"value_{CLA}") * 100).alias("share_from_counts"),
        pl.col(f"rate_{SHARE_OUTSIDE_UPPER}").alias("upper")
        if f"rate_{SHARE_OUTSIDE_UPPER}" in wide.columns
        else pl.lit(None, dtype=pl.Float64).alias("upper"),
    ).with_columns(
        (pl.col("share") - pl.col("share_from_counts")).abs().alias("share_difference"),
        (pl.col("upper") - pl.col("share")).alias("upper_minus_share"),
    )
    pages = (
        frame.filter(pl.col("geographic_level") == "Local authority")
        .group_by("profile_code", "measure", pl.col("sector").fill_null(""), "reference_date")
        .len()
    )
    return {"shares": checks, "one_row_per_page": pages}


COLUMNS = {
    "time_period": "Year: 31 March of that year for placements (at 31 March) and missing (year ending 31 March); "
    "the year of Ofsted's list for homes.",
    "time_identifier": "As in the source dataset ('Reporting year' for DfE; 'As at 31 March' for Ofsted lists).",
    "geographic_level": "National, Regional or Local authority.",
    "country_code": "E92000001 (England).",
    "country_name": "England.",
    "region_code": "GSS code of the region (E12; DfE's Inner and Outer London rows are left out).",
    "region_name": "Name of the region.",
    "new_la_code": "GSS code of the council as published for that year.",
    "old_la_code": "DfE's 3-digit code where the source has one.",
    "la_name": "Council name.",
    "current_la_code": "GSS code of the council that covers the area now (empty after a split).",
    "current_la_name": "Its name.",
    "profile_code": "Local authority rows: the council page the row belongs to (council_pages): the council's own "
    "code, or the current council's code for an old code covering the same area. Empty for England and regions.",
    "measure": "What is counted or derived (see the dataset description and data/reference/measures.csv).",
    "sector": "Children's homes rows: All sectors, Local authority, Private, Voluntary or Health authority. Empty "
    "otherwise.",
    "reference_date": "Date the figure describes: 31 March of the year (placements at 31 March; missing: the year "
    "ending then), the date of Ofsted's list (homes), or the population estimate's date (population_0_to_17).",
    "value": "Counts (children, homes, places, incidents). Empty when suppressed or not derived: see value_note.",
    "rate": "Shares (per cent) and rates (per 100 or 10,000), unrounded. Empty when not derived: see value_note.",
    "value_note": "Why value or rate is empty: the published symbol's meaning, or the part a derived figure lacks.",
    "derivation": "For derived rows: how the figure is worked out from published counts.",
    "series_note": "For rows published under an old code whose area a current council covers unchanged: that the "
    "series continues on the current council's page.",
    "denominator_source_id": "For rates: the source file of the denominator, when it differs from source_id.",
    "source_id": "Source file of the published count (for a derived figure: of its numerator).",
    "source_release": "Release of that source.",
}

DATASET = Dataset(
    name=NAME,
    title="Council profiles: the figures on each council's page, with its region and England",
    description=(
        "Every figure shown on the site's council pages: for each council since 2011, its region and England, "
        "children looked after placed inside and outside the council's boundary (with, for 2011-2014, the children "
        "in neither count and the upper bound of the share placed outside), placed more than 20 miles from home, "
        "placed in the area by other councils, children who went missing and missing incidents with the rate per "
        "100 children looked after during the year, children's homes and places by sector in Ofsted's latest 31 March list "
        "with places per 10,000 children aged 0-17, and the homes each council runs wherever they are located. "
        "Shares and rates are derived from two published counts, unrounded, and are empty (never 0) when a part is "
        "suppressed."
    ),
    families=[],
    build=build,
    key=KEY,
    columns=COLUMNS,
    needs=[PLACEMENTS, MISSING, BY_AREA, SUPPLY, OWNED, "councils", "population"],
    views=views,
    reference_files=["la_reorganisations.csv"],
)
