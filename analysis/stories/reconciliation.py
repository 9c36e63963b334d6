"""Reconciliation: every figure in the seed documents and Ofsted's published totals beside this site's own
value for the same measure, period and area, with the difference, a status and an explanation.

    from analysis.stories import reconciliation as rec
    frame = rec.table()              # one row per published figure (data/tidy/published_figures.csv)
    rec.compared_block()             # the figures the data can check (HTML table)
    rec.not_reproducible_block()     # the figures it cannot, grouped by why
    rec.revisions_block()            # DfE revisions: the same year in successive releases
    rec.coverage_block()             # Ofsted lists against Ofsted's published totals

Statuses:

- "matches": the site's value equals the figure at the precision the document states it, or is what its
  wording allows ("just over 65,000" and 65,520).
- "differs: explained": the values differ and the data shows why (a revision, a list that leaves homes
  out, a document that rounds).
- "differs: cause not established": the values differ and we hold nothing that shows why. We say so and
  do not guess.
- "different measure": the data holds a figure with a similar name that counts something else; it is
  shown, with no difference, so that nobody subtracts one from the other.
- "not reproducible from our sources": the data cannot produce the figure (police estimates, costs,
  surveys, dates before the first Ofsted list, changes stated without a base); the row says why.

Every published figure must be classified here: a figure added to published_figures without a rule is an
error (UnclassifiedFigure), so a refresh cannot silently drop a figure from the page.

`difference` is always book value minus published value: in the figure's unit for counts, in percentage
points for percentages. Book values name the dataset and the single row they come from (book_dataset,
book_filters: column -> value as written in the CSV, book_column), or say how they were derived.
"""

from __future__ import annotations

import csv
import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from analysis import data, site
from analysis.stories import headlines

MATCHES = "matches"
EXPLAINED = "differs: explained"
NOT_ESTABLISHED = "differs: cause not established"
DIFFERENT = "different measure"
NOT_REPRODUCIBLE = "not reproducible from our sources"
STATUSES = [MATCHES, EXPLAINED, NOT_ESTABLISHED, DIFFERENT, NOT_REPRODUCIBLE]
COMPARED = {MATCHES, EXPLAINED, NOT_ESTABLISHED}

REGULATED_HOMES = headlines.REGULATED_HOMES
ALL_HOMES = headlines.ALL_HOMES
THREE_REGIONS = ("North West", "West Midlands", "South East")

# Qualifiers the documents use, and what they allow of the true value v against the stated figure x
# (step: the precision of x, e.g. 1,000 for 65,000; 1 for 75%).
ABOVE = {"just over", "over", "more than"}
BELOW = {"nearly", "almost", "just under"}
CLOSE = {"around", "approximately", "about", "some", "close to"}


class UnclassifiedFigure(KeyError):
    """A published figure has no reconciliation rule."""


class ReconciliationError(ValueError):
    """A book value could not be read unambiguously."""


# ==================================================================================================
# Reading book values
# ==================================================================================================


@dataclass(frozen=True)
class Book:
    """The site's own value for a published figure, and exactly where it comes from."""

    value: float
    display: str
    period: str  # "31 March 2011", "Ofsted list for 31 March 2019"
    dataset: str
    source: str  # data.source_line of the row(s)
    filters: dict[str, str] = field(default_factory=dict)  # selects one row (empty: derived)
    column: str = "value"
    derivation: str = ""  # how a derived value was computed (empty: read directly)
    year: int | None = None


def _cell(value: Any) -> str:
    """A value as the published CSV writes it (the representation book_filters use)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def read_row(dataset: str, filters: dict[str, Any]) -> tuple[dict[str, Any], pl.DataFrame]:
    """The one row of `dataset` whose columns equal `filters` (compared as CSV text)."""
    frame = data.load(dataset)
    for column, wanted in filters.items():
        if column not in frame.columns:
            raise ReconciliationError(f"{dataset} has no column {column!r}")
        frame = frame.filter(pl.col(column).cast(pl.Utf8).fill_null("") == _cell(wanted))
    if frame.height != 1:
        raise ReconciliationError(f"{dataset} {filters}: {frame.height} rows, not 1")
    return frame.row(0, named=True), frame


def book_read(
    dataset: str,
    filters: dict[str, Any],
    column: str = "value",
    *,
    period: str,
    display: Callable[[float], str] = headlines.fmt_count,
) -> Book:
    """A book value read directly from one row of a published dataset."""
    row, frame = read_row(dataset, filters)
    value = row[column]
    if value is None:
        raise ReconciliationError(f"{dataset} {filters}: {column} is empty ({row.get('value_note')})")
    year = row.get("time_period")
    source = data.source_line(frame) if "source_id" in frame.columns and frame["source_id"][0] else ""
    return Book(
        value=float(value),
        display=display(value),
        period=period,
        dataset=dataset,
        source=source,
        filters={k: _cell(v) for k, v in filters.items()},
        column=column,
        year=int(year) if year is not None else None,
    )


def national_filters(year: int, measure: str, **more: Any) -> dict[str, Any]:
    return {"geographic_level": "National", "time_period": year, "measure": measure, **more}


def dfe_count(dataset: str, year: int, measure: str, **more: Any) -> Book:
    return book_read(dataset, national_filters(year, measure, **more), period=f"31 March {year}")


def ofsted_list(snapshot: str) -> dict[str, Any]:
    """The homes_reconciliation row of the list used for `snapshot` (ISO date) in childrens_homes."""
    row, _ = read_row("homes_reconciliation", {"snapshot_date": snapshot, "used_in_childrens_homes": True})
    return row


def ofsted_list_value(snapshot: str, column: str) -> Book:
    row = ofsted_list(snapshot)
    kind = "complete list" if row["snapshot_kind"] == "providers_and_places" else "provider-level list"
    return book_read(
        "homes_reconciliation",
        {"snapshot_date": snapshot, "used_in_childrens_homes": True},
        column,
        period=f"Ofsted {kind} for {data.format_date(date.fromisoformat(snapshot))}",
    )


def by_area_filters(
    snapshot: str, kind: str, sector: str, level: str = "National", region: str | None = None
) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "geographic_level": level,
        "snapshot_date": snapshot,
        "snapshot_kind": kind,
        "provision_type": ALL_HOMES,
        "sector": sector,
    }
    if region:
        filters["region_name"] = region
    return filters


def sector_share(snapshot: str, kind: str, sector: str) -> Book:
    day = data.format_date(date.fromisoformat(snapshot))
    words = "complete list" if kind == "providers_and_places" else "provider-level list"
    return book_read(
        "childrens_homes_by_area",
        by_area_filters(snapshot, kind, sector),
        "share_of_area_homes_pct",
        period=f"Ofsted {words} for {day}",
        display=headlines.fmt_percent,
    )


def region_share(snapshot: str, kind: str, regions: tuple[str, ...]) -> Book:
    """Share of England's homes in `regions` (derived from the homes counts)."""
    rows = [
        read_row("childrens_homes_by_area", by_area_filters(snapshot, kind, "All sectors", "Regional", r))
        for r in regions
    ]
    england, frame = read_row("childrens_homes_by_area", by_area_filters(snapshot, kind, "All sectors"))
    homes = sum(r[0]["homes"] for r in rows)
    share = headlines.percent(homes, england["homes"])
    counts = " + ".join(headlines.fmt_count(r[0]["homes"]) for r in rows)
    day = data.format_date(date.fromisoformat(snapshot))
    words = "complete list" if kind == "providers_and_places" else "provider-level list"
    return Book(
        value=share,
        display=headlines.fmt_percent(share),
        period=f"Ofsted {words} for {day}",
        dataset="childrens_homes_by_area",
        source=data.source_line(frame),
        derivation=(
            f"derived: homes in {', '.join(regions)} ({counts} = {headlines.fmt_count(homes)}) "
            f"÷ {headlines.fmt_count(england['homes'])} homes in England"
        ),
        year=int(england["time_period"]),
    )


# ==================================================================================================
# Context: numbers quoted inside explanations (all read from the data)
# ==================================================================================================


def _n(dataset: str, year: int, measure: str, **more: Any) -> int:
    row, _ = read_row(dataset, national_filters(year, measure, **more))
    if row["value"] is None:
        raise ReconciliationError(f"{dataset} {year} {measure}: no value")
    return int(row["value"])


def first_ofsted_list() -> dict[str, Any]:
    """The earliest Ofsted list held (homes_reconciliation rows with a list)."""
    frame = (
        data.load("homes_reconciliation").filter(pl.col("snapshot_kind").is_not_null()).sort("snapshot_date")
    )
    if frame.is_empty():
        raise ReconciliationError("homes_reconciliation holds no Ofsted list")
    return frame.row(0, named=True)


def _first_list_words() -> tuple[str, str, str]:
    first = first_ofsted_list()
    return (
        first["snapshot_date"].isoformat(),
        first["snapshot_kind"],
        data.format_date(first["snapshot_date"]),
    )


def no_list_context(what: str = "") -> str:
    """'No Ofsted list before <date> is held' plus, optionally, the first list's value for context."""
    snapshot, kind, day = _first_list_words()
    text = f"No Ofsted list of children's homes before {day} is held, so figures for earlier dates can only be cited."
    if what == "ownership":
        total, _ = read_row("childrens_homes_by_area", by_area_filters(snapshot, kind, "All sectors"))
        council, _ = read_row("childrens_homes_by_area", by_area_filters(snapshot, kind, "Local authority"))
        private, _ = read_row("childrens_homes_by_area", by_area_filters(snapshot, kind, "Private"))
        voluntary, _ = read_row("childrens_homes_by_area", by_area_filters(snapshot, kind, "Voluntary"))
        independent = private["homes"] + voluntary["homes"]
        text += (
            f" For context only, our earliest list ({day}) has {headlines.fmt_count(total['homes'])} homes: "
            f"{headlines.fmt_count(council['homes'])} ({headlines.fmt_percent(council['share_of_area_homes_pct'])}) "
            f"run by councils, {headlines.fmt_count(private['homes'])} "
            f"({headlines.fmt_percent(private['share_of_area_homes_pct'])}) private and "
            f"{headlines.fmt_count(independent)} "
            f"({headlines.fmt_percent(headlines.percent(independent, total['homes']))}) private or voluntary."
        )
    elif what == "regions":
        north_west = region_share(snapshot, kind, ("North West",))
        london = region_share(snapshot, kind, ("London",))
        three = region_share(snapshot, kind, THREE_REGIONS)
        text += (
            f" For context only, in our earliest list ({day}) {north_west.display} of homes were in the North "
            f"West, {london.display} in London and {three.display} in the North West, West Midlands and "
            "South East together."
        )
    return text


def provider_level_gap_2018() -> str:
    """What the two lists for the same date show about provider-level lists (from homes_reconciliation)."""
    frame = data.load("homes_reconciliation").filter(
        pl.col("published_homes").is_not_null(), pl.col("snapshot_kind").is_not_null()
    )
    dates = frame.group_by("snapshot_date").agg(pl.col("snapshot_kind").n_unique().alias("kinds"))
    both = dates.filter(pl.col("kinds") == 2)["snapshot_date"].sort()
    if both.is_empty():
        return ""
    day = both[-1]
    rows = {r["snapshot_kind"]: r for r in frame.filter(pl.col("snapshot_date") == day).iter_rows(named=True)}
    level, full = rows["provider_level"], rows["providers_and_places"]
    level_gap = level["homes_difference"]
    full_words = (
        "matches it exactly"
        if full["homes_difference"] == 0
        else f"differs from it by {full['homes_difference']:+,}"
    )
    return (
        f" For {data.format_date(day)}, when both kinds of list are held, the provider-level list holds "
        f"{headlines.fmt_count(abs(level_gap))} {'fewer' if level_gap < 0 else 'more'} homes than the "
        f"published {headlines.fmt_count(level['published_homes'])}, and the complete list {full_words}."
    )


# ==================================================================================================
# Rules: one per published figure
# ==================================================================================================


@dataclass(frozen=True)
class Rule:
    """How one published figure is reconciled.

    kind "compare": `book` gives the site's value for the same measure, period and area; the status is
    MATCHES if it agrees with the figure as stated, else `differs_status` with `if_differs`.
    kind "different": `book` is a similarly named but different measure; `explanation` says how.
    kind "none": not reproducible; `reason` names the reason group and `explanation` adds specifics.
    """

    kind: str
    book: Callable[[], Book] | None = None
    if_matches: str | Callable[[Book], str] = ""
    if_differs: str | Callable[[Book], str] = ""
    differs_status: str = NOT_ESTABLISHED
    explanation: str | Callable[[], str] = ""
    reason: str = ""


REASONS: dict[str, str] = {
    "police": "Police figures (estimates by the UK Missing Persons Bureau or a force's own records). They are "
    "not in our sources, which are councils' returns to DfE; they can be cited but not reproduced.",
    "no_list": "Before the first Ofsted list of children's homes that the project holds.",
    "cost": "Costs, spending and funding: not in our sources.",
    "research": "A finding of a study, survey or estimate by another organisation; its data are not in our "
    "sources.",
    "appg_survey": "From the APPG inquiry's own 2012 survey of the councils that replied to it; the replies are "
    "not published.",
    "appg_2019": "From the APPG's 2019 inquiry 'No Place at Home'; the analysis behind it is not in our sources.",
    "local": "About one place, home, child, council or police force, given in evidence; not in official "
    "statistics.",
    "no_base": "A change stated without its base (whether it is a change in the number or in the share, and "
    "from which count), so it cannot be recomputed.",
    "not_published": "Not in the official tables the project holds.",
    "definition": "The document's measure or date cannot be matched to a published series.",
}
REASON_TITLES: dict[str, str] = {
    "definition": "Measure or date cannot be matched",
    "no_list": "Before the first Ofsted list held",
    "not_published": "Not in the official tables held",
    "no_base": "Changes stated without a base",
    "police": "Police figures",
    "appg_survey": "The APPG's 2012 survey of councils",
    "appg_2019": "The APPG's 2019 inquiry",
    "research": "Other research and estimates",
    "local": "Local examples and evidence",
    "cost": "Costs and funding",
}


def none(reason: str, explanation: str | Callable[[], str] = "") -> Rule:
    if reason not in REASONS:
        raise KeyError(f"unknown reason {reason!r}")
    return Rule(kind="none", reason=reason, explanation=explanation)


# --- children looked after ------------------------------------------------------------------------


def _cla_2011() -> Book:
    return dfe_count("placements_at_31_march", 2011, "children_looked_after")


CLA_UNDATED = (
    "The document gives no date; compared with DfE's count at 31 March 2011, the year the APPG report "
    "gives for the same figure (para 47)."
)


def _stated(figure_id: str) -> str:
    """A published figure as the document words it ('just over 65,000')."""
    row = headlines.published_figures()[figure_id]
    stated, qualifier = row["value_as_stated"], row["value_qualifier"]
    if not qualifier or stated.lower().startswith(qualifier.lower()):
        return stated
    return f"{qualifier} {stated}"


def _cla_rule(undated: bool, companion: str = "") -> Rule:
    """Children looked after at 31 March 2011. `companion`: a figure of the same document that states the
    same count with its qualifier (quoted when the document's round figure differs)."""
    lead = CLA_UNDATED + " " if undated else ""

    def differs(book: Book) -> str:
        also = f" The same report elsewhere says '{_stated(companion)}'." if companion else ""
        return (
            f"{lead}DfE's count of children looked after at 31 March 2011 is {book.display}; the document gives "
            f"a round figure.{also}"
        )

    return Rule(
        kind="compare",
        book=_cla_2011,
        if_matches=lambda b: f"{lead}DfE's count of children looked after at 31 March 2011 is {b.display}.",
        if_differs=differs,
        differs_status=EXPLAINED,
    )


# --- placed outside the council's boundary --------------------------------------------------------


def _outside_2011() -> Book:
    return dfe_count("placements_at_31_march", 2011, "placed_outside_la_boundary")


def _outside_differs(book: Book) -> str:
    return (
        f"Different source. The APPG cites DfE's Children's Homes in England Data Pack (March 2012), s.13, "
        f"which is not among our sources. DfE's statistical first release for 31 March 2011 counts "
        f"{book.display} children placed outside their council's boundary (column CLA_Outbound), more than "
        f"'{_stated('appg12_037')}'. We hold nothing that shows how the Data Pack counted, so the cause of the gap is "
        "not established. Quote each figure with its own source."
    )


def _third_context() -> str:
    outside = _n("placements_at_31_march", 2011, "placed_outside_la_boundary")
    cla = _n("placements_at_31_march", 2011, "children_looked_after")
    share = headlines.percent(outside, cla)
    return (
        "'Their local area' is not defined and no date is given. For context only: at 31 March 2011, "
        f"{headlines.fmt_count(outside)} of {headlines.fmt_count(cla)} children looked after "
        f"({headlines.fmt_percent(share)}, derived) were placed outside their council's boundary, "
        f"{'more' if share > 100 / 3 else 'less'} than a third."
    )


def _change_2012_context() -> str:
    start = _n("placements_at_31_march", 2012, "placed_outside_la_boundary")
    end = _n("placements_at_31_march", 2019, "placed_outside_la_boundary")
    change = headlines.percent(end - start, start)
    return (
        "The speech gives neither the series nor the end year; the APPG's 2019 analysis is not in our "
        "sources. For context only: DfE's count of children placed outside their council's boundary "
        f"rose from {headlines.fmt_count(start)} at 31 March 2012 to {headlines.fmt_count(end)} at 31 March "
        f"2019 ({change:+.1f}%, derived). That may not be the measure the APPG used."
    )


def _councils_outside_context() -> str:
    frame = data.load("placements_at_31_march").filter(
        pl.col("geographic_level") == "Local authority",
        pl.col("time_period") == 2019,
        pl.col("measure") == "placed_outside_la_boundary",
    )
    known = frame.filter(pl.col("value").is_not_null())
    placing = known.filter(pl.col("value") > 0).height
    return (
        "'Place children outside their area' is not defined in the speech. For context only: in DfE's "
        f"figures for 31 March 2019, {placing} of the {known.height} councils with a published figure had "
        "at least one child placed outside their boundary, so the 80% is not that measure."
    )


# --- children's homes: placements -----------------------------------------------------------------


def _homes_share_context() -> str:
    frame = data.load("childrens_homes_placements").filter(
        pl.col("geographic_level") == "National",
        pl.col("definition") == REGULATED_HOMES,
        pl.col("measure") == "childrens_home_placements_outside_la_boundary",
    )
    first, last = int(frame["time_period"].min()), int(frame["time_period"].max())
    first_share = headlines.homes_placed_outside_share(first)
    last_share = headlines.homes_placed_outside_share(last)
    sfr_2012 = _n(
        "childrens_homes_placements",
        2012,
        "childrens_home_placements",
        definition="Secure units, children's homes and hostels",
    )
    return (
        "No figure for 2012 in our sources, and the document does not state the period it covers (the "
        "APPG attributes it to the House of Commons Library, 2012). DfE's statistical first releases count "
        f"children in 'secure units, children's homes and hostels' ({headlines.fmt_count(sfr_2012)} at 31 "
        "March 2012) without saying whether they were placed inside or outside their council's boundary. "
        f"DfE publishes that split from 31 March {first}, for children's homes subject to the Children's "
        f"Homes Regulations: {first_share.display} placed outside at 31 March {first} and "
        f"{last_share.display} at 31 March {last} (derived from DfE's two counts). Sources and definitions "
        "differ, so the change from 46% is not a like-for-like trend."
    )


def _homes_children_context() -> str:
    secure = _n(
        "childrens_homes_placements",
        2011,
        "childrens_home_placements",
        definition="Secure units, children's homes and hostels",
    )
    cla = _n("placements_at_31_march", 2011, "children_looked_after")
    first = int(
        data.load("childrens_homes_placements")
        .filter(pl.col("definition") == REGULATED_HOMES)["time_period"]
        .min()
    )
    return (
        "The document cites DfE's Children's Homes Data Pack and gives no date. DfE's 2011 tables count "
        f"children in 'secure units, children's homes and hostels' together: {headlines.fmt_count(secure)} at "
        f"31 March 2011 ({headlines.fmt_percent(headlines.percent(secure, cla))} of "
        f"{headlines.fmt_count(cla)} children looked after, derived), a wider group than children's homes. "
        f"DfE's count of children in children's homes alone starts at 31 March {first} in our sources."
    )


# --- missing --------------------------------------------------------------------------------------


def _missing_over_24_hours_2011() -> Book:
    return dfe_count("missing_over_24_hours", 2011, "children_missing_over_24_hours_at_31_march")


def _missing_different(book_fn: Callable[[], Book] = _missing_over_24_hours_2011) -> Callable[[dict], str]:
    def explain(row: dict[str, str]) -> str:
        book = book_fn()
        return (
            f"Different measures. The {row['value_as_stated']} counts children who went missing from their "
            "placement for more than 24 hours at any time in the year ending 31 March 2011 (the document cites "
            f"{row['original_source_cited']}); that count is not in the tables we hold. DfE's statistical first "
            "release tables for 2011, which we hold, give only the children missing for more than 24 hours on 31 "
            f"March itself: {book.display}. Do not compare or subtract the two."
        )

    return explain


def _missing_by_type_context() -> str:
    frame = data.load("missing_incidents_by_placement").filter(pl.col("breakdown") == "placement_type")
    first = int(frame["time_period"].min())
    return (
        "DfE publishes missing incidents by placement type only from the year ending 31 March "
        f"{first} in the tables we hold, and the speech gives no end year, so a rise 'since 2015' cannot be "
        "recomputed. DfE's placement groups also changed in its 2024 release."
    )


# --- Ofsted ---------------------------------------------------------------------------------------


def _coverage_explained(book: Book) -> str:
    return (
        "Ofsted's published total counts every registered home. Our list for this date is Ofsted's "
        "provider-level list, which holds only homes with a full inspection, so homes not yet inspected "
        f"are left out.{provider_level_gap_2018()}"
    )


def _list_matches(book: Book) -> str:
    return f"Our {book.period.replace('Ofsted ', 'Ofsted ', 1)} holds the same number."


def _list_not_established(what: str) -> Callable[[Book], str]:
    def explain(book: Book) -> str:
        row = read_row("homes_reconciliation", book.filters)[0]
        more = {"homes": "homes_difference", "places": "places_difference"}[what]
        gap = row[more]
        direction = "more" if gap > 0 else "fewer"
        usual = (
            (
                ", although provider-level lists usually hold fewer homes than the published totals, because "
                "they leave out homes without a full inspection"
            )
            if what == "homes" and gap > 0
            else ""
        )
        return (
            f"Our list for this date ({book.period}) holds {headlines.fmt_count(abs(gap))} {direction} "
            f"{what} than Ofsted's published figure{usual}. We hold no document that explains the "
            "difference, and its cause is not established."
        )

    return explain


def _council_run_2019() -> Book:
    return book_read(
        "council_run_homes",
        {"geographic_level": "National", "snapshot_date": "2019-03-31"},
        "councils_without_council_run_home",
        period="Ofsted provider-level list for 31 March 2019",
    )


def _councils_without_differs(book: Book) -> str:
    row = read_row("council_run_homes", book.filters)[0]
    return (
        "The debate does not give Ofsted's date. Our figure counts council areas with no council-run home "
        f"located in them ({book.display} of {row['councils']} councils), in Ofsted's list for 31 March "
        "2019, which leaves out homes without a full inspection. Ofsted's figure counts councils that run no "
        "home at all, and a council can run a home outside its own area. We have not established which of "
        "these accounts for the difference."
    )


def _councils_share_context() -> str:
    book = _council_run_2019()
    row = read_row("council_run_homes", book.filters)[0]
    share = headlines.percent(book.value, row["councils"])
    return (
        f"'One third' restates the 47 councils (deb19_012) as a share. For context only: our count for 31 "
        f"March 2019 is {book.display} of {row['councils']} councils ({headlines.fmt_percent(share)}, "
        "derived)."
    )


def _ownership_2019_differs(book: Book) -> str:
    lists = data.load("homes_reconciliation").filter(
        pl.col("time_period") == 2019, pl.col("snapshot_kind").is_not_null()
    )
    row = read_row("homes_reconciliation", {"snapshot_date": "2019-03-31", "used_in_childrens_homes": True})[
        0
    ]
    only = "the only list held for 2019" if lists.height == 1 else "the list used for 2019"
    return (
        "The debate gives no date ('now', October 2019) and does not name its source. Compared with "
        f"Ofsted's list for 31 March 2019, {only}: a provider-level list, which leaves out homes without a "
        f"full inspection ({headlines.fmt_count(row['homes_in_file'])} homes; no published total for that "
        "date is held). The cause of the difference is not established."
    )


def _regions_2019_matches(book: Book) -> str:
    return (
        "The debate gives no date ('still', October 2019). Ofsted's list for 31 March 2019 gives "
        f"{book.display} ({book.derivation})."
    )


# --- the rule table -------------------------------------------------------------------------------

RULES: dict[str, Rule] = {}


def _add(ids: str, rule: Rule) -> None:
    for figure_id in ids.split():
        if figure_id in RULES:
            raise KeyError(f"{figure_id} has two rules")
        RULES[figure_id] = rule


# Missing from care
_add(
    "appg12_002 appg12_015 appg12_022 appg12_055",
    Rule(kind="different", book=_missing_over_24_hours_2011, explanation=_missing_different()),
)
_add(
    "appg12_001 appg12_006 appg12_016 appg12_021 appg12_023 appg12_024 appg12_025 appg12_026 appg12_056 "
    "appg12_057 appg12_058 appg12_059 appg12_060 appg12_063",
    none("police"),
)
_add("deb19_018", none("definition", _missing_by_type_context))
_add(
    "deb19_019",
    none(
        "not_published",
        "DfE publishes no count of children who went missing by type of "
        "placement in the tables we hold (only incidents), and 'unregulated provision' is not one "
        "of its categories.",
    ),
)

# Children looked after and placed away
_add("appg12_003", _cla_rule(undated=True))
_add("appg12_036", _cla_rule(undated=False, companion="appg12_003"))
_add("lga12_001", _cla_rule(undated=True))
_add("news12_001", _cla_rule(undated=True))
_add(
    "appg12_037",
    Rule(
        kind="compare",
        book=_outside_2011,
        differs_status=NOT_ESTABLISHED,
        if_matches=lambda b: f"DfE's count at 31 March 2011 is {b.display}.",
        if_differs=_outside_differs,
    ),
)


def _distance_context() -> str:
    frame = data.load("placements_at_31_march").filter(
        pl.col("measure") == "placed_over_20_miles", pl.col("value").is_not_null()
    )
    first = int(frame["time_period"].min())
    return (
        f"DfE's figures on distance from home start at 31 March {first} in the tables we hold; the APPG "
        "cites DfE's Children's Homes Data Pack (March 2012), s.13."
    )


_add("appg12_038", none("not_published", _distance_context))
_add("appg12_089", none("definition", _third_context))
_add("deb19_006", none("definition", _change_2012_context))
_add("deb19_015", none("definition", _councils_outside_context))
_add(
    "appg12_009 appg12_040",
    none(
        "definition",
        lambda: (
            "The council is not named, and the report's condition (it ran at least one children's home in its area) "
            f"needs an Ofsted list for 2011. {no_list_context()}"
        ),
    ),
)
_add(
    "appg12_039",
    none(
        "not_published",
        "DfE publishes no figures on spare places in councils' own homes in the tables we hold.",
    ),
)
_add("appg12_041", none("local", "Cheshire Police's estimate for its area; no date is given."))

# Children in children's homes
_add("appg12_008 appg12_017 lga12_005 dfe12_003", none("definition", _homes_share_context))
_add("appg12_004 lga12_002 appg12_019 appg12_086", none("definition", _homes_children_context))
_add(
    "appg12_050 appg12_051 appg12_052",
    none(
        "not_published",
        "Oral evidence citing DfE data on children's "
        "home residents (age on entry, length of stay); those figures are "
        "not in the tables we hold.",
    ),
)
_add(
    "lga12_004",
    none(
        "not_published",
        "The paper cites no source and gives no date; DfE's figures on "
        "children's home residents' previous placements are not in the tables we hold.",
    ),
)

# Homes, ownership and location
_add("appg12_005 appg12_010 appg12_011 appg12_013 lga12_003 ofsted14_001", none("no_list", no_list_context))
_add(
    "appg12_012 appg12_014 appg12_042 appg12_043 lga12_006 deb19_004 deb19_005",
    none("no_list", lambda: no_list_context("ownership")),
)
_add("deb19_001 deb19_002 deb19_003", none("no_list", lambda: no_list_context("regions")))
_add(
    "appg12_044 appg12_045 appg12_046 appg12_047 appg12_048 appg12_049 lga12_007",
    none(
        "no_list",
        lambda: (
            "The figure describes the homes registered when DfE's Data Pack (March 2012) "
            f"was compiled, or is undated. {no_list_context()}"
        ),
    ),
)
_add("deb19_009 deb19_011", none("no_base"))
_add(
    "deb19_008",
    Rule(
        kind="compare",
        book=lambda: sector_share("2019-03-31", "provider_level", "Private"),
        if_matches=lambda b: f"Ofsted's list for 31 March 2019 gives {b.display}.",
        if_differs=_ownership_2019_differs,
    ),
)
_add(
    "deb19_010",
    Rule(
        kind="compare",
        book=lambda: sector_share("2019-03-31", "provider_level", "Local authority"),
        if_matches=lambda b: f"Ofsted's list for 31 March 2019 gives {b.display}.",
        if_differs=_ownership_2019_differs,
    ),
)
_add(
    "deb19_014",
    Rule(
        kind="compare",
        book=lambda: region_share("2019-03-31", "provider_level", THREE_REGIONS),
        if_matches=_regions_2019_matches,
        if_differs=lambda b: _regions_2019_matches(b) + " The cause of the difference is not established.",
    ),
)
_add(
    "deb19_012",
    Rule(
        kind="compare",
        book=_council_run_2019,
        if_matches=lambda b: (
            f"Our count of council areas with no council-run home in Ofsted's list for 31 March 2019 is {b.display}."
        ),
        if_differs=_councils_without_differs,
    ),
)
_add("deb19_013", none("definition", _councils_share_context))
_add(
    "ofsted18_001",
    Rule(
        kind="compare",
        book=lambda: ofsted_list_value("2017-03-31", "homes_in_file"),
        if_matches=_list_matches,
        if_differs=_coverage_explained,
        differs_status=EXPLAINED,
    ),
)
_add(
    "ofsted18_002",
    Rule(
        kind="compare",
        book=lambda: ofsted_list_value("2017-03-31", "council_run_homes_in_file"),
        if_matches=_list_matches,
        if_differs=_coverage_explained,
        differs_status=EXPLAINED,
    ),
)
_add(
    "ofsted18_003",
    Rule(
        kind="compare",
        book=lambda: ofsted_list_value("2018-03-31", "homes_in_file"),
        if_matches=lambda b: (
            "Ofsted's complete list for 31 March 2018 holds the same number." + provider_level_gap_2018()
        ),
        if_differs=_list_not_established("homes"),
    ),
)
_add(
    "ofsted18_004",
    Rule(
        kind="compare",
        book=lambda: ofsted_list_value("2018-03-31", "council_run_homes_in_file"),
        if_matches=lambda b: "Ofsted's complete list for 31 March 2018 holds the same number.",
        if_differs=_list_not_established("homes"),
    ),
)
_add(
    "ofsted23_001",
    Rule(
        kind="compare",
        book=lambda: ofsted_list_value("2023-03-31", "homes_in_file"),
        if_matches=_list_matches,
        if_differs=_list_not_established("homes"),
    ),
)
_add(
    "ofsted23_002",
    Rule(
        kind="compare",
        book=lambda: ofsted_list_value("2023-03-31", "places_in_file"),
        if_matches=_list_matches,
        if_differs=_list_not_established("places"),
    ),
)

# Not in official statistics
_add(
    "appg12_018 appg12_020 appg12_032 appg12_033 appg12_034 appg12_053 appg12_054 appg12_082 appg12_084 "
    "appg12_085 appg12_087 appg12_088 dfe12_001 dfe12_002 deb19_031 deb19_032 deb19_033 deb19_034",
    none("cost"),
)
_add(
    "appg12_007 appg12_027 appg12_028 appg12_029 appg12_030 appg12_031 appg12_081 appg12_090 deb19_020 "
    "deb19_021 deb19_022 deb19_023 deb19_024 news12_002",
    none("research"),
)
_add(
    "appg12_035 appg12_064 appg12_065 appg12_066 appg12_067 appg12_068 appg12_069 appg12_070",
    none("appg_survey"),
)
_add("deb19_007 deb19_027", none("appg_2019"))
_add(
    "deb19_028 deb19_029",
    none("not_published", "'Unregulated accommodation' is not a category in the DfE tables we hold."),
)
_add(
    "appg12_061 appg12_062 appg12_071 appg12_072 appg12_073 appg12_074 appg12_075 appg12_076 appg12_077 "
    "appg12_078 appg12_079 appg12_080 appg12_083 deb19_016 deb19_017 deb19_025 deb19_026 deb19_030",
    none("local"),
)


# ==================================================================================================
# Comparing
# ==================================================================================================


def step_of(value: float, unit: str) -> float:
    """The precision a stated figure is given to: 1,000 for 65,000; 10 for 930; 1 for 75 (%); 0.1 for 4.1."""
    if not float(value).is_integer():
        return 10 ** -len(repr(float(value)).split(".")[1])
    number, step = abs(int(value)), 1
    while number and number % (step * 10) == 0 and unit != "percent":
        step *= 10
    return float(step)


def agrees(published: float, qualifier: str, book: float, unit: str) -> bool:
    """Is `book` what the document's wording allows ('just over 65,000', 'some 75%', '2,209')?"""
    step = step_of(published, unit)
    if qualifier in ABOVE:
        return book > published and (qualifier != "just over" or book < published + step)
    if qualifier in BELOW:
        return published - step <= book < published
    if qualifier in CLOSE:
        return abs(book - published) < step
    if qualifier:
        raise ReconciliationError(f"qualifier {qualifier!r} cannot be compared")
    if unit == "percent":
        decimals = 0 if float(published).is_integer() else len(repr(float(published)).split(".")[1])
        return math.isclose(round(book, decimals), published)
    return math.isclose(book, published)


def difference_text(difference: float | None, unit: str) -> str:
    if difference is None:
        return ""
    if unit == "percent":
        return f"{difference:+.1f} percentage points".replace("-", "−")
    if difference == 0:
        return "0"
    return f"{difference:+,.0f}".replace("-", "−")


def _text(value: str | Callable[..., str], *args: Any) -> str:
    return value(*args) if callable(value) else value


def published_rows() -> list[dict[str, str]]:
    path = data.data_dir() / "tidy" / "published_figures.csv"
    if not path.exists():
        raise data.DataNotPublished(f"{path} is missing (run `make data`)")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


COLUMNS = [
    "figure_id",
    "document_id",
    "figure",
    "quote",
    "period_stated",
    "geography",
    "citation",
    "published_value",
    "unit",
    "qualifier",
    "status",
    "reason",
    "book_value",
    "book_display",
    "book_period",
    "book_dataset",
    "book_filters",
    "book_column",
    "book_derivation",
    "book_source",
    "difference",
    "difference_display",
    "explanation",
]


def reconcile(row: dict[str, str]) -> dict[str, Any]:
    """One published figure beside the site's value: status, difference and explanation."""
    figure_id = row["figure_id"]
    if figure_id not in RULES:
        raise UnclassifiedFigure(
            f"published figure {figure_id} ({row['measure']}) has no reconciliation rule "
            "in analysis/stories/reconciliation.py"
        )
    rule = RULES[figure_id]
    published = float(row["value"])
    result: dict[str, Any] = {
        "figure_id": figure_id,
        "document_id": row["document_id"],
        "figure": row["value_as_stated"],
        "quote": row["quote"],
        "period_stated": row["period"],
        "geography": row["geography"],
        "citation": row["citation"],
        "published_value": published,
        "unit": row["unit"],
        "qualifier": row["value_qualifier"],
        "reason": rule.reason,
        "book_value": None,
        "book_display": "",
        "book_period": "",
        "book_dataset": "",
        "book_filters": "",
        "book_column": "",
        "book_derivation": "",
        "book_source": "",
        "difference": None,
        "difference_display": "",
    }
    if rule.kind == "none":
        extra = _text(rule.explanation)
        result.update(status=NOT_REPRODUCIBLE, explanation=f"{REASONS[rule.reason]} {extra}".strip())
        return result
    book = rule.book()
    result.update(
        book_value=book.value,
        book_display=book.display,
        book_period=book.period,
        book_dataset=book.dataset,
        book_filters=json.dumps(book.filters, sort_keys=True) if book.filters else "",
        book_column=book.column if book.filters else "",
        book_derivation=book.derivation,
        book_source=book.source,
    )
    if rule.kind == "different":
        result.update(status=DIFFERENT, explanation=_text(rule.explanation, row))
        return result
    if rule.kind != "compare":
        raise ValueError(f"unknown rule kind {rule.kind!r}")
    difference = round(book.value - published, 1 if row["unit"] == "percent" else 0)
    if row["unit"] not in ("count", "places", "percent"):
        raise ReconciliationError(f"{figure_id}: unit {row['unit']!r} cannot be compared")
    matches = agrees(published, row["value_qualifier"], book.value, row["unit"])
    result.update(
        difference=difference,
        difference_display=difference_text(difference, row["unit"]),
        status=MATCHES if matches else rule.differs_status,
        explanation=_text(rule.if_matches if matches else rule.if_differs, book),
    )
    return result


def table() -> pl.DataFrame:
    """Every published figure, reconciled (one row each, in published_figures order)."""
    rows = [reconcile(row) for row in published_rows()]
    check_ofsted_totals_covered(rows)
    schema = {c: pl.Utf8 for c in COLUMNS} | {
        "published_value": pl.Float64,
        "book_value": pl.Float64,
        "difference": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema).select(COLUMNS)


def check_ofsted_totals_covered(rows: list[dict[str, Any]]) -> None:
    """Every row of data/reference/ofsted_published_totals.csv must be one of the reconciled figures
    (same value, and same date where the total has one)."""
    path = data.data_dir() / "reference" / "ofsted_published_totals.csv"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        totals = list(csv.DictReader(handle))
    published = {figure["figure_id"]: figure for figure in published_rows()}
    for total in totals:
        found = [
            r
            for r in rows
            if math.isclose(r["published_value"], float(total["value"]))
            and (
                not total["reference_date"]
                or published[r["figure_id"]]["period_end_date"] == total["reference_date"]
            )
        ]
        if not found:
            raise ReconciliationError(
                f"Ofsted published total {total['measure']} {total['period_as_stated']} "
                f"({total['value']}) is not among the reconciled figures"
            )


# ==================================================================================================
# Page blocks
# ==================================================================================================


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def status_counts(frame: pl.DataFrame | None = None) -> dict[str, int]:
    frame = table() if frame is None else frame
    counts = dict(frame.group_by("status").len().iter_rows())
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def summary_block(frame: pl.DataFrame | None = None) -> site.HTMLBlock:
    frame = table() if frame is None else frame
    counts = status_counts(frame)
    documents = frame["document_id"].n_unique()
    items = "".join(f"<li><strong>{_esc(status)}</strong>: {counts[status]}</li>" for status in STATUSES)
    return site.HTMLBlock(
        f"<p>The documents that started this project, and Ofsted's published totals, state {frame.height} "
        f"figures in {documents} documents (the <code>published_figures</code> dataset). Each one is listed "
        "below with what the official data says for the same measure, date and area:</p>"
        f"<ul>{items}</ul>"
    )


def documents_block(frame: pl.DataFrame | None = None) -> site.HTMLBlock:
    """The documents whose figures are reconciled, with their dates and how many figures each states."""
    frame = table() if frame is None else frame
    documents = headlines.seed_documents()
    counts = dict(frame.group_by("document_id").len().iter_rows())
    items = []
    for document_id, row in documents.items():
        if document_id not in counts:
            continue
        when = headlines.document_date_text(row["date"])
        items.append(
            f"<li>{_esc(row['author'].split(' (')[0].split(';')[0])}, <em>{_esc(row['title'])}</em> "
            f"({_esc(row['type'])}, {_esc(when)}): {counts[document_id]} "
            f"figure{'' if counts[document_id] == 1 else 's'}</li>"
        )
    missing = set(counts) - set(documents)
    if missing:
        raise ReconciliationError(f"documents not in seed_documents.csv: {sorted(missing)}")
    return site.HTMLBlock(f"<ul>{''.join(items)}</ul>")


def _book_cell(row: dict[str, Any]) -> str:
    if row["book_value"] is None:
        return ""
    where = f"{row['book_period']}; dataset {row['book_dataset']}"
    derivation = f"; {row['book_derivation']}" if row["book_derivation"] else ""
    source = f"<br><small>{_esc(row['book_source'])}</small>" if row["book_source"] else ""
    return f"<strong>{_esc(row['book_display'])}</strong> ({_esc(where)}{_esc(derivation)}){source}"


def _figure_cell(row: dict[str, Any]) -> str:
    stated = f"<strong>{_esc(row['figure'])}</strong>"
    period = row["period_stated"]
    when = f" ({_esc(period)}; {_esc(row['geography'])})" if period else ""
    quote = f"<br><q>{_esc(row['quote'])}</q>" if row["quote"] else ""
    return f"{stated}{when}{quote}"


def compared_frame(frame: pl.DataFrame | None = None) -> pl.DataFrame:
    frame = table() if frame is None else frame
    return frame.filter(pl.col("status") != NOT_REPRODUCIBLE)


def compared_block(frame: pl.DataFrame | None = None) -> site.HTMLBlock:
    """The figures the data can check: status, our value and the difference."""
    rows = compared_frame(frame).iter_rows(named=True)
    body = [
        [
            _esc(r["figure_id"]),
            _figure_cell(r),
            _esc(r["citation"]),
            _book_cell(r),
            _esc(r["difference_display"] or ("not comparable" if r["status"] == DIFFERENT else "")),
            f"<strong>{_esc(r['status'])}</strong>",
            _esc(r["explanation"]),
        ]
        for r in rows
    ]
    return site.HTMLBlock(
        site.html_table(
            body,
            [
                "Figure id",
                "Figure as stated",
                "Document and place in it",
                "This site's value",
                "Difference (ours minus stated)",
                "Status",
                "Explanation",
            ],
            "Published figures the official data can check, beside this site's value",
            raw_columns=range(7),
        )
    )


def not_reproducible_block(frame: pl.DataFrame | None = None) -> site.HTMLBlock:
    """Figures the data cannot reproduce, grouped by reason (each group a table)."""
    frame = table() if frame is None else frame
    rows = frame.filter(pl.col("status") == NOT_REPRODUCIBLE)
    parts = []
    for reason, title in REASON_TITLES.items():
        group = rows.filter(pl.col("reason") == reason)
        if group.is_empty():
            continue
        body = []
        for r in group.iter_rows(named=True):
            specific = r["explanation"][len(REASONS[reason]) :].strip()
            body.append(
                [_esc(r["figure_id"]), _figure_cell(r), _esc(r["citation"]), _esc(specific or "See above.")]
            )
        parts.append(
            f"<h3>{_esc(title)} ({group.height})</h3><p>{_esc(REASONS[reason])}</p>"
            + site.html_table(
                body,
                ["Figure id", "Figure as stated", "Document and place in it", "Details"],
                f"Not reproducible from our sources: {title}",
                raw_columns=range(4),
            )
        )
    unknown = set(rows["reason"].to_list()) - set(REASON_TITLES)
    if unknown:
        raise ReconciliationError(f"reasons without a title: {sorted(unknown)}")
    return site.HTMLBlock("".join(parts))


def key_cases_block(frame: pl.DataFrame | None = None) -> site.HTMLBlock:
    """The three differences most often quoted, with their explanations from the table."""
    frame = table() if frame is None else frame
    cases = [
        ("appg12_055", f"{_stated('appg12_055')} children missing, and DfE's own tables"),
        (
            "appg12_037",
            f"“{_stated('appg12_037')[:1].upper() + _stated('appg12_037')[1:]}” placed in another "
            "council's area",
        ),
        ("appg12_008", f"{_stated('appg12_008')} of children in children's homes placed away from home"),
    ]
    parts = []
    for figure_id, title in cases:
        row = frame.filter(pl.col("figure_id") == figure_id).row(0, named=True)
        value = (
            f" This site's value: {row['book_display']} ({row['book_period']})."
            if row["book_display"]
            else ""
        )
        parts.append(
            f"<h3>{_esc(title)}</h3><p><strong>{_esc(row['status'])}.</strong> "
            f"{_esc(row['explanation'])}{_esc(value)} <small>({_esc(row['citation'])})</small></p>"
        )
    return site.HTMLBlock("".join(parts))


# --- revisions ------------------------------------------------------------------------------------

REVISION_MEASURES = ["children_looked_after", "placed_outside_la_boundary", "placed_over_20_miles"]


def revisions_frame() -> pl.DataFrame:
    """National figures DfE published for the same year in more than one release: first and latest value.

    One row per measure and year, with the release that first published it, its value then, the value on
    this site (latest release) and latest minus first."""
    frame = data.load("placements_revisions").filter(
        pl.col("geographic_level") == "National", pl.col("measure").is_in(REVISION_MEASURES)
    )
    frame = frame.with_columns(
        pl.col("source_release").str.extract(r"reporting year (\d{4})").cast(pl.Int64).alias("release_year")
    )
    if frame["release_year"].null_count():
        raise ReconciliationError("placements_revisions: a source_release without 'reporting year NNNN'")
    rows = []
    for (measure, year), group in frame.group_by(["measure", "time_period"], maintain_order=True):
        group = group.sort("release_year")
        if group.height < 2:
            continue
        latest = group.filter(pl.col("is_latest_release"))
        if latest.height != 1:
            raise ReconciliationError(
                f"placements_revisions {measure} {year}: {latest.height} latest releases"
            )
        first = group.row(0, named=True)
        releases = "; ".join(
            f"{r['release_year']} release: {headlines.fmt_count(r['value'])}"
            for r in group.iter_rows(named=True)
        )
        rows.append(
            {
                "measure": measure,
                "time_period": int(year),
                "first_release": first["release_year"],
                "first_value": first["value"],
                "releases": releases,
                "latest_value": latest["value"][0],
                "latest_release": latest["release_year"][0],
                "revision": latest["value"][0] - first["value"],
            }
        )
    return pl.DataFrame(rows).sort("measure", "time_period")


def revisions_block() -> site.HTMLBlock:
    frame = revisions_frame()
    changed = frame.filter(pl.col("revision") != 0)
    body = [
        [
            _esc(data.measure_label(r["measure"], "placements_at_31_march")),
            _esc(f"31 March {r['time_period']}"),
            _esc(r["releases"]),
            _esc(headlines.fmt_count(r["latest_value"])),
            _esc(difference_text(r["revision"], "count")),
        ]
        for r in frame.iter_rows(named=True)
    ]
    lead = (
        f"<p>Of the {frame.height} national figures below, published by two or three DfE releases, "
        f"{changed.height} were revised; the largest revision is "
        f"{headlines.fmt_count(frame['revision'].abs().max())} children. This site uses the latest "
        "release for each year (the <code>placements_revisions</code> dataset keeps every release's "
        "value). A figure quoted from an earlier release is not wrong: cite it with its release.</p>"
    )
    return site.HTMLBlock(
        lead
        + site.html_table(
            body,
            [
                "Measure (England)",
                "Date",
                "Value in each release",
                "Value on this site",
                "Latest minus first published",
            ],
            "The same year in successive DfE releases (England)",
            raw_columns=range(5),
        )
    )


# --- Ofsted file coverage -------------------------------------------------------------------------


def coverage_block() -> site.HTMLBlock:
    frame = data.load("homes_reconciliation").sort("snapshot_date", "snapshot_kind", nulls_last=True)
    kinds = {
        "providers_and_places": "complete list (every registered home)",
        "provider_level": "provider-level list (homes with a full inspection)",
    }

    def num(value: Any) -> str:
        return "" if value is None else headlines.fmt_count(value)

    body = []
    for r in frame.iter_rows(named=True):
        body.append(
            [
                _esc(data.format_date(r["snapshot_date"])),
                _esc(kinds.get(r["snapshot_kind"], "no list held: published figure only")),
                _esc("yes" if r["used_in_childrens_homes"] else "no"),
                _esc(num(r["homes_in_file"])),
                _esc(num(r["published_homes"])),
                _esc(
                    difference_text(r["homes_difference"], "count")
                    if r["homes_difference"] is not None
                    else ""
                ),
                _esc(num(r["places_in_file"])),
                _esc(num(r["published_places"])),
                _esc(r["difference_in_words"]),
            ]
        )
    return site.HTMLBlock(
        site.html_table(
            body,
            [
                "Date",
                "Ofsted list",
                "Used on this site",
                "Homes in the list",
                "Ofsted's published total",
                "Difference",
                "Places in the list",
                "Published places",
                "In words",
            ],
            "Ofsted's lists of children's homes against Ofsted's published totals (homes_reconciliation)",
            raw_columns=range(9),
        )
    )
