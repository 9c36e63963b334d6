"""Children looked after at 31 March who were missing from their placement for more than 24 hours, 2011-2014.

The only missing-from-care figure DfE published before 2015: `CLA_Miss` in the SFR underlying data, a
placement category at 31 March ("missing from their agreed placement for more than 24 hours", SFR 2014 Meta Data
Document). From 2015 DfE counts every missing incident during the year (dataset missing_from_care): a different
definition, so the two must never be drawn as one line.

2016 is left out on purpose although SFR41_CLA2016.csv has a column headed `CLA_Miss`: the 2016 metadata lists
`CLA_OthPl` (other placements) in that position, missing stopped being a placement category in 2015 (the 2015
and 2017 files have no CLA_Miss), and the 2016 placement columns only add up to the total (70,440) with that
column counted as other placements. The reader refuses such a file (dfe_missing.read_sfr_missing_over_24_hours).
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.missing_from_care import GEOGRAPHY_FILLED, REORGANISATIONS
from analysis.sources import dfe, dfe_missing

FAMILIES = [dfe_missing.SFR_CLA]
MEASURE = dfe_missing.OVER_24_HOURS

FILTERS = ["measure"]
INDICATORS = ["value", "value_note"]
KEY = ["time_period", "geographic_level", "region_code", "new_la_code", "measure"]


def build(sources: SourceFiles) -> pl.DataFrame:
    frame = dfe_missing.sfr_missing_over_24_hours(sources)
    frame = dfe.select_releases(frame, ["time_period", "measure", "geographic_level"]).drop("rate")
    return dfe.finish(frame, FILTERS, INDICATORS, KEY)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "schema": dfe.schema_view(frame),
        "la_sum_vs_national": dfe.la_sum_vs_national_view(frame, ["measure"], bound_suppressed=True),
        "value_notes": dfe.value_notes_view(frame, dfe_missing.MEASURE_KINDS),
        "filled": dfe.filled_view(frame, "geographic_level", GEOGRAPHY_FILLED),
        "coverage": dfe.coverage_view(frame),
        "years": dfe.years_view(frame, ["measure", "geographic_level"]),
        "la_continuity": dfe.la_continuity_view(frame, ["measure"], REORGANISATIONS),
    }


DATASET = Dataset(
    name="missing_over_24_hours",
    title="Children looked after missing from placement for more than 24 hours at 31 March, 2011-2014",
    description=(
        "Children looked after at 31 March who were missing from their agreed placement for more than 24 hours "
        "(a placement category), England, regions (Inner and Outer London sub-regions left out) and local "
        "authorities, 2011-2014, from the DfE SFR underlying data (CLA_Miss). A snapshot on one day, not the "
        "number of children who went missing during the year. DfE replaced it in 2015 with counts of every "
        "missing incident (dataset missing_from_care): a definition break, do not join the two series. National "
        "and regional counts rounded to the nearest 10; LA counts of 1 to 5 suppressed (null with a note)."
    ),
    families=FAMILIES,
    build=build,
    key=KEY,
    columns={
        "time_period": "Year: the count is at 31 March of that year",
        "time_identifier": "Always 'Reporting year'",
        "geographic_level": "National, Regional or Local authority",
        "country_code": "E92000001",
        "country_name": "England",
        "region_code": "Region GSS code (E12); null on National rows",
        "region_name": "Region name",
        "new_la_code": "Local authority GSS code as published for that year; null above LA level",
        "old_la_code": "DfE three-digit LA code as published",
        "la_name": "Local authority name as published",
        "current_la_code": "GSS code of the authority that now covers the area (added by geography)",
        "current_la_name": "Name of the authority that now covers the area (added by geography)",
        "measure": "children_missing_over_24_hours_at_31_march; see data/reference/measures.csv",
        "value": "Number of children; null when suppressed",
        "value_note": "Why value is null: the published symbol",
        "source_id": "Upstream file (data/sources.csv) the row comes from",
        "source_release": "Release of that file",
    },
    views=views,
)
