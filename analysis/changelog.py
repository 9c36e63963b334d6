"""The data changelog (data/changelog.csv): what each refresh changed, kept for ever.

Written by the refresh (analysis/refresh.py) and read by the book (its changelog page, the landing page's
"What's new" and the Atom feed `changes.xml`); a neutral module so the book never imports the refresh job.

One row per changed upstream file and per changed dataset per refresh. Append-only: rows are never
rewritten (`append_changelog` refuses a file whose header is not CHANGELOG_COLUMNS).
"""

from __future__ import annotations

import csv
import datetime as dt
from html import escape
from pathlib import Path
from typing import Any

from analysis import settings

CHANGELOG_FILE = settings.DATA_DIR / "changelog.csv"
CHANGELOG_COLUMNS = [
    "date",
    "change",
    "source_id",
    "file_name",
    "old_sha256",
    "new_sha256",
    "dataset",
    "rows_added",
    "rows_removed",
    "values_revised",
    "new_years",
    "new_la_codes",
    "revisions",
    "note",
]
# `change` values, in the order a refresh writes them.
CHANGE_KINDS = (
    "initial_import",
    "source_added",
    "source_changed",
    "source_removed",
    "dataset_added",
    "dataset_changed",
    "dataset_removed",
)
CHANGELOG_REVISIONS = 10  # revisions quoted per dataset row (old -> new); counts are always complete
INITIAL_IMPORT_NOTE = "initial import of the published files"


LABELS = {
    "initial_import": "initial import",
    "source_added": "new source file",
    "source_changed": "source file revised",
    "source_removed": "source file removed",
    "dataset_added": "new dataset",
    "dataset_changed": "dataset revised",
    "dataset_removed": "dataset removed",
}


def _revision_text(revision: dict[str, Any]) -> str:
    key = ", ".join(f"{k}={'' if v is None else v}" for k, v in revision["key"].items())
    old = "(blank)" if revision["old"] is None else revision["old"]
    new = "(blank)" if revision["new"] is None else revision["new"]
    return f"{key}: {revision['column']} {old} -> {new}"


def changelog_rows(diff: dict[str, Any], date: dt.date) -> list[dict[str, str]]:
    """One row per upstream file whose sha256 changed and per dataset that changed."""
    rows: list[dict[str, str]] = []
    for source in diff["sources"]:
        rows.append(
            {
                "date": date.isoformat(),
                "change": f"source_{source['change']}",
                "source_id": source["source_id"],
                "file_name": source["file_name"],
                "old_sha256": source["old_sha256"],
                "new_sha256": source["new_sha256"],
            }
        )
    for name, d in diff["datasets"].items():
        if d["status"] == "unchanged":
            continue
        revisions = d["revisions"][:CHANGELOG_REVISIONS]
        note = ""
        if len(d["revisions"]) > CHANGELOG_REVISIONS:
            note = f"first {CHANGELOG_REVISIONS} of {len(d['revisions'])} revisions quoted"
        rows.append(
            {
                "date": date.isoformat(),
                "change": f"dataset_{d['status']}",
                "dataset": name,
                "rows_added": str(d["rows_added"]),
                "rows_removed": str(d["rows_removed"]),
                "values_revised": str(d["values_revised"]),
                "new_years": " ".join(d["new_years"]),
                "new_la_codes": " ".join(d["new_la_codes"]),
                "revisions": "; ".join(_revision_text(r) for r in revisions),
                "note": note,
            }
        )
    return [{column: row.get(column, "") for column in CHANGELOG_COLUMNS} for row in rows]


def read_changelog(path: Path = CHANGELOG_FILE) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != CHANGELOG_COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames} are not {CHANGELOG_COLUMNS}")
        return list(reader)


def append_changelog(path: Path, rows: list[dict[str, str]]) -> None:
    """Append rows (writing the header first if the file is new). Existing rows are never rewritten."""
    new_file = not path.exists() or path.stat().st_size == 0
    if not new_file:
        read_changelog(path)  # refuses a file whose header is not CHANGELOG_COLUMNS
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CHANGELOG_COLUMNS, lineterminator="\n")
        if new_file:
            writer.writeheader()
        writer.writerows(rows)


def initial_import_row(date: dt.date) -> dict[str, str]:
    row = {column: "" for column in CHANGELOG_COLUMNS}
    row.update(date=date.isoformat(), change="initial_import", note=INITIAL_IMPORT_NOTE)
    return row


def entry_title(row: dict[str, str]) -> str:
    """A changelog row in a few words: 'dataset revised: placements_at_31_march (new years 2025)'."""
    label = LABELS.get(row["change"], row["change"])
    what = row["dataset"] or row["file_name"] or row["note"]
    extra = f" (new years {row['new_years']})" if row.get("new_years") else ""
    return f"{label}: {what}{extra}" if what else label


def entry_summary(row: dict[str, str]) -> str:
    parts = []
    if row.get("source_id"):
        parts.append(
            f"source {row['source_id']} ({row['file_name']}), sha256 {row['old_sha256'][:12] or 'none'} -> {row['new_sha256'][:12] or 'none'}"
        )
    if row.get("dataset"):
        parts.append(
            f"{row['rows_added'] or 0} rows added, {row['rows_removed'] or 0} removed, {row['values_revised'] or 0} values revised"
        )
    if row.get("revisions"):
        parts.append("revisions: " + row["revisions"])
    if row.get("note"):
        parts.append(row["note"])
    return "; ".join(parts)


def atom_feed(rows: list[dict[str, str]], site_url: str, generated: dt.date) -> str:
    """An Atom feed (RFC 4287) of the changelog, newest first: one entry per release taken in or data change.
    Entry ids are tag URIs (stable whatever the site's address); links use the address when it is set."""
    link = f"{site_url}changelog.html" if site_url else "changelog.html"
    self_link = f"{site_url}changes.xml" if site_url else "changes.xml"
    updated = max((r["date"] for r in rows), default=generated.isoformat())
    entries = []
    for index, row in enumerate(rows):
        ident = f"tag:far-from-home,{row['date'][:4]}:changes/{row['date']}/{index}"
        entries.append(
            "  <entry>\n"
            f"    <id>{ident}</id>\n"
            f"    <title>{escape(entry_title(row))}</title>\n"
            f"    <updated>{row['date']}T00:00:00Z</updated>\n"
            f'    <link rel="alternate" type="text/html" href="{escape(link)}"/>\n'
            f"    <summary>{escape(entry_summary(row))}</summary>\n"
            "  </entry>\n"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>tag:far-from-home,2026:changes</id>\n"
        "  <title>Far from home: data changes</title>\n"
        "  <subtitle>Each release of official statistics taken in, and each change to the published data.</subtitle>\n"
        f"  <updated>{updated}T00:00:00Z</updated>\n"
        "  <author><name>Far from home</name></author>\n"
        f'  <link rel="self" type="application/atom+xml" href="{escape(self_link)}"/>\n'
        f'  <link rel="alternate" type="text/html" href="{escape(link)}"/>\n'
        + "".join(reversed(entries))
        + "</feed>\n"
    )
