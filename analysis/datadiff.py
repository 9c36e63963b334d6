"""Compare two published data directories (the committed `data/` and a freshly built one).

What changed, per tidy dataset (rows matched on the dataset's primary key from `datapackage.json`, or
its `<dataset>.meta.json` when the package does not say): rows added, rows removed, values revised
(old -> new, for indicator columns only), changes to other non-key columns (area names, source_release:
counted per column, not listed), new local authorities (`new_la_code`), new categories (values of filter
columns), new years (`time_period`); and, per upstream file, whether its sha256 changed (`provenance.csv`).

Indicators are the columns the dataset's meta.json lists as `indicators` when it does; otherwise every
column outside the primary key and the EES geography/time/provenance columns (layout.py). Filters are the
meta.json `filters`, else the key columns that are not geography or time.

Values are compared as the text written in the CSV, so a revision is exactly what a reader of the file
would see change. Everything here is a pure function of the two directories: `diff_dirs` returns a
plain dict (JSON-serialisable) and `render_markdown` turns it into a capped Markdown report (the body of
the refresh pull request).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import polars as pl

from analysis.layout import CURRENT_LA_COLUMNS, EES_GEOGRAPHY_COLUMNS, PROVENANCE_COLUMNS

# Columns that describe where/when a row is, or where it came from: never "indicators".
NON_INDICATOR_COLUMNS = set(EES_GEOGRAPHY_COLUMNS) | set(CURRENT_LA_COLUMNS) | set(PROVENANCE_COLUMNS)
# Columns of the key that are not categories (filters) either.
NON_FILTER_COLUMNS = NON_INDICATOR_COLUMNS

# Files a pipeline run publishes (relative to the data dir); everything else in data/ is input.
PUBLISHED_GLOBS = (
    "tidy/*.csv",
    "tidy/*.meta.json",
    "validation/*.json",
    "datapackage.json",
    "provenance.csv",
)

DEFAULT_MAX_REVISIONS = 20
DEFAULT_MAX_LIST = 25
# GitHub rejects issue and pull request bodies over 65,536 characters.
DEFAULT_MAX_CHARS = 60_000


class DataDiffError(ValueError):
    """The directories cannot be compared (no primary key, duplicate keys, unreadable file)."""


# --------------------------------------------------------------------------------------------------
# Reading one data directory
# --------------------------------------------------------------------------------------------------


def published_files(data_dir: Path) -> dict[str, bytes]:
    """relative path -> bytes, for every file a pipeline run publishes into `data_dir`."""
    files: dict[str, bytes] = {}
    for pattern in PUBLISHED_GLOBS:
        for path in sorted(data_dir.glob(pattern)):
            if path.is_file():
                files[path.relative_to(data_dir).as_posix()] = path.read_bytes()
    return files


def outputs_differ(old_dir: Path, new_dir: Path) -> bool:
    """True when any published file differs byte for byte, appears or disappears."""
    return published_files(old_dir) != published_files(new_dir)


def _datapackage_keys(data_dir: Path) -> dict[str, list[str]]:
    path = data_dir / "datapackage.json"
    if not path.is_file():
        return {}
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataDiffError(f"{path}: not valid JSON: {exc}") from exc
    keys: dict[str, list[str]] = {}
    for resource in package.get("resources", []):
        resource_path = resource.get("path")
        if isinstance(resource_path, list):  # Frictionless allows multipart paths
            resource_path = resource_path[0] if resource_path else None
        name = Path(resource_path).name.removesuffix(".csv") if resource_path else resource.get("name")
        key = (resource.get("schema") or {}).get("primaryKey")
        if name and key:
            keys[name] = [key] if isinstance(key, str) else list(key)
    return keys


def _read_meta(data_dir: Path, dataset: str) -> dict[str, Any]:
    path = data_dir / "tidy" / f"{dataset}.meta.json"
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataDiffError(f"{path}: not valid JSON: {exc}") from exc
    return meta if isinstance(meta, dict) else {}


def _meta_list(meta: dict[str, Any], *names: str) -> list[str] | None:
    """The first of `names` that is a list of column names (or a Frictionless-style nested schema)."""
    for name in names:
        value = meta.get(name)
        if value is None and isinstance(meta.get("schema"), dict):
            value = meta["schema"].get(name)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
    return None


def primary_key(
    data_dir: Path, dataset: str, *, package_keys: dict[str, list[str]] | None = None
) -> list[str]:
    """The dataset's primary key: datapackage.json first, then the dataset's meta.json."""
    keys = _datapackage_keys(data_dir) if package_keys is None else package_keys
    if dataset in keys:
        return keys[dataset]
    key = _meta_list(_read_meta(data_dir, dataset), "primaryKey", "primary_key", "key")
    if key:
        return key
    raise DataDiffError(
        f"dataset {dataset!r} in {data_dir}: no primary key in datapackage.json (schema.primaryKey) "
        "or in its meta.json"
    )


def read_tidy(path: Path) -> pl.DataFrame:
    """A tidy CSV with every column as text (so values compare exactly as published)."""
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except Exception as exc:  # polars raises several error types for unreadable CSVs
        raise DataDiffError(f"{path}: cannot read CSV: {exc}") from exc


def read_provenance(data_dir: Path) -> dict[tuple[str, str], dict[str, str]]:
    path = data_dir / "provenance.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["source_id"], row.get("file_name", "")): row for row in csv.DictReader(handle)}


# --------------------------------------------------------------------------------------------------
# Diffing
# --------------------------------------------------------------------------------------------------


def _indicator_columns(columns: list[str], key: list[str], meta: dict[str, Any]) -> list[str]:
    declared = _meta_list(meta, "indicators")
    if declared:
        return [c for c in declared if c in columns and c not in key]
    return [c for c in columns if c not in key and c not in NON_INDICATOR_COLUMNS]


def _filter_columns(columns: list[str], key: list[str], meta: dict[str, Any]) -> list[str]:
    declared = _meta_list(meta, "filters")
    if declared:
        return [c for c in declared if c in columns]
    return [c for c in key if c in columns and c not in NON_FILTER_COLUMNS]


def _check_unique(frame: pl.DataFrame, key: list[str], where: str) -> None:
    missing = [c for c in key if c not in frame.columns]
    if missing:
        raise DataDiffError(f"{where}: primary key columns {missing} are not in the file")
    duplicated = frame.filter(frame.select(key).is_duplicated())
    if duplicated.height:
        example = duplicated.select(key).row(0, named=True)
        raise DataDiffError(f"{where}: {duplicated.height} rows share a primary key, e.g. {example}")


def _sorted_values(values: set[str | None]) -> list[str]:
    clean = [v for v in values if v is not None]
    try:
        return sorted(clean, key=lambda v: (float(v), v))
    except ValueError:
        return sorted(clean)


def _new_values(old: pl.DataFrame | None, new: pl.DataFrame, column: str) -> list[str]:
    if column not in new.columns:
        return []
    new_values = set(new.get_column(column).unique().to_list())
    old_values = (
        set(old.get_column(column).unique().to_list()) if old is not None and column in old.columns else set()
    )
    return _sorted_values(new_values - old_values)


def diff_dataset(
    name: str,
    old: pl.DataFrame | None,
    new: pl.DataFrame | None,
    key: list[str],
    *,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Compare one dataset's old and new frames (text columns). Either may be None (added/removed)."""
    meta = meta or {}
    result: dict[str, Any] = {
        "dataset": name,
        "primary_key": list(key),
        "rows_old": old.height if old is not None else 0,
        "rows_new": new.height if new is not None else 0,
        "rows_added": 0,
        "rows_removed": 0,
        "rows_revised": 0,
        "values_revised": 0,
        "revised_columns": {},
        "revisions": [],
        "other_changes": {},
        "added_keys": [],
        "removed_keys": [],
        "columns_added": [],
        "columns_removed": [],
        "new_la_codes": [],
        "new_categories": {},
        "new_years": [],
    }
    if old is None and new is None:
        raise DataDiffError(f"dataset {name!r}: nothing to compare")
    if old is not None:
        _check_unique(old, key, f"old {name}")
    if new is not None:
        _check_unique(new, key, f"new {name}")

    if new is None:
        result["status"] = "removed"
        result["rows_removed"] = old.height
        result["removed_keys"] = old.select(key).sort(key).rows(named=True)
        return result

    columns = new.columns
    result["new_la_codes"] = _new_values(old, new, "new_la_code")
    result["new_years"] = _new_values(old, new, "time_period")
    for column in _filter_columns(columns, key, meta):
        values = _new_values(old, new, column)
        if values:
            result["new_categories"][column] = values

    if old is None:
        result["status"] = "added"
        result["rows_added"] = new.height
        result["added_keys"] = new.select(key).sort(key).rows(named=True)
        return result

    result["columns_added"] = [c for c in new.columns if c not in old.columns]
    result["columns_removed"] = [c for c in old.columns if c not in new.columns]

    old_keys = old.select(key)
    new_keys = new.select(key)
    added = new_keys.join(old_keys, on=key, how="anti", nulls_equal=True).sort(key)
    removed = old_keys.join(new_keys, on=key, how="anti", nulls_equal=True).sort(key)
    result["rows_added"] = added.height
    result["rows_removed"] = removed.height
    result["added_keys"] = added.rows(named=True)
    result["removed_keys"] = removed.rows(named=True)

    indicators = [c for c in _indicator_columns(columns, key, meta) if c in old.columns]
    # Everything else outside the key (area names, source_release, ...): counted per column, not listed.
    others = [c for c in columns if c in old.columns and c not in key and c not in indicators]
    compared = indicators + others
    if compared:
        both = old.select(key + compared).join(
            new.select(key + compared), on=key, how="inner", suffix="__new", nulls_equal=True
        )
        for column in others:
            count = both.filter(pl.col(column).ne_missing(pl.col(f"{column}__new"))).height
            if count:
                result["other_changes"][column] = count
        changed_any = pl.lit(False)
        for column in indicators:
            changed_any = changed_any | pl.col(column).ne_missing(pl.col(f"{column}__new"))
        changed = both.filter(changed_any).sort(key)
        result["rows_revised"] = changed.height
        revisions: list[dict[str, Any]] = []
        for row in changed.iter_rows(named=True):
            row_key = {k: row[k] for k in key}
            for column in indicators:
                if row[column] != row[f"{column}__new"]:
                    revisions.append(
                        {"key": row_key, "column": column, "old": row[column], "new": row[f"{column}__new"]}
                    )
                    result["revised_columns"][column] = result["revised_columns"].get(column, 0) + 1
        result["revisions"] = revisions
        result["values_revised"] = len(revisions)

    touched = (
        result["rows_added"]
        or result["rows_removed"]
        or result["values_revised"]
        or result["other_changes"]
        or result["columns_added"]
        or result["columns_removed"]
    )
    result["status"] = "changed" if touched else "unchanged"
    return result


def diff_sources(old_dir: Path, new_dir: Path) -> list[dict[str, Any]]:
    """Upstream files whose sha256 changed, appeared or disappeared (from provenance.csv)."""
    old = read_provenance(old_dir)
    new = read_provenance(new_dir)
    changes: list[dict[str, Any]] = []
    for ident in sorted(set(old) | set(new)):
        before, after = old.get(ident), new.get(ident)
        if before and after and before.get("sha256") == after.get("sha256"):
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        row = after or before
        changes.append(
            {
                "source_id": ident[0],
                "file_name": ident[1],
                "change": change,
                "old_sha256": (before or {}).get("sha256", ""),
                "new_sha256": (after or {}).get("sha256", ""),
                "old_bytes": (before or {}).get("bytes", ""),
                "new_bytes": (after or {}).get("bytes", ""),
                "url": row.get("url", ""),
                "retrieved_at": (after or {}).get("retrieved_at", ""),
            }
        )
    return changes


def _dataset_names(data_dir: Path) -> set[str]:
    return (
        {p.name.removesuffix(".csv") for p in (data_dir / "tidy").glob("*.csv")}
        if (data_dir / "tidy").is_dir()
        else set()
    )


def diff_dirs(old_dir: Path, new_dir: Path) -> dict[str, Any]:
    """Compare every tidy dataset and every source file of two data directories."""
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    old_keys = _datapackage_keys(old_dir)
    new_keys = _datapackage_keys(new_dir)
    datasets: dict[str, Any] = {}
    for name in sorted(_dataset_names(old_dir) | _dataset_names(new_dir)):
        old_path = old_dir / "tidy" / f"{name}.csv"
        new_path = new_dir / "tidy" / f"{name}.csv"
        old = read_tidy(old_path) if old_path.is_file() else None
        new = read_tidy(new_path) if new_path.is_file() else None
        if new is not None:
            key = primary_key(new_dir, name, package_keys=new_keys)
            meta = _read_meta(new_dir, name)
        else:
            key = primary_key(old_dir, name, package_keys=old_keys)
            meta = _read_meta(old_dir, name)
        datasets[name] = diff_dataset(name, old, new, key, meta=meta)
    sources = diff_sources(old_dir, new_dir)
    return {
        "changed": outputs_differ(old_dir, new_dir),
        "datasets": datasets,
        "sources": sources,
        "summary": {
            "datasets_changed": sorted(n for n, d in datasets.items() if d["status"] != "unchanged"),
            "rows_added": sum(d["rows_added"] for d in datasets.values()),
            "rows_removed": sum(d["rows_removed"] for d in datasets.values()),
            "values_revised": sum(d["values_revised"] for d in datasets.values()),
            "source_files_changed": len(sources),
        },
    }


# --------------------------------------------------------------------------------------------------
# Markdown (the refresh pull request body)
# --------------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "(blank)"
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return f"`{text}`" if text else "(empty)"


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(f"{k}={'(blank)' if v is None else v}" for k, v in key.items())


def _capped(values: list[Any], cap: int) -> str:
    shown = ", ".join(str(v) for v in values[:cap])
    return shown + (f", … and {len(values) - cap} more" if len(values) > cap else "")


def _short_sha(sha: str) -> str:
    return f"`{sha[:12]}`" if sha else "(none)"


def render_markdown(
    diff: dict[str, Any],
    *,
    max_revisions: int = DEFAULT_MAX_REVISIONS,
    max_list: int = DEFAULT_MAX_LIST,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """The data diff as Markdown, with at most `max_revisions` revisions and `max_list` keys per dataset."""
    summary = diff["summary"]
    lines: list[str] = ["## Data diff", ""]
    if not diff["changed"]:
        lines.append("No published file changed.")
        return "\n".join(lines) + "\n"
    lines += [
        f"- datasets changed: {len(summary['datasets_changed'])}"
        + (f" ({', '.join(summary['datasets_changed'])})" if summary["datasets_changed"] else ""),
        f"- rows added: {summary['rows_added']:,}; rows removed: {summary['rows_removed']:,}; "
        f"values revised: {summary['values_revised']:,}",
        f"- upstream files whose sha256 changed: {summary['source_files_changed']}",
        "",
    ]
    for name, d in diff["datasets"].items():
        if d["status"] == "unchanged":
            continue
        lines += [f"### `{name}` ({d['status']})", ""]
        lines.append(
            f"rows {d['rows_old']:,} → {d['rows_new']:,}: {d['rows_added']:,} added, {d['rows_removed']:,} removed, "
            f"{d['values_revised']:,} values revised in {d['rows_revised']:,} rows "
            f"(key: {', '.join(d['primary_key'])})"
        )
        lines.append("")
        if d["revised_columns"]:
            per_column = ", ".join(f"{c}: {n:,}" for c, n in d["revised_columns"].items())
            lines += [f"- revised by column: {per_column}"]
        if d["other_changes"]:
            per_column = ", ".join(f"{c}: {n:,}" for c, n in d["other_changes"].items())
            lines.append(f"- other columns changed (rows): {per_column}")
        if d["new_years"]:
            lines.append(f"- new years: {_capped(d['new_years'], max_list)}")
        if d["new_la_codes"]:
            lines.append(f"- new local authority codes: {_capped(d['new_la_codes'], max_list)}")
        for column, values in d["new_categories"].items():
            lines.append(f"- new `{column}` categories: {_capped(values, max_list)}")
        if d["columns_added"]:
            lines.append(f"- columns added: {', '.join(d['columns_added'])}")
        if d["columns_removed"]:
            lines.append(f"- columns removed: {', '.join(d['columns_removed'])}")
        if d["status"] == "changed":
            for label, keys in (("rows added", d["added_keys"]), ("rows removed", d["removed_keys"])):
                if keys:
                    shown = "; ".join(_key_text(k) for k in keys[:max_list])
                    more = f" … and {len(keys) - max_list:,} more" if len(keys) > max_list else ""
                    lines.append(f"- {label}: {shown}{more}")
        if d["revisions"]:
            lines += ["", "| key | column | old | new |", "| --- | --- | --- | --- |"]
            for revision in d["revisions"][:max_revisions]:
                lines.append(
                    f"| {_key_text(revision['key'])} | {revision['column']} | {_cell(revision['old'])} "
                    f"| {_cell(revision['new'])} |"
                )
            if len(d["revisions"]) > max_revisions:
                lines.append("")
                lines.append(
                    f"First {max_revisions} of {len(d['revisions']):,} revisions shown; the full list is in the "
                    "refresh artifacts and the commit diff."
                )
        lines.append("")
    if diff["sources"]:
        lines += ["### Upstream files", "", "| source | file | change | old sha256 | new sha256 | bytes |"]
        lines.append("| --- | --- | --- | --- | --- | --- |")
        for s in diff["sources"]:
            lines.append(
                f"| {s['source_id']} | {s['file_name']} | {s['change']} | {_short_sha(s['old_sha256'])} "
                f"| {_short_sha(s['new_sha256'])} | {s['old_bytes'] or '–'} → {s['new_bytes'] or '–'} |"
            )
        lines.append("")
    text = "\n".join(lines)
    if len(text) > max_chars:
        cut = text.rfind("\n", 0, max_chars - 200)
        text = (
            text[: cut if cut > 0 else max_chars - 200]
            + "\n\n… (report cut to fit; see the refresh artifacts)\n"
        )
    return text
