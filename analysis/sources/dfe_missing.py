"""DfE children looked after who went missing or were away from placement without authorisation.

Readers for every layout the measures have been published in, each returning long frames
(one row per area x year x measure) in the EES geography columns, with `value` (Int64 counts),
`rate` (Float64 percentages and averages), `value_note` (the published symbol's meaning), and
`source_id`/`source_release`:

- SFR 2015-2016 `SFR34_Missing2015.csv`, `SFR41_Missing2016.csv` (`CLA_MissDuringYear`, `CLA_Away*`);
- SFR 2017 `SFR50_Missing_2017.csv` (`Miss_Miss_*`, `Miss_Away_*`, plus `LA_order`);
- EES 2022-2024 `la_children_who_were_missing_or_away_from_placement_without_authorisation.csv`
  (`cla_group` in 2022, `CLA_group` in 2023/2024: read_ees_csv lower-cases names);
- EES 2022-2024 national `official_statistics_*missing*.csv` / `*away*.csv` (incidents by placement type
  and by placement inside/outside the council boundary);
- SFR 2011-2014 `CLA_Miss` in the CLA files: children missing from their agreed placement for more than
  24 hours at 31 March, a different measure (a placement category) from everything above.

Every published label is tidied once with layout.normalise_label and compared without case; a label, column
or symbol not listed here raises ParseError naming the file.

Two things the files do that the readers undo, explicitly:
- London appears three times in the SFR files with the code E12000007 (rows "LONDON", "INNER LONDON",
  "OUTER LONDON"; geog_c G, H, I); EES files publish Inner and Outer London as Regional rows E13000001 and
  E13000002. The tidy layout's Regional level is the nine E12 regions, so the Inner/Outer London rows are
  dropped (London itself is kept).
- SFR region names come title-cased by dfe_common ("Yorkshire And The Humber"); they are replaced by the EES
  spelling for the same E12 code so a region has one name in every year.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from analysis.errors import ParseError
from analysis.layout import EES_GEOGRAPHY_COLUMNS, GEOGRAPHIC_LEVELS, normalise_label, parse_published_number
from analysis.sources.dfe_common import read_ees_csv, read_sfr_csv

# ---------------------------------------------------------------------------------------------------------
# Measures

COUNT = "count"
RATE = "rate"

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

# SFR missing files: column -> measure. 2015-2016 and 2017 spell them differently.
SFR_MISSING_COLUMNS: dict[str, str] = {
    "CLA_MissDuringYear": "children_missing",
    "CLA_MissIncs": "missing_incidents",
    "CLA_MissMoreOnce": "children_missing_more_than_once",
    "CLA_Miss31Mar": "children_missing_at_31_march",
    "CLA_AwayDuringYear": "children_away",
    "CLA_AwayIncs": "away_incidents",
    "CLA_AwayMoreOnce": "children_away_more_than_once",
    "CLA_Away31Mar": "children_away_at_31_march",
    "Miss_Miss_DuringYear": "children_missing",
    "Miss_Miss_Incs": "missing_incidents",
    "Miss_Miss_MoreOnce": "children_missing_more_than_once",
    "Miss_Miss_31Mar": "children_missing_at_31_march",
    "Miss_Away_DuringYear": "children_away",
    "Miss_Away_Incs": "away_incidents",
    "Miss_Away_MoreOnce": "children_away_more_than_once",
    "Miss_Away_31Mar": "children_away_at_31_march",
}
SFR_MISSING_MEASURES = sorted(set(SFR_MISSING_COLUMNS.values()))

# EES LA file `cla_group` label (normalised, compared without case) -> measure
EES_LA_LABELS: dict[str, str] = {
    "Children who had a missing incident during the year": "children_missing",
    "Number of missing incidents during the year": "missing_incidents",
    "Children who went missing more than once during the year": "children_missing_more_than_once",
    "Children missing at 31 March": "children_missing_at_31_march",
    "Children who were away from placement without authorisation during the year": "children_away",
    "Number of away from placement without authorisation incidents during the year": "away_incidents",
    "Children who were away from placement without authorisation more than once during the year": (
        "children_away_more_than_once"
    ),
    "Children away from placement without authorisation at 31 March": "children_away_at_31_march",
    "Children looked after during the year": "children_looked_after_during_year",
    "Percentage of children who had a missing incident during the year": "percent_children_missing",
    "Percentage of children who were away from placement without authorisation during the year": (
        "percent_children_away"
    ),
    "Average number of missing incidents per looked after child who went missing": (
        "average_missing_incidents_per_child_missing"
    ),
    # The label omits "who was away"; the published national figure is incidents / children away
    # (EES 2024, 2022: 8,910 / 2,520 = 3.5) and the national file's label says "who was away".
    "Average number of away from placement without authorisation incidents per looked after child": (
        "average_away_incidents_per_child_away"
    ),
}

# National official statistics files: `missing_status` -> (measure, breakdown). Other statuses are read and
# set aside (they are not in these datasets) but must be known.
PLACEMENT_TYPE = "placement_type"
PLACEMENT_LOCATION = "placement_location"
EES_NATIONAL_STATUSES: dict[str, tuple[str, str]] = {
    "Placements from which children were missing": ("missing_incidents", PLACEMENT_TYPE),
    "Placements from which children were away from placement without authorisation": (
        "away_incidents",
        PLACEMENT_TYPE,
    ),
    "Placement locations from which children were missing": ("missing_incidents", PLACEMENT_LOCATION),
    "Placement locations from which children were away from placement without authorisation": (
        "away_incidents",
        PLACEMENT_LOCATION,
    ),
}
EES_NATIONAL_OTHER_STATUSES: set[str] = {
    "Age of child missing from placement",
    "Age of children missing from placement",
    "Children missing from placement",
    "Children missing from placement by gender",
    "Children missing from placement by ethnic origin",
    "Durations of missing from placement periods",
    "Missing from placement incidents",
    "Age of children who were away from placement without authorisation",
    "Children away from placement without authorisation",
    "Children away from placement without authorisation by gender",
    "Children away from placement without authorisation by ethnic origin",
    "Children away from placement without authorisation from placement",
    "Durations of away from placement without authorisation periods",
    "Away from placement without authorisation incidents",
}

# Placement types from which incidents happened: published label (normalised, compared without case) ->
# (label as published, in one spelling; harmonised group id). Groups are shared only where the definition
# did not change. The EES 2024 release regrouped placements (applied to 2020-2024): secure homes and
# children's homes are now apart from semi-independent living, which joins living independently and
# supported accommodation; residential employment moved to "other". Those groups get different ids.
TOTAL_GROUP = "total"
PLACEMENT_TYPES: dict[str, tuple[str, str]] = {
    # classification used in EES 2022 and EES 2023 (years 2018-2023)
    "Foster placements": ("Foster placements", "foster_placements"),
    "Placed for adoption": ("Placed for adoption", "placed_for_adoption"),
    "Placed with parents": ("Placed with parents", "placed_with_parents"),
    "Secure units, children's homes and semi-independent living accommodation": (
        "Secure units, children's homes and semi-independent living accommodation",
        "secure_units_childrens_homes_and_semi_independent_living",
    ),
    "Living independently": ("Living independently", "living_independently"),
    "Other placements": ("Other placements", "other_placements_before_2024_release"),
    # classification used from EES 2024 (years 2020-2024)
    "1: Foster placements": ("1: Foster placements", "foster_placements"),
    "2: Adoption": ("2: Adoption", "placed_for_adoption"),
    "3: Placed with parents": ("3: Placed with parents", "placed_with_parents"),
    "4: Secure homes and children's homes": (
        "4: Secure homes and children's homes",
        "secure_homes_and_childrens_homes",
    ),
    "5: Independent and semi-independent living arrangements/supported accommodation": (
        "5: Independent and semi-independent living arrangements/supported accommodation",
        "independent_and_semi_independent_living_and_supported_accommodation",
    ),
    "6: Other placements": ("6: Other placements", "other_placements_from_2024_release"),
    "Total incidents": ("Total incidents", TOTAL_GROUP),
}
PLACEMENT_TYPE_GROUPS = sorted({group for _, group in PLACEMENT_TYPES.values()})

# Placement locations: published label -> id
PLACEMENT_LOCATIONS: dict[str, str] = {
    "Missing from placement inside council boundary": "inside_council_boundary",
    "Missing from placement outside council boundary": "outside_council_boundary",
    "Away from placement without authorisation inside council boundary": "inside_council_boundary",
    "Away from placement without authorisation outside council boundary": "outside_council_boundary",
    "Total incidents": TOTAL_GROUP,
}

# ---------------------------------------------------------------------------------------------------------
# Geography

# EES region names by code (SFR files spell them in capitals).
REGION_NAMES: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
LONDON_SUBREGION_NAMES = {"inner london", "outer london"}
LONDON_SUBREGION_CODES = {"E13000001", "E13000002"}

LONG_COLUMNS = [
    *EES_GEOGRAPHY_COLUMNS,
    "measure",
    "value",
    "rate",
    "value_note",
    "source_id",
    "source_release",
]

# LA-years a release shows as 0 although the publisher says the LA could not provide the data. A later
# release showing 0 for every missing/away measure of such an LA-year is not a count: the value becomes null
# with this note (children_looked_after_during_year is unaffected). Keyed by (new_la_code, time_period).
NOT_PROVIDED: dict[tuple[str, int], str] = {
    ("E09000012", 2021): (
        "not available: Hackney could not provide missing and away data for 2021 (DfE data guidance, EES 2022 "
        "and 2023 releases; published as x in EES 2022 and as 0 in later releases)"
    ),
}


def _key(label: str | None) -> str | None:
    label = normalise_label(label)
    return label.casefold() if label is not None else None


def _lookup(mapping: dict[str, object]) -> dict[str, object]:
    return {_key(k): v for k, v in mapping.items()}


def _check_unique_labels(
    labels: Iterable[str | None], known: dict[str, object], source_id: str, file: str, check: str
) -> dict[str, object]:
    """raw label -> mapped value, raising ParseError on the first label not known."""
    table = _lookup(known)
    out: dict[str, object] = {}
    unknown = []
    for raw in labels:
        key = _key(raw)
        if key not in table:
            unknown.append(raw)
        else:
            out[raw] = table[key]
    if unknown:
        raise ParseError(source_id, file, check, f"unrecognised label(s) {sorted(map(repr, unknown))}")
    return out


# In the SFR files a cross means a suppressed small number (Meta Data Documents 2014-2017: "numbers from one
# to five inclusive have been suppressed and replaced by a cross (x)", and the next smallest item to protect
# them), not EES's "not available".
SFR_SYMBOL_NOTES: dict[str, str] = {
    "x": "suppressed (x): 1 to 5, or a value hidden to protect one (SFR convention)",
}


def parse_values(
    frame: pl.DataFrame,
    text_column: str,
    source_id: str,
    file: str,
    symbol_notes: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Published text -> `value` (Int64, counts), `rate` (Float64, rates), `value_note`.

    Needs a `measure` column. Symbols become null with a note (layout.SUPPRESSION_SYMBOLS, or `symbol_notes`
    where a publication uses a symbol differently); anything else unparseable, a fractional or negative count,
    raises ParseError.
    """
    parsed = frame.with_columns(parse_published_number(text_column)).with_columns(
        pl.col("measure").replace_strict(MEASURE_KINDS, default=None).alias("_kind")
    )
    for symbol, note in (symbol_notes or {}).items():
        parsed = parsed.with_columns(
            pl.when(pl.col(text_column).str.strip_chars() == symbol)
            .then(pl.lit(note))
            .otherwise(pl.col("value_note"))
            .alias("value_note")
        )
    unrecognised = parsed.filter(pl.col("value_note").str.starts_with("unrecognised value"))
    if unrecognised.height:
        raise ParseError(
            source_id,
            file,
            "values are numbers or known symbols",
            f"{unrecognised.height} value(s) such as {unrecognised[text_column][0]!r} are neither",
        )
    if parsed["_kind"].null_count():
        raise ParseError(source_id, file, "measure kind known", "a measure id has no kind (internal)")
    counts = parsed.filter(pl.col("_kind") == COUNT)
    fractional = counts.filter(pl.col("value").is_not_null() & (pl.col("value") != pl.col("value").round(0)))
    if fractional.height:
        raise ParseError(
            source_id,
            file,
            "counts are whole numbers",
            f"{fractional.height} count(s) such as {fractional[text_column][0]!r} ({fractional['measure'][0]})",
        )
    negative = parsed.filter(pl.col("value") < 0)
    if negative.height:
        raise ParseError(
            source_id,
            file,
            "values are not negative",
            f"{negative.height} value(s) such as {negative[text_column][0]!r}",
        )
    return parsed.with_columns(
        pl.when(pl.col("_kind") == COUNT).then(pl.col("value").round(0).cast(pl.Int64)).alias("value"),
        pl.when(pl.col("_kind") == RATE).then(pl.col("value")).cast(pl.Float64).alias("rate"),
    ).drop("_kind", text_column)


def _sfr_geography(frame: pl.DataFrame, source_id: str, file: str) -> pl.DataFrame:
    """Drop the Inner/Outer London rows, spell region names as EES does, check one row per area."""
    subregion = (pl.col("geographic_level") == "Regional") & pl.col("region_name").str.to_lowercase().is_in(
        list(LONDON_SUBREGION_NAMES)
    )
    frame = frame.filter(~subregion)
    regions = frame.filter(pl.col("geographic_level") == "Regional")
    unknown = sorted(set(regions["region_code"].to_list()) - set(REGION_NAMES))
    if unknown:
        raise ParseError(source_id, file, "known region codes", f"unexpected {unknown}")
    frame = frame.with_columns(
        pl.when(pl.col("geographic_level") == "Regional")
        .then(pl.col("region_code").replace_strict(REGION_NAMES, default=None))
        .otherwise(pl.col("region_name"))
        .alias("region_name")
    )
    _check_one_row_per_area(frame, source_id, file, ["time_period"])
    return frame


def _check_one_row_per_area(frame: pl.DataFrame, source_id: str, file: str, by: list[str]) -> None:
    area = ["geographic_level", "region_code", "new_la_code", "old_la_code"]
    dupes = frame.group_by(by + area).len().filter(pl.col("len") > 1)
    if dupes.height:
        raise ParseError(
            source_id, file, "one row per area", f"repeated areas {dupes.drop('len').rows()[:5]}"
        )
    national = frame.filter(pl.col("geographic_level") == "National").group_by(by).len()
    if national.height != frame.select(by).n_unique() or (national["len"] != 1).any():
        raise ParseError(
            source_id, file, "one National row per year", f"National rows per year {national.rows()}"
        )


def _melt(frame: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    geography = LONG_COLUMNS[:10]
    return (
        frame.unpivot(
            index=geography + ["source_id", "source_release"],
            on=list(columns),
            variable_name="_column",
            value_name="_text",
        )
        .with_columns(pl.col("_column").replace_strict(columns).alias("measure"))
        .drop("_column")
    )


def read_sfr_missing(path: Path, source_id: str, time_period: int, release: str) -> pl.DataFrame:
    """SFR34_Missing2015.csv / SFR41_Missing2016.csv / SFR50_Missing_2017.csv -> long frame."""
    frame = read_sfr_csv(path, source_id, time_period, release)
    geography = LONG_COLUMNS[:10] + ["source_id", "source_release"]
    measure_columns = [c for c in frame.columns if c not in geography]
    unknown = [c for c in measure_columns if c not in SFR_MISSING_COLUMNS]
    if unknown:
        raise ParseError(
            source_id, path.name, "known missing/away columns", f"unrecognised column(s) {unknown}"
        )
    mapped = sorted(SFR_MISSING_COLUMNS[c] for c in measure_columns)
    if mapped != SFR_MISSING_MEASURES:
        lacking = sorted(set(SFR_MISSING_MEASURES) - set(mapped))
        repeated = sorted({m for m in mapped if mapped.count(m) > 1})
        raise ParseError(
            source_id,
            path.name,
            "one column per missing/away measure",
            f"missing columns for {lacking}" if lacking else f"two columns for {repeated}",
        )
    frame = _sfr_geography(frame, source_id, path.name)
    long = _melt(frame, {c: SFR_MISSING_COLUMNS[c] for c in measure_columns})
    return parse_values(long, "_text", source_id, path.name, SFR_SYMBOL_NOTES).select(LONG_COLUMNS)


def read_sfr_missing_over_24_hours(
    path: Path, source_id: str, time_period: int, release: str
) -> pl.DataFrame:
    """SFR CLA files 2011-2014: `CLA_Miss`, children looked after at 31 March who were missing from their agreed
    placement for more than 24 hours (a placement category; SFR 2014 Meta Data Document).

    Guard: in 2011-2014 `CLA_Miss` sits beside `CLA_OthPl` (other placements). SFR41_CLA2016.csv has a
    `CLA_Miss` column but no `CLA_OthPl`, its metadata lists CLA_OthPl (not CLA_Miss) at that position and the
    placement columns only add up to the total with it counted as 'other placements': a file like that is
    refused rather than read as missing children.
    """
    frame = read_sfr_csv(path, source_id, time_period, release)
    if "CLA_Miss" not in frame.columns:
        raise ParseError(source_id, path.name, "CLA_Miss column present", "no CLA_Miss column")
    if "CLA_OthPl" not in frame.columns:
        raise ParseError(
            source_id,
            path.name,
            "CLA_Miss is the 'missing > 24 hours' placement category",
            "the file has CLA_Miss but no CLA_OthPl: the column is probably 'other placements' under the wrong "
            "name (as in SFR41_CLA2016.csv, whose metadata lists CLA_OthPl there)",
        )
    frame = _sfr_geography(frame, source_id, path.name)
    long = _melt(frame, {"CLA_Miss": "children_missing_over_24_hours_at_31_march"})
    return parse_values(long, "_text", source_id, path.name, SFR_SYMBOL_NOTES).select(LONG_COLUMNS)


def _ees_geography(frame: pl.DataFrame, source_id: str, file: str) -> pl.DataFrame:
    levels = set(frame["geographic_level"].unique().to_list())
    unknown = sorted(map(str, levels - set(GEOGRAPHIC_LEVELS)))
    if unknown:
        raise ParseError(source_id, file, "known geographic levels", f"unexpected {unknown}")
    frame = frame.filter(
        ~(
            (pl.col("geographic_level") == "Regional")
            & pl.col("region_code").is_in(list(LONDON_SUBREGION_CODES))
        )
    )
    regions = frame.filter(pl.col("geographic_level") == "Regional")
    unknown_regions = sorted(set(regions["region_code"].to_list()) - set(REGION_NAMES))
    if unknown_regions:
        raise ParseError(source_id, file, "known region codes", f"unexpected {unknown_regions}")
    # EES files give London boroughs the sub-region (E13000001 Inner / E13000002 Outer London) as their region;
    # the tidy layout's region is the E12 region, London.
    london_la = (pl.col("geographic_level") == "Local authority") & pl.col("region_code").is_in(
        list(LONDON_SUBREGION_CODES)
    )
    frame = frame.with_columns(
        pl.when(london_la).then(pl.lit("E12000007")).otherwise(pl.col("region_code")).alias("region_code"),
        pl.when(london_la)
        .then(pl.lit(REGION_NAMES["E12000007"]))
        .otherwise(pl.col("region_name"))
        .alias("region_name"),
    )
    la_regions = (
        frame.filter(pl.col("geographic_level") == "Local authority")["region_code"].unique().to_list()
    )
    unknown_la_regions = sorted(map(str, set(la_regions) - set(REGION_NAMES)))
    if unknown_la_regions:
        raise ParseError(source_id, file, "known LA region codes", f"unexpected {unknown_la_regions}")
    # EES leaves LA columns empty on National/Regional rows and region columns empty on National rows
    return frame.with_columns(
        pl.when(pl.col("geographic_level") == "Local authority").then(pl.col(c)).alias(c)
        for c in ("new_la_code", "old_la_code", "la_name")
    ).with_columns(
        pl.when(pl.col("geographic_level") != "National").then(pl.col(c)).alias(c)
        for c in ("region_code", "region_name")
    )


def _require(frame: pl.DataFrame, columns: list[str], source_id: str, file: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParseError(source_id, file, "expected columns present", f"missing {missing}")


def read_ees_la_missing(path: Path, source_id: str, release: str) -> pl.DataFrame:
    """la_children_who_were_missing_or_away_from_placement_without_authorisation.csv -> long frame.

    LA-years where every value is `z` (the authority did not exist that year, e.g. Bournemouth after 2019)
    are dropped: they are not areas in that year.
    """
    frame = read_ees_csv(path, source_id, release)
    _require(frame, LONG_COLUMNS[:10] + ["cla_group", "number"], source_id, path.name)
    frame = _ees_geography(frame, source_id, path.name)
    labels = _check_unique_labels(
        frame["cla_group"].unique().to_list(), EES_LA_LABELS, source_id, path.name, "known cla_group labels"
    )
    frame = frame.with_columns(pl.col("cla_group").replace_strict(labels).alias("measure"))
    dupes = frame.group_by("time_period", "geographic_level", "region_code", "new_la_code", "measure").len()
    if dupes.filter(pl.col("len") > 1).height:
        raise ParseError(source_id, path.name, "one value per area, year and measure", "repeated rows")
    area_year = ["time_period", "geographic_level", "region_code", "new_la_code"]
    frame = frame.filter(
        ~((pl.col("number") == "z").all().over(area_year) & (pl.col("geographic_level") == "Local authority"))
    )
    return parse_values(frame.rename({"number": "_text"}), "_text", source_id, path.name).select(LONG_COLUMNS)


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
    "source_id",
    "source_release",
]


def read_ees_national_by_placement(path: Path, source_id: str, release: str) -> pl.DataFrame:
    """official_statistics_*missing*.csv / *away*.csv -> incidents by placement type and by placement location."""
    frame = read_ees_csv(path, source_id, release)
    _require(
        frame,
        [
            "time_period",
            "time_identifier",
            "geographic_level",
            "country_code",
            "country_name",
            "missing_status",
            "characteristic",
            "number",
        ],
        source_id,
        path.name,
    )
    levels = frame["geographic_level"].unique().to_list()
    if levels != ["National"]:
        raise ParseError(source_id, path.name, "national file", f"geographic levels {levels}")
    known = {
        **{k: v for k, v in EES_NATIONAL_STATUSES.items()},
        **{k: None for k in EES_NATIONAL_OTHER_STATUSES},
    }
    statuses = _check_unique_labels(
        frame["missing_status"].unique().to_list(), known, source_id, path.name, "known missing_status labels"
    )
    wanted = {raw: v for raw, v in statuses.items() if v is not None}
    frame = frame.filter(pl.col("missing_status").is_in(list(wanted)))
    if not frame.height:
        raise ParseError(
            source_id, path.name, "placement breakdowns present", "no placement type/location rows"
        )
    frame = frame.with_columns(
        pl.col("missing_status").replace_strict({k: v[0] for k, v in wanted.items()}).alias("measure"),
        pl.col("missing_status").replace_strict({k: v[1] for k, v in wanted.items()}).alias("breakdown"),
    )
    parts = []
    for breakdown, table in ((PLACEMENT_TYPE, PLACEMENT_TYPES), (PLACEMENT_LOCATION, PLACEMENT_LOCATIONS)):
        rows = frame.filter(pl.col("breakdown") == breakdown)
        if not rows.height:
            continue
        mapped = _check_unique_labels(
            rows["characteristic"].unique().to_list(),
            table,
            source_id,
            path.name,
            f"known {breakdown} labels",
        )
        if breakdown == PLACEMENT_TYPE:
            rows = rows.with_columns(
                pl.col("characteristic")
                .replace_strict({k: v[0] for k, v in mapped.items()})
                .alias("placement_type"),
                pl.col("characteristic")
                .replace_strict({k: v[1] for k, v in mapped.items()})
                .alias("placement_type_group"),
                pl.lit(None, dtype=pl.Utf8).alias("placement_location"),
            )
        else:
            rows = rows.with_columns(
                pl.lit(None, dtype=pl.Utf8).alias("placement_type"),
                pl.lit(None, dtype=pl.Utf8).alias("placement_type_group"),
                pl.col("characteristic").replace_strict(mapped).alias("placement_location"),
            )
        parts.append(rows)
    frame = pl.concat(parts)
    key = ["time_period", "measure", "breakdown", "placement_type", "placement_location"]
    if frame.group_by(key).len().filter(pl.col("len") > 1).height:
        raise ParseError(source_id, path.name, "one value per year, measure and category", "repeated rows")
    return parse_values(frame.rename({"number": "_text"}), "_text", source_id, path.name).select(
        NATIONAL_COLUMNS
    )


# ---------------------------------------------------------------------------------------------------------
# Assembling releases


def latest_release(frames: list[pl.DataFrame], by: list[str]) -> pl.DataFrame:
    """Concatenate frames given OLDEST release first; for each group `by` (e.g. time_period) keep only the
    rows of the latest release that has that group."""
    ranked = [f.with_columns(pl.lit(rank, dtype=pl.Int32).alias("_rank")) for rank, f in enumerate(frames)]
    combined = pl.concat(ranked, how="vertical")
    return combined.filter(pl.col("_rank") == pl.col("_rank").max().over(by)).drop("_rank")


def mark_not_provided(frame: pl.DataFrame) -> pl.DataFrame:
    """Turn publisher-documented 'could not provide' LA-years shown as 0 into null with a note (NOT_PROVIDED)."""
    for (code, year), note in NOT_PROVIDED.items():
        target = (
            (pl.col("new_la_code") == code)
            & (pl.col("time_period") == year)
            & (pl.col("measure") != "children_looked_after_during_year")
        )
        block = frame.filter(target)
        if not block.height:
            continue
        numbers = pl.coalesce(pl.col("value").cast(pl.Float64), pl.col("rate"))
        all_zero = block.select((numbers == 0).all()).item()
        if not all_zero:
            continue  # the release has real figures for this LA-year: keep them as published
        frame = frame.with_columns(
            pl.when(target).then(pl.lit(None, dtype=pl.Int64)).otherwise(pl.col("value")).alias("value"),
            pl.when(target).then(pl.lit(None, dtype=pl.Float64)).otherwise(pl.col("rate")).alias("rate"),
            pl.when(target).then(pl.lit(note)).otherwise(pl.col("value_note")).alias("value_note"),
        )
    return frame
