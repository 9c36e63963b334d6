"""The landing page: why the site exists, the headline numbers and what is new.

Every number here is read from the published data (data/tidy, data/reference) when the page is built;
nothing is typed by hand. Each headline says what it counts, its period and its source, and links to the
chapter that explains it:

    from analysis.stories import headlines
    headlines.why_block()                  # the 2012 "statistical fog", quoted with citations
    headlines.cards_block("placements")    # cards for one group: placements, homes, missing
    headlines.whats_new()                  # the latest entries of data/changelog.csv

Selection rules (tested in tests/test_story_reconciliation.py):

- "latest" is the largest time_period of the national rows of the measure; a headline that matches no
  row, or more than one, is an error.
- Children's homes by ownership come from the latest *complete* Ofsted list (snapshot_kind
  "providers_and_places": every registered home), never from a provider-level list, which leaves out
  homes without a full inspection.
- The share of children in children's homes placed outside their council's boundary is DERIVED from
  DfE's two published counts (outside / (inside + outside)); the card says so.
- The 2012 share (46%) is a published figure from the seed documents, shown with its citation and the
  words the document uses; the period it covers is not stated there, and the card says that too.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from analysis import data, site

DFE_PLACEMENTS = "placements_at_31_march"
DFE_HOMES_PLACEMENTS = "childrens_homes_placements"
OFSTED_BY_AREA = "childrens_homes_by_area"
DFE_MISSING = "missing_from_care"
REGULATED_HOMES = "Children's homes (subject to Children's Homes Regulations)"
ALL_HOMES = "All children's homes"
COMPLETE_LIST = "providers_and_places"
YEAR_OF_APPG_INQUIRY = 2012  # the inquiry reported in June 2012 (data/reference/cited_documents.csv)

# Published figures quoted on the landing page (data/tidy/published_figures.csv figure_id).
FIGURE_FOREWORD = "appg12_001"  # 10,000 (police estimate) vs 930 (DfE), Foreword paragraph 4
FIGURE_FOREWORD_DFE = "appg12_002"  # the 930 itself (DfE, children missing for more than 24 hours)
FIGURE_HOST_COUNCILS = "appg12_069"  # 36% of councils could not say ... (para 105)
FIGURE_OWN_CHILDREN = "appg12_070"  # 19% ... (para 105)
FIGURE_46_PERCENT = "appg12_008"  # 46% of children in children's homes "placed many miles from home"

# Quotations with no number in them, from the seed texts (checked verbatim against ../shared/seeds by
# the tests). Each is (document_id, locator, text).
QUOTES: dict[str, tuple[str, str, str]] = {
    "do_not_know": (
        "appg_2012_missing_from_care",
        "Foreword, paragraph 3",
        "we do not know for sure how many children go missing from care, where they go missing or what "
        "happens to them when they are gone.",
    ),
    "statistical_fog": (
        "appg_2012_missing_from_care",
        "para 84",
        "David Simmonds, Deputy Leader of the London Borough of Hillingdon and Chair of the Local Government "
        "Association's Children and Young People Board described 'the statistical fog which surrounds this "
        "issue'",
    ),
    "no_coherent_set": (
        "dfe_2012_urgent_reforms",
        "section 'Create a clear picture of children missing from care'",
        "Ministers are alarmed that there is no coherent set of figures for the number of children that go "
        "missing from care, which prevents children at risk being properly identified",
    ),
}


class HeadlineError(ValueError):
    """A headline could not be read unambiguously from the published data."""


# --------------------------------------------------------------------------------------------------
# Small readers
# --------------------------------------------------------------------------------------------------


def _one(frame: pl.DataFrame, what: str) -> dict[str, Any]:
    if frame.height != 1:
        raise HeadlineError(f"{what}: {frame.height} rows match, not 1")
    return frame.row(0, named=True)


def national(dataset: str, **filters: Any) -> pl.DataFrame:
    """National rows of a published dataset, filtered by column == value (None: the column is empty)."""
    frame = data.load(dataset).filter(pl.col("geographic_level") == "National")
    for column, wanted in filters.items():
        if column not in frame.columns:
            raise HeadlineError(f"{dataset} has no column {column!r}")
        frame = frame.filter(pl.col(column).is_null() if wanted is None else pl.col(column) == wanted)
    return frame


def latest_year(dataset: str, **filters: Any) -> int:
    """The latest time_period with a national row of `filters` (e.g. measure=...)."""
    frame = national(dataset, **filters).filter(pl.col("value").is_not_null())
    if frame.is_empty():
        raise HeadlineError(f"{dataset}: no national rows with a value for {filters}")
    return int(frame["time_period"].max())


def national_value(dataset: str, year: int, **filters: Any) -> tuple[int, pl.DataFrame]:
    """(value, the one-row frame) of a national count; fails if missing or suppressed."""
    frame = national(dataset, time_period=year, **filters)
    row = _one(frame, f"{dataset} {year} {filters}")
    if row["value"] is None:
        raise HeadlineError(f"{dataset} {year} {filters}: no value ({row.get('value_note')})")
    return int(row["value"]), frame


def published_figures() -> dict[str, dict[str, str]]:
    """data/tidy/published_figures.csv as figure_id -> row (text cells, as published)."""
    path = data.data_dir() / "tidy" / "published_figures.csv"
    if not path.exists():
        raise data.DataNotPublished(f"{path} is missing (run `make data`)")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {row["figure_id"]: row for row in csv.DictReader(handle)}


def seed_documents() -> dict[str, dict[str, str]]:
    """data/reference/cited_documents.csv as document_id -> row."""
    path = data.data_dir() / "reference" / "cited_documents.csv"
    if not path.exists():
        raise data.DataNotPublished(f"{path} is missing")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {row["document_id"]: row for row in csv.DictReader(handle)}


def document_citation(document_id: str, locator: str) -> str:
    """The document's how_to_cite text with `locator` filled in (data/reference/cited_documents.csv)."""
    documents = seed_documents()
    if document_id not in documents:
        raise KeyError(f"document {document_id!r} is not in data/reference/cited_documents.csv")
    return documents[document_id]["how_to_cite"].replace("{locator}", locator)


def percent(part: float, whole: float) -> float:
    """part / whole x 100, to one decimal place (the precision every derived share on this site uses)."""
    if not whole:
        raise HeadlineError("share of zero")
    return round(100 * part / whole, 1)


def fmt_count(value: float) -> str:
    return f"{value:,.0f}"


def fmt_percent(value: float) -> str:
    return f"{value:.1f}%"


# --------------------------------------------------------------------------------------------------
# Headline figures
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One headline: the number, what it counts, its period, source and chapter.

    `value` is the number itself (for tests and prose); `display` is how the card shows it. `derived`
    says how a derived number was computed (empty for a published number).
    """

    key: str
    group: str  # placements, homes or missing
    value: float
    display: str
    label: str
    period: str
    source: str
    chapter: str
    chapter_title: str
    derived: str = ""
    dataset: str = ""
    year: int | None = None
    snapshot: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def headline(self) -> site.Headline:
        source = f"{self.derived} {self.source}".strip() if self.derived else self.source
        return site.Headline(
            value=self.display,
            label=self.label,
            period=self.period,
            source=source,
            chapter=self.chapter,
            chapter_title=self.chapter_title,
        )


def placed_outside(year: int | str = "latest") -> Figure:
    """Children placed outside their council's boundary at 31 March (England), with their share of all
    children looked after that day (derived)."""
    measure = "placed_outside_la_boundary"
    year = latest_year(DFE_PLACEMENTS, measure=measure) if year == "latest" else int(year)
    outside, frame = national_value(DFE_PLACEMENTS, year, measure=measure)
    looked_after, both = national_value(DFE_PLACEMENTS, year, measure="children_looked_after")
    share = percent(outside, looked_after)
    sources = pl.concat([frame, both], how="vertical_relaxed")
    when = "in the year of the APPG inquiry" if year == YEAR_OF_APPG_INQUIRY else "the latest year published"
    return Figure(
        key=f"placed_outside_{year}",
        group="placements",
        value=outside,
        display=fmt_count(outside),
        label=(
            f"children in care placed outside their own council's boundary ({when}): "
            f"{fmt_percent(share)} of the {fmt_count(looked_after)} children in care that day"
        ),
        period=f"at 31 March {year}, England",
        source=data.source_line(sources),
        derived=f"The {fmt_percent(share)} is derived: {fmt_count(outside)} ÷ {fmt_count(looked_after)}.",
        chapter="out-of-area",
        chapter_title="placed out of area",
        dataset=DFE_PLACEMENTS,
        year=year,
        extra={"looked_after": looked_after, "share": share},
    )


def homes_placed_outside_share(year: int | str = "latest") -> Figure:
    """Share of children in children's homes placed outside their council's boundary (DERIVED from DfE's
    two published counts, children's homes subject to the Children's Homes Regulations)."""
    outside_measure = "childrens_home_placements_outside_la_boundary"
    inside_measure = "childrens_home_placements_inside_la_boundary"
    if year == "latest":
        year = latest_year(DFE_HOMES_PLACEMENTS, measure=outside_measure, definition=REGULATED_HOMES)
    year = int(year)
    outside, out_frame = national_value(
        DFE_HOMES_PLACEMENTS, year, measure=outside_measure, definition=REGULATED_HOMES
    )
    inside, in_frame = national_value(
        DFE_HOMES_PLACEMENTS, year, measure=inside_measure, definition=REGULATED_HOMES
    )
    share = percent(outside, outside + inside)
    published_share = out_frame["share_of_total_percent"][0]
    if published_share is not None and abs(published_share - share) > 0.05:
        raise HeadlineError(
            f"derived share {share} differs from the dataset's share_of_total_percent {published_share}"
        )
    return Figure(
        key=f"homes_outside_share_{year}",
        group="placements",
        value=share,
        display=fmt_percent(share),
        label="of children living in children's homes were placed outside their own council's boundary",
        period=f"at 31 March {year}, England (children's homes subject to the Children's Homes Regulations)",
        source=data.source_line(pl.concat([out_frame, in_frame], how="vertical_relaxed")),
        derived=(
            f"Derived from DfE's two published counts: {fmt_count(outside)} placed outside ÷ "
            f"({fmt_count(outside)} outside + {fmt_count(inside)} inside)."
        ),
        chapter="out-of-area",
        chapter_title="placed out of area",
        dataset=DFE_HOMES_PLACEMENTS,
        year=year,
        extra={"outside": outside, "inside": inside},
    )


def homes_share_stated_in_2012() -> Figure:
    """The 46% of children in children's homes 'placed many miles from home' (APPG, June 2012): a
    published figure, shown with its citation. The document does not state the period it covers."""
    row = published_figures()[FIGURE_46_PERCENT]
    phrase = "placed many miles from home"
    if phrase not in row["quote"]:
        raise HeadlineError(f"{FIGURE_46_PERCENT}: the quote no longer says {phrase!r}")
    document = seed_documents()[row["document_id"]]
    published = document_date_text(document["date"])
    return Figure(
        key="homes_outside_share_stated_2012",
        group="placements",
        value=float(row["value"]),
        display=f"{row['value_as_stated']}",
        label=(
            f"of children in children's homes were “{phrase}”, as the APPG inquiry put it in {published} "
            "(a published figure, not from this site's data)"
        ),
        period=f"stated in {published}; the period it covers is not given",
        source=(
            f"Source: {row['citation']}, citing {row['original_source_cited']}. Not a like-for-like "
            "comparison with the share above: see the reconciliation page."
        ),
        chapter="reconciliation",
        chapter_title="why the two shares are not one series",
        dataset="published_figures",
        extra={"figure_id": FIGURE_46_PERCENT},
    )


def document_date_text(iso: str) -> str:
    """'2012-06' -> 'June 2012'; '2012-07-16' -> '16 July 2012'; '2018' -> '2018'."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        return data.format_date(date(*parts))
    if len(parts) == 2:
        return f"{date(parts[0], parts[1], 1):%B %Y}"
    return str(parts[0])


def latest_complete_ofsted_snapshot() -> date:
    """The date of the latest complete Ofsted list (every registered home) in childrens_homes_by_area."""
    frame = national(
        OFSTED_BY_AREA, snapshot_kind=COMPLETE_LIST, provision_type=ALL_HOMES, sector="All sectors"
    )
    if frame.is_empty():
        raise HeadlineError("no complete Ofsted list in childrens_homes_by_area")
    return frame["snapshot_date"].max()


def _ofsted_row(snapshot: date, sector: str) -> tuple[dict[str, Any], pl.DataFrame]:
    frame = national(
        OFSTED_BY_AREA,
        snapshot_date=snapshot,
        snapshot_kind=COMPLETE_LIST,
        provision_type=ALL_HOMES,
        sector=sector,
    )
    return _one(frame, f"{OFSTED_BY_AREA} {snapshot} {sector}"), frame


def _date_label_note(snapshot: date) -> str:
    """A caution when homes_reconciliation says the list's date label may be wrong."""
    frame = national("homes_reconciliation", snapshot_date=snapshot, snapshot_kind=COMPLETE_LIST)
    words = " ".join(frame["difference_in_words"].drop_nulls().to_list())
    if "date label may be wrong" not in words:
        return ""
    found = re.search(r"the figure reported for (\d{1,2} [A-Z][a-z]+ \d{4})", words)
    reported = f"the total reported for {found.group(1)}" if found else "a total reported for an earlier date"
    return (
        f" Ofsted labels this list {data.format_date(snapshot)}, but the project's source notes record its "
        f"count as {reported}, so the label may be wrong; no published document with that total is held."
    )


def homes_by_ownership() -> list[Figure]:
    """Children's homes in the latest complete Ofsted list: all homes, % privately run, % council-run."""
    snapshot = latest_complete_ofsted_snapshot()
    total, total_frame = _ofsted_row(snapshot, "All sectors")
    private, private_frame = _ofsted_row(snapshot, "Private")
    council, council_frame = _ofsted_row(snapshot, "Local authority")
    period = (
        f"in Ofsted's list of every registered children's home, dated {data.format_date(snapshot)}, England"
    )
    note = _date_label_note(snapshot)
    figures = [
        Figure(
            key="homes_total",
            group="homes",
            value=total["homes"],
            display=fmt_count(total["homes"]),
            label=(
                f"children's homes registered with Ofsted, with {fmt_count(total['places'])} places "
                "(including secure children's homes and residential special schools registered as "
                "children's homes)"
            ),
            period=period,
            source=data.source_line(total_frame) + note,
            chapter="where-homes-are",
            chapter_title="where the homes are",
            dataset=OFSTED_BY_AREA,
            snapshot=snapshot,
            extra={"places": total["places"]},
        ),
    ]
    same_list = " The same list as the card before: see its note on the date." if note else ""
    for row, frame, key, words in (
        (private, private_frame, "homes_private_share", "run by private companies (Ofsted sector “Private”)"),
        (council, council_frame, "homes_council_share", "run by councils (Ofsted sector “Local authority”)"),
    ):
        share = row["share_of_area_homes_pct"]
        figures.append(
            Figure(
                key=key,
                group="homes",
                value=share,
                display=fmt_percent(share),
                label=f"of children's homes are {words}: {fmt_count(row['homes'])} of {fmt_count(total['homes'])}",
                period=period,
                source=data.source_line(frame) + same_list,
                derived=f"Share: {fmt_count(row['homes'])} ÷ {fmt_count(total['homes'])} homes.",
                chapter="ownership",
                chapter_title="who owns children's homes",
                dataset=OFSTED_BY_AREA,
                snapshot=snapshot,
                extra={"homes": row["homes"], "all_homes": total["homes"]},
            )
        )
    return figures


def missing(year: int | str = "latest") -> list[Figure]:
    """Children who went missing, and missing incidents, in the latest year (England)."""
    if year == "latest":
        year = latest_year(DFE_MISSING, measure="children_missing")
    year = int(year)
    children, children_frame = national_value(DFE_MISSING, year, measure="children_missing")
    incidents, incidents_frame = national_value(DFE_MISSING, year, measure="missing_incidents")
    period = f"in the year ending 31 March {year}, England"
    return [
        Figure(
            key="children_missing",
            group="missing",
            value=children,
            display=fmt_count(children),
            label="children in care who went missing at least once (whereabouts not known)",
            period=period,
            source=data.source_line(children_frame),
            chapter="missing",
            chapter_title="children missing from care",
            dataset=DFE_MISSING,
            year=year,
        ),
        Figure(
            key="missing_incidents",
            group="missing",
            value=incidents,
            display=fmt_count(incidents),
            label=(
                f"times children in care went missing: about {incidents / children:.1f} incidents for "
                "each child who went missing (derived)"
            ),
            period=period,
            source=data.source_line(incidents_frame),
            chapter="missing",
            chapter_title="children missing from care",
            dataset=DFE_MISSING,
            year=year,
            extra={"per_child": round(incidents / children, 1)},
        ),
    ]


def figures() -> list[Figure]:
    """Every landing-page headline, in page order."""
    return [
        placed_outside("latest"),
        placed_outside(YEAR_OF_APPG_INQUIRY),
        homes_placed_outside_share("latest"),
        homes_share_stated_in_2012(),
        *homes_by_ownership(),
        *missing("latest"),
    ]


def cards_block(group: str) -> site.HTMLBlock:
    """The headline cards of one group ("placements", "homes" or "missing")."""
    chosen = [f.headline() for f in figures() if f.group == group]
    if not chosen:
        raise HeadlineError(f"no headlines in group {group!r}")
    return site.headline_cards(chosen)


# --------------------------------------------------------------------------------------------------
# Prose blocks
# --------------------------------------------------------------------------------------------------


def _esc(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def _quote(text: str, citation: str) -> str:
    return (
        f'<blockquote class="ffh-quote"><p>{_esc(text)}</p>'
        f'<p class="ffh-quote-source">{_esc(citation)}</p></blockquote>'
    )


def coverage_years() -> tuple[int, int]:
    """First and last year of DfE's placement counts (the site's span)."""
    years = data.load(DFE_PLACEMENTS)["time_period"].drop_nulls()
    return int(years.min()), int(years.max())


def intro_paragraph() -> site.HTMLBlock:
    first, last = coverage_years()
    return site.HTMLBlock(
        "<p>Open data on England's children in care who are placed away from home: how many live outside "
        "their own council, who owns the children's homes they live in, where those homes are, and how many "
        f"children go missing from care, {first} to {last}. Every number on this site is read from official "
        "statistics published by the Department for Education (DfE) and Ofsted, and every chart links to its "
        "data and source.</p>"
    )


def why_block() -> site.HTMLBlock:
    """Why the site exists: the 2012 inquiry's 'statistical fog', quoted with citations."""
    rows = published_figures()
    documents = seed_documents()
    appg = documents["appg_2012_missing_from_care"]
    foreword = rows[FIGURE_FOREWORD]
    host, own = rows[FIGURE_HOST_COUNCILS], rows[FIGURE_OWN_CHILDREN]
    quotes = {
        key: _quote(text, document_citation(doc, locator)) for key, (doc, locator, text) in QUOTES.items()
    }
    parts = [
        f"<p>In {document_date_text(appg['date'])} a joint inquiry of two All-Party Parliamentary Groups (APPGs), "
        "on runaway and missing children and on looked after children, reported that nobody could say for "
        "sure how many children in care go missing, where from, or what happens to them:</p>",
        quotes["do_not_know"],
        _quote(foreword["quote"], foreword["citation"]),
        "<p>The two numbers count different things: the police estimate counts every child reported missing, "
        "however briefly; the Government's figure counted only children missing for more than 24 hours.</p>",
        quotes["statistical_fog"],
        f"<p>Many councils could not say what happened to children placed across council borders. Of "
        f"the councils that answered the inquiry's survey, {_esc(host['value_as_stated'])} could not say "
        f"whether children placed in their area by another council had gone missing, and "
        f"{_esc(own['value_as_stated'])} could not say it for their own children placed elsewhere "
        f"({_esc(host['citation'])}). The Government's response agreed:</p>",
        quotes["no_coherent_set"],
        "<p>This site puts the official counts that do exist side by side, year by year, and checks every "
        "figure those documents quoted against the data: see "
        f'<a href="{site.ROOT_TOKEN}reconciliation.html">Checking the published figures</a>. Where a figure '
        "cannot be reproduced from official statistics, for example the police estimates, it says so.</p>",
    ]
    return site.HTMLBlock("".join(parts))


def how_to_cite_block() -> site.HTMLBlock:
    """How to cite a number from the site (the site citation itself is site.citation_block())."""
    return site.HTMLBlock(
        "<ul>"
        "<li><strong>A chart:</strong> use its <em>Cite this chart</em> box. It gives the chart's title, the "
        "publisher and release of its numbers, the date the data was retrieved and the chart's address.</li>"
        "<li><strong>A number:</strong> give the number, what it counts, its date (for example “at 31 March”) "
        "and the publisher's release named under it, as on the cards above. Quote DfE's figures exactly as "
        "published: DfE rounds its national figures.</li>"
        "<li><strong>A figure from the 2012 or 2019 documents:</strong> cite the document, not this site; "
        f'the <a href="{site.ROOT_TOKEN}reconciliation.html">reconciliation page</a> gives each one\'s '
        "paragraph or speaker, and whether the official data reproduces it.</li>"
        "<li><strong>The data:</strong> the suggested citation for the whole site is below.</li>"
        "</ul>"
    )


def whats_new(limit: int = 3) -> site.HTMLBlock:
    """The latest entries of data/changelog.csv, newest first, and a link to the full changelog."""
    from analysis import refresh

    rows = refresh.read_changelog(data.data_dir() / "changelog.csv")
    labels = {
        "initial_import": "first import of the data",
        "source_added": "new source file",
        "source_changed": "source file changed",
        "source_removed": "source file removed",
        "dataset_added": "new dataset",
        "dataset_changed": "dataset revised",
        "dataset_removed": "dataset removed",
    }
    items = []
    for row in list(reversed(rows))[:limit]:
        day = data.format_date(date.fromisoformat(row["date"])) if row.get("date") else "undated"
        what = labels.get(row["change"], row["change"].replace("_", " "))
        detail = ", ".join(x for x in (row.get("dataset"), row.get("note")) if x)
        revised = f"; {row['values_revised']} values revised" if row.get("values_revised") else ""
        items.append(
            f"<li>{_esc(day)}: {_esc(what)}{': ' + _esc(detail) if detail else ''}{_esc(revised)}</li>"
        )
    listing = f"<ul>{''.join(items)}</ul>" if items else "<p>No changes recorded yet.</p>"
    return site.HTMLBlock(
        "<p>Official statistics are revised, and new releases add a year. Every change to the data is "
        f'recorded in the <a href="{site.ROOT_TOKEN}changelog.html">data changelog</a>. Latest entries:</p>'
        + listing
    )


def missing_note() -> site.HTMLBlock:
    """Why the missing counts cannot be set beside the 2012 figures (definition break, from the data)."""
    first = int(national(DFE_MISSING, measure="children_missing")["time_period"].min())
    official = published_figures()[FIGURE_FOREWORD_DFE]["value_as_stated"]
    return site.HTMLBlock(
        f"<p>DfE's count of every child who went missing during the year starts in {first}. For earlier years "
        "the DfE tables this site holds give only the children missing for more than 24 hours on 31 March, and "
        f"the {official} quoted above came from a separate DfE count of children missing for more than 24 hours during "
        "the year. Both are different measures, so the numbers above cannot be set beside the figures quoted "
        "at the top of this page. DfE also warns "
        "that a growing number of councils record every incident as “missing” rather than “away from "
        "placement”, which overstates the missing figures. The "
        f'<a href="{site.ROOT_TOKEN}missing.html">missing from care</a> chapter explains both, and '
        f'<a href="{site.ROOT_TOKEN}reconciliation.html">Checking the published figures</a> compares every '
        "figure those documents quoted with the data.</p>"
    )
