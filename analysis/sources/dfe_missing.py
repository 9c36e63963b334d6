"""Children looked after who went missing or were away from placement without authorisation (DfE).

Readers for every layout the measures have been published in, each returning long frames (one row per area x
year x measure) in the EES geography columns, with `value` (Int64 counts), `rate` (Float64 percentages and
averages), `value_note` (the published symbol's meaning), `source_id`/`source_release`/`release_rank`/`table`:

- SFR 2015-2017 missing files (`CLA_MissDuringYear` ..., `Miss_Miss_*` in 2017; sfr_columns.csv);
- EES `la_children_who_were_missing_or_away_from_placement_without_authorisation.csv` (`cla_group`, spelt
  `CLA_group` from the 2023 release; ees_columns.csv), labels in ees_labels.csv;
- EES national official statistics files (incidents by placement type and by placement inside/outside the
  council boundary);
- SFR 2011-2014 `CLA_Miss` in the CLA files: children missing from their agreed placement for more than 24
  hours at 31 March, a different measure (a placement category) from everything above.

Shared conventions (London sub-regions, placeholder council-years, symbols, the revision policy) live in
analysis/sources/dfe.py.
"""

from __future__ import annotations

import polars as pl

from analysis import corrections
from analysis.datasets import SourceFiles
from analysis.layout import EES_GEOGRAPHY_COLUMNS
from analysis.sources import dfe

SFR_MISSING = "sfr:missing_underlying_data"
SFR_CLA = "sfr:cla_underlying_data"
EES_LA_MISSING = "ees:la_children_missing_or_away_from_placement"
EES_NATIONAL_MISSING = "ees:official_statistics_cla_missing"
EES_NATIONAL_AWAY = "ees:official_statistics_cla_away"

COUNT = dfe.COUNT
RATE = dfe.RATE

# measure id -> kind (count: Int64 `value`; rate: Float64 `rate`)
MEASURE_KINDS: dict[str, str] = {
    "children_missing": COUNT,
    "missing_incidents": COUNT,
    "children_missing_more_than_once": COUNT,
    "children_missing_at_31_march": COUNT,
    "children_away": COUNT,
    "away_incidents": COUNT,
    "children_away_more_than_once": COUNT,
    "children_away_at_31_march": COUNT,
    "children_looked_after_during_year": COUNT,
    "percent_children_missing": RATE,
    "percent_children_away": RATE,
    "average_missing_incidents_per_child_missing": RATE,
    "average_away_incidents_per_child_away": RATE,
    "children_missing_over_24_hours_at_31_march": COUNT,
}
COUNT_MEASURES = [m for m, k in MEASURE_KINDS.items() if k == COUNT and "over_24_hours" not in m]
RATE_MEASURES = [m for m, k in MEASURE_KINDS.items() if k == RATE]
OVER_24_HOURS = "children_missing_over_24_hours_at_31_march"

PLACEMENT_TYPE = "placement_type"
PLACEMENT_LOCATION = "placement_location"
TOTAL_GROUP = "total"

LONG_COLUMNS = [*EES_GEOGRAPHY_COLUMNS, "measure", "value", "rate", "value_note", *dfe.PROVENANCE, "table"]
NATIONAL_COLUMNS = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "measure",
    "breakdown",
    "placement_type",
    "placement_type_group",
    "placement_location",
    "value",
    "rate",
    "value_note",
    *dfe.PROVENANCE,
    "table",
]


def _with_table(frame: pl.DataFrame, file) -> pl.DataFrame:
    return frame.with_columns(pl.lit(file.source.family).alias("table"))


def sfr_missing(sources: SourceFiles) -> pl.DataFrame:
    """Every SFR missing file -> long frame. Every column of the file must be a geography column or a
    missing/away measure's column (sfr_columns.csv): an unknown column stops the run."""
    parts = []
    for f in sources.of(SFR_MISSING):
        columns = dfe.sfr_columns(f, sources.reference_dir)
        frame = dfe.read_sfr(f)
        known = set(EES_GEOGRAPHY_COLUMNS) | set(dfe.PROVENANCE) | {"LA_order"}
        unknown = [c for c in frame.columns if c not in known and c not in columns.values()]
        if unknown:
            raise dfe.ParseError(
                f.source_id,
                f.name,
                "known missing/away columns",
                f"unrecognised column(s) {unknown}: add them to {dfe.SFR_TABLE} if they are renamed measures",
            )
        long = dfe.sfr_long(f, columns)
        parsed = dfe.parse_values(long, "_raw", f, kinds=MEASURE_KINDS, symbols=dfe.sfr_symbols())
        parts.append(_with_table(parsed, f).select(LONG_COLUMNS))
    return pl.concat(parts)


def sfr_missing_over_24_hours(sources: SourceFiles) -> pl.DataFrame:
    """`CLA_Miss` in the SFR CLA files of the releases sfr_columns.csv lists for it: children looked after
    at 31 March who were missing from their agreed placement for more than 24 hours (a placement category;
    SFR 2014 Meta Data Document).

    Guard: in those years `CLA_Miss` sits beside `CLA_OthPl` (other placements). A file with `CLA_Miss` but no
    `CLA_OthPl` (as SFR41_CLA2016.csv, whose metadata lists CLA_OthPl at that position) is refused rather
    than read as missing children."""
    parts = []
    for f in sources.of(SFR_CLA):
        columns = dfe.sfr_columns(f, sources.reference_dir, measures=[OVER_24_HOURS])
        if not columns:
            continue
        frame = dfe.read_sfr(f)
        if "CLA_OthPl" not in frame.columns:
            raise dfe.ParseError(
                f.source_id,
                f.name,
                "CLA_Miss is the 'missing > 24 hours' placement category",
                "the file has CLA_Miss but no CLA_OthPl: the column is probably 'other placements' under the "
                "wrong name (as in SFR41_CLA2016.csv, whose metadata lists CLA_OthPl there)",
            )
        long = dfe.sfr_long(f, columns)
        parsed = dfe.parse_values(long, "_raw", f, kinds=MEASURE_KINDS, symbols=dfe.sfr_symbols())
        parts.append(_with_table(parsed, f).select(LONG_COLUMNS))
    return pl.concat(parts)


def ees_la_missing(sources: SourceFiles) -> pl.DataFrame:
    """Every EES LA missing/away file -> long frame."""
    parts = []
    for f in sources.of(EES_LA_MISSING):
        frame = dfe.read_ees(f, sources.reference_dir)
        frame = dfe.map_labels(frame, f, sources.reference_dir, "cla_group", into="measure")
        dfe.check_unique(frame, dfe.AREA_KEY + ["measure"], f)
        frame = corrections.apply(frame, f, sources.corrections, note_column="_correction")
        parsed = dfe.parse_values(frame.rename({"number": "_raw"}), "_raw", f, kinds=MEASURE_KINDS)
        parsed = parsed.with_columns(
            pl.coalesce(pl.col("_correction"), pl.col("value_note")).alias("value_note")
        ).drop("_correction")
        parts.append(_with_table(parsed, f).select(LONG_COLUMNS))
    return pl.concat(parts)


def ees_national_by_placement(sources: SourceFiles) -> pl.DataFrame:
    """Every national official statistics file (missing and away) -> incidents by placement type and by
    placement location."""
    parts = []
    for family in (EES_NATIONAL_MISSING, EES_NATIONAL_AWAY):
        for f in sources.of(family):
            frame = dfe.read_ees(f, sources.reference_dir)
            levels = frame["geographic_level"].unique().to_list()
            if levels != ["National"]:
                raise dfe.ParseError(f.source_id, f.name, "national file", f"geographic levels {levels}")
            frame = dfe.map_labels(frame, f, sources.reference_dir, "missing_status", into="_status")
            frame = frame.filter(pl.col("_status") != "")
            if not frame.height:
                raise dfe.ParseError(f.source_id, f.name, "placement breakdowns present", "no placement rows")
            status = pl.col("_status").str.split("|")
            frame = frame.with_columns(
                status.list.get(0).alias("measure"), status.list.get(1).alias("breakdown")
            )
            frame = dfe.map_labels(
                frame, f, sources.reference_dir, "characteristic", into="_category", context="breakdown"
            )
            category = pl.col("_category").str.split("|")
            is_type = pl.col("breakdown") == PLACEMENT_TYPE
            frame = frame.with_columns(
                pl.when(is_type).then(category.list.get(0)).alias("placement_type"),
                pl.when(is_type).then(category.list.get(1)).alias("placement_type_group"),
                pl.when(~is_type).then(pl.col("_category")).alias("placement_location"),
            )
            key = ["time_period", "measure", "breakdown", "placement_type", "placement_location"]
            dfe.check_unique(frame, key, f)
            parsed = dfe.parse_values(frame.rename({"number": "_raw"}), "_raw", f, kinds=MEASURE_KINDS)
            parts.append(_with_table(parsed, f).select(NATIONAL_COLUMNS))
    return pl.concat(parts)
