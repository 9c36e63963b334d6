"""analysis.datadiff on small data directories built here (tidy CSVs, datapackage.json, meta.json,
provenance.csv), laid out as analysis.publish writes them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from analysis import datadiff

KEY = ["time_period", "geographic_level", "new_la_code", "measure"]
COLUMNS = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "new_la_code",
    "la_name",
    "measure",
    "value",
    "value_note",
    "source_id",
    "source_release",
]
PROVENANCE_COLUMNS = [
    "source_id",
    "file_name",
    "url",
    "bytes",
    "sha256",
    "etag",
    "last_modified",
    "retrieved_at",
]


def row(year, level, code, measure, value, note=None, la_name=None, release="2024"):
    return {
        "time_period": year,
        "time_identifier": "Reporting year",
        "geographic_level": level,
        "country_code": "E92000001",
        "new_la_code": code,
        "la_name": la_name or ("" if code is None else f"LA {code}"),
        "measure": measure,
        "value": value,
        "value_note": note,
        "source_id": f"dfe-{release}",
        "source_release": release,
    }


def source(source_id, sha, size="100"):
    return {
        "source_id": source_id,
        "file_name": f"{source_id}.csv",
        "url": f"https://example.org/{source_id}.csv",
        "bytes": size,
        "sha256": sha,
        "etag": "",
        "last_modified": "",
        "retrieved_at": "2026-11-01T00:00:00Z",
    }


def write_data_dir(
    root: Path,
    datasets: dict[str, list[dict]],
    provenance: list[dict],
    *,
    key: list[str] | None = KEY,
    in_package: bool = True,
    meta: dict | None = None,
) -> Path:
    (root / "tidy").mkdir(parents=True)
    resources = []
    for name, rows in datasets.items():
        columns = list(rows[0]) if rows else COLUMNS
        with (root / "tidy" / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for r in rows:
                writer.writerow({k: "" if v is None else v for k, v in r.items()})
        schema = {"fields": [{"name": c, "type": "string"} for c in columns]}
        if key:
            schema["primaryKey"] = key
        resources.append({"name": name, "path": f"tidy/{name}.csv", "schema": schema})
        (root / "tidy" / f"{name}.meta.json").write_text(
            json.dumps(meta if meta is not None else {"name": name})
        )
    if in_package:
        (root / "datapackage.json").write_text(json.dumps({"name": "test", "resources": resources}))
    with (root / "provenance.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=PROVENANCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(provenance)
    return root


OLD_ROWS = [
    row(2023, "National", None, "children_looked_after", "83,840"),
    row(2023, "Local authority", "E06000001", "children_looked_after", "120"),
    row(2023, "Local authority", "E06000001", "placed_outside_la", None, note="suppressed (c)"),
    row(2023, "Local authority", "E06000002", "children_looked_after", "95"),
    row(2023, "Local authority", "E06000003", "children_looked_after", "40"),
]


def new_rows() -> list[dict]:
    rows = [dict(r) for r in OLD_ROWS]
    rows[1]["value"] = "125"  # revised: E06000001 children_looked_after 120 -> 125
    rows[2]["value"] = "15"  # suppressed -> published: blank -> 15 and its note cleared
    rows[2]["value_note"] = None
    rows[3]["la_name"] = "LA E06000002 (renamed)"  # not an indicator: counted, not listed as a revision
    del rows[4]  # removed: E06000003
    rows += [
        row(2024, "Local authority", "E06000001", "children_looked_after", "130"),  # new year
        row(2024, "Local authority", "E06000099", "children_looked_after", "7"),  # new LA
        row(2023, "Local authority", "E06000001", "placed_over_20_miles", "12"),  # new category
    ]
    return rows


@pytest.fixture
def dirs(tmp_path):
    old = write_data_dir(
        tmp_path / "old",
        {"placements": OLD_ROWS, "steady": OLD_ROWS[:2]},
        [source("dfe-2023", "a" * 64), source("dfe-2024", "b" * 64), source("gone", "c" * 64)],
    )
    new = write_data_dir(
        tmp_path / "new",
        {"placements": new_rows(), "steady": OLD_ROWS[:2]},
        [source("dfe-2023", "a" * 64), source("dfe-2024", "d" * 64, size="120"), source("fresh", "e" * 64)],
    )
    return old, new


def test_rows_added_removed_and_revised_per_primary_key(dirs):
    diff = datadiff.diff_dirs(*dirs)
    d = diff["datasets"]["placements"]
    assert d["status"] == "changed"
    assert d["primary_key"] == KEY
    assert (d["rows_old"], d["rows_new"]) == (5, 7)
    assert d["rows_added"] == 3 and d["rows_removed"] == 1
    assert d["removed_keys"] == [
        {
            "time_period": "2023",
            "geographic_level": "Local authority",
            "new_la_code": "E06000003",
            "measure": "children_looked_after",
        }
    ]
    revisions = {
        (r["key"]["new_la_code"], r["key"]["measure"], r["column"]): (r["old"], r["new"])
        for r in d["revisions"]
    }
    assert revisions == {
        ("E06000001", "children_looked_after", "value"): ("120", "125"),
        ("E06000001", "placed_outside_la", "value"): (None, "15"),
        ("E06000001", "placed_outside_la", "value_note"): ("suppressed (c)", None),
    }
    assert d["values_revised"] == 3 and d["rows_revised"] == 2
    assert d["revised_columns"] == {"value": 2, "value_note": 1}
    # a renamed area is not a value revision, but the change is not hidden either
    assert d["other_changes"] == {"la_name": 1}
    assert diff["datasets"]["steady"]["status"] == "unchanged"
    assert diff["summary"]["datasets_changed"] == ["placements"]


def test_new_las_categories_and_years(dirs):
    d = datadiff.diff_dirs(*dirs)["datasets"]["placements"]
    assert d["new_la_codes"] == ["E06000099"]
    assert d["new_years"] == ["2024"]
    # `measure` is the key's only filter column; geography and time columns are not categories
    assert d["new_categories"] == {"measure": ["placed_over_20_miles"]}


def test_source_files_whose_sha256_changed(dirs):
    sources = datadiff.diff_dirs(*dirs)["sources"]
    assert [(s["source_id"], s["change"]) for s in sources] == [
        ("dfe-2024", "changed"),
        ("fresh", "added"),
        ("gone", "removed"),
    ]
    changed = sources[0]
    assert (changed["old_sha256"], changed["new_sha256"]) == ("b" * 64, "d" * 64)
    assert (changed["old_bytes"], changed["new_bytes"]) == ("100", "120")


def test_identical_directories(tmp_path):
    old = write_data_dir(tmp_path / "old", {"placements": OLD_ROWS}, [source("dfe-2023", "a" * 64)])
    new = write_data_dir(tmp_path / "new", {"placements": OLD_ROWS}, [source("dfe-2023", "a" * 64)])
    diff = datadiff.diff_dirs(old, new)
    assert diff["changed"] is False
    assert diff["datasets"]["placements"]["status"] == "unchanged"
    assert diff["sources"] == []
    assert "No published file changed." in datadiff.render_markdown(diff)


def test_byte_change_outside_the_tidy_values_still_counts_as_changed(tmp_path):
    old = write_data_dir(tmp_path / "old", {"placements": OLD_ROWS}, [source("dfe-2023", "a" * 64)])
    new = write_data_dir(tmp_path / "new", {"placements": OLD_ROWS}, [source("dfe-2023", "a" * 64)])
    (new / "validation").mkdir()
    (new / "validation" / "placements.json").write_text("{}")
    diff = datadiff.diff_dirs(old, new)
    assert diff["changed"] is True and diff["summary"]["datasets_changed"] == []


def test_blank_stays_blank_is_not_a_revision(tmp_path):
    rows = [row(2023, "National", None, "children_looked_after", None, note="not available (x)")]
    old = write_data_dir(tmp_path / "old", {"d": rows}, [])
    new = write_data_dir(tmp_path / "new", {"d": rows}, [])
    assert datadiff.diff_dirs(old, new)["datasets"]["d"]["values_revised"] == 0


def test_dataset_added_and_removed(tmp_path):
    old = write_data_dir(tmp_path / "old", {"before": OLD_ROWS[:2]}, [])
    new = write_data_dir(tmp_path / "new", {"after": OLD_ROWS[:3]}, [])
    datasets = datadiff.diff_dirs(old, new)["datasets"]
    assert datasets["before"]["status"] == "removed" and datasets["before"]["rows_removed"] == 2
    assert datasets["after"]["status"] == "added" and datasets["after"]["rows_added"] == 3
    assert datasets["after"]["new_la_codes"] == ["E06000001"]


def test_primary_key_falls_back_to_meta_json(tmp_path):
    meta = {"name": "d", "schema": {"primaryKey": KEY}}
    old = write_data_dir(tmp_path / "old", {"d": OLD_ROWS}, [], in_package=False, key=None, meta=meta)
    new = write_data_dir(tmp_path / "new", {"d": new_rows()}, [], in_package=False, key=None, meta=meta)
    assert datadiff.primary_key(new, "d") == KEY
    assert datadiff.diff_dirs(old, new)["datasets"]["d"]["rows_added"] == 3


def test_meta_json_can_declare_indicators_and_filters(tmp_path):
    meta = {"primaryKey": KEY, "indicators": ["value"], "filters": ["measure", "la_name"]}
    old = write_data_dir(tmp_path / "old", {"d": OLD_ROWS}, [], in_package=False, key=None, meta=meta)
    new = write_data_dir(tmp_path / "new", {"d": new_rows()}, [], in_package=False, key=None, meta=meta)
    d = datadiff.diff_dirs(old, new)["datasets"]["d"]
    assert d["revised_columns"] == {"value": 2}  # value_note is not declared an indicator
    assert d["other_changes"] == {"la_name": 1, "value_note": 1}
    assert "la_name" in d["new_categories"]


def test_no_primary_key_is_an_error(tmp_path):
    old = write_data_dir(tmp_path / "old", {"d": OLD_ROWS}, [], key=None)
    new = write_data_dir(tmp_path / "new", {"d": OLD_ROWS}, [], key=None)
    with pytest.raises(datadiff.DataDiffError, match="no primary key"):
        datadiff.diff_dirs(old, new)


def test_duplicate_keys_are_an_error(tmp_path):
    old = write_data_dir(tmp_path / "old", {"d": OLD_ROWS}, [])
    new = write_data_dir(tmp_path / "new", {"d": OLD_ROWS + [OLD_ROWS[1]]}, [])
    with pytest.raises(datadiff.DataDiffError, match="share a primary key"):
        datadiff.diff_dirs(old, new)


def test_markdown_report(dirs):
    text = datadiff.render_markdown(datadiff.diff_dirs(*dirs))
    assert "### `placements` (changed)" in text
    assert "`steady`" not in text  # unchanged datasets are left out
    assert (
        "| time_period=2023, geographic_level=Local authority, new_la_code=E06000001, measure=children_looked_after | value | `120` | `125` |"
        in text
    )
    assert "| value_note | `suppressed (c)` | (blank) |" in text
    assert "- new years: 2024" in text
    assert "- new local authority codes: E06000099" in text
    assert "- new `measure` categories: placed_over_20_miles" in text
    assert "- other columns changed (rows): la_name: 1" in text
    assert "| dfe-2024 | dfe-2024.csv | changed | `bbbbbbbbbbbb` | `dddddddddddd` | 100 → 120 |" in text


def test_markdown_caps_revisions_and_size(tmp_path):
    old_rows = [
        row(2023, "Local authority", f"E0600{i:04d}", "children_looked_after", str(i)) for i in range(30)
    ]
    new_rows_ = [dict(r, value=str(int(r["value"]) + 1)) for r in old_rows]
    old = write_data_dir(tmp_path / "old", {"d": old_rows}, [])
    new = write_data_dir(tmp_path / "new", {"d": new_rows_}, [])
    diff = datadiff.diff_dirs(old, new)
    assert diff["datasets"]["d"]["values_revised"] == 30  # the dict keeps every revision
    text = datadiff.render_markdown(diff, max_revisions=5)
    table_rows = [line for line in text.splitlines() if line.startswith("| time_period=")]
    assert len(table_rows) == 5
    assert "First 5 of 30 revisions shown" in text
    short = datadiff.render_markdown(diff, max_revisions=30, max_chars=1500)
    assert len(short) <= 1500 and short.endswith("(report cut to fit; see the refresh artifacts)\n")


def test_diff_is_json_serialisable(dirs):
    json.dumps(datadiff.diff_dirs(*dirs))
