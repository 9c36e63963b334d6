"""published_figures: every figure stated in the 2012 and 2019 documents, with its verbatim quote and how to cite it.

A citation table, not a statistical series: it is NOT in the EES geography layout. One row per figure as a
document states it (a figure stated twice in one document, in two places, has two rows: either may be cited).
It is curated by hand in two committed reference tables:

- data/reference/cited_documents.csv: one row per document (the APPG's 2012 joint inquiry report, the Department
  for Education's and the Local Government Association's 2012 responses, a 2012 news report, the 2019 Westminster
  Hall debate, and the Ofsted publications whose headline totals are reconciled), with a `how_to_cite` template in
  which `{locator}` is replaced by each figure's locator;
- data/reference/published_figures.csv: one row per figure: the value as a number (`value`, and `value_upper`
  for a range) and exactly as written (`value_as_stated`), its unit, qualifier ("nearly", "over"), period as
  stated, the locator (paragraph, footnote, speaker), the verbatim sentence and the source the document itself
  cites.

Conventions: `value` keeps the document's number and scale (£1billion -> 1 with unit gbp_billion); a fall stated
as "a decrease of 26%" is stored as -26 (unit percent_change); shares stated in words ("nearly half", "one
third") use unit "fraction" with the fraction named (0.5, 0.3333), never an invented percentage. Quotes are
verbatim from the documents (footnote markers and PDF-conversion artefacts included); the tests check each quote
against the document's text where a copy is at hand, and each value against its quote.

The build checks the tables' layout and that every figure cites a listed document (ParseError otherwise); the
content rules are in expectations/published_figures.json.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from analysis import settings
from analysis.datasets import Dataset
from analysis.errors import ParseError

NAME = "published_figures"
SOURCE_ID = "published_figures"
FIGURES_FILE = "published_figures.csv"
DOCUMENTS_FILE = "cited_documents.csv"

DOCUMENT_COLUMNS = [
    "document_id",
    "title",
    "author",
    "date",
    "date_basis",
    "type",
    "url",
    "how_to_cite",
    "note",
]
FIGURE_COLUMNS = [
    "figure_id",
    "measure",
    "period",
    "period_end_date",
    "geography",
    "value",
    "value_upper",
    "value_as_stated",
    "unit",
    "value_qualifier",
    "document_id",
    "locator",
    "quote",
    "original_source_cited",
    "note",
]

DOCUMENT_TYPES = (
    "inquiry report",
    "government response",
    "local government response",
    "debate",
    "news",
    "official statistics",
)
# Publishers' statistics: their figures are headline totals, quoted from the publication where its text is known.
OFFICIAL_STATISTICS = ("official statistics",)

# unit -> what it is; the expectation views group units by kind.
UNITS: dict[str, str] = {
    "count": "a number of children, homes, incidents, authorities, reports, ...",
    "places": "a number of places (beds) in a children's home",
    "places_per_home": "average number of places per home",
    "percent": "a share in per cent (0-100)",
    "percent_change": "a change in per cent; negative for a fall",
    "fraction": "a share stated in words (half, a third, one in seven): the fraction named, 0-1",
    "ratio": "times as likely / as many",
    "years": "age in years",
    "months": "a duration in months",
    "miles": "a distance in miles",
    "gbp": "pounds sterling",
    "gbp_million": "millions of pounds sterling",
    "gbp_billion": "billions of pounds sterling",
    "gbp_per_week": "pounds sterling per week",
    "gbp_per_resident_week": "pounds sterling per resident per week",
    "gbp_per_year": "pounds sterling per year",
}
COUNT_UNITS = ("count", "places")
CHANGE_UNITS = ("percent_change",)

COLUMNS: dict[str, str] = {
    "figure_id": "Stable identifier of the figure: <document prefix>_<number>, numbered in document order.",
    "measure": "What the figure measures (snake_case id, descriptive; not a data/reference/measures.csv id).",
    "period": "The period or date as the document states it ('2011', '30 September 2011', 'since 2015'), "
    "or 'not stated'.",
    "period_end_date": "The date the figure refers to, where the document (or the source it cites) makes it "
    "determinable; otherwise empty.",
    "geography": "The area the figure covers, as stated (England, a region, a council, a police force area).",
    "value": "The figure as a number, in the document's own scale (see unit). Falls stated as 'a decrease of "
    "N%' are negative. Shares stated in words are fractions (0-1).",
    "value_upper": "Upper end of a stated range (e.g. '80-90 per cent'); empty otherwise.",
    "value_as_stated": "The figure exactly as written in the quote (e.g. '1,810', 'nearly a third', '£1billion').",
    "unit": "Unit of value: " + "; ".join(f"{u} = {d}" for u, d in UNITS.items()) + ".",
    "value_qualifier": "How the document qualifies the figure (approximately, over, nearly, estimate, up to, "
    "range, ...); empty when stated plainly.",
    "document_id": "The document stating the figure (data/reference/cited_documents.csv).",
    "document_title": "Title of the document.",
    "document_author": "Author or publisher of the document.",
    "document_date": "Date of the document (ISO, to the precision known; see cited_documents.csv date_basis).",
    "document_type": "inquiry report, government response, local government response, debate, news or "
    "official statistics.",
    "locator": "Where in the document: paragraph, footnote, section or speaker (the most precise the text supports).",
    "citation": "Ready-to-use citation: the document's citation with this figure's locator.",
    "quote": "The sentence containing the figure, verbatim from the document (footnote markers included). "
    "Empty where no text of the publication is quoted (see note).",
    "original_source_cited": "The source the document itself cites for the figure (footnote or speech), if any.",
    "note": "Caveats: definitions, wording differences between documents, cross-checks against DfE and Ofsted figures.",
}
OUTPUT_COLUMNS = list(COLUMNS)


def _read_table(path: Path, expected: list[str]) -> list[dict[str, str]]:
    """Read a committed reference CSV as text; raise ParseError unless its header is exactly `expected`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ParseError(SOURCE_ID, path.name, "readable UTF-8 file", str(error)) from error
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != expected:
        raise ParseError(SOURCE_ID, path.name, "columns", f"expected {expected}, got {reader.fieldnames}")
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row or any(value is None for value in row.values()):
            raise ParseError(SOURCE_ID, path.name, "same number of fields on every row", f"line {number}")
        rows.append(row)
    if not rows:
        raise ParseError(SOURCE_ID, path.name, "at least one row", "the table is empty")
    return rows


def _frame(rows: list[dict[str, str]], columns: list[str]) -> pl.DataFrame:
    frame = pl.DataFrame({c: [row[c] for row in rows] for c in columns}, schema={c: pl.Utf8 for c in columns})
    # empty cells are unknown, not empty text
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c) for c in columns
    )


def read_cited_documents(path: Path) -> pl.DataFrame:
    frame = _frame(_read_table(path, DOCUMENT_COLUMNS), DOCUMENT_COLUMNS)
    for column in ("document_id", "title", "author", "type", "how_to_cite"):
        missing = frame.filter(pl.col(column).is_null())
        if missing.height:
            raise ParseError(SOURCE_ID, path.name, f"{column} present", f"empty on {missing.height} row(s)")
    duplicated = frame.filter(pl.col("document_id").is_duplicated())["document_id"].unique().sort().to_list()
    if duplicated:
        raise ParseError(SOURCE_ID, path.name, "document_id unique", f"listed more than once: {duplicated}")
    unknown_types = sorted(set(frame["type"].to_list()) - set(DOCUMENT_TYPES))
    if unknown_types:
        raise ParseError(SOURCE_ID, path.name, "known document type", f"unknown {unknown_types}")
    no_template = frame.filter(~pl.col("how_to_cite").str.contains("{locator}", literal=True))
    if no_template.height:
        raise ParseError(
            SOURCE_ID,
            path.name,
            "how_to_cite has a {locator} placeholder",
            f"not in {no_template['document_id'].to_list()}",
        )
    return frame


def _cast(frame: pl.DataFrame, file_name: str, column: str, dtype: pl.DataType, **kwargs) -> pl.Expr:
    """A strict cast of a text column, raising ParseError naming the first bad figure."""
    if dtype == pl.Date:
        cast = pl.col(column).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    else:
        cast = pl.col(column).str.strip_chars().cast(dtype, strict=False)
    bad = frame.filter(pl.col(column).is_not_null() & frame.select(cast.is_null()).to_series())
    if bad.height:
        raise ParseError(
            SOURCE_ID,
            file_name,
            f"{column} is {kwargs.get('what', dtype)}",
            f"figure {bad['figure_id'][0]!r}: {bad[column][0]!r}",
        )
    return cast.alias(column)


def read_published_figures(path: Path) -> pl.DataFrame:
    frame = _frame(_read_table(path, FIGURE_COLUMNS), FIGURE_COLUMNS)
    for column in ("figure_id", "document_id"):
        missing = frame.filter(pl.col(column).is_null())
        if missing.height:
            raise ParseError(SOURCE_ID, path.name, f"{column} present", f"empty on {missing.height} row(s)")
    unknown_units = sorted(set(frame["unit"].drop_nulls().to_list()) - set(UNITS))
    if unknown_units:
        raise ParseError(SOURCE_ID, path.name, "known unit", f"unknown {unknown_units} (see UNITS)")
    return frame.with_columns(
        _cast(frame, path.name, "value", pl.Float64, what="a number"),
        _cast(frame, path.name, "value_upper", pl.Float64, what="a number"),
        _cast(frame, path.name, "period_end_date", pl.Date, what="an ISO date (YYYY-MM-DD)"),
    )


def assemble(figures_path: Path, documents_path: Path) -> pl.DataFrame:
    """The published citation table from the two reference CSVs, sorted by figure_id."""
    documents = read_cited_documents(documents_path)
    figures = read_published_figures(figures_path)
    known = set(documents["document_id"].to_list())
    unknown = figures.filter(~pl.col("document_id").is_in(sorted(known)))
    if unknown.height:
        pairs = [f"{f} -> {d}" for f, d in unknown.select("figure_id", "document_id").iter_rows()][:10]
        raise ParseError(
            SOURCE_ID,
            figures_path.name,
            f"every figure cites a document listed in {documents_path.name}",
            f"{unknown.height} figure(s) cite unknown documents: {pairs}",
        )
    joined = figures.join(
        documents.select(
            "document_id",
            pl.col("title").alias("document_title"),
            pl.col("author").alias("document_author"),
            pl.col("date").alias("document_date"),
            pl.col("type").alias("document_type"),
            pl.col("how_to_cite"),
        ),
        on="document_id",
        how="left",
    )
    citation = pl.col("how_to_cite").str.replace_all(
        "{locator}", pl.col("locator").fill_null("(no locator)"), literal=True
    )
    return joined.with_columns(citation.alias("citation")).select(OUTPUT_COLUMNS).sort("figure_id")


def build(source_files: Mapping[str, Path] | None = None, **_needs: pl.DataFrame) -> pl.DataFrame:
    """Reads only committed reference tables (Dataset.reference_files), not fetched sources."""
    return assemble(settings.REFERENCE_DIR / FIGURES_FILE, settings.REFERENCE_DIR / DOCUMENTS_FILE)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Subsets for the unit-specific rules in expectations/published_figures.json."""
    return {
        "counts": frame.filter(pl.col("unit").is_in(list(COUNT_UNITS))),
        "levels": frame.filter(~pl.col("unit").is_in(list(CHANGE_UNITS))),
        "percent_shares": frame.filter(pl.col("unit") == "percent"),
        "fractions": frame.filter(pl.col("unit") == "fraction"),
        "from_reports_and_debates": frame.filter(~pl.col("document_type").is_in(list(OFFICIAL_STATISTICS))),
        "from_official_statistics": frame.filter(pl.col("document_type").is_in(list(OFFICIAL_STATISTICS))),
        "dated": frame.filter(pl.col("period_end_date").is_not_null()).select(
            "figure_id", pl.col("period_end_date").dt.year().cast(pl.Int64).alias("period_end_year")
        ),
    }


DATASET = Dataset(
    name=NAME,
    title="Published figures: every figure stated in the 2012 and 2019 documents, with quote and citation",
    description=(
        "A citation table of the figures stated in the documents this site answers: the APPG joint inquiry "
        "report into children who go missing from care (June 2012), the Department for Education's response (July "
        "2012), the Local Government Association's board paper (16 July 2012), a news report (June 2012) and the "
        "Westminster Hall debate 'Exploitation of Missing Looked-after Children' (23 October 2019), plus Ofsted's "
        "headline totals of children's homes. Each row gives the figure as stated, its period, the paragraph, "
        "footnote or speaker, the verbatim sentence, the source the document cites, and caveats. Figures from "
        "different documents are often on different bases (dates, definitions): read the note before comparing."
    ),
    families=[],
    build=build,
    key=["figure_id"],
    columns=COLUMNS,
    views=views,
    reference_files=[FIGURES_FILE, DOCUMENTS_FILE],
)
