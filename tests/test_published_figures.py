"""The published_figures citation table: every quote is in its seed document, every value is in its quote,
the figures the book relies on are all there with the right locator, and bad citations are refused."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from analysis import settings
from analysis.datasets import published_figures as pf
from analysis.errors import ParseError
from analysis.validate import validate

SEEDS_DIR = settings.PROJECT_ROOT.parent / "shared" / "seeds"
FIGURES_CSV = settings.REFERENCE_DIR / pf.FIGURES_FILE
DOCUMENTS_CSV = settings.REFERENCE_DIR / pf.DOCUMENTS_FILE

APPG = "appg_2012_missing_from_care"
LGA = "lga_2012_childrens_homes_paper"
DEBATE = "hc_deb_2019_10_23_wh"
COFFEY = "Ann Coffey (Stockport), opening speech"


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    files = sorted(SEEDS_DIR.glob("*.txt"))
    if not files:
        raise RuntimeError(f"the seed documents are missing: {SEEDS_DIR} (these tests read the real texts)")
    return {path.name: path.read_text(encoding="utf-8") for path in files}


@pytest.fixture(scope="module")
def figures() -> pl.DataFrame:
    return pf.DATASET.build({})


@pytest.fixture(scope="module")
def seed_rows(figures: pl.DataFrame) -> list[dict]:
    return figures.filter(pl.col("seed_file").is_not_null()).to_dicts()


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# Numbers written in words in the seed documents, longest first so "fifteen and a half" wins over "half".
WORD_NUMBERS: dict[str, float] = {
    "fifteen and a half": 15.5,
    "two thirds": 2 / 3,
    "one third": 1 / 3,
    "a third": 1 / 3,
    "a quarter": 0.25,
    "one in seven": 1 / 7,
    "three times": 3,
    "seven months": 7,
    "half": 0.5,
    "one": 1,
    "five": 5,
    "eight": 8,
}
DIGITS = re.compile(
    r"(?<![0-9.,])(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?![0-9])"
)  # ASCII digits: not ¹²³ markers


def numbers_in(text: str) -> list[float]:
    """Every number in a text, formatting normalised: '1,810' -> 1810, '24 per cent' -> 24, 'one in 10' -> 0.1,
    'nearly a third' -> 1/3. Footnote markers (superscript digits) are not numbers."""
    found: list[float] = []
    lowered = text.lower()
    for match in re.finditer(r"\bone in ([0-9]+)\b", lowered):
        found.append(1 / int(match.group(1)))
    for words, number in sorted(WORD_NUMBERS.items(), key=lambda item: -len(item[0])):
        if re.search(rf"\b{re.escape(words)}\b", lowered):
            found.append(number)
            lowered = re.sub(rf"\b{re.escape(words)}\b", " ", lowered)
    found.extend(float(m.group(0).replace(",", "")) for m in DIGITS.finditer(text))
    return found


def same_number(a: float, b: float) -> bool:
    return round(abs(a), 4) == round(abs(b), 4)


# --- the reference tables ---------------------------------------------------------------------------------


def test_build_returns_a_typed_frame_sorted_by_figure_id(figures: pl.DataFrame) -> None:
    with FIGURES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert figures.height == len(rows) > 100
    assert figures.columns == pf.OUTPUT_COLUMNS
    assert figures["figure_id"].to_list() == sorted(r["figure_id"] for r in rows)
    assert figures.schema["value"] == pl.Float64
    assert figures.schema["period_end_date"] == pl.Date
    assert figures.schema["seed_line"] == pl.Int64
    assert set(pf.DATASET.columns) == set(figures.columns)
    assert pf.DATASET.families == [] and pf.DATASET.reference_files == [pf.FIGURES_FILE, pf.DOCUMENTS_FILE]


def test_each_seed_file_is_one_listed_document_whose_title_is_in_its_text(seeds: dict[str, str]) -> None:
    documents = pf.read_seed_documents(DOCUMENTS_CSV)
    seed_documents = documents.filter(pl.col("seed_file").is_not_null())
    assert sorted(seed_documents["seed_file"].to_list()) == sorted(seeds)
    for row in seed_documents.iter_rows(named=True):
        title = row["title"].split(" (")[0]
        assert normalise_space(title).casefold() in normalise_space(seeds[row["seed_file"]]).casefold(), row[
            "document_id"
        ]
        assert row["url"] is None or row["url"] in seeds[row["seed_file"]], (
            "a url must be stated in the document itself"
        )
    others = documents.filter(pl.col("seed_file").is_null())
    assert set(others["type"].to_list()) == {"official statistics"}


def test_every_quote_is_verbatim_in_its_seed_file_at_its_line(
    seed_rows: list[dict], seeds: dict[str, str]
) -> None:
    problems = []
    for row in seed_rows:
        text = seeds[row["seed_file"]]
        quote = normalise_space(row["quote"])
        if quote not in normalise_space(text):
            problems.append(f"{row['figure_id']}: quote not in {row['seed_file']}")
            continue
        line = text.splitlines()[row["seed_line"] - 1]
        if quote not in normalise_space(line):
            problems.append(f"{row['figure_id']}: quote not on line {row['seed_line']}")
    assert not problems, problems


def test_every_value_appears_in_its_own_quote(seed_rows: list[dict]) -> None:
    problems = []
    for row in seed_rows:
        quote = normalise_space(row["quote"])
        stated = normalise_space(row["value_as_stated"])
        if stated not in quote:
            problems.append(f"{row['figure_id']}: {stated!r} is not in the quote")
        stated_numbers = numbers_in(stated)
        if not stated_numbers or not same_number(stated_numbers[0], row["value"]):
            problems.append(f"{row['figure_id']}: value {row['value']} is not {stated!r} ({stated_numbers})")
        if row["value_upper"] is not None and not (
            len(stated_numbers) > 1 and same_number(stated_numbers[1], row["value_upper"])
        ):
            problems.append(f"{row['figure_id']}: value_upper {row['value_upper']} is not in {stated!r}")
        if not any(same_number(n, row["value"]) for n in numbers_in(quote)):
            problems.append(f"{row['figure_id']}: value {row['value']} is not a number in the quote")
    assert not problems, problems


def test_numbers_in_normalises_formatting() -> None:
    assert numbers_in("1,810 children's homes.¹") == [1810]
    assert numbers_in("only 2 percent of homes") == [2]
    assert 24 in numbers_in("24 per cent") and 0.1 in numbers_in("one in 10 had been")
    assert numbers_in("aged fifteen and a half") == [15.5]
    assert numbers_in("£2.8bn on children") == [2.8]
    assert not any(same_number(n, 1810) for n in numbers_in("1,8101 homes"))


# --- the figures the book and MPs rely on -----------------------------------------------------------------

# (document_id, measure, geography, period, value, locator)
REQUIRED = [
    (APPG, "childrens_homes", "England", "30 September 2011", 1810, "footnote 1 (Introduction)"),
    (APPG, "childrens_homes", "England", "30 September 2011", 1810, "Introduction, paragraph 1"),
    (LGA, "childrens_homes", "England", "not stated", 1810, "para 6"),
    (
        APPG,
        "childrens_homes_local_authority",
        "England",
        "30 September 2011",
        439,
        "footnote 1 (Introduction)",
    ),
    (
        APPG,
        "childrens_homes_local_authority_share",
        "England",
        "30 September 2011",
        24,
        "footnote 1 (Introduction)",
    ),
    (
        APPG,
        "childrens_homes_private_or_voluntary_share",
        "England",
        "30 September 2011",
        76,
        "footnote 1 (Introduction)",
    ),
    (APPG, "childrens_homes_local_authority_share", "England", "not stated", 24, "para 57"),
    (APPG, "childrens_homes_private_or_voluntary_share", "England", "not stated", 76, "para 57"),
    (LGA, "childrens_homes_local_authority_share", "England", "not stated", 24, "para 9"),
    (DEBATE, "childrens_homes_local_authority_share", "England", "2012", 26, COFFEY),
    (DEBATE, "childrens_homes_private_share", "England", "2012", 65, COFFEY),
    (DEBATE, "childrens_homes_private_share", "England", "2019", 75, COFFEY),
    (DEBATE, "childrens_homes_local_authority_share", "England", "2019", 19, COFFEY),
    (DEBATE, "childrens_homes_region_share", "North West", "2012", 25, COFFEY),
    (DEBATE, "childrens_homes_region_share", "London", "2012", 6, COFFEY),
    (
        DEBATE,
        "childrens_homes_three_region_share",
        "North West, West Midlands and South East",
        "2019",
        55,
        COFFEY,
    ),
    (LGA, "children_in_childrens_homes_placed_out_of_area_share", "England", "not stated", 46, "para 8"),
    (
        APPG,
        "children_in_childrens_homes_placed_out_of_area_share",
        "England",
        "not stated",
        46,
        "Introduction, paragraph 5",
    ),
    (APPG, "children_looked_after_placed_outside_own_la", "England", "2011", 22000, "para 47"),
    (APPG, "children_looked_after", "England", "2011", 65000, "para 47"),
    (APPG, "children_looked_after_placed_over_20_miles", "England", "2011", 8000, "para 47"),
    (APPG, "children_missing_from_care_over_24_hours_dfe", "England", "2011", 930, "para 85"),
    (APPG, "children_missing_from_care_police_estimate", "England", "in a year", 10000, "para 85"),
    (APPG, "missing_incidents_from_care_police_estimate", "England", "in a year", 42000, "para 85"),
    (DEBATE, "out_of_area_placements_change_since_2012", "England", "2012 to 2019", 77, COFFEY),
    (DEBATE, "missing_incidents_from_childrens_homes_change_since_2015", "England", "since 2015", 97, COFFEY),
    (DEBATE, "local_authorities_running_no_childrens_homes", "England", "2019", 47, COFFEY),
    (
        "ofsted_2014_official_statistics",
        "childrens_homes",
        "England",
        "30 September 2013",
        2067,
        "main findings",
    ),
    ("ofsted_2018_csc_data", "childrens_homes", "England", "31 March 2017", 2145, "main findings"),
    (
        "ofsted_2018_csc_data",
        "childrens_homes_local_authority",
        "England",
        "31 March 2017",
        434,
        "main findings",
    ),
    ("ofsted_2018_csc_data", "childrens_homes", "England", "31 March 2018", 2209, "main findings"),
    (
        "ofsted_2018_csc_data",
        "childrens_homes_local_authority",
        "England",
        "31 March 2018",
        423,
        "main findings",
    ),
    ("ofsted_2023_csc", "childrens_homes", "England", "31 March 2023", 2880, "main findings"),
    ("ofsted_2023_csc", "childrens_homes_places", "England", "31 March 2023", 10818, "main findings"),
]


@pytest.mark.parametrize("document_id, measure, geography, period, value, locator", REQUIRED)
def test_required_figure_is_present_with_its_locator(
    figures: pl.DataFrame,
    document_id: str,
    measure: str,
    geography: str,
    period: str,
    value: float,
    locator: str,
) -> None:
    match = figures.filter(
        (pl.col("document_id") == document_id)
        & (pl.col("measure") == measure)
        & (pl.col("geography") == geography)
        & (pl.col("period") == period)
        & (pl.col("value") == value)
        & (pl.col("locator") == locator)
    )
    assert match.height == 1, f"{value} ({measure}, {period}) not found once in {document_id} at {locator!r}"
    assert locator in match["citation"][0]


def test_dated_figures_carry_their_dates(figures: pl.DataFrame) -> None:
    dated = dict(
        figures.filter(pl.col("period_end_date").is_not_null())
        .select(pl.col("figure_id"), pl.col("period_end_date").cast(pl.Utf8))
        .iter_rows()
    )
    homes_2011 = figures.filter((pl.col("value") == 1810) & (pl.col("document_id") == APPG))["figure_id"]
    assert all(dated[f] == "2011-09-30" for f in homes_2011)
    dfe_930 = figures.filter(
        (pl.col("measure") == "children_missing_from_care_over_24_hours_dfe")
        & (pl.col("locator") == "para 85")
    )
    assert dated[dfe_930["figure_id"][0]] == "2011-03-31"
    ofsted = figures.filter(pl.col("document_type") == "official statistics")
    assert sorted(dated[f] for f in ofsted["figure_id"]) == sorted(
        ["2013-09-30", "2017-03-31", "2017-03-31", "2018-03-31", "2018-03-31", "2023-03-31", "2023-03-31"]
    )


def test_figures_without_seed_text_have_no_quote_and_say_where_they_come_from(figures: pl.DataFrame) -> None:
    others = figures.filter(pl.col("seed_file").is_null())
    assert others.height == 7
    assert others["quote"].null_count() == others.height
    assert others["seed_line"].null_count() == others.height
    assert all("DATA-MAP.md" in note and "no verbatim quote" in note for note in others["note"].to_list())


# --- refusing bad input -----------------------------------------------------------------------------------


def _fixture_tables(tmp_path: Path, document_id: str) -> tuple[Path, Path]:
    documents = tmp_path / pf.DOCUMENTS_FILE
    shutil.copy(DOCUMENTS_CSV, documents)
    figures = tmp_path / pf.FIGURES_FILE
    with figures.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, pf.FIGURE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow(
            {
                **{c: "" for c in pf.FIGURE_COLUMNS},
                "figure_id": "test12_001",
                "measure": "childrens_homes",
                "period": "2012",
                "geography": "England",
                "value": "1810",
                "value_as_stated": "1,810",
                "unit": "count",
                "document_id": document_id,
                "locator": "para 1",
                "seed_line": "1",
                "quote": "There are 1,810 homes.",
            }
        )
    return figures, documents


def test_a_figure_citing_a_listed_document_is_accepted(tmp_path: Path) -> None:
    frame = pf.assemble(*_fixture_tables(tmp_path, APPG))
    assert frame["citation"].to_list() == [
        "APPG for Runaway and Missing Children and Adults and APPG for Looked After Children and Care Leavers "
        "(June 2012), Report from the joint inquiry into children who go missing from care, para 1"
    ]


def test_a_figure_citing_an_unknown_document_raises_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as error:
        pf.assemble(*_fixture_tables(tmp_path, "no_such_document"))
    assert error.value.source_id == "published_figures"
    assert error.value.file == pf.FIGURES_FILE
    assert "no_such_document" in error.value.detail and "test12_001" in error.value.detail


def test_malformed_tables_raise_parse_error(tmp_path: Path) -> None:
    figures, documents = _fixture_tables(tmp_path, APPG)
    text = figures.read_text(encoding="utf-8")
    figures.write_text(text.replace(",1810,", ",1.810.0,"), encoding="utf-8")
    with pytest.raises(ParseError, match="value is a number"):
        pf.assemble(figures, documents)
    figures.write_text(text.replace("value_qualifier", "qualifier"), encoding="utf-8")
    with pytest.raises(ParseError, match="columns"):
        pf.assemble(figures, documents)
    figures.write_text(text, encoding="utf-8")
    rows = documents.read_text(encoding="utf-8").splitlines()
    documents.write_text("\n".join(rows + [rows[1]]) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="document_id unique"):
        pf.assemble(figures, documents)


# --- the expectation suite --------------------------------------------------------------------------------


def test_suite_document_set_is_the_listed_documents() -> None:
    suite = json.loads((settings.EXPECTATIONS_DIR / "published_figures.json").read_text(encoding="utf-8"))
    in_set = [
        e["kwargs"]["value_set"]
        for e in suite["views"]["tidy"]
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "document_id"
    ]
    documents = pf.read_seed_documents(DOCUMENTS_CSV)
    assert in_set == [sorted(documents["document_id"].to_list())]


def test_suite_passes_on_the_table_and_catches_broken_rows(figures: pl.DataFrame) -> None:
    report = validate(pf.DATASET, figures, pf.views(figures))
    assert report.success, [(o.view, o.expectation, o.kwargs, o.summary) for o in report.failures]

    first_share = figures.filter(pl.col("unit") == "percent")["figure_id"][0]
    first_count = figures.filter(pl.col("unit") == "count")["figure_id"][0]
    first_seed = figures.filter(pl.col("seed_file").is_not_null())["figure_id"][0]
    broken = pl.concat([figures, figures.head(1)]).with_columns(
        pl.when(pl.col("figure_id") == first_share)
        .then(120.0)
        .when(pl.col("figure_id") == first_count)
        .then(-1.0)
        .otherwise(pl.col("value"))
        .alias("value"),
        pl.when(pl.col("figure_id") == first_seed).then(None).otherwise(pl.col("quote")).alias("quote"),
    )
    report = validate(pf.DATASET, broken, pf.views(broken))
    failed = {(o.view, o.expectation, o.kwargs.get("column")) for o in report.failures}
    assert failed == {
        ("tidy", "expect_column_values_to_be_unique", "figure_id"),
        ("counts", "expect_column_values_to_be_between", "value"),
        ("levels", "expect_column_values_to_be_between", "value"),
        ("percent_shares", "expect_column_values_to_be_between", "value"),
        ("from_seed_documents", "expect_column_values_to_not_be_null", "quote"),
    }
