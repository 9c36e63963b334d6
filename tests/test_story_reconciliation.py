"""The landing page's headline numbers and the reconciliation chapter, on the real published data.

Expected values are read here independently (csv module on data/tidy, the upstream SFR file in the
mirror, the seed texts), never copied from the code under test.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from analysis import data, settings
from analysis.stories import headlines
from analysis.stories import reconciliation as rec

TIDY = settings.TIDY_DIR
REFERENCE = settings.REFERENCE_DIR


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    with (TIDY / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def reference(name: str) -> list[dict[str, str]]:
    with (REFERENCE / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def national(name: str, **filters: str) -> list[dict[str, str]]:
    return [
        r
        for r in rows(name)
        if r["geographic_level"] == "National" and all(r[k] == v for k, v in filters.items())
    ]


@pytest.fixture(scope="module")
def table():
    return rec.table()


@pytest.fixture(scope="module")
def records(table) -> list[dict]:
    return list(table.iter_rows(named=True))


@pytest.fixture(scope="module")
def cards() -> dict[str, headlines.Figure]:
    return {figure.key: figure for figure in headlines.figures()}


# --------------------------------------------------------------------------------------------------
# Reconciliation table
# --------------------------------------------------------------------------------------------------


def test_every_published_figure_has_exactly_one_row(records):
    published = [r["figure_id"] for r in rows("published_figures")]
    assert [r["figure_id"] for r in records] == published
    assert len(set(published)) == len(published)


def test_statuses_and_explanations(records):
    assert {r["status"] for r in records} <= set(rec.STATUSES)
    for r in records:
        assert r["explanation"].strip(), r["figure_id"]
        assert not re.search(r"\b(None|nan|null)\b", r["explanation"]), (r["figure_id"], r["explanation"])
        if r["status"] == rec.NOT_REPRODUCIBLE:
            assert r["book_value"] is None and r["difference"] is None, r["figure_id"]
            assert r["reason"] in rec.REASONS and r["explanation"].startswith(rec.REASONS[r["reason"]])
        else:
            assert r["book_value"] is not None and r["book_dataset"], r["figure_id"]
        if r["status"] == rec.DIFFERENT:
            assert r["difference"] is None, r["figure_id"]


def _cell_matches(row: dict[str, str], filters: dict[str, str]) -> bool:
    return all(row[column] == value for column, value in filters.items())


def test_compared_values_come_from_the_named_dataset_row_and_year(records):
    checked = 0
    for r in records:
        if r["book_value"] is None or not r["book_filters"]:
            continue
        filters = json.loads(r["book_filters"])
        found = [row for row in rows(r["book_dataset"]) if _cell_matches(row, filters)]
        assert len(found) == 1, (r["figure_id"], filters, len(found))
        assert float(found[0][r["book_column"]]) == r["book_value"], r["figure_id"]
        year = found[0]["time_period"]
        assert year in r["book_period"], (r["figure_id"], year, r["book_period"])
        if "snapshot_date" in filters:
            assert data.format_date(date.fromisoformat(filters["snapshot_date"])) in r["book_period"]
        checked += 1
    assert checked >= 15


def test_difference_is_book_minus_published(records):
    for r in records:
        if r["status"] not in rec.COMPARED:
            continue
        published = float(
            next(p for p in rows("published_figures") if p["figure_id"] == r["figure_id"])["value"]
        )
        assert r["published_value"] == published
        digits = 1 if r["unit"] == "percent" else 0
        assert r["difference"] == pytest.approx(round(r["book_value"] - published, digits)), r["figure_id"]


def _precision(value: float) -> float:
    number, step = int(value), 1
    while number and number % (step * 10) == 0:
        step *= 10
    return step


def test_status_follows_the_numbers(records):
    """matches <=> the site's value is what the document's figure and wording allow (checked here with an
    independent rule for the qualifiers that compared rows use)."""
    for r in records:
        if r["status"] not in rec.COMPARED:
            continue
        stated, ours, qualifier = r["published_value"], r["book_value"], r["qualifier"]
        if r["unit"] == "percent":
            ok = (round(ours) == stated) if not qualifier else abs(ours - stated) < 1
        elif qualifier == "just over":
            ok = stated <= ours < stated + _precision(stated)
        elif qualifier in ("nearly", "almost"):
            ok = stated - _precision(stated) <= ours < stated
        elif qualifier in ("around", "approximately"):
            ok = abs(ours - stated) < _precision(stated)
        else:
            assert qualifier == "", (r["figure_id"], qualifier)
            ok = ours == stated
        assert (r["status"] == rec.MATCHES) == ok, (r["figure_id"], stated, ours, r["status"])


def test_three_region_share_is_recomputed(records):
    row = next(r for r in records if r["figure_id"] == "deb19_014")
    area = [
        r
        for r in rows("childrens_homes_by_area")
        if r["snapshot_date"] == "2019-03-31"
        and r["snapshot_kind"] == "provider_level"
        and r["provision_type"] == "All children's homes"
        and r["sector"] == "All sectors"
    ]
    regions = sum(
        int(r["homes"])
        for r in area
        if r["geographic_level"] == "Regional"
        and r["region_name"] in ("North West", "West Midlands", "South East")
    )
    england = next(int(r["homes"]) for r in area if r["geographic_level"] == "National")
    assert row["book_value"] == round(100 * regions / england, 1)
    assert row["difference"] == pytest.approx(row["book_value"] - 55)


def test_930_is_shown_as_a_different_measure(records):
    for figure_id in ("appg12_002", "appg12_015", "appg12_022", "appg12_055"):
        row = next(r for r in records if r["figure_id"] == figure_id)
        sfr = national("missing_over_24_hours", time_period="2011")
        assert len(sfr) == 1
        assert row["status"] == rec.DIFFERENT and row["difference"] is None
        assert row["book_value"] == float(sfr[0]["value"]) and row["book_dataset"] == "missing_over_24_hours"


def test_nearly_22000_is_set_beside_the_sfr_2011_count(records, mirror_dir: Path):
    row = next(r for r in records if r["figure_id"] == "appg12_037")
    assert row["book_value"] == _sfr_national(mirror_dir, "sfr-2011", "CLA_Outbound")
    assert row["status"] != rec.MATCHES  # 'nearly 22,000' cannot be more than 22,000
    assert "not established" in row["explanation"] and "Data Pack" in row["explanation"]


def test_46_percent_is_not_reproducible_and_gives_the_later_series(records):
    row = next(r for r in records if r["figure_id"] == "appg12_008")
    assert row["status"] == rec.NOT_REPRODUCIBLE and row["book_value"] is None

    def share(year: str) -> float:
        counts = {
            r["measure"]: int(r["value"])
            for r in national(
                "childrens_homes_placements", definition=headlines.REGULATED_HOMES, time_period=year
            )
            if r["measure"].endswith("_la_boundary")
        }
        outside = counts["childrens_home_placements_outside_la_boundary"]
        return round(100 * outside / (outside + counts["childrens_home_placements_inside_la_boundary"]), 1)

    years = sorted(
        {
            r["time_period"]
            for r in national("childrens_homes_placements", definition=headlines.REGULATED_HOMES)
            if r["measure"] == "childrens_home_placements_outside_la_boundary"
        }
    )
    assert f"{share(years[0]):.1f}% placed outside at 31 March {years[0]}" in row["explanation"]
    assert f"{share(years[-1]):.1f}% at 31 March {years[-1]}" in row["explanation"]


def test_ofsted_published_totals_are_all_reconciled(records):
    periods = {r["figure_id"]: r["period_end_date"] for r in rows("published_figures")}
    for total in reference("ofsted_published_totals"):
        found = [
            r
            for r in records
            if r["published_value"] == float(total["value"])
            and (not total["reference_date"] or periods[r["figure_id"]] == total["reference_date"])
        ]
        assert found, total


def test_ofsted_totals_are_compared_with_the_list_used_that_day(records):
    used = {
        r["snapshot_date"]: r for r in rows("homes_reconciliation") if r["used_in_childrens_homes"] == "true"
    }
    compared = [r for r in records if r["figure_id"].startswith("ofsted") and r["status"] in rec.COMPARED]
    assert len(compared) >= 6
    for r in compared:
        filters = json.loads(r["book_filters"])
        day = used[filters["snapshot_date"]]
        published = {
            "homes_in_file": "published_homes",
            "council_run_homes_in_file": "published_council_run_homes",
            "places_in_file": "published_places",
        }[r["book_column"]]
        assert float(day[published]) == r["published_value"], r["figure_id"]


def test_2023_places_difference_is_reported_as_not_established(records):
    day = next(
        r
        for r in rows("homes_reconciliation")
        if r["snapshot_date"] == "2023-03-31" and r["used_in_childrens_homes"] == "true"
    )
    row = next(r for r in records if r["figure_id"] == "ofsted23_002")
    assert row["book_value"] == float(day["places_in_file"])
    assert row["published_value"] == float(day["published_places"])
    assert row["difference"] == float(day["places_in_file"]) - float(day["published_places"])
    if row["difference"]:
        assert row["status"] == rec.NOT_ESTABLISHED and "not established" in row["explanation"]


def test_a_figure_without_a_rule_is_an_error():
    fake = dict(next(iter(rows("published_figures"))), figure_id="zz_999")
    with pytest.raises(rec.UnclassifiedFigure):
        rec.reconcile(fake)


@pytest.mark.parametrize(
    ("stated", "qualifier", "ours", "unit", "expected"),
    [
        (65000, "just over", 65520, "count", True),
        (65000, "just over", 66100, "count", False),
        (22000, "nearly", 22990, "count", False),
        (22000, "nearly", 21800, "count", True),
        (65000, "around", 65520, "count", True),
        (75, "some", 74.0, "percent", False),
        (55, "", 54.6, "percent", True),
        (19, "", 18.4, "percent", False),
        (2209, "", 2209, "count", True),
    ],
)
def test_agrees(stated, qualifier, ours, unit, expected):
    assert rec.agrees(stated, qualifier, ours, unit) is expected


def test_revisions_frame_matches_the_release_values():
    frame = rec.revisions_frame()
    assert frame.height > 0
    for r in frame.iter_rows(named=True):
        releases = national("placements_revisions", measure=r["measure"], time_period=str(r["time_period"]))
        by_release = {
            int(re.search(r"reporting year (\d{4})", x["source_release"]).group(1)): int(x["value"])
            for x in releases
        }
        assert r["first_value"] == by_release[min(by_release)]
        site_value = national(
            "placements_at_31_march", measure=r["measure"], time_period=str(r["time_period"])
        )
        assert r["latest_value"] == int(site_value[0]["value"])
        assert r["revision"] == r["latest_value"] - r["first_value"]


def test_page_blocks_render(table):
    html = "".join(
        str(block)
        for block in (
            rec.summary_block(table),
            rec.documents_block(table),
            rec.key_cases_block(table),
            rec.compared_block(table),
            rec.not_reproducible_block(table),
            rec.revisions_block(),
            rec.coverage_block(),
        )
    )
    for figure_id in table["figure_id"]:
        assert f">{figure_id}<" in html, figure_id
    counts = Counter(table["status"].to_list())
    for status, count in counts.items():
        assert f"<strong>{status}</strong>: {count}<" in html


# --------------------------------------------------------------------------------------------------
# Landing page headlines
# --------------------------------------------------------------------------------------------------


def _sfr_national(mirror: Path, release: str, column: str) -> int:
    files = sorted((mirror / "dfe" / "children-looked-after" / release).glob("*CLA*.csv"))
    assert len(files) == 1, files
    with files[0].open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        for line in reader:
            row = dict(zip(header, line, strict=False))
            if row.get("geog_l", "").strip().upper() == "NATIONAL":
                return int(row[column])
    raise AssertionError(f"no national row in {files[0]}")


def _latest(name: str, **filters: str) -> dict[str, str]:
    found = [r for r in national(name, **filters) if r["value"]]
    year = max(int(r["time_period"]) for r in found)
    latest = [r for r in found if int(r["time_period"]) == year]
    assert len(latest) == 1
    return latest[0]


def test_outside_boundary_latest_card(cards):
    row = _latest("placements_at_31_march", measure="placed_outside_la_boundary")
    year = row["time_period"]
    card = cards[f"placed_outside_{year}"]
    assert card.value == int(row["value"]) and card.display == f"{int(row['value']):,}"
    cla = national("placements_at_31_march", measure="children_looked_after", time_period=year)[0]
    assert card.extra["share"] == round(100 * int(row["value"]) / int(cla["value"]), 1)
    assert f"31 March {year}" in card.period and row["source_release"] in card.source


def test_outside_boundary_2012_card_equals_the_sfr_file(cards, mirror_dir: Path):
    card = cards["placed_outside_2012"]
    assert card.value == _sfr_national(mirror_dir, "sfr-2012", "CLA_Outbound")
    assert "31 March 2012" in card.period and "year ending 31 March 2012" in card.source


def test_childrens_homes_share_is_derived_from_the_two_counts(cards):
    outside = _latest(
        "childrens_homes_placements",
        measure="childrens_home_placements_outside_la_boundary",
        definition=headlines.REGULATED_HOMES,
    )
    year = outside["time_period"]
    inside = national(
        "childrens_homes_placements",
        measure="childrens_home_placements_inside_la_boundary",
        definition=headlines.REGULATED_HOMES,
        time_period=year,
    )[0]
    card = cards[f"homes_outside_share_{year}"]
    expected = round(100 * int(outside["value"]) / (int(outside["value"]) + int(inside["value"])), 1)
    assert card.value == expected and card.display == f"{expected:.1f}%"
    assert "derived" in card.headline().source.lower()


def test_46_percent_card_is_the_published_figure_with_its_citation(cards):
    figure = next(r for r in rows("published_figures") if r["figure_id"] == headlines.FIGURE_46_PERCENT)
    card = cards["homes_outside_share_stated_2012"]
    assert card.value == float(figure["value"]) == 46
    assert figure["citation"] in card.source and "not given" in card.period
    assert "placed many miles from home" in figure["quote"]


def test_ownership_cards_recount_the_latest_complete_list(cards):
    complete = [r for r in rows("childrens_homes") if r["snapshot_kind"] == "providers_and_places"]
    latest = max(r["snapshot_date"] for r in complete)
    homes = [r for r in complete if r["snapshot_date"] == latest]
    sectors = Counter(r["sector"] for r in homes)
    assert cards["homes_total"].value == len(homes)
    assert cards["homes_total"].snapshot.isoformat() == latest
    assert cards["homes_private_share"].value == round(100 * sectors["Private"] / len(homes), 1)
    assert cards["homes_council_share"].value == round(100 * sectors["Local authority"] / len(homes), 1)
    for key in ("homes_total", "homes_private_share", "homes_council_share"):
        assert data.format_date(cards[key].snapshot) in cards[key].period


def test_missing_cards(cards):
    children = _latest("missing_from_care", measure="children_missing")
    incidents = _latest("missing_from_care", measure="missing_incidents")
    assert children["time_period"] == incidents["time_period"]
    assert cards["children_missing"].value == int(children["value"])
    assert cards["missing_incidents"].value == int(incidents["value"])
    assert f"31 March {children['time_period']}" in cards["children_missing"].period


def test_every_card_has_period_source_and_chapter(cards):
    chapters = {"out-of-area", "ownership", "where-homes-are", "missing", "reconciliation"}
    for card in cards.values():
        headline = card.headline()
        assert re.search(r"\b(19|20)\d\d\b", headline.period), card.key
        assert "Source: " in headline.source, card.key
        assert headline.chapter in chapters, card.key
    html = "".join(str(headlines.cards_block(group)) for group in ("placements", "homes", "missing"))
    assert html.count('class="ffh-card"') == len(cards)


def test_quotes_are_verbatim_in_the_seed_texts():
    seeds = settings.DEFAULT_MIRROR.parent / "seeds"
    documents = {r["document_id"]: r for r in reference("seed_documents")}

    def norm(text: str) -> str:
        return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())

    for document_id, _locator, text in headlines.QUOTES.values():
        seed = (seeds / documents[document_id]["seed_file"]).read_text(encoding="utf-8")
        assert norm(text) in norm(seed), text


def test_why_and_whats_new_blocks_render():
    why = str(headlines.why_block())
    for figure_id in (
        headlines.FIGURE_FOREWORD,
        headlines.FIGURE_HOST_COUNCILS,
        headlines.FIGURE_OWN_CHILDREN,
    ):
        figure = next(r for r in rows("published_figures") if r["figure_id"] == figure_id)
        assert figure["value_as_stated"] in why
    assert "statistical fog" in why
    changelog = list(csv.DictReader((settings.DATA_DIR / "changelog.csv").open(encoding="utf-8")))
    new = str(headlines.whats_new())
    assert data.format_date(date.fromisoformat(changelog[-1]["date"])) in new
