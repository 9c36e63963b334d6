"""How many children's homes each Ofsted list holds, against Ofsted's (and DfE's) published totals.

One row per snapshot date and list (provider-level and providers-and-places lists both, where both exist for a
date), plus a row for each dated published total with no list (30 September 2011 and 2013). Each row states in
words how the list's count differs from the published figure, so a reader knows which number to quote.
Published figures come from data/reference/ofsted_published_totals.csv (each with its document and section).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from analysis import settings
from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import (
    chosen_sources,
    national_geography,
    parse_snapshots,
    snapshot_lists,
    time_identifier,
)
from analysis.errors import ParseError
from analysis.layout import NATIONAL_GEOGRAPHY_DESCRIPTIONS, order_columns
from analysis.sources import ofsted

NAME = "homes_reconciliation"
PUBLISHED_TOTALS = settings.REFERENCE_DIR / "ofsted_published_totals.csv"
PUBLISHED_COLUMNS = [
    "reference_date",
    "period_as_stated",
    "measure",
    "value",
    "unit",
    "scope",
    "homes_counted",
    "document",
    "section",
    "figure_id",
    "note",
]
# homes_counted: which children's homes a published total counts, in the labels of homes_rebuilt_totals.
ALL_HOMES = "All children's homes"
ORDINARY_HOMES = "Children's home (not short-break-only)"


def read_published_totals(path=PUBLISHED_TOTALS) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    if frame.columns != PUBLISHED_COLUMNS:
        raise ParseError(
            "reference table",
            path.name,
            "columns",
            f"expected {PUBLISHED_COLUMNS}, got {frame.columns}",
        )
    missing_citation = frame.filter(pl.col("document").is_null() | pl.col("section").is_null())
    if missing_citation.height:
        raise ParseError(
            "reference table",
            path.name,
            "every figure cites a document and section",
            f"row {missing_citation.row(0)}",
        )
    return frame.with_columns(
        pl.col("reference_date").str.strptime(pl.Date, "%Y-%m-%d", strict=True),
        pl.col("value").cast(pl.Int64, strict=True),
    )


def _fmt(value: int | None) -> str:
    return "not published" if value is None else f"{value:,}"


def _compare(what: str, in_file: int | None, published: int | None) -> str | None:
    if published is None or in_file is None:
        return None
    difference = in_file - published
    if difference == 0:
        return f"{in_file:,} {what}, the same as the published {published:,}"
    side = "fewer" if difference < 0 else "more"
    return f"{in_file:,} {what}, {abs(difference):,} {side} than the published {published:,}"


def describe(row: dict) -> str:
    """The difference between a list and the published figures, in words."""
    if row["source_id"] is None:
        return (
            f"No Ofsted list for this date is held: published figure only ({_fmt(row['published_homes'])} homes"
            + (
                f", {_fmt(row['published_council_run_homes'])} run by councils"
                if row["published_council_run_homes"]
                else ""
            )
            + ")."
        )
    kind = (
        "providers-and-places list"
        if row["snapshot_kind"] == ofsted.PROVIDERS_PLACES
        else "provider-level list"
    )
    parts = [
        _compare("homes", row["homes_in_file"], row["published_homes"]),
        _compare(
            "homes run by councils", row["council_run_homes_in_file"], row["published_council_run_homes"]
        ),
        _compare("places", row["places_in_file"], row["published_places"]),
    ]
    parts = [p for p in parts if p]
    if parts:
        text = f"The {kind} holds " + "; ".join(parts) + "."
    else:
        text = (
            f"The {kind} holds {row['homes_in_file']:,} homes ({row['council_run_homes_in_file']:,} run by councils"
            + (
                f", {row['places_in_file']:,} places"
                if row["places_in_file"] is not None
                else ", places not published"
            )
            + "); no published total for this date is held."
        )
    if row["published_homes_counted"] == ORDINARY_HOMES:
        text += (
            " The published figures count children's homes other than short-break-only homes, secure children's "
            "homes and residential special schools, while the list holds homes of all three registration types: "
            "see homes_rebuilt_totals for the count on the published definition."
        )
    if row["snapshot_kind"] == ofsted.PROVIDER_LEVEL:
        text += " This list holds providers with a latest full inspection"
        if row["homes_without_inspection_in_file"]:
            text += (
                f", but also {row['homes_without_inspection_in_file']:,} homes with no full inspection date "
                "(not yet inspected)"
            )
        text += ", so it can differ from Ofsted's count of all registered homes."
    if row["used_in_childrens_homes"]:
        text += " Used for this date in childrens_homes."
    else:
        text += " Not used in childrens_homes: the providers-and-places list for the same date is complete."
    if row["date_as_labelled"]:
        text += (
            f" Ofsted labels this list {row['date_as_labelled']}; it is dated {row['snapshot_date']:%-d %B %Y} "
            "here, for the reasons in the corrections table on the methodology page."
        )
    return text


def build(source_files: SourceFiles) -> pl.DataFrame:
    lists = snapshot_lists(source_files)
    chosen = {f.source_id for f in chosen_sources(source_files).values()}
    homes = parse_snapshots(lists, source_files)
    counts = (
        homes.group_by("snapshot_date", "snapshot_kind", "source_id")
        .agg(
            pl.len().cast(pl.Int64).alias("homes_in_file"),
            (pl.col("sector") == "Local authority").sum().cast(pl.Int64).alias("council_run_homes_in_file"),
            pl.when(pl.col("places").null_count() == 0)
            .then(pl.col("places").sum())
            .cast(pl.Int64)
            .alias("places_in_file"),
            (pl.col("latest_inspection_date").is_null() & (pl.col("snapshot_kind") == ofsted.PROVIDER_LEVEL))
            .sum()
            .cast(pl.Int64)
            .alias("homes_without_inspection_in_file"),
        )
        .with_columns(pl.col("source_id").is_in(list(chosen)).alias("used_in_childrens_homes"))
    )

    published = read_published_totals().filter(
        pl.col("reference_date").is_not_null()
        & pl.col("measure").is_in(["homes", "council_run_homes", "places"])
    )
    wide = published.pivot(on="measure", index="reference_date", values="value", aggregate_function=None)
    for measure in ("homes", "council_run_homes", "places"):
        if measure not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Int64).alias(measure))
    counted = published.group_by("reference_date").agg(
        pl.col("homes_counted").drop_nulls().unique().sort().str.join("; ").alias("published_homes_counted")
    )
    citations = published.group_by("reference_date").agg(
        pl.concat_str(["document", pl.lit(", "), "section"])
        .unique()
        .sort()
        .str.join("; ")
        .alias("published_source")
    )
    wide = wide.rename(
        {
            "reference_date": "snapshot_date",
            "homes": "published_homes",
            "council_run_homes": "published_council_run_homes",
            "places": "published_places",
        }
    ).join(citations.rename({"reference_date": "snapshot_date"}), on="snapshot_date")
    wide = wide.join(
        counted.rename({"reference_date": "snapshot_date"}), on="snapshot_date", how="left"
    ).with_columns(
        pl.when(pl.col("published_homes_counted") == "")
        .then(None)
        .otherwise(pl.col("published_homes_counted"))
        .alias("published_homes_counted")
    )
    table = counts.join(wide, on="snapshot_date", how="full", coalesce=True)
    relabelled = {
        c.source: f"{date.fromisoformat(c.published_value):%-d %B %Y}"
        for c in source_files.corrections
        if c.whole_file and c.field == "reference_period"
    }
    table = table.with_columns(
        pl.col("source_id")
        .replace_strict(relabelled, default=None, return_dtype=pl.Utf8)
        .alias("date_as_labelled")
    )
    table = table.with_columns(
        (pl.col("homes_in_file") - pl.col("published_homes")).alias("homes_difference"),
        (pl.col("council_run_homes_in_file") - pl.col("published_council_run_homes")).alias(
            "council_run_homes_difference"
        ),
        (pl.col("places_in_file") - pl.col("published_places")).alias("places_difference"),
        pl.col("used_in_childrens_homes").fill_null(False),
    )
    table = (
        table.with_columns(
            pl.struct(pl.all()).map_elements(describe, return_dtype=pl.Utf8).alias("difference_in_words"),
        )
        .drop("date_as_labelled")
        .with_columns(
            pl.col("snapshot_date").dt.year().cast(pl.Int64).alias("time_period"),
            pl.col("snapshot_date")
            .map_elements(time_identifier, return_dtype=pl.Utf8)
            .alias("time_identifier"),
            *national_geography(),
            pl.col("source_id")
            .replace_strict(
                {f.source_id: f.release_title for f in lists},
                default=None,
                return_dtype=pl.Utf8,
            )
            .alias("source_release"),
        )
    )
    table = table.sort("snapshot_date", pl.col("source_id").fill_null(""))
    return order_columns(table, FILTERS, INDICATORS)


FILTERS = ["snapshot_date", "snapshot_kind", "used_in_childrens_homes"]
INDICATORS = [
    "homes_in_file",
    "council_run_homes_in_file",
    "places_in_file",
    "homes_without_inspection_in_file",
    "published_homes",
    "published_council_run_homes",
    "published_places",
    "published_homes_counted",
    "homes_difference",
    "council_run_homes_difference",
    "places_difference",
    "published_source",
    "difference_in_words",
]


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """One list used per snapshot date that has a list."""
    used = (
        frame.filter(pl.col("source_id").is_not_null())
        .group_by("snapshot_date")
        .agg(pl.col("used_in_childrens_homes").sum().cast(pl.Int64).alias("lists_used"))
        .sort("snapshot_date")
    )
    return {"lists_used_per_date": used}


COLUMNS = {
    "time_period": "Year of the snapshot date.",
    "time_identifier": "Snapshot day and month ('As at 31 March').",
    **NATIONAL_GEOGRAPHY_DESCRIPTIONS,
    "snapshot_date": "Date of the list or of the published figure.",
    "snapshot_kind": "'providers_and_places' (all registered providers) or 'provider_level' (providers with a "
    "latest full inspection); empty for a published figure with no list.",
    "used_in_childrens_homes": "True for the list used for this date in the childrens_homes dataset.",
    "homes_in_file": "Children's homes of all three registration types in the list.",
    "council_run_homes_in_file": "Of those, homes in the Local authority sector (run by councils).",
    "places_in_file": "Places in those homes (empty where the list publishes no places: 2015).",
    "homes_without_inspection_in_file": "Homes with no full inspection date in a provider-level list (0 for "
    "providers-and-places lists, which carry no inspections).",
    "published_homes": "Published total of children's homes for this date (data/reference/ofsted_published_totals.csv).",
    "published_council_run_homes": "Published number run by local authorities.",
    "published_places": "Published number of places.",
    "published_homes_counted": "Which children's homes the published figures count: 'All children's homes' (all three "
    "registration types) or 'Children's home (not short-break-only)' (Ofsted's 2023 headline: no short-break-only, secure "
    "or residential special school homes); empty where not stated.",
    "homes_difference": "homes_in_file minus published_homes.",
    "council_run_homes_difference": "council_run_homes_in_file minus published_council_run_homes.",
    "places_difference": "places_in_file minus published_places.",
    "published_source": "Document and section of the published figures.",
    "difference_in_words": "The comparison, and what the list covers, in words.",
    "source_id": "The Ofsted list (data/sources.csv); empty for a published figure with no list.",
    "source_release": "Release of that list.",
}

DATASET = Dataset(
    name=NAME,
    title="Children's homes: counts in each Ofsted list against published totals",
    description=(
        "For each snapshot date, the number of children's homes (and council-run homes and places) in each Ofsted "
        "list the project holds, beside Ofsted's published totals where known, with the difference in words. "
        "Provider-level lists (homes with a full inspection) count fewer homes than Ofsted's totals; the "
        "providers-and-places list for 31 March 2018 matches the published 2,209 homes and 423 council-run. "
        "homes_rebuilt_totals adds the homes with no published inspection yet and applies each total's definition."
    ),
    families=list(ofsted.SNAPSHOT_FAMILIES),
    build=build,
    key=["snapshot_date", "source_id"],
    columns=COLUMNS,
    views=views,
    reference_files=["ofsted_published_totals.csv"],
)
