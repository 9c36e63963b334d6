"""The landing page's headline numbers, on the real published data.

Expected values are read here independently (csv module on data/tidy, the upstream SFR file in the
mirror, the cited documents' texts), never copied from the code under test.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from analysis import data, settings
from analysis.stories import headlines

TIDY = settings.TIDY_DIR
REFERENCE = settings.REFERENCE_DIR


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    with (TIDY / f"{name}.csv").open(newline="", encoding="utf-8-sig") as handle:
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
def cards() -> dict[str, headlines.Figure]:
    return {figure.key: figure for figure in headlines.figures()}


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


@pytest.mark.local_documents
def test_quotes_are_verbatim_in_the_documents(document_texts: dict[str, str]):
    def norm(text: str) -> str:
        return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())

    for document_id, _locator, text in headlines.QUOTES.values():
        assert norm(text) in norm(document_texts[document_id]), text


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
