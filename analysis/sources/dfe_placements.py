"""Measures of children looked after at 31 March from the DfE files: totals, placed inside / outside the
council boundary, placed here by other councils, net gain, distance from home, children's homes, the 0-17
population. Each function reads every release of one family (newest first, as SourceFiles gives them) and
returns a *measure frame*: EES geography, `measure`, any extra filters, `value` (Int64, null when the
published cell is a symbol), `value_note`, `derivation` (null: published), `source_id`, `source_release`,
`release_rank`, and `table` (the family, for the revision policy's table preference).

What each label means is data (data/reference/ees_labels.csv, sfr_columns.csv; see analysis/sources/dfe.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from analysis.datasets import SourceFile, SourceFiles
from analysis.layout import EES_GEOGRAPHY_COLUMNS, GEOGRAPHIC_LEVELS
from analysis.sources import dfe

# --- families (data/reference/source_families.csv) ---------------------------------------------------------
SFR_CLA = "sfr:cla_underlying_data"
EES_CLA_NUMBER = "ees:cla_number_and_rate_per_10k_children"
EES_NETGAIN = "ees:la_cla_on_31_march_la_of_placement_netgain"
EES_NATIONAL_CHARACTERISTICS = "ees:national_cla_on_31_march_by_characteristics"
EES_NATIONAL_DISTANCE = "ees:national_cla_on_31_march_by_placement_distance_and_locality"
EES_LA_CHARACTERISTICS = "ees:la_cla_on_31_march_by_characteristics"
POPULATION = "dfe:population_0_to_17"

INDICATORS = ["value", "value_note", "derivation"]
PROVENANCE = ["source_id", "source_release", "release_rank", "table"]
COLUMNS = EES_GEOGRAPHY_COLUMNS + ["measure"] + INDICATORS + PROVENANCE

DEFINITION_CHILDRENS_HOMES = "Children's homes (subject to Children's Homes Regulations)"
DEFINITION_SECURE_AND_CHILDRENS_HOMES = "Secure homes and children's homes"
DEFINITION_SFR_SECURE_HOMES_HOSTELS = "Secure units, children's homes and hostels"


def empty_measures(extra: Iterable[str] = ()) -> pl.DataFrame:
    """A measure frame with no rows (a family with no file in the manifest yet)."""
    types = {"time_period": pl.Int64, "value": pl.Int64, "release_rank": pl.Int64}
    columns = EES_GEOGRAPHY_COLUMNS + ["measure", *extra] + INDICATORS + PROVENANCE
    return pl.DataFrame(schema={c: types.get(c, pl.Utf8) for c in columns})


def _concat(parts: list[pl.DataFrame], extra: Iterable[str] = ()) -> pl.DataFrame:
    return pl.concat(parts) if parts else empty_measures(extra)


def _kinds(frame: pl.DataFrame) -> dict[str, str]:
    """Each measure's kind: counts, except net gain, which can be negative."""
    return {
        m: dfe.SIGNED_COUNT if m in dfe.SIGNED_MEASURES else dfe.COUNT
        for m in frame["measure"].unique().drop_nulls().to_list()
    }


def _finish_measures(frame: pl.DataFrame, file: SourceFile, extra: Iterable[str] = ()) -> pl.DataFrame:
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("derivation"), pl.lit(file.source.family).alias("table")
    )
    out = frame.select(EES_GEOGRAPHY_COLUMNS + ["measure", *extra] + INDICATORS + PROVENANCE)
    dfe.check_unique(out, dfe.AREA_KEY + ["measure", *extra], file)
    return out


# --- SFR (2011-2017) ---------------------------------------------------------------------------------------


def sfr_measures(
    sources: SourceFiles, measures: Iterable[str], extra: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """Measures from every SFR children-looked-after file, each from the releases that publish it
    (sfr_columns.csv)."""
    measures = list(measures)
    parts = []
    for file in sources.of(SFR_CLA):
        columns = dfe.sfr_columns(file, sources.reference_dir, measures=measures)
        if not columns:
            continue
        long = dfe.sfr_long(file, columns, extra)
        long = dfe.parse_values(long, "_raw", file, kinds=_kinds(long), symbols=dfe.sfr_symbols()).drop(
            "rate"
        )
        parts.append(_finish_measures(long, file, list(extra or {})))
    return pl.concat(parts) if parts else empty_measures(list(extra or {}))


# --- EES (2018 on) -----------------------------------------------------------------------------------------


def _ees_measures(
    file: SourceFile,
    reference_dir: Path,
    *,
    label_column: str,
    value_column: str,
    group_column: str | None = None,
    levels: Iterable[str] = GEOGRAPHIC_LEVELS,
    required: Iterable[str] = (),
    extra: Mapping[str, Mapping[str, str]] | None = None,
    rename: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Measures from one EES long file: labels mapped to measures by ees_labels.csv (within the groups the
    table reads, when `group_column` is given), `required` measures present in every year of the file,
    `extra` per-measure constant filters ({column: {measure: value}}), `rename` measure ids afterwards."""
    frame = dfe.read_ees(file, reference_dir)
    if group_column:
        frame = dfe.map_labels(frame, file, reference_dir, group_column, into="_group")
        frame = frame.filter(pl.col("_group") == "read")
        frame = dfe.map_labels(frame, file, reference_dir, label_column, into="measure", context=group_column)
    else:
        frame = dfe.map_labels(frame, file, reference_dir, label_column, into="measure")
    frame = frame.filter(pl.col("measure").is_not_null() & (pl.col("measure") != ""))
    frame = frame.filter(pl.col("geographic_level").is_in(list(levels)))
    years = file.source.years
    for measure in required:
        have = set(frame.filter(pl.col("measure") == measure)["time_period"].unique().to_list())
        if set(years) - have:
            raise dfe.ParseError(
                file.source_id,
                file.name,
                f"label for {measure} present every year",
                f"missing in {sorted(set(years) - have)} ({dfe.LABELS_TABLE})",
            )
    extras = [
        pl.col("measure").replace_strict(values, default=None, return_dtype=pl.Utf8).alias(column)
        for column, values in (extra or {}).items()
    ]
    frame = frame.with_columns(extras) if extras else frame
    frame = frame.with_columns(pl.col(value_column).alias("_raw"))
    frame = dfe.parse_values(frame, "_raw", file, kinds=_kinds(frame)).drop("rate")
    if rename:
        frame = frame.with_columns(pl.col("measure").replace(dict(rename)))
    return _finish_measures(frame, file, list(extra or {}))


def children_looked_after(sources: SourceFiles) -> pl.DataFrame:
    """children_looked_after at 31 March: the SFR files and every EES number-and-rate file."""
    parts = [sfr_measures(sources, ["children_looked_after"])]
    parts += [
        _ees_measures(
            f,
            sources.reference_dir,
            label_column="population_count",
            value_column="number",
            required=["children_looked_after"],
        )
        for f in sources.of(EES_CLA_NUMBER)
    ]
    return _concat([p for p in parts if p.height])


def population_and_rate(sources: SourceFiles) -> pl.DataFrame:
    """The 0-17 population DfE divides by (`population_estimate`, as population_0_to_17_rate_base) and the
    published `rate_per_10000` (cla_rate_per_10000), on the children-looked-after-at-31-March rows."""
    parts = []
    for f in sources.of(EES_CLA_NUMBER):
        for column, measure in (
            ("population_estimate", "population_0_to_17_rate_base"),
            ("rate_per_10000", "cla_rate_per_10000"),
        ):
            parts.append(
                _ees_measures(
                    f,
                    sources.reference_dir,
                    label_column="population_count",
                    value_column=column,
                    required=["children_looked_after"],
                    rename={"children_looked_after": measure},
                )
            )
    return _concat(parts)


def netgain(sources: SourceFiles) -> pl.DataFrame:
    """placed_outside_la_boundary, placed_in_la_by_other_las and net_gain from every LA-of-placement file."""
    return _concat(
        [
            _ees_measures(
                f,
                sources.reference_dir,
                label_column="characteristic",
                value_column="number",
                required=["placed_in_la_by_other_las", "placed_outside_la_boundary", "net_gain"],
            )
            for f in sources.of(EES_NETGAIN)
        ]
    )


def la_characteristics(sources: SourceFiles, measures: Iterable[str], levels: Iterable[str]) -> pl.DataFrame:
    """From every LA characteristics file: the `measures` (inside-boundary count, over-20-miles counts with
    their inside/outside split, 'Secure homes and children's homes') at `levels`."""
    measures = list(measures)
    parts = []
    for f in sources.of(EES_LA_CHARACTERISTICS):
        frame = _ees_measures(
            f,
            sources.reference_dir,
            group_column="cla_group",
            label_column="characteristic",
            value_column="number",
            levels=levels,
            required=measures,
            extra={"definition": {"childrens_home_placements": DEFINITION_SECURE_AND_CHILDRENS_HOMES}},
        )
        parts.append(frame.filter(pl.col("measure").is_in(measures)))
    return pl.concat(parts) if parts else empty_measures(["definition"])


def national_childrens_homes(sources: SourceFiles) -> pl.DataFrame:
    """Children's homes counts from every national characteristics file, cla_group 'Placement' (labels
    renumbered between releases, matched by meaning). 'Total secure homes and children's homes' (from the
    2024 release) is childrens_home_placements with the wider definition."""
    definitions = {
        "childrens_home_placements": DEFINITION_CHILDRENS_HOMES,
        "childrens_home_placements_inside_la_boundary": DEFINITION_CHILDRENS_HOMES,
        "childrens_home_placements_outside_la_boundary": DEFINITION_CHILDRENS_HOMES,
        "secure_and_childrens_home_placements": DEFINITION_SECURE_AND_CHILDRENS_HOMES,
    }
    return _concat(
        [
            _ees_measures(
                f,
                sources.reference_dir,
                group_column="cla_group",
                label_column="characteristic",
                value_column="number",
                levels=["National"],
                required=list(definitions)[:3],
                extra={"definition": definitions},
                rename={"secure_and_childrens_home_placements": "childrens_home_placements"},
            )
            for f in sources.of(EES_NATIONAL_CHARACTERISTICS)
        ],
        ["definition"],
    )


# --- national distance file --------------------------------------------------------------------------------

DISTANCE_20_OR_LESS = "20 miles or less"
DISTANCE_OVER_20 = "Over 20 miles"
DISTANCE_NOT_KNOWN = "Not known or not recorded"
TOTAL = "Total"
INSIDE = "Inside LA boundary"
OUTSIDE = "Outside LA boundary"
DISTANCE_CELLS = 8  # 20 or less / over 20 (each total, inside, outside), not known, total


def national_distance(sources: SourceFiles) -> pl.DataFrame:
    """Every national file of children looked after at 31 March by placement type x distance x locality.

    EES geography + placement_type, distance, locality + value/value_note + percentage/percentage_note (as
    published: % of the placement type's total) + provenance. Placement types (cla_group) map to one label
    per category (spelling variants merged), cells (characteristic) to distance|locality (ees_labels.csv)."""
    parts = []
    for f in sources.of(EES_NATIONAL_DISTANCE):
        frame = dfe.read_ees(f, sources.reference_dir)
        if set(frame["geographic_level"].unique().to_list()) != {"National"}:
            raise dfe.ParseError(
                f.source_id,
                f.name,
                "national rows only",
                f"levels {frame['geographic_level'].unique().to_list()}",
            )
        frame = dfe.map_labels(frame, f, sources.reference_dir, "cla_group", into="placement_type")
        frame = dfe.map_labels(frame, f, sources.reference_dir, "characteristic", into="_cell")
        cell = pl.col("_cell").str.split("|")
        frame = frame.with_columns(
            cell.list.get(0).alias("distance"),
            cell.list.get(1).alias("locality"),
            pl.lit("children_by_placement_distance").alias("measure"),
            pl.col("number").alias("_raw"),
        )
        frame = dfe.parse_values(frame, "_raw", f).drop("rate")
        percent = dfe.parse_values(
            frame.select("measure", pl.col("percentage").alias("_p")),
            "_p",
            f,
            kinds={"children_by_placement_distance": dfe.RATE},
        )
        frame = frame.with_columns(
            percent["rate"].alias("percentage"),
            percent["value_note"].alias("percentage_note"),
            pl.lit(None, dtype=pl.Utf8).alias("derivation"),
            pl.lit(f.source.family).alias("table"),
        )
        filters = ["placement_type", "distance", "locality"]
        out = frame.select(
            EES_GEOGRAPHY_COLUMNS
            + ["measure"]
            + filters
            + INDICATORS
            + ["percentage", "percentage_note"]
            + PROVENANCE
        )
        dfe.check_unique(out, ["time_period", *filters], f)
        cells = out.group_by("time_period", "placement_type").len()
        incomplete = cells.filter(pl.col("len") != DISTANCE_CELLS)
        if incomplete.height:
            raise dfe.ParseError(
                f.source_id,
                f.name,
                f"every placement type has all {DISTANCE_CELLS} distance/locality cells",
                f"{incomplete.rows()[:5]}",
            )
        parts.append(out)
    return pl.concat(parts)


def national_over_20_miles(distance: pl.DataFrame) -> pl.DataFrame:
    """placed_over_20_miles (+ inside/outside) for all children, from a `national_distance` frame."""
    measure = {
        TOTAL: "placed_over_20_miles",
        INSIDE: "placed_over_20_miles_inside_la_boundary",
        OUTSIDE: "placed_over_20_miles_outside_la_boundary",
    }
    frame = distance.filter(
        (pl.col("placement_type") == "All children") & (pl.col("distance") == DISTANCE_OVER_20)
    )
    frame = frame.with_columns(pl.col("locality").replace_strict(measure).alias("measure"))
    return frame.select(COLUMNS)


# --- population --------------------------------------------------------------------------------------------


def ons_population(sources: SourceFiles) -> pl.DataFrame:
    """population_0_to_17 from every DfE copy of the ONS mid-year estimates (time_period = the mid-year)."""
    return _concat(
        [
            _ees_measures(
                f,
                sources.reference_dir,
                label_column="age_group",
                value_column="population_estimate",
                required=["population_0_to_17"],
            )
            for f in sources.of(POPULATION)
        ]
    )
