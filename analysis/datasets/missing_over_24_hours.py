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
from analysis.datasets.missing_from_care import (
    GEOGRAPHY_FILLED,
    coverage_view,
    filled_view,
    finish,
    la_continuity_view,
    la_sum_view,
    schema_view,
    value_notes_view,
    years_view,
)
from analysis.sources import dfe_missing

SOURCES: dict[str, int] = {
    "dfe-cla-sfr-2011-sfr21-cla": 2011,
    "dfe-cla-sfr-2012-sfr20-cla2012": 2012,
    "dfe-cla-sfr-2013-sfr36-cla2013": 2013,
    "dfe-cla-sfr-2014-sfr36-cla2014": 2014,
}
MEASURE = "children_missing_over_24_hours_at_31_march"

FILTERS = ["measure"]
INDICATORS = ["value", "value_note"]
KEY = ["time_period", "geographic_level", "region_code", "new_la_code", "measure"]


def build(sources: SourceFiles) -> pl.DataFrame:
    frames = [
        dfe_missing.read_sfr_missing_over_24_hours(sources[sid], sid, year, sources.release(sid))
        for sid, year in SOURCES.items()
    ]
    frame = dfe_missing.latest_release(frames, by=["time_period"]).drop("rate")
    return finish(frame, FILTERS, INDICATORS, KEY)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "schema": schema_view(frame),
        "la_sum_vs_national": la_sum_view(frame, [MEASURE]),
        "value_notes": value_notes_view(frame),
        "filled": filled_view(frame, "geographic_level", GEOGRAPHY_FILLED),
        "coverage": coverage_view(frame),
        "years": years_view(frame, ["measure", "geographic_level"]),
        "la_continuity": la_continuity_view(frame),
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
    sources=list(SOURCES),
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
