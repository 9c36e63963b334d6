"""The reconciliation page's datasets, on the real published data: homes_rebuilt_totals (Ofsted's lists completed
with the homes not yet inspected), council_run_homes_by_owner (councils running homes anywhere) and
published_figures_reconciled (every published figure beside the official data).

Expected values are recomputed here from the published per-home list (csv module on data/tidy/childrens_homes.csv),
taken from the publisher's figures held in data/reference, or from the upstream SFR file; never copied from the
code under test.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from analysis import settings
from analysis.datasets import council_run_homes_by_owner as owners
from analysis.datasets import homes_rebuilt_totals as rebuilt_module
from analysis.datasets import published_figures_reconciled as rec
from analysis.numbers_check import published_values
from analysis.validate import validate

TIDY = settings.TIDY_DIR
ORDINARY = "Children's home (not short-break-only)"
ALL = "All children's homes"


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    with (TIDY / f"{name}.csv").open(newline="", encoding="utf-8-sig") as handle:
        return tuple(csv.DictReader(handle))


@cache
def published_totals() -> tuple[dict[str, str], ...]:
    with (settings.REFERENCE_DIR / "ofsted_published_totals.csv").open(
        newline="", encoding="utf-8"
    ) as handle:
        return tuple(csv.DictReader(handle))


def total(reference_date: str, measure: str) -> int:
    found = [
        r for r in published_totals() if r["reference_date"] == reference_date and r["measure"] == measure
    ]
    assert len(found) == 1, (reference_date, measure)
    return int(found[0]["value"])


def one(name: str, **filters: str) -> dict[str, str]:
    found = [r for r in rows(name) if all(r[k] == v for k, v in filters.items())]
    assert len(found) == 1, (name, filters, len(found))
    return found[0]


def homes_on(day: str) -> list[dict[str, str]]:
    return [r for r in rows("childrens_homes") if r["snapshot_date"] == day]


@cache
def registered_on() -> dict[str, str]:
    """Each home's registration date: the earliest any list gives it."""
    found: dict[str, str] = {}
    for r in rows("childrens_homes"):
        if r["registration_date"] and (r["urn"] not in found or r["registration_date"] < found[r["urn"]]):
            found[r["urn"]] = r["registration_date"]
    return found


def not_yet_inspected(day: str) -> list[dict[str, str]]:
    """Homes registered by `day` that the list for `day` leaves out, as the first later list holds them."""
    listed = {r["urn"] for r in homes_on(day)}
    first_later: dict[str, dict[str, str]] = {}
    for r in sorted(rows("childrens_homes"), key=lambda r: r["snapshot_date"]):
        if r["snapshot_date"] > day and r["urn"] not in listed and r["urn"] not in first_later:
            first_later[r["urn"]] = r
    return [r for urn, r in first_later.items() if registered_on().get(urn, "9999") <= day]


def ordinary(home: dict[str, str]) -> bool:
    return home["provision_type"] == "Children's home" and home["short_break_only"] == "false"


# --------------------------------------------------------------------------------------------------
# homes_rebuilt_totals
# --------------------------------------------------------------------------------------------------


def test_2023_rebuilt_on_ofsteds_definition_from_the_per_home_list():
    day = "2023-03-31"
    listed = [h for h in homes_on(day) if ordinary(h)]
    added = [h for h in not_yet_inspected(day) if ordinary(h)]
    row = one("homes_rebuilt_totals", snapshot_date=day, homes_group=ORDINARY, sector="All sectors")
    assert int(row["homes_in_list"]) == len(listed)
    assert int(row["places_in_list"]) == sum(int(h["places"]) for h in listed)
    assert int(row["homes_registered_not_in_list"]) == len(added)
    assert int(row["places_registered_not_in_list"]) == sum(int(h["places"]) for h in added)
    homes, places = len(listed) + len(added), sum(int(h["places"]) for h in listed + added)
    assert (int(row["homes_rebuilt"]), int(row["places_rebuilt"])) == (homes, places)
    # Ofsted's published 2,880 homes and 10,818 places: the rebuild comes within 0.5% of both, from below
    published_homes, published_places = total(day, "homes"), total(day, "places")
    assert (int(row["published_homes"]), int(row["published_places"])) == (published_homes, published_places)
    assert 0 <= published_homes - homes <= 0.005 * published_homes
    assert 0 <= published_places - places <= 0.005 * published_places
    # the list's own total of all three types is close to Ofsted's only by the two differences cancelling
    everything = one("homes_rebuilt_totals", snapshot_date=day, homes_group=ALL, sector="All sectors")
    assert int(everything["homes_in_list"]) == len(homes_on(day))
    assert int(everything["homes_in_list"]) > published_homes > len(listed)
    private = one("homes_rebuilt_totals", snapshot_date=day, homes_group=ORDINARY, sector="Private")
    assert int(private["homes_rebuilt"]) == sum(h["sector"] == "Private" for h in listed + added)


def test_2019_council_run_homes_rebuilt_equal_ofsteds_published_418():
    day = "2019-03-31"
    listed = [h for h in homes_on(day) if h["sector"] == "Local authority"]
    added = [h for h in not_yet_inspected(day) if h["sector"] == "Local authority"]
    row = one("homes_rebuilt_totals", snapshot_date=day, homes_group=ALL, sector="Local authority")
    assert (int(row["homes_in_list"]), int(row["homes_registered_not_in_list"])) == (len(listed), len(added))
    assert int(row["homes_rebuilt"]) == len(listed) + len(added) == total(day, "council_run_homes")
    assert row["rebuilt_minus_published_homes"] == "0"


def test_a_complete_list_needs_nothing_added():
    row = one("homes_rebuilt_totals", snapshot_date="2018-03-31", homes_group=ALL, sector="All sectors")
    assert row["snapshot_kind"] == "providers_and_places"
    assert row["homes_registered_not_in_list"] == "0"
    assert int(row["homes_rebuilt"]) == len(homes_on("2018-03-31")) == total("2018-03-31", "homes")


def test_short_break_groups_only_where_every_home_is_flagged():
    flagged = {
        day
        for day in {r["snapshot_date"] for r in rows("childrens_homes")}
        if all(
            h["short_break_only"]
            for h in homes_on(day) + not_yet_inspected(day)
            if h["provision_type"] == "Children's home"
        )
    }
    dates = {r["snapshot_date"] for r in rows("homes_rebuilt_totals") if r["homes_group"] == ORDINARY}
    assert dates == flagged and "2023-03-31" in dates and "2019-03-31" not in dates


def test_rebuilt_suite_passes_and_catches_a_bad_sector_sum():
    frame = pl.read_csv(TIDY / "homes_rebuilt_totals.csv", try_parse_dates=True)
    dataset = rebuilt_module.DATASET
    report = validate(dataset, frame, dataset.views(frame))
    assert report.success, [o.as_dict() for o in report.failures]
    broken = frame.with_columns(
        pl.when(pl.col("sector") == "Private")
        .then(pl.col("homes_in_list") + 1)
        .otherwise(pl.col("homes_in_list"))
    )
    report = validate(dataset, broken, dataset.views(broken))
    assert "sectors_vs_all" in {o.view for o in report.failures}


# --------------------------------------------------------------------------------------------------
# council_run_homes_by_owner
# --------------------------------------------------------------------------------------------------


def test_47_councils_run_no_home_and_48_have_none_in_their_area_at_31_march_2019():
    england = one("council_run_homes_by_owner", snapshot_date="2019-03-31", geographic_level="National")
    debate = one("published_figures", figure_id="deb19_012")
    assert int(england["councils_running_no_home"]) == int(float(debate["value"]))  # the debate's 47
    located = one("council_run_homes", snapshot_date="2019-03-31", geographic_level="National")
    assert (
        england["councils_without_council_run_home_located"] == located["councils_without_council_run_home"]
    )
    assert (
        int(england["councils_without_council_run_home_located"])
        == int(england["councils_running_no_home"]) + 1
    )
    assert england["councils_running_no_home_counting_not_in_list"] == england["councils_running_no_home"]


def test_wolverhampton_runs_a_home_located_in_staffordshire():
    homes = [
        h
        for h in homes_on("2019-03-31")
        if h["sector"] == "Local authority" and "wolverhampton" in (h["owner_name_published"] or "").lower()
    ]
    assert [h["la_name"] for h in homes] == ["Staffordshire"]
    wolverhampton = one(
        "council_run_homes_by_owner",
        snapshot_date="2019-03-31",
        geographic_level="Local authority",
        la_name="Wolverhampton",
    )
    assert (
        wolverhampton["homes_run"] == "1"
        and wolverhampton["homes_run_elsewhere_located_in"] == "Staffordshire"
    )
    assert wolverhampton["no_council_run_home_located"] == "true" and wolverhampton["runs_no_home"] == "false"


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        ("North East Lincolnshire Council", ["North East Lincolnshire"]),
        ("Lincolnshire County Council", ["Lincolnshire"]),
        ("Wolverhampton City Council", ["Wolverhampton"]),
        ("Hull City Council", ["Kingston upon Hull, City of"]),
        ("Bradstow School (Wandsworth Local Authority)", ["Wandsworth"]),
        ("Peterborough City & Cambridgeshire County Councils", ["Cambridgeshire", "Peterborough"]),
        ("The Governing Body of Bents Green School", []),
        ("Worcestershire Health And Care NHS Trust", []),
        (None, []),
    ],
)
def test_owner_names_name_their_councils(owner, expected):
    names = [
        "North East Lincolnshire",
        "Lincolnshire",
        "Wolverhampton",
        "Kingston upon Hull, City of",
        "Wandsworth",
        "Peterborough",
        "Cambridgeshire",
        "Sheffield",
        "Worcestershire",
    ]
    keys = {owners._key(name): name for name in names}
    found = owners.running_councils(owner, {key: name for key, name in keys.items()})
    assert found == sorted(expected)


def test_owner_suite_passes():
    frame = pl.read_csv(
        TIDY / "council_run_homes_by_owner.csv", try_parse_dates=True, infer_schema_length=None
    )
    dataset = owners.DATASET
    report = validate(dataset, frame, dataset.views(frame))
    assert report.success, [o.as_dict() for o in report.failures]


# --------------------------------------------------------------------------------------------------
# published_figures_reconciled
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records() -> list[dict[str, str]]:
    return list(rows("published_figures_reconciled"))


def number(value: str) -> float | None:
    return float(value) if value else None


def test_every_published_figure_has_exactly_one_row(records):
    assert sorted(r["figure_id"] for r in records) == sorted(
        r["figure_id"] for r in rows("published_figures")
    )


def test_summary_counts_the_rows(records):
    counts = Counter((r["document_id"], r["status"]) for r in records)
    for row in rows("published_figures_reconciled_summary"):
        if row["document_id"] == "all":
            expected = sum(n for (_, status), n in counts.items() if status == row["status"])
        else:
            expected = counts.get((row["document_id"], row["status"]), 0)
        assert int(row["figures"]) == expected, row


def _precision(value: float) -> float:
    number_, step = int(value), 1
    while number_ and number_ % (step * 10) == 0:
        step *= 10
    return step


def test_status_follows_the_numbers(records):
    """matches <=> the official value is what the document's figure and wording allow (an independent rule)."""
    for r in records:
        if r["status"] not in rec.COMPARED or r["unit"] == "fraction":
            continue
        stated, ours, qualifier = (
            float(r["published_value"]),
            float(r["official_value"]),
            r["value_qualifier"],
        )
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
        digits = 1 if r["unit"] == "percent" else 0
        assert float(r["difference"]) == pytest.approx(round(ours - stated, digits)), r["figure_id"]


def test_ofsted_2023_totals_are_explained_by_the_rebuild(records):
    rebuilt = one(
        "homes_rebuilt_totals", snapshot_date="2023-03-31", homes_group=ORDINARY, sector="All sectors"
    )
    for figure_id, column in (("ofsted23_001", "homes_rebuilt"), ("ofsted23_002", "places_rebuilt")):
        row = next(r for r in records if r["figure_id"] == figure_id)
        assert row["status"] == rec.EXPLAINED, row["status"]  # no longer "cause not established"
        assert float(row["official_value"]) == float(rebuilt[column])
        assert row["official_dataset"] == "homes_rebuilt_totals"
    homes = next(r for r in records if r["figure_id"] == "ofsted23_001")
    for group in ("Children's home (short-break-only)", "Secure children's home"):
        part = one(
            "homes_rebuilt_totals", snapshot_date="2023-03-31", homes_group=group, sector="All sectors"
        )
        assert f"{int(part['homes_in_list']):,}" in homes["explanation"]


def test_the_debates_47_matches_councils_running_no_home(records):
    row = next(r for r in records if r["figure_id"] == "deb19_012")
    assert row["status"] == rec.MATCHES and float(row["official_value"]) == 47
    assert "Wolverhampton" in row["explanation"] and "Staffordshire" in row["explanation"]
    assert "48" in row["explanation"] and "418" in row["explanation"]


def test_930_is_shown_as_a_different_measure(records):
    sfr = one("missing_over_24_hours", geographic_level="National", time_period="2011")
    for figure_id in ("appg12_002", "appg12_015", "appg12_022", "appg12_055"):
        row = next(r for r in records if r["figure_id"] == figure_id)
        assert row["status"] == rec.DIFFERENT and row["difference"] == ""
        assert float(row["official_value"]) == float(sfr["value"])


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


def test_nearly_22000_is_set_beside_the_sfr_2011_count(records, mirror_dir: Path):
    row = next(r for r in records if r["figure_id"] == "appg12_037")
    assert float(row["official_value"]) == _sfr_national(mirror_dir, "sfr-2011", "CLA_Outbound")
    assert row["status"] == rec.NOT_ESTABLISHED  # 'nearly 22,000' cannot be more than 22,000


def test_not_reproducible_rows_give_a_reason_and_no_value(records):
    for r in records:
        if r["status"] == rec.NOT_REPRODUCIBLE:
            assert r["reason"] in rec.REASONS.values() and r["official_value"] == "", r["figure_id"]
        else:
            assert r["reason"] == "" and r["explanation"] and r["official_dataset"] and r["source_release"], (
                r["figure_id"]
            )


DENIED = re.compile(r"mirror|seed|DATA-MAP|shared/upstream|\.\./shared|/work/|project's source notes", re.I)
UNFILLED = re.compile(r"\{|\}|\bNone\b|\bnan\b")  # a template or a missing value printed as text
NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")


def test_explanations_hold_only_published_numbers_and_no_build_words(records):
    """Every number in an explanation is a value of a published dataset, as shown (years and dates aside)."""
    values = published_values(settings.DATA_DIR)
    problems = []
    for r in records:
        words = r["explanation"]
        for pattern in (DENIED, UNFILLED):
            if pattern.search(words):
                problems.append(f"{r['figure_id']}: {pattern.search(words).group(0)!r}")
        words = re.sub(
            r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b",
            " ",
            words,
        )
        for token in NUMBER.findall(words):
            bare = token.replace(",", "")
            if re.fullmatch(r"(19|20)\d\d", bare):
                continue
            places = len(bare.split(".")[1]) if "." in bare else 0
            if Decimal(bare).normalize() not in values[min(places, 2)]:
                problems.append(f"{r['figure_id']}: {token}")
    assert not problems, problems


def test_a_figure_without_a_rule_is_an_error():
    figure = {"figure_id": "zz12_999", "measure": "anything"}
    with pytest.raises(rec.UnclassifiedFigure):
        rec.reconcile(figure, frames=None)


@pytest.mark.parametrize(
    ("stated", "qualifier", "ours", "unit", "expected"),
    [
        (65000, "just over", 65520, "count", True),
        (65000, "just over", 66100, "count", False),
        (22000, "nearly", 22990, "count", False),
        (22000, "nearly", 21800, "count", True),
        (65000, "around", 65520, "count", True),
        (75, "some", 73.95, "percent", False),
        (55, "", 54.6, "percent", True),
        (19, "", 18.4, "percent", False),
        (2209, "", 2209, "count", True),
    ],
)
def test_agrees(stated, qualifier, ours, unit, expected):
    assert rec.agrees(stated, qualifier, ours, unit) is expected


def test_reconciled_suite_passes_and_catches_a_wrong_difference():
    frame = pl.read_csv(TIDY / "published_figures_reconciled.csv", infer_schema_length=None)
    dataset = rec.DATASETS[0]
    report = validate(dataset, frame, dataset.views(frame))
    assert report.success, [o.as_dict() for o in report.failures]
    broken = frame.with_columns(
        pl.when(pl.col("figure_id") == "ofsted23_001")
        .then(0.0)
        .otherwise(pl.col("difference"))
        .alias("difference")
    )
    report = validate(dataset, broken, dataset.views(broken))
    assert {(o.view, o.kwargs.get("column")) for o in report.failures} == {("compared", "difference_error")}


def test_every_ofsted_published_total_is_a_reconciled_figure(records):
    reconciled = {r["figure_id"]: r for r in records}
    for total_row in published_totals():
        row = reconciled[total_row["figure_id"]]
        assert float(row["published_value"]) == float(total_row["value"]), total_row


@pytest.mark.parametrize("value", ["2,880", "10,818", "44.9%", "−1", "31 March 2023", "Children's homes"])
def test_a_glued_number_pastes_as_written(value):
    """{glue:text} reads the text/plain repr through ast.literal_eval: '2,880' must not become '(2, 880)'."""
    from myst_nb.core.variables import format_plain_text

    from analysis.book import Text

    assert format_plain_text(repr(Text(value)), "s") == value
