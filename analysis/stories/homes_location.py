"""Chapter "Where children's homes are" (book/where-homes-are.md): chart frames, tables and sentences.

Counts and shares of homes by region and council come from Ofsted's complete lists (childrens_homes_by_area:
30 September 2014 and the list dated 31 August 2024). Rates per 10,000 children and places against children
in care come from childrens_homes_supply, which is built on the 31 March lists (in 2024 an inspected-homes
list, which leaves out homes without a full inspection) and DfE/ONS figures for the same date.
Published figures (2012, 2019) come from published_figures with their citations and are never drawn as
if they were Ofsted list counts.
"""

from __future__ import annotations

import json
from datetime import date

import altair as alt
import polars as pl

from analysis import charts, data, site
from analysis.stories.homes_ownership import (
    ALL_SECTORS,
    ALL_TYPES,
    COMPLETE,
    COUNCIL_GEOGRAPHY,
    EES,
    INSPECTED,
    LIST_NAMES,
    LIST_SHORT,
    PROVENANCE,
    chart_source,
    day_label,
    num,
    pct,
    published,
    snapshot_dates,
    source_text,
)

REGION_ORDER = [
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]
THREE_REGIONS = ["North West", "West Midlands", "South East"]
# published_figures ids: the debate's 2012 shares for the North West and London, and the three-region shares.
PUBLISHED_REGION_SHARES = {"North West": "deb19_002", "London": "deb19_003"}
PUBLISHED_THREE_REGIONS = ["deb19_001", "deb19_014"]
NO_HOMES_LABEL = "No children's home in the area"


# --------------------------------------------------------------------------------------------------
# Regional shares of homes (complete lists)
# --------------------------------------------------------------------------------------------------


def regional_homes() -> pl.DataFrame:
    """Every region at every snapshot: homes, places and the region's share of England (all types, sectors)."""
    frame = data.load("childrens_homes_by_area").filter(
        pl.col("geographic_level") == "Regional",
        pl.col("provision_type") == ALL_TYPES,
        pl.col("sector") == ALL_SECTORS,
    )
    return frame.select(
        EES
        + [
            "region_code",
            "region_name",
            "snapshot_date",
            "snapshot_kind",
            "homes",
            "places",
            "share_of_england_homes_pct",
            "share_of_england_places_pct",
        ]
        + PROVENANCE
    )


def england_homes(day: date) -> dict:
    frame = data.load("childrens_homes_by_area").filter(
        pl.col("geographic_level") == "National",
        pl.col("provision_type") == ALL_TYPES,
        pl.col("sector") == ALL_SECTORS,
        pl.col("snapshot_date") == day,
    )
    if frame.height != 1:
        raise ValueError(f"no national row at {day}")
    return frame.row(0, named=True)


def first_and_latest_complete() -> tuple[date, date]:
    days = snapshot_dates(COMPLETE)
    return days[0], days[-1]


def snapshot_name(day: date, kind: str) -> str:
    return f"{day_label(day)} ({LIST_SHORT[kind]})"


def region_share_comparison() -> pl.DataFrame:
    """Regional shares of England's homes in the first and the latest complete list (grouped bars)."""
    first, latest = first_and_latest_complete()
    frame = regional_homes().filter(pl.col("snapshot_date").is_in([first, latest]))
    return frame.with_columns(
        pl.struct("snapshot_date", "snapshot_kind")
        .map_elements(lambda r: snapshot_name(r["snapshot_date"], r["snapshot_kind"]), return_dtype=pl.Utf8)
        .alias("snapshot")
    ).sort("snapshot_date", "region_name")


def _region_row(day: date, region: str) -> dict:
    frame = regional_homes().filter(pl.col("snapshot_date") == day, pl.col("region_name") == region)
    if frame.height != 1:
        raise ValueError(f"no row for {region} at {day}")
    return frame.row(0, named=True)


def _largest_region(day: date) -> dict:
    return (
        regional_homes()
        .filter(pl.col("snapshot_date") == day)
        .sort("homes", descending=True)
        .row(0, named=True)
    )


def region_share_title() -> str:
    _, latest = first_and_latest_complete()
    top = _largest_region(latest)
    london = _region_row(latest, "London")
    return (
        f"The {top['region_name']} has {pct(top['share_of_england_homes_pct'])} of England's children's homes; "
        f"London has {pct(london['share_of_england_homes_pct'])}"
    )


def region_share_alt() -> str:
    first, latest = first_and_latest_complete()
    parts = []
    for region in REGION_ORDER:
        old, new = _region_row(first, region), _region_row(latest, region)
        parts.append(
            f"{region} {pct(old['share_of_england_homes_pct'])} then {pct(new['share_of_england_homes_pct'])}"
        )
    return (
        f"Grouped bar chart of each region's percentage of England's children's homes in Ofsted's complete "
        f"lists at {day_label(first)} and {day_label(latest)}: " + "; ".join(parts) + "."
    )


def region_axis(chart: alt.LayerChart) -> alt.LayerChart:
    """Regions in the usual ONS order (north to south), long names on two or more lines (a charts.bar chart
    with regions on x)."""
    chart = chart.copy(deep=True)
    bars = chart.layer[0]
    bars.encoding.x.sort = REGION_ORDER
    bars.encoding.x.axis = alt.Axis(
        labelAngle=0, labelExpr="length(datum.label) > 12 ? split(datum.label, ' ') : datum.label"
    )
    return chart


def three_region_shares() -> pl.DataFrame:
    """North West + West Midlands + South East as a share of England's homes at each snapshot (derived from
    the counts, not by adding rounded percentages)."""
    regions = regional_homes()
    three = (
        regions.filter(pl.col("region_name").is_in(THREE_REGIONS))
        .group_by("snapshot_date", "snapshot_kind")
        .agg(pl.col("homes").sum().alias("three_region_homes"))
    )
    england = regions.group_by("snapshot_date").agg(pl.col("homes").sum().alias("england_homes"))
    return (
        three.join(england, on="snapshot_date")
        .with_columns(
            (100 * pl.col("three_region_homes") / pl.col("england_homes"))
            .round(1)
            .alias("three_region_share_pct")
        )
        .sort("snapshot_date")
    )


def _three(day: date) -> dict:
    frame = three_region_shares().filter(pl.col("snapshot_date") == day)
    if frame.height != 1:
        raise ValueError(f"no three-region share at {day}")
    return frame.row(0, named=True)


def published_comparison_table() -> site.HTMLBlock:
    """The debate's regional shares (2012, 2019) beside the Ofsted lists' shares, with citations."""
    first, latest = first_and_latest_complete()
    year_2019 = date(2019, 3, 31)
    ours = [(first, COMPLETE), (year_2019, INSPECTED), (latest, COMPLETE)]
    rows = []
    for region, figure in PUBLISHED_REGION_SHARES.items():
        stated = published([figure]).row(0, named=True)
        rows.append(
            [
                region,
                stated["value_as_stated"],
                stated["period"],
                *[pct(_region_row(day, region)["share_of_england_homes_pct"]) for day, _ in ours],
            ]
        )
    for figure in PUBLISHED_THREE_REGIONS:
        stated = published([figure]).row(0, named=True)
        rows.append(
            [
                "North West, West Midlands and South East together",
                stated["value_as_stated"],
                stated["period"],
                *[pct(_three(day)["three_region_share_pct"]) for day, _ in ours],
            ]
        )
    citation = published([PUBLISHED_THREE_REGIONS[-1]])["citation"][0]
    return site.HTMLBlock(
        site.html_table(
            rows,
            ["Area", "Share of homes, as stated in the 2019 debate", "Year as stated"]
            + [f"Ofsted list, {day_label(day)} ({LIST_SHORT[kind]})" for day, kind in ours],
            f"Share of England's children's homes: figures quoted in the debate ({citation}) beside the Ofsted "
            f"lists (shares derived from Ofsted's counts)",
        )
    )


def region_text() -> str:
    first, latest = first_and_latest_complete()
    nw0, nw1 = _region_row(first, "North West"), _region_row(latest, "North West")
    ld0, ld1 = _region_row(first, "London"), _region_row(latest, "London")
    t0, t1, t19 = _three(first), _three(latest), _three(date(2019, 3, 31))
    nw_2012 = published([PUBLISHED_REGION_SHARES["North West"]]).row(0, named=True)
    three_2019 = published(["deb19_014"]).row(0, named=True)
    frame = regional_homes().filter(pl.col("snapshot_date").is_in([first, latest]))
    return (
        f"In the complete list dated {day_label(latest)}, the North West had {num(nw1['homes'])} children's homes, "
        f"{pct(nw1['share_of_england_homes_pct'])} of England's ({pct(nw0['share_of_england_homes_pct'])} at "
        f"{day_label(first)}). London had {num(ld1['homes'])}, {pct(ld1['share_of_england_homes_pct'])} "
        f"({pct(ld0['share_of_england_homes_pct'])} at {day_label(first)}). The North West, West Midlands and "
        f"South East together had {pct(t1['three_region_share_pct'])} of homes "
        f"({pct(t0['three_region_share_pct'])} at {day_label(first)}; source: {source_text(frame)}).\n\n"
        f"The 2019 debate said that in 2012 \u201c{nw_2012['quote']}\u201d and that the three regions still held "
        f"{three_2019['value_as_stated']} in 2019. The Ofsted list for 31 March 2019 (homes with a full "
        f"inspection) gives {pct(t19['three_region_share_pct'])}. No Ofsted list for 2012 is held, so the 2012 "
        f"shares can be quoted only as published, with their source."
    )


# --------------------------------------------------------------------------------------------------
# Homes and places per 10,000 children, by region
# --------------------------------------------------------------------------------------------------


def supply(year: int | None = None) -> pl.DataFrame:
    """childrens_homes_supply for one 31 March (default the latest), with homes per 10,000 children (derived)."""
    frame = data.load("childrens_homes_supply")
    year = year or frame["time_period"].max()
    frame = frame.filter(pl.col("time_period") == year)
    return frame.with_columns(
        pl.when(pl.col("population_0_to_17") > 0)
        .then((10_000 * pl.col("homes") / pl.col("population_0_to_17")).round(1))
        .otherwise(None)
        .alias("homes_per_10000_children_derived")
    )


def supply_source(frame: pl.DataFrame) -> str:
    """Chart source line for a supply frame: the Ofsted list, and the population and children figures'
    own sources (their ids are in population_source_id / children_source_id)."""
    parts = [chart_source(frame).removesuffix(".")]
    if "population_source_id" in frame.columns:
        manifest = data.sources()
        pairs = (
            frame.select("population_source_id", "population_reference_date")
            .drop_nulls()
            .unique()
            .sort("population_reference_date")
        )
        for source_id, reference in pairs.iter_rows():
            row = manifest[source_id]
            parts.append(
                f"children aged 0 to 17: {row['publisher']}, {row['publication']} (mid-year estimate for "
                f"{day_label(date.fromisoformat(reference))})"
            )
    if "children_source_id" in frame.columns:
        ids = frame.select(pl.col("children_source_id").alias("source_id"), "time_period").drop_nulls()
        parts.append("children in children's homes: " + "; ".join(u.text() for u in data.source_uses(ids)))
    return "; ".join(parts) + "."


def _england_supply(year: int | None = None) -> dict:
    return supply(year).filter(pl.col("geographic_level") == "National").row(0, named=True)


def region_rates(year: int | None = None) -> pl.DataFrame:
    frame = supply(year).filter(pl.col("geographic_level") == "Regional")
    return frame.select(
        EES
        + [
            "region_code",
            "region_name",
            "snapshot_date",
            "snapshot_kind",
            "homes",
            "places",
            "population_0_to_17",
            "population_reference_date",
            "places_per_10000_children",
            "homes_per_10000_children_derived",
            "population_source_id",
        ]
        + PROVENANCE
    )


def region_rates_reference(year: int | None = None) -> tuple[float, str]:
    england = _england_supply(year)
    return england["places_per_10000_children"], f"England {england['places_per_10000_children']:.1f}"


def region_rates_title(year: int | None = None) -> str:
    frame = region_rates(year).sort("places_per_10000_children", descending=True)
    top, bottom = frame.row(0, named=True), frame.row(frame.height - 1, named=True)
    return (
        f"The {top['region_name']} has {top['places_per_10000_children']:.1f} children's home places per "
        f"10,000 children, {bottom['region_name']} {bottom['places_per_10000_children']:.1f}"
    )


def region_rates_subtitle(year: int | None = None) -> str:
    frame = region_rates(year)
    day, kind = frame["snapshot_date"][0], frame["snapshot_kind"][0]
    return (
        f"Places at {day_label(day)} ({LIST_SHORT[kind]}) per 10,000 children aged 0 to 17 (ONS mid-year "
        f"estimate for {day_label(date.fromisoformat(frame['population_reference_date'][0]))})"
    )


def region_rates_alt(year: int | None = None) -> str:
    frame = region_rates(year).sort("places_per_10000_children", descending=True)
    england = _england_supply(year)
    parts = ", ".join(
        f"{r['region_name']} {r['places_per_10000_children']:.1f}" for r in frame.iter_rows(named=True)
    )
    return (
        f"Horizontal bar chart of children's home places per 10,000 children aged 0 to 17 by region at "
        f"{day_label(frame['snapshot_date'][0])}, highest first: {parts}. England: "
        f"{england['places_per_10000_children']:.1f}."
    )


def region_rates_text(year: int | None = None) -> str:
    frame = region_rates(year).sort("homes_per_10000_children_derived", descending=True)
    england = _england_supply(year)
    day, kind = frame["snapshot_date"][0], frame["snapshot_kind"][0]
    top, bottom = frame.row(0, named=True), frame.row(frame.height - 1, named=True)
    return (
        f"At {day_label(day)} England had {england['places_per_10000_children']:.1f} children's home places per "
        f"10,000 children aged 0 to 17 ({num(england['places'])} places; {num(england['population_0_to_17'])} "
        f"children). Counting homes instead of places (derived here), the {top['region_name']} had "
        f"{top['homes_per_10000_children_derived']:.1f} homes per 10,000 children and {bottom['region_name']} "
        f"{bottom['homes_per_10000_children_derived']:.1f}. These rates use the {LIST_NAMES[kind]} for "
        f"{day_label(day)}, which leaves out homes without a full inspection, so they are a little lower than "
        f"a complete count would give (source: {source_text(frame)}; population: ONS mid-year estimates as "
        f"published by DfE)."
    )


# --------------------------------------------------------------------------------------------------
# Supply against need: places in a region against the region's children in children's homes
# --------------------------------------------------------------------------------------------------


def supply_need(year: int | None = None) -> pl.DataFrame:
    frame = supply(year).filter(pl.col("geographic_level") == "Regional")
    return frame.select(
        EES
        + [
            "region_code",
            "region_name",
            "snapshot_date",
            "snapshot_kind",
            "places",
            "children_definition",
            "children_in_childrens_homes",
            "children_value_note",
            "places_per_child_in_childrens_homes",
            "children_source_id",
        ]
        + PROVENANCE
    )


def supply_need_title(year: int | None = None) -> str:
    frame = supply_need(year).sort("places_per_child_in_childrens_homes", descending=True)
    top, bottom = frame.row(0, named=True), frame.row(frame.height - 1, named=True)
    return (
        f"The {top['region_name']} has {top['places_per_child_in_childrens_homes']:.2f} places per child "
        f"its councils place in children's homes; {bottom['region_name']} "
        f"{bottom['places_per_child_in_childrens_homes']:.2f}"
    )


def supply_need_subtitle(year: int | None = None) -> list[str]:
    frame = supply_need(year)
    return [
        f"Places in homes located in the region at {day_label(frame['snapshot_date'][0])} "
        f"({LIST_SHORT[frame['snapshot_kind'][0]]}), against children looked after by the region's councils",
        f"in DfE's category \u201c{frame['children_definition'][0]}\u201d (rounded to the nearest 10), "
        "wherever they were placed",
    ]


def supply_need_alt(year: int | None = None) -> str:
    frame = supply_need(year).sort("places_per_child_in_childrens_homes", descending=True)
    parts = "; ".join(
        f"{r['region_name']}: {num(r['places'])} places, {num(r['children_in_childrens_homes'])} "
        f"children, {r['places_per_child_in_childrens_homes']:.2f} per child"
        for r in frame.iter_rows(named=True)
    )
    return (
        f"Scatter chart, one point per region, of children's home places located in the region (vertical) "
        f"against children looked after by the region's councils living in secure homes and children's "
        f"homes (horizontal), at {day_label(frame['snapshot_date'][0])}. {parts}."
    )


def supply_need_text(year: int | None = None) -> str:
    frame = supply_need(year).sort("places_per_child_in_childrens_homes", descending=True)
    england = _england_supply(year)
    day = frame["snapshot_date"][0]
    below = frame.filter(pl.col("places_per_child_in_childrens_homes") < 1)["region_name"].to_list()
    uses = data.source_uses(frame.with_columns(pl.col("children_source_id").alias("source_id")))
    return (
        f"At {day_label(day)} there were {num(england['places'])} places in children's homes in England and "
        f"{num(england['children_in_childrens_homes'])} children looked after in DfE's category "
        f"\u201c{england['children_definition']}\u201d: {england['places_per_child_in_childrens_homes']:.2f} places "
        f"per child. Places can outnumber these children because registered places are not all filled, and "
        f"because homes also take children this count leaves out (for example children placed by councils in "
        f"Wales, children on short breaks, and pupils of residential special schools who are not looked "
        f"after). "
        + (
            f"Regions with fewer places than children placed in children's homes by their own councils: "
            f"{', '.join(below)}. "
            if below
            else "Every region has at least as many places as children placed "
            "in children's homes by its own councils. "
        )
        + f"Places are counted where homes are; children are counted by the council responsible for them, "
        f"wherever they live (children: {'; '.join(u.text() for u in uses)})."
    )


def crowded_labels(frame: pl.DataFrame, x: str, y: str, label: str, near: float = 0.06) -> list[str]:
    """Labels to draw below their point: of two points closer than `near` of each axis' range, the lower one."""
    rows = frame.select(label, x, y).drop_nulls().rows()
    x_span = max(r[1] for r in rows) or 1
    y_span = max(r[2] for r in rows) or 1
    below = set()
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if abs(a[1] - b[1]) < near * x_span and abs(a[2] - b[2]) < near * y_span:
                below.add(a[0] if a[2] < b[2] else b[0])
    return sorted(below)


def supply_need_chart(frame: pl.DataFrame, **kwargs) -> alt.LayerChart:
    """charts.scatter of places against children, every region labelled (crowded labels below their point),
    with a dashed line where places equal children (one place per child)."""
    below = crowded_labels(frame, "children_in_childrens_homes", "places", "region_name")
    above = [r for r in frame["region_name"].to_list() if r not in below]
    chart = charts.scatter(
        frame, x="children_in_childrens_homes", y="places", label="region_name", highlight=above, **kwargs
    )
    top = int(min(frame["places"].max(), frame["children_in_childrens_homes"].max()) or 0)
    parity = (
        alt.Chart(alt.InlineData(values=[{"a": 0}, {"a": top}]))
        .mark_line(color="#6F777B", strokeDash=[4, 4], strokeWidth=1.5)
        .encode(x="a:Q", y="a:Q")
    )
    parity_label = (
        alt.Chart(alt.InlineData(values=[{"a": top, "text": "One place per child"}]))
        .mark_text(align="left", dx=6, dy=10, color="#505A5F")
        .encode(x="a:Q", y="a:Q", text="text:N")
    )
    low = (
        alt.Chart()
        .mark_text(align="left", dx=7, dy=12, fontWeight="bold")
        .encode(x="children_in_childrens_homes:Q", y="places:Q", text="region_name:N")
        .transform_filter(alt.FieldOneOfPredicate(field="region_name", oneOf=below))
    )
    marked = chart.copy(deep=False)
    marked.layer = [parity, parity_label, *chart.layer] + ([low] if below else [])
    return marked


def definitions_by_year() -> pl.DataFrame:
    """For each year: the DfE category used for children in children's homes, by geography, and the list."""
    frame = data.load("childrens_homes_supply")
    return (
        frame.filter(pl.col("children_definition").is_not_null())
        .group_by("time_period", "snapshot_kind", "children_definition")
        .agg(pl.col("geographic_level").unique().sort().alias("levels"))
        .sort("time_period")
    )


def definitions_table() -> site.HTMLBlock:
    rows = []
    for r in definitions_by_year().iter_rows(named=True):
        levels = ", ".join(
            level.lower()
            for level in sorted(r["levels"], key=["National", "Regional", "Local authority"].index)
        )
        rows.append([r["time_period"], r["children_definition"], levels, LIST_NAMES[r["snapshot_kind"]]])
    return site.HTMLBlock(
        site.html_table(
            rows,
            ["31 March", "DfE category of children counted", "Published for", "Ofsted list for the places"],
            "Which definitions the places-against-children figures use each year (childrens_homes_supply): do not "
            "compare ratios across categories",
        )
    )


# --------------------------------------------------------------------------------------------------
# Councils: hex map of places per 10,000 children and the councils with most homes
# --------------------------------------------------------------------------------------------------


def council_rates(year: int | None = None) -> pl.DataFrame:
    """Every council at one 31 March (default latest): places per 10,000 children, homes, no-homes flag."""
    frame = supply(year).filter(pl.col("geographic_level") == "Local authority")
    return (
        frame.select(
            EES
            + COUNCIL_GEOGRAPHY
            + [
                "snapshot_date",
                "snapshot_kind",
                "homes",
                "places",
                "population_0_to_17",
                "population_reference_date",
                "places_per_10000_children",
                "homes_per_10000_children_derived",
                "population_source_id",
            ]
            + PROVENANCE
        )
        .with_columns((pl.col("homes") == 0).alias("no_homes"))
        .sort("current_la_name")
    )


def mark_no_homes(chart: alt.LayerChart, value: str = "places_per_10000_children") -> alt.LayerChart:
    """Draw councils with no children's home (a rate of exactly 0: no places) white with a dark outline and a
    legend entry of their own, on top of a charts.hex_map chart. Missing rates stay grey ("no data")."""
    helper = f"{charts.HELPER_PREFIX}no_homes"
    lookups = [t for t in chart.layer[0].transform if isinstance(t, alt.LookupTransform)]
    if not lookups:
        raise ValueError("mark_no_homes needs a chart made by charts.hex_map (no hexagon lookup found)")
    lookup = {
        "lookup": f"{charts.HELPER_PREFIX}code",
        "from_": lookups[0]["from"],
        "as_": f"{charts.HELPER_PREFIX}geo",
    }
    layer = (
        alt.Chart()
        .mark_geoshape(stroke=charts.DARK_GREY, strokeWidth=1.2)
        .encode(
            shape=alt.Shape(f"{charts.HELPER_PREFIX}geo:G"),
            color=alt.Color(
                f"{helper}:N",
                title=None,
                scale=alt.Scale(domain=[NO_HOMES_LABEL], range=["white"]),
                legend=alt.Legend(orient="right", symbolStrokeColor=charts.DARK_GREY, symbolType="square"),
            ),
            tooltip=[
                alt.Tooltip(f"{charts.HELPER_PREFIX}name:N", title="Council"),
                alt.Tooltip(f"{helper}:N", title="Children's homes"),
            ],
        )
        .transform_filter(f"isValid(datum['{value}']) && datum['{value}'] === 0")
        .transform_calculate(**{helper: json.dumps(NO_HOMES_LABEL)})
        .transform_lookup(**lookup)
        .project(type="identity", reflectY=True)
    )
    marked = chart.copy(deep=False)
    marked.layer = [*chart.layer, layer]
    return marked.resolve_scale(color="independent")


def council_map_title(year: int | None = None) -> str:
    frame = council_rates(year).sort("places_per_10000_children", descending=True)
    top = frame.row(0, named=True)
    none = frame.filter(pl.col("no_homes")).height
    return (
        f"{top['la_name']} has the most places per 10,000 children ({top['places_per_10000_children']:.1f}); "
        f"{none} council {'area has' if none == 1 else 'areas have'} no children's home"
    )


def council_map_subtitle(year: int | None = None) -> list[str]:
    frame = council_rates(year)
    day, kind = frame["snapshot_date"][0], frame["snapshot_kind"][0]
    return [
        f"Places in homes located in each council area at {day_label(day)} ({LIST_SHORT[kind]}) per 10,000 "
        "children aged 0 to 17.",
        "One hexagon per council, roughly in its place on the map.",
    ]


def council_map_alt(year: int | None = None) -> str:
    frame = council_rates(year).sort("places_per_10000_children", descending=True, nulls_last=True)
    top = ", ".join(
        f"{r['la_name']} {r['places_per_10000_children']:.1f}" for r in frame.head(5).iter_rows(named=True)
    )
    none = ", ".join(frame.filter(pl.col("no_homes"))["la_name"].sort().to_list())
    missing = frame.filter(pl.col("places_per_10000_children").is_null())["la_name"].to_list()
    median = frame["places_per_10000_children"].median()
    return (
        f"Hex map of England's {frame.height} councils coloured by children's home places per 10,000 children "
        f"aged 0 to 17 at {day_label(frame['snapshot_date'][0])}. Highest: {top}. The middle council has "
        f"{median:.1f}. Councils with no children's home (white): {none or 'none'}. "
        f"Councils with no figure (grey): {', '.join(missing) if missing else 'none'}."
    )


def council_rates_text(year: int | None = None) -> str:
    frame = council_rates(year)
    day = frame["snapshot_date"][0]
    ranked = frame.sort("places_per_10000_children", descending=True, nulls_last=True)
    top = ranked.head(3)
    none = frame.filter(pl.col("no_homes"))["la_name"].sort().to_list()
    return (
        f"Council by council the spread is wide. At {day_label(day)} the highest rates of places per 10,000 "
        f"children were in "
        + ", ".join(
            f"{r['la_name']} ({r['places_per_10000_children']:.1f}, {num(r['places'])} places)"
            for r in top.iter_rows(named=True)
        )
        + f"; the middle council had {frame['places_per_10000_children'].median():.1f}. "
        f"{len(none)} council areas had no children's home in this list: {', '.join(none)}. Small areas can have "
        f"high rates from a few large homes; the rate says where places are, not where children come from."
    )


def council_homes(day: date | None = None) -> pl.DataFrame:
    """Homes and places by council area in a complete list (default the latest)."""
    frame = data.load("childrens_homes_by_area").filter(
        pl.col("geographic_level") == "Local authority",
        pl.col("provision_type") == ALL_TYPES,
        pl.col("sector") == ALL_SECTORS,
    )
    day = day or first_and_latest_complete()[1]
    return (
        frame.filter(pl.col("snapshot_date") == day)
        .select(
            EES
            + COUNCIL_GEOGRAPHY
            + [
                "snapshot_date",
                "snapshot_kind",
                "homes",
                "places",
                "share_of_england_homes_pct",
                "share_of_england_places_pct",
            ]
            + PROVENANCE
        )
        .sort("homes", "la_name", descending=[True, False])
    )


def top_councils(n: int = 15, day: date | None = None) -> pl.DataFrame:
    """The n councils with most homes (more if councils tie with the n-th)."""
    frame = council_homes(day)
    cut = frame["homes"][n - 1]
    return frame.filter(pl.col("homes") >= cut)


def councils_holding_half(day: date | None = None) -> tuple[int, int, float]:
    """(k, councils, share): the fewest council areas that together hold at least half of England's homes."""
    frame = council_homes(day)
    total = frame["homes"].sum()
    cumulative = frame["homes"].cum_sum()
    k = int((cumulative < total / 2).sum()) + 1
    return k, frame.height, 100 * cumulative[k - 1] / total


def top_councils_title(n: int = 15) -> str:
    frame = top_councils(n)
    first = frame.row(0, named=True)
    second = frame.row(1, named=True)
    return (
        f"{first['la_name']} has {num(first['homes'])} children's homes, more than any other council area "
        f"({second['la_name']} {num(second['homes'])})"
    )


def top_councils_alt(n: int = 15) -> str:
    frame = top_councils(n)
    parts = ", ".join(f"{r['la_name']} {r['homes']}" for r in frame.iter_rows(named=True))
    return (
        f"Horizontal bar chart of the {frame.height} council areas with the most children's homes in Ofsted's "
        f"complete list dated {day_label(frame['snapshot_date'][0])}: {parts}."
    )


def top_councils_text(n: int = 15) -> str:
    frame = top_councils(n)
    day = frame["snapshot_date"][0]
    k, councils, held = councils_holding_half(day)
    first = frame.row(0, named=True)
    return (
        f"Homes cluster in a few council areas. In the complete list dated {day_label(day)}, {first['la_name']} "
        f"alone had {num(first['homes'])} homes ({pct(first['share_of_england_homes_pct'])} of England's) with "
        f"{num(first['places'])} places. {k} of the {councils} council areas held half of all homes "
        f"({pct(held)}, derived) (source: {source_text(frame)})."
    )


# --------------------------------------------------------------------------------------------------
# Key findings
# --------------------------------------------------------------------------------------------------


def key_findings() -> str:
    first, latest = first_and_latest_complete()
    top = _largest_region(latest)
    top0 = _region_row(first, top["region_name"])
    london = _region_row(latest, "London")
    t1 = _three(latest)
    three_2019 = published(["deb19_014"]).row(0, named=True)
    rates = region_rates().sort("places_per_10000_children", descending=True)
    hi, lo = rates.row(0, named=True), rates.row(rates.height - 1, named=True)
    england = _england_supply()
    k, councils, _ = councils_holding_half()
    first_council = council_homes().row(0, named=True)
    return "\n".join(
        [
            f"- **The {top['region_name']} has {pct(top['share_of_england_homes_pct'])} of England's children's "
            f"homes** ({num(top['homes'])} of {num(england_homes(latest)['homes'])}) in Ofsted's complete list dated "
            f"{day_label(latest)}; it had {pct(top0['share_of_england_homes_pct'])} at {day_label(first)}. London "
            f"has {pct(london['share_of_england_homes_pct'])}.",
            f"- **Three regions, the North West, West Midlands and South East, hold "
            f"{pct(t1['three_region_share_pct'])} of homes** at {day_label(latest)} (Ofsted; derived). The 2019 debate "
            f"quoted {three_2019['value_as_stated']} ({three_2019['citation']}).",
            f"- **Places per 10,000 children range from {lo['places_per_10000_children']:.1f} in {lo['region_name']} "
            f"to {hi['places_per_10000_children']:.1f} in the {hi['region_name']}** at {day_label(hi['snapshot_date'])} "
            f"(England {england['places_per_10000_children']:.1f}; Ofsted places, ONS population).",
            f"- **{k} of {councils} council areas hold half of all homes** at {day_label(latest)}; "
            f"{first_council['la_name']} alone has {num(first_council['homes'])} "
            f"({pct(first_council['share_of_england_homes_pct'])}) (Ofsted, complete list).",
        ]
    )


# --------------------------------------------------------------------------------------------------
# Page text that names dates
# --------------------------------------------------------------------------------------------------


def intro_text() -> str:
    first, latest = first_and_latest_complete()
    return (
        "Where are England's children's homes, and are there places where children in care need them? In 2012 "
        "the Local Government Association warned of \u201csignificant geographic clustering of children's "
        "homes\u201d and \u201ca fundamental mismatch between the clustered supply of provision and the desire for "
        "children to be placed nearer to their home area\u201d (LGA board paper, 16 July 2012, paragraphs 9 and "
        f"10). This chapter compares regions and councils using Ofsted's complete lists of homes at "
        f"{day_label(first)} and {day_label(latest)}, and places against children in care at 31 March."
    )


def about_sources_text() -> str:
    first, latest = first_and_latest_complete()
    year = supply()["time_period"][0]
    return (
        f"**Sources.** Counts and shares of homes: Ofsted's complete \u201cproviders and places\u201d lists at "
        f"{day_label(first)} and {day_label(latest)}, and the inspected-homes list for 31 March 2019 where it is "
        f"compared with the 2019 debate. Rates and places against children at 31 March {year}: Ofsted's list for "
        f"that date, ONS mid-year estimates of children aged 0 to 17 as published by the Department for Education, "
        f"and DfE's counts of children looked after in children's homes (childrens_homes_supply). Figures quoted "
        f"in the 2019 debate are from the published figures dataset, with their quotes."
    )


def top_councils_subtitle(n: int = 15) -> str:
    frame = top_councils(n)
    return (
        f"The {frame.height} council areas with the most children's homes, Ofsted's "
        f"{LIST_SHORT[frame['snapshot_kind'][0]]} dated {day_label(frame['snapshot_date'][0])}"
    )
