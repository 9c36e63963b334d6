"""Chapter "Who owns children's homes" (book/ownership.md): chart frames, tables and sentences from data.

Every number here comes from a published dataset (data/tidy) or, for 2011-2013 and the 2019 debate, from
the published_figures citation table. Two kinds of Ofsted list are never joined into one series:

- complete lists ("providers and places": every registered home) at 30 September 2014, 31 March 2018 and
  the lists Ofsted dated 31 August 2023 and 31 August 2024;
- inspected-homes lists ("provider level": homes with a latest full inspection, fewer than Ofsted's
  totals in most years) at 31 March 2015-2017 and 2019-2024.

Each chart frame keeps the EES and provenance columns, so a chart's CSV is the chart's own rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import polars as pl

from analysis import data, site

# --------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------

ALL_TYPES = "All children's homes"
ALL_SECTORS = "All sectors"
COMPLETE = "providers_and_places"
INSPECTED = "provider_level"
COUNCIL = "Local authority"
PRIVATE = "Private"
VOLUNTARY = "Voluntary"
HEALTH = "Health authority"

LIST_NAMES = {
    COMPLETE: "complete list (every registered home)",
    INSPECTED: "inspected-homes list (homes with a full inspection)",
}
LIST_SHORT = {COMPLETE: "complete list", INSPECTED: "inspected-homes list"}
SECTOR_NAMES = {
    COUNCIL: "Council-run",
    PRIVATE: "Private",
    VOLUNTARY: "Voluntary",
    HEALTH: "Health authority",
}
SECTOR_ORDER = [COUNCIL, PRIVATE, VOLUNTARY, HEALTH]

# The date of the debate that quoted "75% private and 19% council" and "47 local authorities".
DEBATE_DATE = date(2019, 10, 23)
# The Ofsted list for the year the debate speaks of ("in 2019"): 31 March 2019.
DEBATE_YEAR_SNAPSHOT = date(2019, 3, 31)

# published_figures rows quoted in this chapter (stable figure ids; tests check they exist).
PUBLISHED_OWNERSHIP = [
    "appg12_010",
    "appg12_011",
    "appg12_013",
    "deb19_004",
    "deb19_005",
    "ofsted14_001",
    "deb19_008",
    "deb19_010",
]
PUBLISHED_NO_HOMES = ["deb19_012"]
PUBLISHED_TOTALS = [
    "appg12_010",
    "ofsted14_001",
    "ofsted18_001",
    "ofsted18_002",
    "ofsted18_003",
    "ofsted18_004",
    "ofsted23_001",
    "ofsted23_002",
]

EES = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
REGION = ["region_code", "region_name"]
COUNCIL_GEOGRAPHY = REGION + ["new_la_code", "old_la_code", "la_name", "current_la_code", "current_la_name"]
PROVENANCE = ["source_id", "source_release"]


# --------------------------------------------------------------------------------------------------
# Small helpers (also used by homes_location)
# --------------------------------------------------------------------------------------------------


def day_label(day: date) -> str:
    """'31 August 2024'."""
    return data.format_date(day)


def pct(value: float | None, places: int = 1) -> str:
    """'12.7%' ('no figure' for a missing value)."""
    return "no figure" if value is None else f"{value:.{places}f}%"


def num(value: int | None) -> str:
    """'3,491' ('no figure' for a missing value)."""
    return "no figure" if value is None else f"{value:,}"


def share(part: int, whole: int) -> float:
    """part / whole x 100 (derived here from two counts)."""
    if not whole:
        raise ValueError("share of an empty total")
    return 100 * part / whole


def direction(
    new: float, old: float, *, up: str = "rose", down: str = "fell", same: str = "did not change"
) -> str:
    """The word for a change, from the data (rounded to one decimal place, as shown)."""
    if round(new, 1) > round(old, 1):
        return up
    if round(new, 1) < round(old, 1):
        return down
    return same


def source_text(frame: pl.DataFrame) -> str:
    """The frame's sources as a phrase (data.source_line without 'Source: ' and the full stop)."""
    return data.source_line(frame).removeprefix("Source: ").rstrip(".")


def chart_source(frame: pl.DataFrame) -> str:
    """data.source_line, shorter for charts drawn from many releases of one publication: each publication is
    named once with its releases ('Source: Ofsted, <publication>: 31 March 2015, 31 March 2016; ...')."""
    groups: dict[tuple[str, str], list[str]] = {}
    for use in data.source_uses(frame):
        groups.setdefault((use.publisher, use.publication), []).append(use.release)
    return (
        "Source: "
        + "; ".join(
            f"{publisher}, {publication}: {', '.join(releases)}"
            for (publisher, publication), releases in groups.items()
        )
        + "."
    )


def snapshot_axis_label(day: date) -> str:
    """'2014 (30 September)': sorts in date order as text (bar charts order categories as text)."""
    return f"{day.year} ({day.day} {day:%B})"


def published(figure_ids: Sequence[str]) -> pl.DataFrame:
    """Rows of published_figures by id, in the order given; fails if an id is missing."""
    figures = data.load("published_figures")
    found = figures.filter(pl.col("figure_id").is_in(list(figure_ids)))
    missing = sorted(set(figure_ids) - set(found["figure_id"].to_list()))
    if missing:
        raise KeyError(f"published_figures has no rows {missing}")
    order = {fid: i for i, fid in enumerate(figure_ids)}
    return (
        found.with_columns(pl.col("figure_id").replace_strict(order).alias("_order"))
        .sort("_order")
        .drop("_order")
    )


def published_value(figure_id: str) -> float:
    return published([figure_id])["value"][0]


def published_table(figure_ids: Sequence[str], caption: str) -> site.HTMLBlock:
    """The published figures as an accessible table: figure as stated, date, quote, citation, caveat."""
    rows = []
    for row in published(figure_ids).iter_rows(named=True):
        quote = row["quote"] or "No text of this publication is held by the project."
        rows.append(
            [
                row["value_as_stated"],
                row["period"],
                f"\u201c{quote}\u201d" if row["quote"] else quote,
                row["citation"],
                row["note"] or "",
            ]
        )
    return site.HTMLBlock(
        site.html_table(rows, ["Figure as stated", "Date as stated", "Quote", "Citation", "Caveat"], caption)
    )


def _snapshots(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("snapshot_date", "snapshot_kind").unique().sort("snapshot_date")


def snapshot_dates(kind: str | None = None) -> list[date]:
    """Snapshot dates used in the published homes tables (childrens_homes_by_area), optionally one kind."""
    frame = _snapshots(data.load("childrens_homes_by_area"))
    if kind:
        frame = frame.filter(pl.col("snapshot_kind") == kind)
    return frame["snapshot_date"].to_list()


# --------------------------------------------------------------------------------------------------
# Homes and places by sector
# --------------------------------------------------------------------------------------------------


def national_by_sector() -> pl.DataFrame:
    """England, all registration types: homes and places by sector (and all sectors) at every snapshot."""
    frame = data.load("childrens_homes_by_area").filter(
        pl.col("geographic_level") == "National", pl.col("provision_type") == ALL_TYPES
    )
    return frame.select(
        EES
        + [
            "snapshot_date",
            "snapshot_kind",
            "sector",
            "homes",
            "places",
            "share_of_area_homes_pct",
            "share_of_area_places_pct",
        ]
        + PROVENANCE
    )


def sector_row(day: date, sector: str) -> dict:
    frame = national_by_sector().filter(pl.col("snapshot_date") == day, pl.col("sector") == sector)
    if frame.height != 1:
        raise ValueError(f"no single national row for {sector} at {day}")
    return frame.row(0, named=True)


def sector_share_trend(sectors: Iterable[str] = (COUNCIL, PRIVATE)) -> pl.DataFrame:
    """Share of homes by sector at each snapshot; `series` = sector and list kind (never joined)."""
    frame = national_by_sector().filter(pl.col("sector").is_in(list(sectors)))
    return frame.with_columns(
        (
            pl.col("sector").replace_strict(SECTOR_NAMES)
            + pl.lit(", ")
            + pl.col("snapshot_kind").replace_strict(LIST_SHORT)
        ).alias("series")
    ).sort("snapshot_date", "sector")


def sector_series_order(sectors: Iterable[str] = (COUNCIL, PRIVATE)) -> list[str]:
    return [f"{SECTOR_NAMES[s]}, {LIST_SHORT[k]}" for s in sectors for k in (COMPLETE, INSPECTED)]


def _first_and_latest_complete() -> tuple[date, date]:
    days = snapshot_dates(COMPLETE)
    return days[0], days[-1]


def sector_trend_title() -> str:
    first, latest = _first_and_latest_complete()
    council_old, council_new = (sector_row(d, COUNCIL)["share_of_area_homes_pct"] for d in (first, latest))
    private_old, private_new = (sector_row(d, PRIVATE)["share_of_area_homes_pct"] for d in (first, latest))
    council = direction(council_new, council_old, up="a larger", down="a smaller", same="the same")
    private = direction(private_new, private_old, up="a larger", down="a smaller", same="the same")
    return (
        f"Councils run {council} share of children's homes than in {first.year}, "
        f"private companies {private} one"
    )


def _dates_phrase(days: Sequence[date]) -> str:
    """'30 September 2014, 31 March 2018 and 31 August 2023' (31 March runs collapsed: '31 March 2015 to 2017')."""
    parts: list[str] = []
    run: list[date] = []

    def flush() -> None:
        if len(run) > 2:
            parts.append(f"31 March {run[0].year} to {run[-1].year}")
        else:
            parts.extend(day_label(d) for d in run)
        run.clear()

    for day in sorted(days):
        if day.month == 3 and day.day == 31 and (not run or day.year == run[-1].year + 1):
            run.append(day)
            continue
        flush()
        if day.month == 3 and day.day == 31:
            run.append(day)
        else:
            parts.append(day_label(day))
    flush()
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def list_dates_text(kind: str) -> str:
    return _dates_phrase(snapshot_dates(kind))


def sector_trend_subtitle() -> list[str]:
    return [
        "Share of all children's homes in England (%, derived from Ofsted's counts); points sit at the year "
        "of each list's date.",
        f"Complete lists: {list_dates_text(COMPLETE)}.",
        f"Inspected-homes lists: {list_dates_text(INSPECTED)}.",
    ]


def intro_text() -> str:
    first = snapshot_dates()[0]
    return (
        "Who runs England's children's homes: councils, private companies or charities? How has that changed "
        "since the 2012 inquiry, how many councils run no home of their own, and how much do the largest "
        f"owners hold? This chapter uses Ofsted's lists of registered children's homes from {day_label(first)}, "
        "and the figures published for earlier years, with their sources."
    )


def about_sources_text() -> str:
    years = _opening_years()
    return (
        f"**Sources.** Ofsted's lists of children's social care providers: the complete \u201cproviders and "
        f"places\u201d lists ({list_dates_text(COMPLETE)}), the \u201cprovider level\u201d lists of homes with "
        f"their latest full inspection ({list_dates_text(INSPECTED)}), and the \u201cjoiners and leavers\u201d "
        f"lists of homes registered and closed each year ({years[0] - 1}-{str(years[0])[2:]} to "
        f"{years[1] - 1}-{str(years[1])[2:]}). Figures for earlier years and those quoted in the 2019 debate come "
        f"from the documents named in each table, as stated there; the published figures dataset holds each with "
        f"its exact quote."
    )


def sector_trend_alt() -> str:
    first, latest = _first_and_latest_complete()
    c0, c1 = sector_row(first, COUNCIL), sector_row(latest, COUNCIL)
    p0, p1 = sector_row(first, PRIVATE), sector_row(latest, PRIVATE)
    inspected = snapshot_dates(INSPECTED)
    return (
        "Line chart of the percentage of children's homes in England run by councils and by private companies, "
        f"{first.year} to {latest.year}, with a separate line for each kind of Ofsted list. In the complete "
        f"lists the council-run share went from {pct(c0['share_of_area_homes_pct'])} at {day_label(first)} to "
        f"{pct(c1['share_of_area_homes_pct'])} at {day_label(latest)}, and the private share from "
        f"{pct(p0['share_of_area_homes_pct'])} to {pct(p1['share_of_area_homes_pct'])}. The inspected-homes "
        f"lists ({inspected[0].year} to {inspected[-1].year}) show the same direction."
    )


def homes_by_sector_complete() -> pl.DataFrame:
    """Homes by sector in the complete lists only (stacked bars); `snapshot` sorts in date order."""
    frame = national_by_sector().filter(pl.col("snapshot_kind") == COMPLETE, pl.col("sector") != ALL_SECTORS)
    labels = {d: snapshot_axis_label(d) for d in frame["snapshot_date"].unique().to_list()}
    return frame.with_columns(
        pl.col("snapshot_date").replace_strict(labels, return_dtype=pl.Utf8).alias("snapshot"),
        pl.col("sector").replace_strict(SECTOR_NAMES).alias("sector_name"),
    ).sort("snapshot_date", "sector")


def homes_by_sector_title() -> str:
    first, latest = _first_and_latest_complete()
    p0, p1 = sector_row(first, PRIVATE)["homes"], sector_row(latest, PRIVATE)["homes"]
    c0, c1 = sector_row(first, COUNCIL)["homes"], sector_row(latest, COUNCIL)["homes"]
    return (
        f"Privately run homes {direction(p1, p0)} from {num(p0)} to {num(p1)}; "
        f"council-run homes {direction(c1, c0)} from {num(c0)} to {num(c1)}"
    )


def homes_by_sector_alt() -> str:
    frame = homes_by_sector_complete()
    parts = []
    for day in sorted(frame["snapshot_date"].unique().to_list()):
        total = sector_row(day, ALL_SECTORS)["homes"]
        rows = {
            r["sector"]: r["homes"]
            for r in frame.filter(pl.col("snapshot_date") == day).iter_rows(named=True)
        }
        parts.append(
            f"{day_label(day)}: {num(total)} homes, {num(rows[PRIVATE])} private, "
            f"{num(rows[COUNCIL])} council-run, {num(rows[VOLUNTARY])} voluntary, "
            f"{num(rows[HEALTH])} health authority"
        )
    return (
        "Stacked bar chart of children's homes in England by sector in Ofsted's complete lists. "
        + "; ".join(parts)
        + "."
    )


def sector_summary() -> str:
    """Markdown paragraph: the sector split in the first and latest complete list, homes and places."""
    first, latest = _first_and_latest_complete()
    c0, c1 = sector_row(first, COUNCIL), sector_row(latest, COUNCIL)
    p0, p1 = sector_row(first, PRIVATE), sector_row(latest, PRIVATE)
    v1, a0, a1 = (
        sector_row(latest, VOLUNTARY),
        sector_row(first, ALL_SECTORS),
        sector_row(latest, ALL_SECTORS),
    )
    frame = national_by_sector().filter(pl.col("snapshot_date").is_in([first, latest]))
    return (
        f"In Ofsted's complete list dated {day_label(latest)}, England had {num(a1['homes'])} children's homes "
        f"with {num(a1['places'])} places. Private companies ran {num(p1['homes'])} homes "
        f"({pct(p1['share_of_area_homes_pct'])}), councils {num(c1['homes'])} "
        f"({pct(c1['share_of_area_homes_pct'])}) and voluntary organisations {num(v1['homes'])} "
        f"({pct(v1['share_of_area_homes_pct'])}). At {day_label(first)} there were {num(a0['homes'])} homes: "
        f"{num(p0['homes'])} private ({pct(p0['share_of_area_homes_pct'])}) and {num(c0['homes'])} council-run "
        f"({pct(c0['share_of_area_homes_pct'])}).\n\n"
        f"Council homes are larger on average, so councils' share of **places** is higher than their share of "
        f"homes: {pct(c1['share_of_area_places_pct'])} of places at {day_label(latest)} "
        f"({pct(c0['share_of_area_places_pct'])} at {day_label(first)}), against "
        f"{pct(p1['share_of_area_places_pct'])} for private companies. Shares are derived from Ofsted's counts "
        f"(source: {source_text(frame)})."
    )


# --------------------------------------------------------------------------------------------------
# The 2011-2013 published figures and the 2019 debate, beside the Ofsted lists
# --------------------------------------------------------------------------------------------------


def published_ownership_table() -> site.HTMLBlock:
    return published_table(
        PUBLISHED_OWNERSHIP,
        "Published figures on who runs children's homes, 2011 to 2019, as stated in the documents "
        "(not from the Ofsted lists; not joined to the chart above)",
    )


def nearest_complete_before(day: date) -> date:
    days = [d for d in snapshot_dates(COMPLETE) if d <= day]
    if not days:
        raise ValueError(f"no complete list on or before {day}")
    return days[-1]


def debate_comparison() -> pl.DataFrame:
    """Our shares beside the debate's '75% private' and '19% council' (homes and places, two lists)."""
    complete = nearest_complete_before(DEBATE_DATE)
    rows = []
    for sector, figure in ((PRIVATE, "deb19_008"), (COUNCIL, "deb19_010")):
        stated = published([figure]).row(0, named=True)
        for day in (DEBATE_YEAR_SNAPSHOT, complete):
            ours = sector_row(day, sector)
            rows.append(
                {
                    "sector": sector,
                    "debate_figure": stated["value_as_stated"],
                    "debate_value": stated["value"],
                    "snapshot_date": day,
                    "snapshot_kind": ours["snapshot_kind"],
                    "share_of_homes_pct": ours["share_of_area_homes_pct"],
                    "share_of_places_pct": ours["share_of_area_places_pct"],
                    "homes": ours["homes"],
                    "places": ours["places"],
                    "source_id": ours["source_id"],
                }
            )
    return pl.DataFrame(rows)


def debate_comparison_table() -> site.HTMLBlock:
    frame = debate_comparison()
    rows = [
        [
            SECTOR_NAMES[r["sector"]],
            r["debate_figure"],
            f"{day_label(r['snapshot_date'])}, {LIST_NAMES[r['snapshot_kind']]}",
            f"{pct(r['share_of_homes_pct'])} ({num(r['homes'])} homes)",
            f"{pct(r['share_of_places_pct'])} ({num(r['places'])} places)",
        ]
        for r in frame.iter_rows(named=True)
    ]
    return site.HTMLBlock(
        site.html_table(
            rows,
            [
                "Sector",
                "Debate, 23 October 2019 (share of homes, date not stated)",
                "Ofsted list",
                "Share of homes (derived)",
                "Share of places (derived)",
            ],
            "The 2019 debate's shares beside the Ofsted lists for 31 March 2019 and 31 March 2018",
        )
    )


def debate_comparison_text() -> str:
    frame = debate_comparison()
    year_rows = {
        r["sector"]: r for r in frame.iter_rows(named=True) if r["snapshot_date"] == DEBATE_YEAR_SNAPSHOT
    }
    private, council = year_rows[PRIVATE], year_rows[COUNCIL]
    complete = nearest_complete_before(DEBATE_DATE)
    stated = published(["deb19_008"]).row(0, named=True)
    return (
        f"In the Westminster Hall debate Ann Coffey said: \u201c{stated['quote']}\u201d ({stated['citation']}). "
        f"No date is given for the count. The Ofsted "
        f"list for {day_label(DEBATE_YEAR_SNAPSHOT)} gives {pct(private['share_of_homes_pct'])} private and "
        f"{pct(council['share_of_homes_pct'])} council-run homes. Three things can make the two differ:\n\n"
        f"- **Which homes are counted.** The {day_label(DEBATE_YEAR_SNAPSHOT)} list holds only homes with a "
        f"full inspection; the last complete list before the debate is for {day_label(complete)}. The debate "
        f"does not say which count it used.\n"
        f"- **Homes or places.** Shares of places differ from shares of homes: private companies had "
        f"{pct(private['share_of_places_pct'])} of places and councils {pct(council['share_of_places_pct'])} "
        f"at {day_label(DEBATE_YEAR_SNAPSHOT)}.\n"
        f"- **Sectors.** Ofsted's sectors are local authority, private, voluntary and health authority. The "
        f"debate names only private companies and councils; the rest are voluntary (charities and "
        f"not-for-profit bodies, including some councils' children's services trusts) and health authority "
        f"homes."
    )


# --------------------------------------------------------------------------------------------------
# Councils with no council-run home in their area
# --------------------------------------------------------------------------------------------------


def councils_without_trend() -> pl.DataFrame:
    """England: councils with no council-run home located in their area, at each snapshot, by list kind."""
    frame = data.load("council_run_homes").filter(pl.col("geographic_level") == "National")
    return (
        frame.select(
            EES
            + [
                "snapshot_date",
                "snapshot_kind",
                "councils",
                "councils_without_council_run_home",
                "council_run_homes",
                "all_homes",
            ]
            + PROVENANCE
        )
        .with_columns(pl.col("snapshot_kind").replace_strict(LIST_NAMES).alias("list"))
        .sort("snapshot_date")
    )


def _without_row(day: date) -> dict:
    frame = councils_without_trend().filter(pl.col("snapshot_date") == day)
    if frame.height != 1:
        raise ValueError(f"no national council_run_homes row for {day}")
    return frame.row(0, named=True)


def councils_without_title() -> str:
    first, latest = _first_and_latest_complete()
    old, new = _without_row(first), _without_row(latest)
    verb = direction(
        new["councils_without_council_run_home"],
        old["councils_without_council_run_home"],
        up="More",
        down="Fewer",
        same="As many",
    )
    return (
        f"{verb} councils have no council-run children's home in their area than in {first.year}: "
        f"{new['councils_without_council_run_home']} against {old['councils_without_council_run_home']}"
    )


def councils_without_alt() -> str:
    frame = councils_without_trend()
    points = "; ".join(
        f"{day_label(r['snapshot_date'])} ({LIST_SHORT[r['snapshot_kind']]}): "
        f"{r['councils_without_council_run_home']} of {r['councils']}"
        for r in frame.iter_rows(named=True)
    )
    return (
        "Line chart of the number of councils in England with no council-run children's home located in "
        f"their area, at each Ofsted snapshot, one line per kind of list. {points}."
    )


def councils_without_list(day: date | None = None) -> pl.DataFrame:
    """Councils with no council-run home in their area at `day` (default: latest snapshot)."""
    frame = data.load("council_run_homes").filter(pl.col("geographic_level") == "Local authority")
    day = day or frame["snapshot_date"].max()
    return (
        frame.filter(pl.col("snapshot_date") == day, pl.col("no_council_run_home"))
        .select(
            EES
            + COUNCIL_GEOGRAPHY
            + [
                "snapshot_date",
                "snapshot_kind",
                "all_homes",
                "all_places",
            ]
            + PROVENANCE
        )
        .sort("region_name", "la_name")
    )


def councils_without_table(day: date | None = None) -> site.HTMLBlock:
    frame = councils_without_list(day)
    day = frame["snapshot_date"][0]
    totals = data.load("council_run_homes").filter(
        pl.col("geographic_level") == "Regional", pl.col("snapshot_date") == day
    )
    councils = dict(totals.select("region_name", "councils").iter_rows())
    rows = []
    for (region,), group in frame.group_by(["region_name"], maintain_order=True):
        names = "; ".join(group["la_name"].to_list())
        rows.append([region, f"{group.height} of {councils[region]}", names])
    return site.HTMLBlock(
        site.html_table(
            rows,
            ["Region", "Councils with no council-run home in their area", "Councils"],
            f"Councils with no council-run children's home located in their area, {LIST_NAMES[frame['snapshot_kind'][0]]}"
            f" dated {day_label(day)} (Ofsted)",
        )
    )


def trust_run_homes(day: date) -> pl.DataFrame:
    """In councils with no council-run home at `day`: voluntary or private homes run by an organisation whose
    name includes the council's name and 'Children' (e.g. a council's children's services trust, which
    Ofsted lists as voluntary). A name match, not a legal test: the chapter prints the names."""
    without = councils_without_list(day)
    homes = data.load("childrens_homes").filter(
        pl.col("snapshot_date") == day,
        pl.col("new_la_code").is_in(without["new_la_code"].to_list()),
        pl.col("owner_name").is_not_null(),
    )
    lowered = pl.col("owner_name").str.to_lowercase()
    matched = homes.filter(
        pl.col("sector").is_in([VOLUNTARY, PRIVATE]),
        lowered.str.contains(pl.col("la_name").str.to_lowercase(), literal=True),
        lowered.str.contains("children", literal=True),
    )
    return (
        matched.group_by("la_name", "owner_name", "sector")
        .agg(pl.len().alias("homes"), pl.col("places").sum())
        .sort("la_name", "owner_name")
    )


def councils_without_text() -> str:
    first, latest = _first_and_latest_complete()
    old, new = _without_row(first), _without_row(latest)
    year = _without_row(DEBATE_YEAR_SNAPSHOT)
    stated = published(PUBLISHED_NO_HOMES).row(0, named=True)

    def named(day: date) -> str:
        rows = trust_run_homes(day).iter_rows(named=True)
        return (
            "; ".join(
                f"{r['la_name']}: {r['owner_name']} ({r['sector'].lower()}, {r['homes']} "
                f"{'home' if r['homes'] == 1 else 'homes'})"
                for r in rows
            )
            or "none"
        )

    trust_names, trust_names_latest = named(DEBATE_YEAR_SNAPSHOT), named(latest)
    latest_list = councils_without_list(latest)
    london = latest_list.filter(pl.col("region_name") == "London").height
    return (
        f"At {day_label(latest)}, {new['councils_without_council_run_home']} of England's {new['councils']} "
        f"councils had no council-run children's home in their area ({LIST_SHORT[new['snapshot_kind']]}), "
        f"against {old['councils_without_council_run_home']} of {old['councils']} at {day_label(first)}. "
        f"{london} of them are London boroughs.\n\n"
        f"The 2019 debate said \u201c{stated['quote']}\u201d ({stated['citation']}). Our count for "
        f"{day_label(DEBATE_YEAR_SNAPSHOT)} is {year['councils_without_council_run_home']} of {year['councils']}. "
        f"The two need not match:\n\n"
        f"- We count councils with no council-run home **located in their area**. A council that runs a home "
        f"just over its boundary counts here as having none; the debate's words are \u201cdid not run\u201d.\n"
        f"- The {day_label(DEBATE_YEAR_SNAPSHOT)} list holds only homes with a full inspection, so a council "
        f"whose only home was not yet inspected counts there as having none.\n"
        f"- Ofsted records the sector of the registered provider, so homes run by a trust or company that runs "
        f"a council's children's services need not be in the local authority sector. Councils with no "
        f"council-run home but homes run by an organisation whose name includes the council's name and "
        f"\u201cChildren\u201d, in the {day_label(DEBATE_YEAR_SNAPSHOT)} list: {trust_names}. In the list dated "
        f"{day_label(latest)}: {trust_names_latest}.\n"
        f"- The debate does not give the date of Ofsted's count."
    )


# --------------------------------------------------------------------------------------------------
# Ownership concentration and the largest owners
# --------------------------------------------------------------------------------------------------

CONCENTRATION_GROUPS = ["Largest 10", "Largest 20"]


def concentration_trend(groups: Sequence[str] = tuple(CONCENTRATION_GROUPS)) -> pl.DataFrame:
    """Share of all homes owned by the largest owning organisations, each group and list kind a series."""
    frame = data.load("ownership_concentration").filter(pl.col("owner_group").is_in(list(groups)))
    return (
        frame.select(
            EES
            + [
                "snapshot_date",
                "snapshot_kind",
                "owner_group",
                "owners_in_group",
                "homes",
                "places",
                "share_of_homes_pct",
                "share_of_places_pct",
                "tie_at_edge",
                "all_homes",
                "all_places",
                "homes_without_owner_published",
            ]
            + PROVENANCE
        )
        .with_columns(
            (
                pl.col("owner_group")
                + pl.lit(" owners, ")
                + pl.col("snapshot_kind").replace_strict(LIST_SHORT)
            ).alias("series")
        )
        .sort("snapshot_date", "owner_group")
    )


def concentration_series_order() -> list[str]:
    return [f"{g} owners, {LIST_SHORT[k]}" for g in CONCENTRATION_GROUPS for k in (COMPLETE, INSPECTED)]


def _concentration_row(day: date, group: str) -> dict:
    frame = data.load("ownership_concentration").filter(
        pl.col("snapshot_date") == day, pl.col("owner_group") == group
    )
    if frame.height != 1:
        raise ValueError(f"no ownership_concentration row for {group} at {day}")
    return frame.row(0, named=True)


def _concentration_days() -> tuple[date, date]:
    days = data.load("ownership_concentration").filter(pl.col("snapshot_kind") == COMPLETE)["snapshot_date"]
    return days.min(), days.max()


def concentration_title() -> str:
    first, latest = _concentration_days()
    old, new = _concentration_row(first, "Largest 20"), _concentration_row(latest, "Largest 20")
    verb = direction(
        new["share_of_homes_pct"],
        old["share_of_homes_pct"],
        up="own a larger",
        down="own a smaller",
        same="own the same",
    )
    return (
        f"The 20 largest owners {verb} share of homes than in {first.year}: "
        f"{pct(new['share_of_homes_pct'])} against {pct(old['share_of_homes_pct'])}"
    )


def concentration_alt() -> str:
    first, latest = _concentration_days()
    bits = []
    for group in CONCENTRATION_GROUPS:
        old, new = _concentration_row(first, group), _concentration_row(latest, group)
        bits.append(
            f"the {group.lower()} owning organisations had {pct(old['share_of_homes_pct'])} of homes at "
            f"{day_label(first)} and {pct(new['share_of_homes_pct'])} at {day_label(latest)}"
        )
    return (
        "Line chart of the percentage of England's children's homes owned by the 10 and the 20 largest owning "
        f"organisations, {first.year} to {latest.year}, one line per group and kind of Ofsted list. In the "
        f"complete lists, {bits[0]}; {bits[1]}."
    )


def largest_owners(day: date | None = None, n: int = 20) -> pl.DataFrame:
    """The n largest owners at `day` (default: the latest snapshot), as published (spellings merged)."""
    frame = data.load("childrens_homes_largest_owners")
    day = day or frame["snapshot_date"].max()
    return (
        frame.filter(pl.col("snapshot_date") == day, pl.col("rank") <= n)
        .select(
            EES
            + [
                "snapshot_date",
                "snapshot_kind",
                "rank",
                "owner_name",
                "sectors",
                "homes",
                "places",
                "share_of_homes_pct",
                "share_of_places_pct",
                "all_homes",
                "all_places",
            ]
            + PROVENANCE
        )
        .sort("rank")
    )


def council_owners(frame: pl.DataFrame) -> list[str]:
    """Owners in a largest_owners frame whose homes are council-run (to highlight)."""
    return frame.filter(pl.col("sectors").str.contains(COUNCIL, literal=True))["owner_name"].to_list()


def largest_owners_title() -> str:
    frame = largest_owners()
    top = frame.row(0, named=True)
    second = frame.row(1, named=True)
    return (
        f"The largest owner, {top['owner_name']}, owns {num(top['homes'])} homes; the next largest "
        f"owns {num(second['homes'])}"
    )


def largest_owners_subtitle() -> str:
    frame = largest_owners()
    return (
        f"The {frame.height} largest owning organisations, Ofsted's {LIST_SHORT[frame['snapshot_kind'][0]]} "
        f"dated {day_label(frame['snapshot_date'][0])}; council owners in pink"
    )


def largest_owners_alt() -> str:
    frame = largest_owners()
    day = frame["snapshot_date"][0]
    listed = ", ".join(f"{r['owner_name']} {r['homes']}" for r in frame.head(5).iter_rows(named=True))
    councils = council_owners(frame)
    last = frame.row(frame.height - 1, named=True)
    return (
        f"Horizontal bar chart of the {frame.height} owning organisations with the most children's homes in "
        f"Ofsted's {LIST_SHORT[frame['snapshot_kind'][0]]} dated {day_label(day)}. The five largest: {listed} "
        f"homes. The 20th has {last['homes']} homes. Council owners in the 20 (highlighted): "
        f"{', '.join(councils) if councils else 'none'}."
    )


def concentration_text() -> str:
    first, latest = _concentration_days()
    old10, new10 = _concentration_row(first, "Largest 10"), _concentration_row(latest, "Largest 10")
    old20, new20 = _concentration_row(first, "Largest 20"), _concentration_row(latest, "Largest 20")
    everyone = _concentration_row(latest, "All owning organisations")
    owners = largest_owners()
    top = owners.row(0, named=True)
    return (
        f"Ofsted has published each home's owning organisation since 2018. In the complete list dated "
        f"{day_label(latest)}, {num(everyone['owners_in_group'])} organisations owned England's "
        f"{num(everyone['all_homes'])} homes ({num(everyone['homes_without_owner_published'])} homes had no owner "
        f"published). The 10 largest owned {num(new10['homes'])} homes ({pct(new10['share_of_homes_pct'])}; "
        f"{pct(old10['share_of_homes_pct'])} at {day_label(first)}) and the 20 largest {num(new20['homes'])} "
        f"({pct(new20['share_of_homes_pct'])} of homes and {pct(new20['share_of_places_pct'])} of places; "
        f"{pct(old20['share_of_homes_pct'])} of homes at {day_label(first)}). The largest single owner, "
        f"{top['owner_name']}, had {num(top['homes'])} homes ({pct(top['share_of_homes_pct'])}).\n\n"
        f"Owners are organisations **as Ofsted publishes them**: spellings of one name are merged (case, "
        f"\u201cLtd\u201d/\u201cLimited\u201d, punctuation), but companies in the same corporate group are not, "
        f"so the largest groups own more than these figures show."
    )


# --------------------------------------------------------------------------------------------------
# Openings and closures
# --------------------------------------------------------------------------------------------------

OPENING_SECTORS = [COUNCIL, PRIVATE, VOLUNTARY]


def openings_closures() -> pl.DataFrame:
    """England, all registration types: homes opened, closed and net change each year to 31 March, by sector."""
    frame = data.load("childrens_homes_openings_closures").filter(
        pl.col("geographic_level") == "National", pl.col("provision_type") == ALL_TYPES
    )
    return frame.select(
        EES
        + [
            "year_end_date",
            "sector",
            "opened",
            "opened_places",
            "closed",
            "closed_places",
            "net_change",
            "net_change_places",
        ]
        + PROVENANCE
    ).sort("time_period", "sector")


def net_change_by_sector() -> pl.DataFrame:
    frame = openings_closures().filter(pl.col("sector").is_in(OPENING_SECTORS))
    return frame.with_columns(pl.col("sector").replace_strict(SECTOR_NAMES).alias("sector_name"))


def _opening_totals() -> dict[str, dict[str, int]]:
    frame = openings_closures()
    totals = frame.group_by("sector").agg(pl.col("opened", "closed", "net_change").sum())
    return {r["sector"]: r for r in totals.iter_rows(named=True)}


def _opening_years() -> tuple[int, int]:
    years = openings_closures()["time_period"]
    return years.min(), years.max()


NUMBER_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
}


def _year_span(first: int, last: int) -> str:
    years = last - first + 1
    return f"the {NUMBER_WORDS.get(years, str(years))} years from April {first - 1} to March {last}"


def _net_phrase(value: int) -> str:
    return (
        f"grew by a net {num(value)}"
        if value > 0
        else (f"fell by a net {num(-value)}" if value < 0 else "did not change in number")
    )


def net_change_title() -> str:
    totals = _opening_totals()
    first, last = _opening_years()
    private, council = totals[PRIVATE]["net_change"], totals[COUNCIL]["net_change"]
    return (
        f"From {first - 1}-{str(first)[2:]} to {last - 1}-{str(last)[2:]} private homes {_net_phrase(private)}; "
        f"council-run homes {_net_phrase(council)}"
    )


def net_change_alt() -> str:
    frame = net_change_by_sector()
    first, last = _opening_years()
    parts = []
    for sector in OPENING_SECTORS:
        values = frame.filter(pl.col("sector") == sector).sort("time_period")["net_change"].to_list()
        parts.append(f"{SECTOR_NAMES[sector].lower()}: " + ", ".join(f"{v:+d}" for v in values))
    return (
        f"Grouped bar chart of the net change in children's homes (opened minus closed) in each year to 31 "
        f"March, {first} to {last}, by sector. Year by year, " + "; ".join(parts) + "."
    )


def openings_text() -> str:
    totals = _opening_totals()
    first, last = _opening_years()
    everyone = totals[ALL_SECTORS]
    private = totals[PRIVATE]
    frame = openings_closures()
    return (
        f"In {_year_span(first, last)}, Ofsted registered {num(everyone['opened'])} new children's homes and "
        f"{num(everyone['closed'])} closed. Private companies opened {num(private['opened'])} of the new homes "
        f"({pct(share(private['opened'], everyone['opened']))}, derived) and closed {num(private['closed'])}. "
        f"Councils opened {num(totals[COUNCIL]['opened'])} and closed {num(totals[COUNCIL]['closed'])}; "
        f"voluntary organisations opened {num(totals[VOLUNTARY]['opened'])} and closed "
        f"{num(totals[VOLUNTARY]['closed'])} (source: {chart_source(frame).removeprefix('Source: ').rstrip('.')}). "
        f"Net change is "
        f"opened minus closed in the year; it is not the difference between two snapshots, because the lists "
        f"cover different homes."
    )


# --------------------------------------------------------------------------------------------------
# Reconciliation with Ofsted's published totals (brief; the full story is in the reconciliation chapter)
# --------------------------------------------------------------------------------------------------


def reconciliation() -> pl.DataFrame:
    return data.load("homes_reconciliation").sort("snapshot_date", "snapshot_kind")


def reconciliation_table() -> site.HTMLBlock:
    rows = []
    for r in reconciliation().iter_rows(named=True):
        kind = LIST_NAMES.get(r["snapshot_kind"], "no list held: published figure only")
        used = "yes" if r["used_in_childrens_homes"] else "no"
        rows.append(
            [
                day_label(r["snapshot_date"]),
                kind,
                num(r["homes_in_file"]) if r["homes_in_file"] is not None else "",
                num(r["published_homes"]) if r["published_homes"] is not None else "none held",
                f"{r['homes_difference']:+,d}" if r["homes_difference"] is not None else "",
                num(r["council_run_homes_in_file"]) if r["council_run_homes_in_file"] is not None else "",
                num(r["published_council_run_homes"])
                if r["published_council_run_homes"] is not None
                else "none held",
                used,
            ]
        )
    return site.HTMLBlock(
        site.html_table(
            rows,
            [
                "Date",
                "Ofsted list",
                "Homes in the list",
                "Ofsted's published total",
                "Difference",
                "Council-run in the list",
                "Published council-run",
                "Used in this site's tables",
            ],
            "Children's homes in each Ofsted list against Ofsted's published totals (homes_reconciliation)",
        )
    )


def reconciliation_text() -> str:
    frame = reconciliation()
    matched = frame.filter(pl.col("homes_difference") == 0, pl.col("council_run_homes_difference") == 0)
    m = matched.row(0, named=True) if matched.height else None
    inspected = frame.filter(pl.col("snapshot_kind") == INSPECTED, pl.col("homes_difference").is_not_null())
    gaps = "; ".join(
        f"{day_label(r['snapshot_date'])}: {num(r['homes_in_file'])} against {num(r['published_homes'])}"
        for r in inspected.iter_rows(named=True)
    )
    text = ""
    if m:
        text += (
            f"The complete list for {day_label(m['snapshot_date'])} holds exactly Ofsted's published total: "
            f"{num(m['homes_in_file'])} homes, {num(m['council_run_homes_in_file'])} of them council-run. "
        )
    return text + (
        f"Inspected-homes lists differ from the published totals ({gaps}), so this site never joins the "
        f"two kinds of list into one line."
    )


# --------------------------------------------------------------------------------------------------
# Key findings
# --------------------------------------------------------------------------------------------------


def key_findings() -> str:
    """3-5 Markdown bullets, every number from data with its date and source."""
    first, latest = _first_and_latest_complete()
    c0, c1 = sector_row(first, COUNCIL), sector_row(latest, COUNCIL)
    p0, p1 = sector_row(first, PRIVATE), sector_row(latest, PRIVATE)
    a1 = sector_row(latest, ALL_SECTORS)
    appg = published(["appg12_011", "appg12_010", "appg12_012"])
    council_2011, homes_2011, share_2011 = appg["value_as_stated"].to_list()
    citation_2011 = appg["citation"][2]
    without0, without1 = _without_row(first), _without_row(latest)
    debate_47 = published(PUBLISHED_NO_HOMES)["value_as_stated"][0]
    c_first, c_latest = _concentration_days()
    top20 = _concentration_row(c_latest, "Largest 20")
    top = largest_owners().row(0, named=True)
    totals = _opening_totals()
    y0, y1 = _opening_years()
    private_new = share(totals[PRIVATE]["opened"], totals[ALL_SECTORS]["opened"])
    ofsted_list = "Ofsted, complete lists of children's homes"
    return "\n".join(
        [
            f"- **Councils run a {direction(c1['share_of_area_homes_pct'], c0['share_of_area_homes_pct'], up='larger', down='smaller', same='similar')} "
            f"share of children's homes.** {pct(c1['share_of_area_homes_pct'])} of England's {num(a1['homes'])} homes "
            f"were council-run at {day_label(latest)}, against {pct(c0['share_of_area_homes_pct'])} at "
            f"{day_label(first)} ({ofsted_list}). The published figure for 30 September 2011 was {council_2011} of "
            f"{homes_2011} homes ({share_2011}; {citation_2011}, citing the DfE Children's Homes in England Data Pack).",
            f"- **Private companies run {pct(p1['share_of_area_homes_pct'])} of homes** ({num(p1['homes'])}) at "
            f"{day_label(latest)}, up from {pct(p0['share_of_area_homes_pct'])} ({num(p0['homes'])}) at "
            f"{day_label(first)} ({ofsted_list}).",
            f"- **{without1['councils_without_council_run_home']} of {without1['councils']} councils have no council-run "
            f"home in their area** at {day_label(latest)}, against {without0['councils_without_council_run_home']} "
            f"of {without0['councils']} at {day_label(first)} (Ofsted; see below how this compares with the "
            f"\u201c{debate_47}\u201d quoted in the 2019 debate).",
            f"- **The 20 largest owners own {pct(top20['share_of_homes_pct'])} of homes** ({num(top20['homes'])}) at "
            f"{day_label(c_latest)}; the largest, {top['owner_name']}, owns {num(top['homes'])} "
            f"({pct(top['share_of_homes_pct'])}) (Ofsted complete list; organisations as published).",
            f"- **{'Most' if private_new > 50 else 'Fewer than half of'} new homes are private.** Of "
            f"{num(totals[ALL_SECTORS]['opened'])} homes registered in "
            f"{_year_span(y0, y1)}, {num(totals[PRIVATE]['opened'])} "
            f"({pct(private_new)}, derived) were private (Ofsted joiners "
            f"and leavers lists).",
        ]
    )
