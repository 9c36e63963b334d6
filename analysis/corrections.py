"""Publishers' errors, recorded as data (data/reference/corrections.csv) and applied in the tidy stage.

Columns: `source` (a source id, or a family to cover every release of it), `record` (`*` for the whole file,
else `column=value` conditions joined by `;`, a value may list alternatives `a|b`), `field` (the column
corrected, or `reference_period` for a whole file's date), `published_value`, `corrected_value` (empty =
no value: the published cell is not a figure), `reason`, `evidence`.

A correction only applies while the file still says what the row says it says. A correction for one source
whose published value has changed (the publisher fixed it) stops the run and asks for the row to be reviewed,
so a correction can never silently overwrite a new figure; a correction for a family applies to each release
that repeats the error and leaves a release that publishes something else as published. Every correction applied is marked on the row it
changed (the dataset's note column says so) and listed on the methodology page.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from analysis.errors import ParseError

TABLE = "data/reference/corrections.csv"
COLUMNS = ["source", "record", "field", "published_value", "corrected_value", "reason", "evidence"]


@dataclass(frozen=True)
class Correction:
    source: str
    record: str
    field: str
    published_value: str
    corrected_value: str
    reason: str
    evidence: str

    @property
    def whole_file(self) -> bool:
        return self.record.strip() == "*"

    def conditions(self) -> dict[str, list[str]]:
        if self.whole_file:
            return {}
        out = {}
        for part in self.record.split(";"):
            column, _, values = part.partition("=")
            out[column.strip()] = [v.strip() for v in values.split("|")]
        return out

    def applies_to(self, source) -> bool:
        return self.source in (source.source_id, source.family)

    def note(self) -> str:
        published = self.published_value or "blank"
        corrected = self.corrected_value or "no value"
        return f"corrected: published {published}, {corrected} here ({self.reason})"


def load(reference_dir: Path) -> list[Correction]:
    path = Path(reference_dir) / "corrections.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if list(reader.fieldnames or []) != COLUMNS:
            raise ValueError(f"{TABLE}: columns must be {COLUMNS}; found {reader.fieldnames}")
        rows = [Correction(**row) for row in reader]
    for number, row in enumerate(rows, start=2):
        if not row.reason.strip() or not row.evidence.strip():
            raise ValueError(f"{TABLE}, line {number}: every correction needs a reason and evidence")
        if not row.whole_file:
            for part in row.record.split(";"):
                if "=" not in part:
                    raise ValueError(f"{TABLE}, line {number}: record {row.record!r} is not column=value;...")
    return rows


def correct_source(source, corrections: list[Correction]):
    """A manifest row with its whole-file corrections applied (e.g. a list's date wrongly labelled)."""
    for correction in corrections:
        if not (correction.applies_to(source) and correction.whole_file):
            continue
        current = getattr(source, correction.field, None)
        if current is None:
            raise ValueError(f"{TABLE}: field {correction.field!r} is not a manifest column")
        if current != correction.published_value:
            raise ParseError(
                source.source_id,
                source.file_name,
                "correction still matches the file",
                f"{TABLE} corrects {correction.field} {correction.published_value!r} -> "
                f"{correction.corrected_value!r}, but the manifest now says {current!r}: review the correction",
            )
        note = f"{source.note} {correction.note()}".strip()
        source = replace(source, **{correction.field: correction.corrected_value, "note": note})
    return source


def apply(
    frame: pl.DataFrame, file, corrections: list[Correction], *, note_column: str = "value_note"
) -> pl.DataFrame:
    """Apply the record corrections that concern this file to a frame read from it.

    Each matching row's `field` must hold `published_value` (compared as text), else ParseError: the
    correction no longer describes the file. The corrected value replaces it (empty: null) and the row's
    `note_column` says what was corrected and why; rows of a file with a whole-file correction say so too."""
    source = file.source
    if note_column not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(note_column))
    for correction in corrections:
        if correction.whole_file or not correction.applies_to(source):
            continue
        conditions = correction.conditions()
        missing = [c for c in [*conditions, correction.field] if c not in frame.columns]
        if missing:
            raise ParseError(
                source.source_id,
                file.name,
                "correction names known columns",
                f"{TABLE}: no column(s) {missing}",
            )
        match = pl.lit(True)
        for column, values in conditions.items():
            match = match & pl.col(column).cast(pl.Utf8).is_in(values)
        target = frame.filter(match)
        if target.is_empty():
            continue  # this release does not hold the record
        published = target[correction.field].cast(pl.Utf8).fill_null("")
        wrong = [v for v in published.to_list() if v != correction.published_value]
        if wrong and correction.source == source.family:
            # a family-wide correction covers the releases that repeat the error; a release that publishes
            # something else for the record (a fix, or a symbol) is read as published
            match = match & (
                pl.col(correction.field).cast(pl.Utf8).fill_null("") == correction.published_value
            )
            if frame.filter(match).is_empty():
                continue
        elif wrong:
            raise ParseError(
                source.source_id,
                file.name,
                "correction still matches the file",
                f"{TABLE} expects {correction.field} = {correction.published_value!r} for {correction.record!r}, "
                f"the file has {sorted(set(wrong))[:5]}: the publisher may have fixed it; review the correction",
            )
        dtype = frame.schema[correction.field]
        corrected = (
            pl.lit(None, dtype=dtype)
            if correction.corrected_value == ""
            else pl.lit(correction.corrected_value).cast(dtype)
        )
        frame = frame.with_columns(
            pl.when(match).then(corrected).otherwise(pl.col(correction.field)).alias(correction.field),
            pl.when(match).then(pl.lit(correction.note())).otherwise(pl.col(note_column)).alias(note_column),
        )
    for correction in corrections:
        # a whole-file correction (already applied to the manifest row) is noted on every row read from the
        # file, so a row whose date differs from its release's label says why
        if correction.whole_file and correction.applies_to(source):
            note = f"{correction.field.replace('_', ' ')} {correction.note()}"
            frame = frame.with_columns(pl.col(note_column).fill_null(pl.lit(note)))
    return frame
