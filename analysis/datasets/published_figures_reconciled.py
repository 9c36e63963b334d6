"""Every figure in the 2012 and 2019 documents, and Ofsted's headline totals, beside what the official data says.

Two derived datasets:

- published_figures_reconciled: one row per published figure (published_figures), with the official value for the
  same measure, date and area where the data holds one, the difference (official minus stated), a status and an
  explanation. Every number in an explanation is a value of a published dataset.
- published_figures_reconciled_summary: how many figures of each document have each status.

Statuses:

- "matches": the official value equals the figure at the precision the document states it, or is what its wording
  allows ("just over 65,000" and 65,520).
- "differs: explained": the values differ and the data shows why (a list that leaves homes out, a definition, a
  document that rounds).
- "differs: cause not established": the values differ and nothing held shows why. We say so and do not guess.
- "different measure": the data holds a figure with a similar name that counts something else; it is shown, with
  no difference, so that nobody subtracts one from the other.
- "not reproducible from official data": the data cannot produce the figure (police estimates, costs, surveys,
  dates before the first Ofsted list, changes stated without a base); `reason` names why.

Every published figure must have a rule here: a figure added to published_figures without one is an error
(UnclassifiedFigure), so a refresh cannot silently drop a figure from the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from analysis import text
from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes_by_area import ALL_SECTORS, ALL_TYPES
from analysis.datasets.homes_reconciliation import ORDINARY_HOMES
from analysis.sources import ofsted

NAME = "published_figures_reconciled"
SUMMARY_NAME = "published_figures_reconciled_summary"

MATCHES = "matches"
EXPLAINED = "differs: explained"
NOT_ESTABLISHED = "differs: cause not established"
DIFFERENT = "different measure"
NOT_REPRODUCIBLE = "not reproducible from official data"
STATUSES = [MATCHES, EXPLAINED, NOT_ESTABLISHED, DIFFERENT, NOT_REPRODUCIBLE]
COMPARED = (MATCHES, EXPLAINED, NOT_ESTABLISHED)

REGULATED_HOMES = "Children's homes (subject to Children's Homes Regulations)"
SFR_HOMES = "Secure units, children's homes and hostels"
THREE_REGIONS = ("North West", "West Midlands", "South East")
DFE = "Department for Education"
OFSTED = "Ofsted"

# Qualifiers the documents use, and what they allow of the official value v against the stated figure x.
ABOVE = {"just over", "over", "more than"}
BELOW = {"nearly", "almost", "just under"}
CLOSE = {"around", "approximately", "about", "some", "close to"}

# Why a figure cannot be reproduced: short title (the `reason` column). The page explains each once.
REASONS = {
    "police": "Police figures",
    "no_list": "Before the first Ofsted list held",
    "cost": "Costs and funding",
    "research": "Other research and estimates",
    "appg_survey": "The APPG's 2012 survey of councils",
    "appg_2019": "The APPG's 2019 inquiry",
    "local": "Local examples and evidence",
    "no_base": "Change stated without a base",
    "not_published": "Not in the official tables held",
    "definition": "Measure or date cannot be matched",
}


# The dates the cited documents' figures describe: facts about those documents, not a choice of source files.
APPG_REPORT_YEAR = 2011  # domain: the APPG's 2012 report quotes DfE's year ending 31 March 2011 ("last year")
INQUIRY_YEAR = 2012  # domain: the year of the inquiry, where the 2019 debate's series of placements starts
DEBATE_YEAR = 2019  # domain: the 2019 Commons debate, compared with the official figures at 31 March 2019
DEBATE_DAY = date(DEBATE_YEAR, 3, 31)


class UnclassifiedFigure(KeyError):
    """A published figure has no reconciliation rule."""


class ReconciliationError(ValueError):
    """An official value could not be read unambiguously."""


# ==================================================================================================
# The frames a rule reads (the published datasets this one needs)
# ==================================================================================================


@dataclass(frozen=True)
class Frames:
    published_figures: pl.DataFrame
    placements_at_31_march: pl.DataFrame
    missing_over_24_hours: pl.DataFrame
    missing_incidents_by_placement: pl.DataFrame
    childrens_homes_placements: pl.DataFrame
    childrens_homes_by_area: pl.DataFrame
    homes_rebuilt_totals: pl.DataFrame
    council_run_homes_by_owner: pl.DataFrame

    def one(self, name: str, **filters: Any) -> dict[str, Any]:
        frame = getattr(self, name)
        for column, wanted in filters.items():
            frame = frame.filter(pl.col(column).is_null() if wanted is None else pl.col(column) == wanted)
        if frame.height != 1:
            raise ReconciliationError(f"{name} {filters}: {frame.height} rows, not 1")
        return frame.row(0, named=True)

    def national(self, name: str, year: int, measure: str, **more: Any) -> dict[str, Any]:
        row = self.one(name, geographic_level="National", time_period=year, measure=measure, **more)
        if row["value"] is None:
            raise ReconciliationError(f"{name} {year} {measure}: no value ({row.get('value_note')})")
        return row

    def figure(self, figure_id: str) -> dict[str, Any]:
        return self.one("published_figures", figure_id=figure_id)

    def figure_day(self, figure_id: str) -> date:
        """The date a published figure is for (its period_end_date)."""
        value = self.figure(figure_id)["period_end_date"]
        if value is None:
            raise ReconciliationError(f"published figure {figure_id} has no period_end_date")
        return value if isinstance(value, date) else date.fromisoformat(str(value))

    def stated(self, figure_id: str) -> str:
        """A published figure as the document words it ('just over 65,000')."""
        row = self.figure(figure_id)
        value, qualifier = row["value_as_stated"], row["value_qualifier"]
        if not qualifier or value.lower().startswith(qualifier.lower()):
            return value
        return f"{qualifier} {value}"

    def area(
        self, snapshot: date, sector: str = ALL_SECTORS, level: str = "National", region: str | None = None
    ):
        filters: dict[str, Any] = {
            "geographic_level": level,
            "snapshot_date": snapshot,
            "provision_type": ALL_TYPES,
            "sector": sector,
        }
        if region:
            filters["region_name"] = region
        return self.one("childrens_homes_by_area", **filters)

    def rebuilt(self, snapshot: date, group: str, sector: str = ALL_SECTORS) -> dict[str, Any]:
        return self.one("homes_rebuilt_totals", snapshot_date=snapshot, homes_group=group, sector=sector)

    def first_list(self) -> dict[str, Any]:
        homes = self.childrens_homes_by_area.filter(pl.col("geographic_level") == "National")
        return self.area(homes["snapshot_date"].min())


@dataclass(frozen=True)
class Official:
    """The official value set beside a published figure, and where it comes from."""

    value: float
    display: str  # as shown: "65,520", "18.4%", "47 of 152 councils"
    unit: str  # count, places, percent, fraction
    period: str  # "31 March 2011", "Ofsted's list for 31 March 2019"
    measure: str  # what the value counts, in words
    dataset: str
    publisher: str
    source_id: str | None
    source_release: str | None


def official(
    row: dict[str, Any],
    column: str,
    dataset: str,
    publisher: str,
    *,
    unit: str,
    period: str,
    measure: str,
    display: str | None = None,
) -> Official:
    value = row[column]
    if value is None:
        raise ReconciliationError(f"{dataset}: {column} is empty for {period}")
    if display is None:
        display = text.pct(value) if unit == "percent" else text.n(value)
    return Official(
        float(value),
        display,
        unit,
        period,
        measure,
        dataset,
        publisher,
        row.get("source_id"),
        row.get("source_release"),
    )


# ==================================================================================================
# Rules
# ==================================================================================================


@dataclass(frozen=True)
class Rule:
    """How one published figure is reconciled.

    kind "compare": `official` gives the official value for the same measure, date and area; the status is
    MATCHES if it agrees with the figure as stated, else `differs_status`; `explain` words the result.
    kind "different": `official` is a similarly named but different measure; `explain` says how.
    kind "none": not reproducible; `reason` names why and `explain` (optional) adds what is specific.
    """

    kind: str
    official: Callable[[Frames], Official] | None = None
    explain: Callable[..., str] | str = ""
    differs_status: str = NOT_ESTABLISHED
    reason: str = ""


def none(reason: str, explain: Callable[[Frames], str] | str = "") -> Rule:
    if reason not in REASONS:
        raise KeyError(f"unknown reason {reason!r}")
    return Rule(kind="none", reason=reason, explain=explain)


def _day(value: date) -> str:
    return text.day(value)


# --- children looked after and placed away --------------------------------------------------------


def _cla_2011(f: Frames) -> Official:
    row = f.national("placements_at_31_march", APPG_REPORT_YEAR, "children_looked_after")
    return official(
        row,
        "value",
        "placements_at_31_march",
        DFE,
        unit="count",
        period="31 March 2011",
        measure="children looked after in England",
    )


def _cla_rule(undated: bool, companion: str = "") -> Rule:
    def explain(f: Frames, o: Official, matches: bool) -> str:
        lead = (
            "The document gives no date; compared with DfE's count at 31 March 2011, the year the APPG report gives "
            "for the same figure (para 47). "
            if undated
            else ""
        )
        if matches:
            return f"{lead}DfE's count of children looked after at 31 March 2011 is {o.display}."
        also = f" The same report elsewhere says '{f.stated(companion)}'." if companion else ""
        return (
            f"{lead}DfE's count of children looked after at 31 March 2011 is {o.display}; the document gives a "
            f"round figure.{also}"
        )

    return Rule(kind="compare", official=_cla_2011, explain=explain, differs_status=EXPLAINED)


def _outside_2011(f: Frames) -> Official:
    row = f.national("placements_at_31_march", APPG_REPORT_YEAR, "placed_outside_la_boundary")
    return official(
        row,
        "value",
        "placements_at_31_march",
        DFE,
        unit="count",
        period="31 March 2011",
        measure="children looked after placed outside their council's boundary",
    )


def _outside_explain(f: Frames, o: Official, matches: bool) -> str:
    if matches:
        return f"DfE's count at 31 March 2011 is {o.display}."
    return (
        "The APPG cites DfE's Children's Homes in England Data Pack (March 2012), s.13, which is not among the "
        f"sources used here. DfE's statistical first release for 31 March 2011 counts {o.display} children placed "
        f"outside their council's boundary, more than '{f.stated('appg12_037')}'. Nothing held shows how the Data "
        "Pack counted, so the cause of the difference is not established: quote each figure with its own source."
    )


def _third_context(f: Frames) -> str:
    outside = f.national("placements_at_31_march", APPG_REPORT_YEAR, "placed_outside_la_boundary")["value"]
    cla = f.national("placements_at_31_march", APPG_REPORT_YEAR, "children_looked_after")["value"]
    words = "more than" if outside * 3 > cla else "less than"
    return (
        "'Their local area' is not defined and no date is given. For context only: at 31 March 2011, "
        f"{text.n(outside)} of the {text.n(cla)} children looked after were placed outside their council's "
        f"boundary, {words} a third."
    )


def _change_2012_context(f: Frames) -> str:
    start = f.national("placements_at_31_march", INQUIRY_YEAR, "placed_outside_la_boundary")["value"]
    end = f.national("placements_at_31_march", DEBATE_YEAR, "placed_outside_la_boundary")["value"]
    return (
        "The speech gives neither the series nor the end year, and the APPG's 2019 analysis is not among the "
        f"sources used here. For context only: DfE counted {text.n(start)} children placed outside their council's "
        f"boundary at 31 March 2012 and {text.n(end)} at 31 March 2019. Up to 2014 some children were in neither "
        "DfE's inside nor its outside count, so the change between the two is not exact, and it may not be the "
        "measure the APPG used."
    )


def _councils_outside_context(f: Frames) -> str:
    frame = f.placements_at_31_march.filter(
        pl.col("geographic_level") == "Local authority",
        pl.col("time_period") == DEBATE_YEAR,
        pl.col("measure") == "placed_outside_la_boundary",
        pl.col("value").is_not_null(),
    )
    placing = frame.filter(pl.col("value") > 0).height
    if placing == frame.height:
        words = "every council with a published figure"
    elif placing >= 0.95 * frame.height:
        words = "nearly every council with a published figure"
    else:
        words = (
            "most councils with a published figure"
            if placing * 2 > frame.height
            else "a minority of councils"
        )
    return (
        "'Place children outside their area' is not defined in the speech. For context only: in DfE's figures for "
        f"31 March 2019, {words} had at least one child placed outside its boundary, so the 80% is not that measure."
    )


def _distance_context(f: Frames) -> str:
    first = f.placements_at_31_march.filter(
        pl.col("measure") == "placed_over_20_miles", pl.col("value").is_not_null()
    )["time_period"].min()
    return (
        f"DfE's figures on distance from home start at 31 March {first} in the tables used here; the APPG cites "
        "DfE's Children's Homes Data Pack (March 2012), s.13."
    )


# --- children in children's homes ---------------------------------------------------------------


def _homes_share_context(f: Frames) -> str:
    outside = f.childrens_homes_placements.filter(
        pl.col("geographic_level") == "National",
        pl.col("definition") == REGULATED_HOMES,
        pl.col("measure") == "childrens_home_placements_outside_la_boundary",
        pl.col("share_of_total_percent").is_not_null(),
    ).sort("time_period")
    first, last = outside.row(0, named=True), outside.row(-1, named=True)
    sfr_2012 = f.national(
        "childrens_homes_placements", INQUIRY_YEAR, "childrens_home_placements", definition=SFR_HOMES
    )
    return (
        "The document does not state the period the figure covers (the APPG attributes it to the House of Commons "
        "Library, 2012). DfE's statistical first releases count children in 'secure units, children's homes and "
        f"hostels' ({text.n(sfr_2012['value'])} at 31 March 2012) without saying whether they were placed inside or "
        f"outside their council's boundary. In the DfE files used here that split starts at 31 March "
        f"{first['time_period']}, for children's homes subject to the Children's Homes Regulations: "
        f"{text.pct(first['share_of_total_percent'])} placed outside at 31 March {first['time_period']} and "
        f"{text.pct(last['share_of_total_percent'])} at 31 March {last['time_period']}. Sources and definitions "
        "differ, so the change from 46% is not a like-for-like trend."
    )


def _homes_children_context(f: Frames) -> str:
    sfr_2011 = f.national(
        "childrens_homes_placements", APPG_REPORT_YEAR, "childrens_home_placements", definition=SFR_HOMES
    )
    first = f.childrens_homes_placements.filter(pl.col("definition") == REGULATED_HOMES)["time_period"].min()
    return (
        "The document cites DfE's Children's Homes Data Pack and gives no date. DfE's 2011 tables count children in "
        f"'secure units, children's homes and hostels' together ({text.n(sfr_2011['value'])} at 31 March 2011), a "
        "wider group than children's homes. In the DfE files used here, the count of children in children's homes "
        f"alone starts at 31 March {first}."
    )


# --- missing --------------------------------------------------------------------------------------


def _missing_at_31_march_2011(f: Frames) -> Official:
    row = f.national("missing_over_24_hours", APPG_REPORT_YEAR, "children_missing_over_24_hours_at_31_march")
    return official(
        row,
        "value",
        "missing_over_24_hours",
        DFE,
        unit="count",
        period="31 March 2011",
        measure="children missing from their placement for more than 24 hours on 31 March",
    )


def _missing_different(f: Frames, o: Official) -> str:
    return (
        "Different measures. The 930 counts children who went missing from their placement for more than 24 hours "
        "at any time in the year ending 31 March 2011; that count is not in the tables used here. DfE's statistical "
        "first release for 2011 gives only the children missing for more than 24 hours on 31 March itself: "
        f"{o.display}. Do not compare or subtract the two."
    )


def _missing_by_type_context(f: Frames) -> str:
    first = f.missing_incidents_by_placement.filter(pl.col("breakdown") == "placement_type")[
        "time_period"
    ].min()
    return (
        "In the DfE files used here, missing incidents by placement type start with the year ending 31 March "
        f"{first}, and the speech gives no end year, so a rise 'since 2015' cannot be recomputed. DfE's placement "
        "groups also changed in its 2024 release."
    )


# --- Ofsted lists ---------------------------------------------------------------------------------


def no_list_context(f: Frames, what: str = "") -> str:
    first = f.first_list()
    day = _day(first["snapshot_date"])
    words = f"No Ofsted list of children's homes before {day} is held, so figures for earlier dates can only be cited."
    if what == "ownership":
        council = f.area(first["snapshot_date"], "Local authority")
        private = f.area(first["snapshot_date"], "Private")
        voluntary = f.area(first["snapshot_date"], "Voluntary")
        words += (
            f" For context only, the earliest list held ({day}) has {text.n(first['homes'])} homes: "
            f"{text.n(council['homes'])} ({text.pct(council['share_of_area_homes_pct'])}) run by councils, "
            f"{text.n(private['homes'])} ({text.pct(private['share_of_area_homes_pct'])}) private and "
            f"{text.n(voluntary['homes'])} ({text.pct(voluntary['share_of_area_homes_pct'])}) voluntary."
        )
    elif what == "regions":
        north_west = f.area(first["snapshot_date"], level="Regional", region="North West")
        london = f.area(first["snapshot_date"], level="Regional", region="London")
        words += (
            f" For context only, in the earliest list held ({day}) {text.pct(north_west['share_of_england_homes_pct'])} "
            f"of homes were in the North West and {text.pct(london['share_of_england_homes_pct'])} in London."
        )
    return words


def _sector_share_2019(sector: str) -> Callable[[Frames], Official]:
    def read(f: Frames) -> Official:
        day = DEBATE_DAY
        part, whole = f.area(day, sector), f.area(day)
        share = text.share(part["homes"], whole["homes"])  # from the counts, unrounded
        words = {"Private": "run by private companies", "Local authority": "run by councils"}[sector]
        return Official(
            share,
            text.pct(share),
            "percent",
            "Ofsted's provider-level list for 31 March 2019",
            f"share of children's homes {words}",
            "childrens_homes_by_area",
            OFSTED,
            part["source_id"],
            part["source_release"],
        )

    return read


def _ownership_2019_explain(f: Frames, o: Official, matches: bool) -> str:
    listed = f.rebuilt(DEBATE_DAY, ALL_TYPES)
    lead = (
        "The debate gives no date ('now', October 2019) and does not name its source. Compared with Ofsted's list "
        f"for 31 March 2019, which holds {text.n(listed['homes_in_list'])} homes with a full inspection and leaves out "
        f"the {text.n(listed['homes_registered_not_in_list'])} registered by then with no published full inspection yet"
    )
    if matches:
        return f"{lead}: {o.display}."
    return f"{lead}: {o.display}. The cause of the difference is not established."


def _three_regions_2019(f: Frames) -> Official:
    day = DEBATE_DAY
    england = f.area(day)
    regions = [f.area(day, level="Regional", region=r) for r in THREE_REGIONS]
    homes = sum(r["homes"] for r in regions)
    share = text.share(homes, england["homes"])
    return Official(
        share,
        text.pct(share),
        "percent",
        "Ofsted's provider-level list for 31 March 2019",
        "share of children's homes in the North West, West Midlands and South East",
        "childrens_homes_by_area",
        OFSTED,
        england["source_id"],
        england["source_release"],
    )


def _three_regions_explain(f: Frames, o: Official, matches: bool) -> str:
    day = DEBATE_DAY
    england = f.area(day)
    counts = ", ".join(
        f"{r} {text.n(f.area(day, level='Regional', region=r)['homes'])}" for r in THREE_REGIONS
    )
    words = (
        "The debate gives no date ('remain', October 2019). Ofsted's list for 31 March 2019 holds "
        f"{text.n(england['homes'])} homes ({counts}): {o.display} in the three regions."
    )
    return words if matches else words + " The cause of the difference is not established."


def _councils_running_none_2019(f: Frames) -> Official:
    row = f.one("council_run_homes_by_owner", snapshot_date=DEBATE_DAY, geographic_level="National")
    return official(
        row,
        "councils_running_no_home",
        "council_run_homes_by_owner",
        OFSTED,
        unit="count",
        period="Ofsted's provider-level list for 31 March 2019",
        measure="councils that run no children's home, anywhere",
    )


def _homes(count: int) -> str:
    return "a home" if count == 1 else f"{text.n(count)} homes"


def _councils_running_none_explain(f: Frames, o: Official, matches: bool) -> str:
    day = DEBATE_DAY
    row = f.one("council_run_homes_by_owner", snapshot_date=day, geographic_level="National")
    elsewhere = f.council_run_homes_by_owner.filter(
        pl.col("snapshot_date") == day,
        pl.col("geographic_level") == "Local authority",
        pl.col("no_council_run_home_located"),
        ~pl.col("runs_no_home"),
    )
    runners = "; ".join(
        f"{r['la_name']} runs {_homes(r['homes_run_elsewhere'])} located in {r['homes_run_elsewhere_located_in']} and "
        "none in its own area"
        for r in elsewhere.iter_rows(named=True)
    )
    rebuilt = f.rebuilt(day, ALL_TYPES, "Local authority")
    same = row["councils_running_no_home_counting_not_in_list"] == row["councils_running_no_home"]
    words = (
        "The debate does not give Ofsted's date. Ofsted's owner names in its list for 31 March 2019 show "
        f"{text.n(row['councils_running_no_home'])} of the {text.n(row['councils'])} councils running no children's "
        "home anywhere. The site's other chapters count something else: councils with no council-run home located "
        f"in their area, {text.n(row['councils_without_council_run_home_located'])} on the same list ({runners}). "
        f"The list holds {text.n(rebuilt['homes_in_list'])} council-run homes; with the "
        f"{text.n(rebuilt['homes_registered_not_in_list'])} registered by then with no published full inspection yet they make "
        f"{text.n(rebuilt['homes_rebuilt'])}"
    )
    if rebuilt["published_homes"] is not None and rebuilt["published_homes"] == rebuilt["homes_rebuilt"]:
        words += ", Ofsted's published figure for 31 March 2019"
    words += "."
    if same:
        words += " Those homes are run by councils that also run homes in the list, so the count of councils is the same."
    if not matches:
        words += " The cause of the remaining difference is not established."
    return words


def _one_third_2019(f: Frames) -> Official:
    row = f.one("council_run_homes_by_owner", snapshot_date=DEBATE_DAY, geographic_level="National")
    share = row["councils_running_no_home"] / row["councils"]
    return Official(
        share,
        f"{text.n(row['councils_running_no_home'])} of {text.n(row['councils'])} councils",
        "fraction",
        "Ofsted's provider-level list for 31 March 2019",
        "councils that run no children's home, as a share of all councils",
        "council_run_homes_by_owner",
        OFSTED,
        row["source_id"],
        row["source_release"],
    )


def _one_third_explain(f: Frames, o: Official, matches: bool) -> str:
    words = "just under" if o.value < 1 / 3 else "just over" if o.value > 1 / 3 else "exactly"
    return f"'One third' restates the 47 councils as a share: {o.display} is {words} a third."


# Ofsted's published totals against the lists, rebuilt (homes_rebuilt_totals)

TOTAL_COLUMNS = {
    "homes": ("homes_rebuilt", "published_homes"),
    "places": ("places_rebuilt", "published_places"),
}


def _total(figure_id: str, group: str, sector: str, what: str) -> Callable[[Frames], Official]:
    def read(f: Frames) -> Official:
        day = f.figure_day(figure_id)
        row = f.rebuilt(day, group, sector)
        kind = "complete list" if row["snapshot_kind"] == ofsted.PROVIDERS_PLACES else "provider-level list"
        counted = "places in " if what == "places" else ""
        who = " run by councils" if sector == "Local authority" else ""
        definition = (
            "children's homes other than short-break-only, secure and residential special school homes"
            if group == ORDINARY_HOMES
            else "children's homes of all types"
        )
        period = f"Ofsted's {kind} for {_day(day)}" + (
            ", completed from later lists" if kind != "complete list" else ""
        )
        return official(
            row,
            TOTAL_COLUMNS[what][0],
            "homes_rebuilt_totals",
            OFSTED,
            unit="count",
            period=period,
            measure=f"{counted}{definition}{who} registered on that date",
        )

    return read


def _total_explain(
    figure_id: str, group: str, sector: str, what: str
) -> Callable[[Frames, Official, bool], str]:
    def explain(f: Frames, o: Official, matches: bool) -> str:
        day = f.figure_day(figure_id)
        row = f.rebuilt(day, group, sector)
        places = what == "places"
        homes_word = "council-run homes" if sector == "Local authority" else "homes"
        things = "places" if places else homes_word
        count = "places_in_list" if places else "homes_in_list"
        difference = row["rebuilt_minus_published_places" if places else "rebuilt_minus_published_homes"]
        if row["snapshot_kind"] == ofsted.PROVIDERS_PLACES:
            if matches:
                return f"Ofsted's complete list for {_day(day)} holds the same number of {things}."
            return (
                f"Ofsted's complete list for {_day(day)} holds {o.display} {things}. The cause of the difference is "
                "not established."
            )
        words = []
        if group == ORDINARY_HOMES:
            everything = f.rebuilt(day, ALL_TYPES, sector)
            others = [f.rebuilt(day, g, sector) for g in OTHER_GROUPS]
            inside = " in" if places else ""
            parts = [f"{text.n(r[count])}{inside} {OTHER_GROUP_WORDS[r['homes_group']]}" for r in others]
            words.append(
                "Ofsted's 2023 headline counts children's homes other than short-break-only homes, secure children's "
                "homes and residential special schools registered as children's homes, and counts every registered "
                f"home. Ofsted's list for {_day(day)} holds the homes with a full inspection, of all three types: "
                f"{text.n(everything[count])} {things}, of which {', '.join(parts[:-1])} and {parts[-1]}, leaving "
                f"{text.n(row[count])} on Ofsted's definition."
            )
        else:
            words.append(
                f"Ofsted's total counts every registered home of all three types. Ofsted's list for {_day(day)} "
                f"holds only the homes with a full inspection: {text.n(row[count])} {things}."
            )
        added = (
            f"{text.n(row['places_registered_not_in_list'])} more places, in "
            f"{text.n(row['homes_registered_not_in_list'])} homes"
            if places
            else f"{text.n(row['homes_registered_not_in_list'])} more {homes_word}"
        )
        ending = (
            ", Ofsted's figure."
            if matches
            else f", {text.n(abs(difference))} {'fewer' if difference < 0 else 'more'} than Ofsted's figure."
        )
        words.append(
            f"Later lists hold {added} registered by {_day(day)} but not in that list (no published full inspection yet); together "
            f"they make {o.display}{ending}"
        )
        if not matches:
            changed = " Places can also change from one list to the next." if places else ""
            words.append(
                f"Homes registered by {_day(day)} that closed before the next list held are in neither list, so the "
                f"remaining difference cannot be traced home by home.{changed}"
            )
        if group == ORDINARY_HOMES and not places:
            everything = f.rebuilt(day, ALL_TYPES, sector)
            words.append(
                f"The list's own {text.n(everything['homes_in_list'])} homes are close to Ofsted's "
                f"{text.n(row['published_homes'])} only because two differences of opposite sign nearly cancel: "
                "homes of other types that Ofsted's headline leaves out, and homes with no published inspection yet that the list "
                "leaves out."
            )
        return " ".join(words)

    return explain


OTHER_GROUPS = [
    "Children's home (short-break-only)",
    ofsted.SECURE_CHILDRENS_HOME,
    ofsted.RSS_CHILDRENS_HOME,
]
OTHER_GROUP_WORDS = {
    "Children's home (short-break-only)": "short-break-only homes",
    ofsted.SECURE_CHILDRENS_HOME: "secure children's homes",
    ofsted.RSS_CHILDRENS_HOME: "residential special schools",
}


def _total_rule(figure_id: str, group: str, sector: str, what: str = "homes") -> Rule:
    return Rule(
        kind="compare",
        official=_total(figure_id, group, sector, what),
        explain=_total_explain(figure_id, group, sector, what),
        differs_status=EXPLAINED,
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
    Rule(kind="different", official=_missing_at_31_march_2011, explain=_missing_different),
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
        "DfE publishes no count of children who went missing by type of placement in the tables used here (only "
        "incidents), and 'unregulated provision' is not one of its categories.",
    ),
)

# Children looked after and placed away
_add("appg12_003", _cla_rule(undated=True))
_add("appg12_036", _cla_rule(undated=False, companion="appg12_003"))
_add("lga12_001", _cla_rule(undated=True))
_add("news12_001", _cla_rule(undated=True))
_add("appg12_037", Rule(kind="compare", official=_outside_2011, explain=_outside_explain))
_add("appg12_038", none("not_published", _distance_context))
_add("appg12_089", none("definition", _third_context))
_add("deb19_006", none("definition", _change_2012_context))
_add("deb19_015", none("definition", _councils_outside_context))
_add(
    "appg12_009 appg12_040",
    none(
        "definition",
        lambda f: (
            "The council is not named, and the report's condition (it ran at least one children's home in its area) "
            f"needs an Ofsted list for 2011. {no_list_context(f)}"
        ),
    ),
)
_add(
    "appg12_039",
    none(
        "not_published",
        "DfE publishes no figures on spare places in councils' own homes in the tables used here.",
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
        "Oral evidence citing DfE data on children's home residents (age on entry, length of stay); those figures "
        "are not in the tables used here.",
    ),
)
_add(
    "lga12_004",
    none(
        "not_published",
        "The paper cites no source and gives no date; DfE's figures on children's home residents' previous "
        "placements are not in the tables used here.",
    ),
)

# Homes, ownership and location
_add("appg12_005 appg12_010 appg12_011 appg12_013 lga12_003 ofsted14_001", none("no_list", no_list_context))
_add(
    "appg12_012 appg12_014 appg12_042 appg12_043 lga12_006 deb19_004 deb19_005",
    none("no_list", lambda f: no_list_context(f, "ownership")),
)
_add("deb19_001 deb19_002 deb19_003", none("no_list", lambda f: no_list_context(f, "regions")))
_add(
    "appg12_044 appg12_045 appg12_046 appg12_047 appg12_048 appg12_049 lga12_007",
    none(
        "no_list",
        lambda f: (
            "The figure describes the homes registered when DfE's Data Pack (March 2012) was compiled, or is undated. "
            f"{no_list_context(f)}"
        ),
    ),
)
_add("deb19_009 deb19_011", none("no_base"))
_add(
    "deb19_008", Rule(kind="compare", official=_sector_share_2019("Private"), explain=_ownership_2019_explain)
)
_add(
    "deb19_010",
    Rule(kind="compare", official=_sector_share_2019("Local authority"), explain=_ownership_2019_explain),
)
_add("deb19_014", Rule(kind="compare", official=_three_regions_2019, explain=_three_regions_explain))
_add(
    "deb19_012",
    Rule(kind="compare", official=_councils_running_none_2019, explain=_councils_running_none_explain),
)
_add(
    "deb19_013",
    Rule(kind="compare", official=_one_third_2019, explain=_one_third_explain, differs_status=EXPLAINED),
)

# Ofsted's published totals
# (each compared at the date the figure is for: its period_end_date in published_figures)
for _figure_id, _group, _sector, _what in [
    ("ofsted18_001", ALL_TYPES, ALL_SECTORS, "homes"),
    ("ofsted18_002", ALL_TYPES, "Local authority", "homes"),
    ("ofsted18_003", ALL_TYPES, ALL_SECTORS, "homes"),
    ("ofsted18_004", ALL_TYPES, "Local authority", "homes"),
    ("ofsted19_001", ALL_TYPES, ALL_SECTORS, "homes"),
    ("ofsted19_002", ALL_TYPES, "Local authority", "homes"),
    ("ofsted23_001", ORDINARY_HOMES, ALL_SECTORS, "homes"),
    ("ofsted23_002", ORDINARY_HOMES, ALL_SECTORS, "places"),
]:
    _add(_figure_id, _total_rule(_figure_id, _group, _sector, _what))

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
    none("not_published", "'Unregulated accommodation' is not a category in the DfE tables used here."),
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


def agrees(published: float, qualifier: str | None, value: float, unit: str) -> bool:
    """Is `value` what the document's wording allows ('just over 65,000', 'some 75%', '2,209')?"""
    qualifier = qualifier or ""
    if unit == "fraction":
        return math.isclose(value, published, abs_tol=1e-9)
    step = step_of(published, unit)
    if qualifier in ABOVE:
        return value > published and (qualifier != "just over" or value < published + step)
    if qualifier in BELOW:
        return published - step <= value < published
    if qualifier in CLOSE:
        return abs(value - published) < step
    if qualifier:
        raise ReconciliationError(f"qualifier {qualifier!r} cannot be compared")
    if unit == "percent":
        decimals = 0 if float(published).is_integer() else len(repr(float(published)).split(".")[1])
        return math.isclose(round(value, decimals), published)
    return math.isclose(value, published)


def difference_display(difference: float | None, unit: str) -> str | None:
    if difference is None:
        return None
    if unit == "percent":
        return f"{difference:+.1f} percentage points".replace("-", "−")
    if difference == 0:
        return "0"
    return f"{difference:+,.0f}".replace("-", "−")


def _text(value: Callable[..., str] | str, *args: Any) -> str:
    return value(*args) if callable(value) else value


def reconcile(figure: dict[str, Any], frames: Frames) -> dict[str, Any]:
    """One published figure beside the official value: status, difference and explanation."""
    figure_id = figure["figure_id"]
    if figure_id not in RULES:
        raise UnclassifiedFigure(
            f"published figure {figure_id} ({figure['measure']}) has no rule in "
            "analysis/datasets/published_figures_reconciled.py"
        )
    rule = RULES[figure_id]
    qualifier = figure["value_qualifier"]
    stated = figure["value_as_stated"]
    if qualifier and not stated.lower().startswith(qualifier.lower()):
        stated = f"{qualifier} {stated}"
    result: dict[str, Any] = {
        "figure_id": figure_id,
        "document_id": figure["document_id"],
        "document_title": figure["document_title"],
        "document_date": figure["document_date"],
        "document_type": figure["document_type"],
        "figure_as_stated": stated,
        "published_value": figure["value"],
        "unit": figure["unit"],
        "value_qualifier": qualifier,
        "period_stated": figure["period"],
        "geography": figure["geography"],
        "locator": figure["locator"],
        "citation": figure["citation"],
        "quote": figure["quote"],
        "original_source_cited": figure["original_source_cited"],
        "reason": REASONS.get(rule.reason) if rule.kind == "none" else None,
    }
    if rule.kind == "none":
        extra = _text(rule.explain, frames)
        return result | {"status": NOT_REPRODUCIBLE, "explanation": extra or None}
    found = rule.official(frames)
    result |= {
        "official_value": found.value,
        "official_display": found.display,
        "official_period": found.period,
        "official_measure": found.measure,
        "official_dataset": found.dataset,
        "official_publisher": found.publisher,
        "source_id": found.source_id,
        "source_release": found.source_release,
    }
    if rule.kind == "different":
        return result | {"status": DIFFERENT, "explanation": _text(rule.explain, frames, found)}
    if rule.kind != "compare":
        raise ValueError(f"unknown rule kind {rule.kind!r}")
    unit = figure["unit"]
    if unit not in ("count", "places", "percent", "fraction"):
        raise ReconciliationError(f"{figure_id}: unit {unit!r} cannot be compared")
    if found.unit != unit and not (found.unit == "count" and unit == "places"):
        raise ReconciliationError(f"{figure_id}: official unit {found.unit} against stated {unit}")
    matches = agrees(figure["value"], qualifier, found.value, unit)
    difference = (
        None if unit == "fraction" else round(found.value - figure["value"], 1 if unit == "percent" else 0)
    )
    return result | {
        "difference": difference,
        "difference_display": difference_display(difference, unit),
        "status": MATCHES if matches else rule.differs_status,
        "explanation": _text(rule.explain, frames, found, matches),
    }


def check_published_totals_covered(table: pl.DataFrame, totals: pl.DataFrame) -> None:
    """Every Ofsted published total (data/reference/ofsted_published_totals.csv) is a reconciled figure."""
    missing = sorted(set(totals["figure_id"].to_list()) - set(table["figure_id"].to_list()))
    if missing:
        raise ReconciliationError(f"published totals whose figure is not reconciled: {missing}")
    for total in totals.iter_rows(named=True):
        row = table.filter(pl.col("figure_id") == total["figure_id"]).row(0, named=True)
        if not math.isclose(row["published_value"], float(total["value"])):
            raise ReconciliationError(
                f"{total['figure_id']}: published total {total['value']} but the figure states {row['published_value']}"
            )


SCHEMA: dict[str, pl.DataType] = {
    "figure_id": pl.Utf8,
    "document_id": pl.Utf8,
    "document_title": pl.Utf8,
    "document_date": pl.Utf8,
    "document_type": pl.Utf8,
    "figure_as_stated": pl.Utf8,
    "published_value": pl.Float64,
    "unit": pl.Utf8,
    "value_qualifier": pl.Utf8,
    "period_stated": pl.Utf8,
    "geography": pl.Utf8,
    "locator": pl.Utf8,
    "citation": pl.Utf8,
    "quote": pl.Utf8,
    "original_source_cited": pl.Utf8,
    "status": pl.Utf8,
    "reason": pl.Utf8,
    "explanation": pl.Utf8,
    "official_value": pl.Float64,
    "official_display": pl.Utf8,
    "official_period": pl.Utf8,
    "official_measure": pl.Utf8,
    "official_dataset": pl.Utf8,
    "official_publisher": pl.Utf8,
    "difference": pl.Float64,
    "difference_display": pl.Utf8,
    "source_id": pl.Utf8,
    "source_release": pl.Utf8,
}


def build(
    source_files: SourceFiles | None,
    published_figures: pl.DataFrame,
    placements_at_31_march: pl.DataFrame,
    missing_over_24_hours: pl.DataFrame,
    missing_incidents_by_placement: pl.DataFrame,
    childrens_homes_placements: pl.DataFrame,
    childrens_homes_by_area: pl.DataFrame,
    homes_rebuilt_totals: pl.DataFrame,
    council_run_homes_by_owner: pl.DataFrame,
) -> pl.DataFrame:
    frames = Frames(
        published_figures,
        placements_at_31_march,
        missing_over_24_hours,
        missing_incidents_by_placement,
        childrens_homes_placements,
        childrens_homes_by_area,
        homes_rebuilt_totals,
        council_run_homes_by_owner,
    )
    rows = [reconcile(figure, frames) for figure in published_figures.iter_rows(named=True)]
    table = pl.DataFrame([{c: r.get(c) for c in SCHEMA} for r in rows], schema=SCHEMA)
    from analysis.datasets.homes_reconciliation import read_published_totals

    check_published_totals_covered(table, read_published_totals())
    return table


def build_summary(
    source_files: SourceFiles | None, published_figures_reconciled: pl.DataFrame
) -> pl.DataFrame:
    frame = published_figures_reconciled
    documents = frame.select("document_id", "document_title", "document_date").unique()
    everything = pl.DataFrame(
        {"document_id": ["all"], "document_title": ["All documents"], "document_date": [None]},
        schema={"document_id": pl.Utf8, "document_title": pl.Utf8, "document_date": pl.Utf8},
    )
    grid = pl.concat([documents, everything]).join(pl.DataFrame({"status": STATUSES}), how="cross")
    counts = pl.concat(
        [
            frame.group_by("document_id", "status").len(),
            frame.group_by("status").len().with_columns(pl.lit("all").alias("document_id")),
        ],
        how="diagonal",
    )
    order = {s: i for i, s in enumerate(STATUSES)}
    out = (
        grid.join(counts, on=["document_id", "status"], how="left")
        .with_columns(
            pl.col("len").fill_null(0).cast(pl.Int64).alias("figures")
        )  # no figure has the status: 0
        .drop("len")
        .with_columns(pl.col("figures").sum().over("document_id").alias("document_figures"))
        .sort(
            pl.col("document_id") == "all",
            "document_date",
            "document_id",
            pl.col("status").replace_strict(order, return_dtype=pl.Int64),
        )
    )
    return out.select(
        "document_id", "document_title", "document_date", "status", "figures", "document_figures"
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Rows by kind, for the rules in expectations/published_figures_reconciled.json."""
    compared = frame.filter(pl.col("status").is_in(list(COMPARED)), pl.col("unit") != "fraction")
    return {
        "compared": compared.with_columns(
            (pl.col("official_value") - pl.col("published_value") - pl.col("difference"))
            .abs()
            .alias("difference_error")
        ),
        "with_official_value": frame.filter(pl.col("status") != NOT_REPRODUCIBLE),
        "not_reproducible": frame.filter(pl.col("status") == NOT_REPRODUCIBLE),
        "different_measure": frame.filter(pl.col("status") == DIFFERENT),
    }


def summary_views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    by_document = (
        frame.filter(pl.col("document_id") != "all")
        .group_by("status")
        .agg(pl.col("figures").sum().alias("documents_sum"))
        .join(frame.filter(pl.col("document_id") == "all").select("status", "figures"), on="status")
        .with_columns((pl.col("documents_sum") - pl.col("figures")).alias("difference"))
    )
    return {"documents_vs_all": by_document}


COLUMNS = {
    "figure_id": "Reference of the figure in published_figures.",
    "document_id": "The document stating the figure (published_figures, data/reference/cited_documents.csv).",
    "document_title": "Title of the document.",
    "document_date": "Date of the document (ISO, to the precision known).",
    "document_type": "inquiry report, government response, local government response, debate, news or official "
    "statistics.",
    "figure_as_stated": "The figure as the document words it, with its qualifier ('just over 65,000').",
    "published_value": "The figure as a number, in the document's unit (published_figures.value).",
    "unit": "Unit of published_value (published_figures.unit).",
    "value_qualifier": "How the document qualifies the figure ('nearly', 'over'); empty when stated plainly.",
    "period_stated": "The period or date as the document states it.",
    "geography": "The area the figure covers, as stated.",
    "locator": "Where in the document: paragraph, footnote, section or speaker.",
    "citation": "Ready-to-use citation of the figure.",
    "quote": "The sentence containing the figure, verbatim (empty where no text of the publication is quoted).",
    "original_source_cited": "The source the document itself cites for the figure, if any.",
    "status": "matches; differs: explained; differs: cause not established; different measure; or not reproducible "
    "from official data.",
    "reason": "For figures not reproducible from official data: why, in a few words (police figures, costs, before "
    "the first Ofsted list held, ...).",
    "explanation": "Why the status: what the official data says and why it differs, or what makes the figure "
    "impossible to reproduce (empty where the reason says it all).",
    "official_value": "The official value set beside the figure: for the same measure, date and area (statuses "
    "matches and differs), or the similarly named measure it must not be confused with (different measure). "
    "Percentages in per cent; a fraction for a figure stated as a fraction.",
    "official_display": "official_value as shown on the page ('65,520', '18.4%', '47 of 152 councils').",
    "official_period": "The date or list the official value is for.",
    "official_measure": "What the official value counts, in words.",
    "official_dataset": "The published dataset holding the official value.",
    "official_publisher": "Department for Education or Ofsted.",
    "difference": "official_value minus published_value: in children, homes or places for counts, in percentage points "
    "for percentages; empty where the two are not comparable.",
    "difference_display": "difference as shown on the page.",
    "source_id": "The source of the official value (data/sources.csv).",
    "source_release": "Release of that source.",
}

SUMMARY_COLUMNS = {
    "document_id": "The document (published_figures), or 'all' for every document together.",
    "document_title": "Title of the document.",
    "document_date": "Date of the document (ISO, to the precision known).",
    "status": "A status of published_figures_reconciled.",
    "figures": "How many of the document's figures have that status.",
    "document_figures": "How many figures the document states in all.",
}

NEEDS = [
    "published_figures",
    "placements_at_31_march",
    "missing_over_24_hours",
    "missing_incidents_by_placement",
    "childrens_homes_placements",
    "childrens_homes_by_area",
    "homes_rebuilt_totals",
    "council_run_homes_by_owner",
]

DATASETS = [
    Dataset(
        name=NAME,
        title="Published figures checked against the official data: every figure in the 2012 and 2019 documents",
        description=(
            "Every figure in published_figures (the 2012 APPG report and responses, the 2012 news report, the 2019 "
            "Westminster Hall debate, and Ofsted's headline totals of children's homes) beside the official value "
            "for the same measure, date and area where the data holds one: the difference, a status (matches; "
            "differs: explained; differs: cause not established; different measure; not reproducible from official "
            "data) and an explanation."
        ),
        families=[],
        build=build,
        key=["figure_id"],
        columns=COLUMNS,
        needs=NEEDS,
        views=views,
        reference_files=["ofsted_published_totals.csv"],
    ),
    Dataset(
        name=SUMMARY_NAME,
        title="Published figures checked against the official data: how many figures of each document have each status",
        description="Counts of published_figures_reconciled by document and status.",
        families=[],
        build=build_summary,
        key=["document_id", "status"],
        columns=SUMMARY_COLUMNS,
        needs=[NAME],
        views=summary_views,
    ),
]
