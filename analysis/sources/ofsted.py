"""Ofsted children's social care provider lists: every year's layout read into one canonical shape.

Files (data/sources.csv, `ofsted-*`):
- `provider-level-YYYY-MM-DD.csv` (31 March 2015-2024, 31 August 2023): one row per provider with its latest
  full inspection. CSV exports of spreadsheets: title rows above the header from 2022, a "Provider information /
  Latest Full Inspection" super-header row in 2016-2021, trailing empty columns, cp1252 in 2022 and 2024.
- `providers-places-YYYY-MM-DD.csv` (30 September 2014, 31 March 2018, 31 August 2023 and 2024): every active
  provider with its places, no inspection judgements.
- `joiners-leavers-YYYY-YY.csv` (2016-17 to 2022-23): homes registered or closed during the year.

Ofsted publishes these lists as sheets of an ODS workbook ("Children's social care data in England 2025": sheets
`Provider_level_at_31_Mar_2025`, `Providers+places_at_31_Mar_2025`, `Leavers+Joiners_at_31_Mar_2025`, ...,
each table at A4 under title rows, some header cells starting with a newline). Every reader here takes an
optional `sheet` (a regular expression matched against the sheet names) and then reads that sheet of an ODS or
XLSX workbook instead of a CSV export; rows, record numbers and checks are the same (analysis/sources/tables.py).

The header row is found by its content (the first row naming URN, provision type and local authority), never by a
per-year line number. Every header cell must be listed in COLUMN_NAMES (mapped to a canonical column) or in
IGNORED_COLUMNS (known, not used): a new or renamed column raises ParseError, so a changed layout is never read
by guesswork. Category values (provision type, sector, short breaks, judgement, registration status) are mapped
through tables too; an unknown value raises ParseError naming the file, the check and the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from analysis.errors import ParseError
from analysis.layout import normalise_label
from analysis.sources import tables

# --------------------------------------------------------------------------------------------------------------
# Which files hold lists of homes at a date
# --------------------------------------------------------------------------------------------------------------

PROVIDER_LEVEL = "provider_level"
PROVIDERS_PLACES = "providers_and_places"

SNAPSHOT_KIND_LABELS = {
    PROVIDER_LEVEL: "Provider-level list: providers with their latest full inspection",
    PROVIDERS_PLACES: "Providers and places: all registered providers and their places",
}

# Families (data/reference/source_families.csv) of the lists of providers at a date, and which kind of list each
# is. Where both kinds exist for a date, the providers-and-places list is used (every registered home).
PROVIDERS_PLACES_FAMILY = "ofsted:providers_places"
PROVIDER_LEVEL_FAMILY = "ofsted:provider_level"
JOINERS_LEAVERS_FAMILY = "ofsted:joiners_leavers"
SNAPSHOT_FAMILIES: dict[str, str] = {
    PROVIDERS_PLACES_FAMILY: PROVIDERS_PLACES,
    PROVIDER_LEVEL_FAMILY: PROVIDER_LEVEL,
}


@dataclass(frozen=True)
class OfstedSnapshotFile:
    """One Ofsted list of providers at a date: which source, what kind of list, as at which date."""

    source_id: str
    kind: str
    snapshot_date: date


def snapshot_file(file) -> OfstedSnapshotFile:
    """The kind and date of a provider list, from its manifest row (family and reference_period, after any
    correction of a wrongly labelled date)."""
    source = file.source
    if source.family not in SNAPSHOT_FAMILIES:
        raise ValueError(f"{source.source_id!r} (family {source.family}) is not an Ofsted list at a date")
    return OfstedSnapshotFile(source.source_id, SNAPSHOT_FAMILIES[source.family], source.as_at)


# --------------------------------------------------------------------------------------------------------------
# Column names: one table for every year's spelling (keys and names are compared after normalise_header)
# --------------------------------------------------------------------------------------------------------------

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "urn": ("urn",),
    "provision_type": ("provision type",),
    "registration_status": ("registration status", "reg status"),
    "registration_date": ("registration date",),
    "region_name_published": ("government office region", "gor"),
    "la_name_published": ("local authority", "la"),
    "sector": ("sector",),
    "places": ("places", "max/estimated places"),
    "short_break_only": (
        "short breaks only",  # 2015 (Yes / blank), 2017 (long term / short breaks and long term / short only)
        "short breaks only children's home",  # 2016
        "short-break-only children's home",  # 2021 on
    ),
    "multi_building": ("multi-building children's home",),
    "owner_name_published": (
        "organisation",  # provider-level 2018
        "organisation which owns the provider",  # provider-level 2019 on
        "organisation name",  # providers-and-places 2018, 2023, 2024
    ),
    "latest_inspection_type": ("inspection type", "event type", "latest full inspection event type"),
    "latest_inspection_date": ("inspection date", "latest full inspection date"),
    "latest_overall_judgement": (
        "overall effectiveness",  # 2015-2018 (framework before April 2017 and SCCIF 2017)
        "overall experiences and progress of children and young people",  # 2019 on
        "latest full inspection overall experiences and progress of children and young people",  # 2022
    ),
}

# Known columns this project does not use (addresses and names are REDACTED for homes anyway).
IGNORED_COLUMNS: frozenset[str] = frozenset(
    {
        "web link",
        "linked ed urn",
        "linked education urn",
        "name",
        "setting name",
        "address 1",
        "address 2",
        "town",
        "county",
        "postcode",
        "ofsted region",
        "region",  # 2015: Ofsted's own regions ('North East, Yorkshire and the Humber'), not the GOR
        "parliamentary constituency",
        "premises",
        "inspection id",
        "event number",
        "publication date",
        "latest full inspection event number",
        "latest full inspection publication date",
        # sub-judgements of the latest full inspection, by framework
        "outcomes for children and young people",
        "quality of care",
        "the safety of children and young people",
        "safeguarding children and young people",
        "leadership and management",
        "outcomes in education and related learning activities",
        "health services",
        "how well children and young people are helped and protected",
        "the effectiveness of leaders and managers",
        "latest full inspection outcomes in education and related learning activities",
        "latest full inspectio health services",  # sic, 2022
        "latest full inspection how well children and young people are helped and protected",
        "latest full inspection the effectiveness of leaders and managers",
        # the previous full inspection (2024)
        "previous full inspection event type",
        "previous full inspection event date",
        "previous full inspection publication date",
        "previous full inspection event number",
        "previous overall experiences and progress of children and young people",
        "previous outcomes in education and related learning activities",
        "previous health services",
        "previous how well children and young people are helped and protected",
        "previous effectiveness of leaders and managers",
    }
)

REQUIRED_COLUMNS = ("urn", "provision_type", "sector", "la_name_published")


@dataclass(frozen=True)
class Layout:
    """The column tables of one family of Ofsted files: canonical -> published names, known unused names,
    and the canonical columns every file of the family must have."""

    columns: dict[str, tuple[str, ...]]
    ignored: frozenset[str]
    required: tuple[str, ...]

    def lookup(self) -> dict[str, str]:
        return {name: canonical for canonical, names in self.columns.items() for name in names}


PROVIDER_LIST_LAYOUT = Layout(COLUMN_NAMES, IGNORED_COLUMNS, REQUIRED_COLUMNS)
# The header is within the first rows (title rows: at most 4 so far), the first naming all of HEADER_NAMES
HEADER_SEARCH_ROWS = tables.HEADER_SEARCH_ROWS
HEADER_NAMES = ("URN", "Provision type", ("Local authority", "LA"))

# --------------------------------------------------------------------------------------------------------------
# Category values (keys compared case-insensitively after normalise_label)
# --------------------------------------------------------------------------------------------------------------

CHILDRENS_HOME = "Children's home"
SECURE_CHILDRENS_HOME = "Secure children's home"
RSS_CHILDRENS_HOME = "Residential special school (registered as a children's home)"
CHILDRENS_HOME_TYPES = (CHILDRENS_HOME, SECURE_CHILDRENS_HOME, RSS_CHILDRENS_HOME)

# Provision types that are children's homes -> canonical label.
CHILDRENS_HOME_PROVISION_TYPES: dict[str, str] = {
    "children's home": CHILDRENS_HOME,
    "secure children's home": SECURE_CHILDRENS_HOME,
    "residential special school (registered as a children's home)": RSS_CHILDRENS_HOME,
    # 2014-2015 label for the same registration: residential special schools open more than 295 days a year
    # must register as children's homes; from 2016 the same rows (about 80) carry the label above.
    "residential special school (>295 days/year)": RSS_CHILDRENS_HOME,
}

# Other provision types Ofsted lists: known, not children's homes, left out of the homes table.
OTHER_PROVISION_TYPES: frozenset[str] = frozenset(
    {
        "adoption support agency",
        "boarding school",
        "cafcass",
        "further education college",
        "further education college with residential accommodation",
        "independent fostering agency",
        "residential family centre",
        "residential holiday scheme for disabled children",
        "residential special school",
        "secure training centre",
        "supported accommodation",
        "voluntary adoption agency",
    }
)

SECTORS: dict[str, str] = {
    "local authority": "Local authority",
    "private": "Private",
    "voluntary": "Voluntary",
    "health authority": "Health authority",
    # only for providers other than children's homes so far; allowed here, rejected for homes below
    "academy": "Academy",
    "public sector": "Public sector",
}
HOME_SECTORS = ("Local authority", "Private", "Voluntary", "Health authority")

SHORT_BREAK_VALUES: dict[str, bool] = {
    "yes": True,
    "short breaks only": True,
    "short-break-only children's home": True,
    "long term care only": False,
    "short breaks and long term care": False,
    "": False,  # the column exists and the home is not marked
}

JUDGEMENTS: dict[str, str] = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires improvement to be good": "Requires improvement to be good",
    "requires improvement": "Requires improvement",  # framework of April 2015 to March 2017
    "adequate": "Adequate",  # framework before April 2015
    "satisfactory": "Satisfactory",  # framework before April 2012
    "inadequate": "Inadequate",
}

REGISTRATION_STATUSES: dict[str, str] = {"active": "Active", "suspended": "Suspended"}

URN_PATTERN = r"^(SC\d{6}|\d{7})$"
_DATE_PATTERN = r"^\d{2}/\d{2}/\d{4}$"


def normalise_header(cell: str) -> str:
    """A header cell compared across years: curly quotes, newlines and doubled spaces tidied, lower case."""
    return tables.normalise_name(cell)


def _key(value: str | None) -> str:
    return (normalise_label(value) or "").lower()


# --------------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------------


def decode_text(raw: bytes, source_id: str, file_name: str) -> str:
    """A CSV export's text: UTF-8 (with or without a byte order mark), Windows-1252 (the 2022 and 2024 provider
    lists) or UTF-16 with a byte order mark (tables.decode)."""
    return tables.decode(raw, source_id, file_name)[0]


def find_header_row(rows: list[list[str]], source_id: str, file_name: str) -> int:
    """Index of the header row: the first row naming URN, provision type and local authority."""
    return tables.find_header_row(rows, HEADER_NAMES, source_id, file_name, within=HEADER_SEARCH_ROWS)


def map_columns(
    header: list[str], source_id: str, file_name: str, layout: Layout = PROVIDER_LIST_LAYOUT
) -> dict[int, str]:
    """Column position -> canonical name for the columns used; raises on any unknown or repeated column."""
    lookup = layout.lookup()
    mapping: dict[int, str] = {}
    unknown = []
    for position, cell in enumerate(header):
        name = normalise_header(cell)
        if not name:
            continue  # checked by the caller: an unnamed column must be empty
        if name in lookup:
            canonical = lookup[name]
            if canonical in mapping.values():
                raise ParseError(
                    source_id, file_name, "one column per canonical name", f"two columns map to {canonical!r}"
                )
            mapping[position] = canonical
        elif name not in layout.ignored:
            unknown.append(cell)
    if unknown:
        raise ParseError(
            source_id,
            file_name,
            "known column names",
            f"unknown column(s) {unknown}: add them to the layout's column tables in analysis/sources/ofsted.py",
        )
    missing = [c for c in layout.required if c not in mapping.values()]
    if missing:
        raise ParseError(source_id, file_name, "required columns present", f"missing {missing}")
    return mapping


def read_provider_list(
    path: Path, source_id: str, layout: Layout = PROVIDER_LIST_LAYOUT, *, sheet: str | None = None
) -> pl.DataFrame:
    """Every provider row of an Ofsted list, canonical column names, all values as published text.

    The list is a CSV export or, with `sheet` (a regular expression matched against the sheet names, e.g.
    "^Provider_level_at_31_Mar_[0-9]{4}$"), one sheet of Ofsted's ODS/XLSX workbook: see tables.read_rows.
    Adds `file_row` (1-based number of the CSV record, or of the sheet's row, for tracing a value back). Wholly
    empty rows (spreadsheet padding) are dropped; a row with a cell too few or too many, the header repeated
    below itself, no data row, or a row without a URN raises ParseError.
    """
    return _read_provider_table(path, source_id, layout, sheet)[0]


def _read_provider_table(
    path: Path, source_id: str, layout: Layout, sheet: str | None
) -> tuple[pl.DataFrame, str]:
    """read_provider_list's frame, and the name errors give the file (with the sheet, for a workbook)."""
    table = tables.read_rows(path, source_id, sheet=sheet)
    name = table.file_name
    header_index = table.find_header(HEADER_NAMES, within=HEADER_SEARCH_ROWS)
    header = table.rows[header_index]
    mapping = map_columns(header, source_id, name, layout)
    unnamed = [i for i, cell in enumerate(header) if not normalise_header(cell)]

    records: dict[str, list[str | None]] = {canonical: [] for canonical in mapping.values()}
    file_rows: list[int] = []
    for record, row in table.data_rows(header_index):
        filled = [i for i in unnamed if row[i].strip()]
        if filled:
            raise ParseError(
                source_id,
                name,
                "unnamed columns are empty",
                f"record {record} has a value in column {filled[0] + 1}",
            )
        for position, canonical in mapping.items():
            records[canonical].append(row[position])
        file_rows.append(record)
    frame = pl.DataFrame(records, schema={canonical: pl.Utf8 for canonical in records}).with_columns(
        pl.Series("file_row", file_rows, dtype=pl.Int64)
    )
    blank_urn = frame.filter(pl.col("urn").str.strip_chars() == "")
    if blank_urn.height:
        raise ParseError(
            source_id, name, "every provider has a URN", f"record {blank_urn['file_row'][0]} has no URN"
        )
    return frame, name


# --------------------------------------------------------------------------------------------------------------
# Children's homes
# --------------------------------------------------------------------------------------------------------------


def _map_values(
    frame: pl.DataFrame, column: str, table: dict[str, object], source_id: str, file_name: str, check: str
) -> pl.Expr:
    """An expression mapping a text column through `table` (case-insensitive); raises on any unlisted value."""
    values = frame[column].to_list()
    unknown = sorted({v for v in values if _key(v) not in table}, key=str)
    if unknown:
        raise ParseError(source_id, file_name, check, f"unexpected value(s) in {column}: {unknown[:10]}")
    keys = pl.col(column).map_elements(_key, return_dtype=pl.Utf8)
    return keys.replace_strict(list(table), list(table.values()))


def _parse_dates(frame: pl.DataFrame, column: str, source_id: str, file_name: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    bad = frame.filter((text != "") & ~text.str.contains(_DATE_PATTERN))
    if bad.height:
        raise ParseError(
            source_id,
            file_name,
            f"{column} is a dd/mm/yyyy date",
            f"record {bad['file_row'][0]}: {bad[column][0]!r}",
        )
    return pl.when(text == "").then(None).otherwise(text).str.strptime(pl.Date, "%d/%m/%Y", strict=True)


def childrens_homes_only(providers: pl.DataFrame, source_id: str, file_name: str) -> pl.DataFrame:
    """The rows whose provision type is a children's home. Every provision type must be known (children's home
    or another listed type): a new kind of children's home must not drop out silently."""
    types = providers["provision_type"].to_list()
    unknown = sorted(
        {
            t
            for t in types
            if _key(t) not in CHILDRENS_HOME_PROVISION_TYPES and _key(t) not in OTHER_PROVISION_TYPES
        }
    )
    if unknown:
        raise ParseError(
            source_id, file_name, "known provision types", f"unexpected provision type(s) {unknown}"
        )
    homes = providers.filter(
        pl.col("provision_type")
        .map_elements(_key, return_dtype=pl.Utf8)
        .is_in(list(CHILDRENS_HOME_PROVISION_TYPES))
    )
    if homes.is_empty():
        raise ParseError(source_id, file_name, "children's homes present", "no row is a children's home")
    return homes


def parse_homes(
    path: Path, source_id: str, snapshot: OfstedSnapshotFile, sheet: str | None = None
) -> pl.DataFrame:
    """The children's homes (all three registration types) of one Ofsted list, one row per home, typed.

    Columns: snapshot_date, snapshot_kind, urn, provision_type, short_break_only, sector, owner_name_published,
    registration_status, registration_date, latest_inspection_type, latest_inspection_date,
    latest_overall_judgement, la_name_published, region_name_published, places, file_row, source_id.
    Columns a year's file does not have are null (e.g. places in 2015, owner before 2018).

    The list's date and kind come from its manifest row (`snapshot_file`). `sheet` names the workbook sheet to
    read (a regular expression, e.g. "^Provider_level_at_31_Mar_[0-9]{4}$"); without it the file is a CSV
    export.
    """
    providers, name = _read_provider_table(path, source_id, PROVIDER_LIST_LAYOUT, sheet)

    homes = childrens_homes_only(providers, source_id, name)

    for optional in (
        "region_name_published",
        "places",
        "registration_date",
        "registration_status",
        "short_break_only",
        "multi_building",
        "owner_name_published",
        "latest_inspection_type",
        "latest_inspection_date",
        "latest_overall_judgement",
    ):
        if optional not in homes.columns:
            homes = homes.with_columns(pl.lit(None, dtype=pl.Utf8).alias(optional))

    urns = homes["urn"].str.strip_chars()
    bad_urn = homes.filter(~urns.str.contains(URN_PATTERN))
    if bad_urn.height:
        raise ParseError(
            source_id, name, "URN format", f"record {bad_urn['file_row'][0]}: {bad_urn['urn'][0]!r}"
        )
    duplicated = urns.filter(urns.is_duplicated()).unique().sort().to_list()
    if duplicated:
        raise ParseError(source_id, name, "one row per URN", f"URN(s) listed twice: {duplicated[:5]}")

    places_text = pl.col("places").str.strip_chars()
    bad_places = homes.filter(
        places_text.is_not_null() & (places_text != "") & ~places_text.str.contains(r"^\d+$")
    )
    if bad_places.height:
        raise ParseError(
            source_id,
            name,
            "places is a whole number",
            f"record {bad_places['file_row'][0]}: {bad_places['places'][0]!r}",
        )

    sector = _map_values(homes, "sector", SECTORS, source_id, name, "known sectors")
    judgement_column = homes["latest_overall_judgement"]
    judgement = (
        pl.lit(None, dtype=pl.Utf8)
        if judgement_column.null_count() == homes.height
        else _map_values(
            homes.with_columns(pl.col("latest_overall_judgement").fill_null("")),
            "latest_overall_judgement",
            {**JUDGEMENTS, "": None},
            source_id,
            name,
            "known overall judgements",
        )
    )
    short_break = (
        pl.lit(None, dtype=pl.Boolean)
        if homes["short_break_only"].null_count() == homes.height
        else _map_values(
            homes, "short_break_only", SHORT_BREAK_VALUES, source_id, name, "known short-break values"
        )
    )
    status = (
        pl.lit(None, dtype=pl.Utf8)
        if homes["registration_status"].null_count() == homes.height
        else _map_values(
            homes,
            "registration_status",
            REGISTRATION_STATUSES,
            source_id,
            name,
            "known registration statuses",
        )
    )
    tidy = homes.select(
        pl.lit(snapshot.snapshot_date).alias("snapshot_date"),
        pl.lit(snapshot.kind).alias("snapshot_kind"),
        pl.col("urn").str.strip_chars().alias("urn"),
        _map_values(
            homes, "provision_type", CHILDRENS_HOME_PROVISION_TYPES, source_id, name, "known provision types"
        ).alias("provision_type"),
        short_break.alias("short_break_only"),
        sector.alias("sector"),
        pl.col("owner_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .replace("", None)
        .alias("owner_name_published"),
        status.alias("registration_status"),
        _parse_dates(homes, "registration_date", source_id, name).alias("registration_date"),
        pl.col("latest_inspection_type")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .str.to_lowercase()
        .replace("", None)
        .str.replace(r"^full inspection$", "Full inspection")
        .str.replace(r"^monitoring inspection$", "Monitoring inspection")
        .alias("latest_inspection_type"),
        _parse_dates(homes, "latest_inspection_date", source_id, name).alias("latest_inspection_date"),
        judgement.alias("latest_overall_judgement"),
        pl.col("la_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .alias("la_name_published"),
        pl.col("region_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .alias("region_name_published"),
        pl.when(places_text == "").then(None).otherwise(places_text).cast(pl.Int64).alias("places"),
        pl.col("file_row"),
        pl.lit(source_id).alias("source_id"),
    )
    not_home_sector = tidy.filter(~pl.col("sector").is_in(HOME_SECTORS))
    if not_home_sector.height:
        raise ParseError(
            source_id,
            name,
            "children's home sectors",
            f"record {not_home_sector['file_row'][0]}: {not_home_sector['sector'][0]!r}",
        )
    inspection_types = set(tidy["latest_inspection_type"].drop_nulls().unique().to_list())
    if inspection_types - {"Full inspection", "Monitoring inspection"}:
        raise ParseError(source_id, name, "known inspection types", f"unexpected {sorted(inspection_types)}")
    blank_la = tidy.filter(pl.col("la_name_published").is_null() | (pl.col("la_name_published") == ""))
    if blank_la.height:
        raise ParseError(
            source_id, name, "every home has a local authority", f"record {blank_la['file_row'][0]}"
        )
    return tidy.sort("urn")


# --------------------------------------------------------------------------------------------------------------
# Joiners and leavers: homes registered (joined) and closed (left) during the year to 31 March
# --------------------------------------------------------------------------------------------------------------


JOINERS_LEAVERS_LAYOUT = Layout(
    columns={
        "urn": ("urn",),
        "provision_type": ("provision type",),
        "region_name_published": ("government office region",),
        "la_name_published": ("local authority",),
        "sector": ("sector",),
        "places": ("places",),
        "short_break_only": ("short-break-only children's home",),
        "joiner_status": ("joiner status",),
        "leaver_status": ("leaver status",),
    },
    ignored=frozenset(
        {
            "ofsted region",
            "parliamentary constituency",
            "name",
            "notes",
            "reason",
            "flag for appealed",
            "registration date",
            "date closed",
            "cancelled or resigned date",
            "resigned/closed date",
            "first effective date (that the provider became active)",
            "first effective date (that the provider became resigned)",
            "first effective date (that the provider closed)",
            "first effective date (that the provider became cancelled)",
            "registration status",
            "registration status (as at @startdate)",
            "registration status (as at @enddate)",
            "registration status at 31 march 2019",
            "registration status at 31 march 2020",
            "registration status (as at 31 march 2022)",
            "registration status (as at 1 april 2022)",
            "registration status (as at 31 march 2023)",
            "inspectorate (as at @startdate)",
            "inspectorate (as at @enddate)",
            "inspectorate (as at 1 april 2022)",
            "inspectorate (as at 31 march 2023)",
        }
    ),
    required=(
        "urn",
        "provision_type",
        "sector",
        "la_name_published",
        "places",
        "joiner_status",
        "leaver_status",
    ),
)
JOINER_VALUES: dict[str, bool] = {"joiner": True, "": False}
LEAVER_VALUES: dict[str, bool] = {"leaver": True, "": False}


def parse_joiners_leavers(
    path: Path, source_id: str, year_end: date, sheet: str | None = None
) -> pl.DataFrame:
    """Children's homes that joined (were registered) or left (closed, resigned, cancelled) during the year.

    Columns: year_end_date, urn, provision_type, sector, places, joined, left, la_name_published,
    region_name_published, file_row, source_id. A home can both join and leave in one year. Every row must be a
    joiner or a leaver; places must be whole numbers. `year_end` is the last day of the manifest row's
    reference period; `sheet` names the workbook sheet to read (e.g. "^Leavers[+]Joiners_at_31_Mar_[0-9]{4}$"),
    without it the file is a CSV export.
    """
    providers, name = _read_provider_table(path, source_id, JOINERS_LEAVERS_LAYOUT, sheet)
    homes = childrens_homes_only(providers, source_id, name)
    if "region_name_published" not in homes.columns:
        homes = homes.with_columns(pl.lit(None, dtype=pl.Utf8).alias("region_name_published"))
    urns = homes["urn"].str.strip_chars()
    bad_urn = homes.filter(~urns.str.contains(URN_PATTERN))
    if bad_urn.height:
        raise ParseError(
            source_id, name, "URN format", f"record {bad_urn['file_row'][0]}: {bad_urn['urn'][0]!r}"
        )
    duplicated = urns.filter(urns.is_duplicated()).unique().sort().to_list()
    if duplicated:
        raise ParseError(source_id, name, "one row per URN", f"URN(s) listed twice: {duplicated[:5]}")
    places_text = pl.col("places").str.strip_chars()
    bad_places = homes.filter(~places_text.str.contains(r"^\d+$"))
    if bad_places.height:
        raise ParseError(
            source_id,
            name,
            "places is a whole number",
            f"record {bad_places['file_row'][0]}: {bad_places['places'][0]!r}",
        )
    tidy = homes.select(
        pl.lit(year_end).alias("year_end_date"),
        urns.alias("urn"),
        _map_values(
            homes, "provision_type", CHILDRENS_HOME_PROVISION_TYPES, source_id, name, "known provision types"
        ).alias("provision_type"),
        _map_values(homes, "sector", SECTORS, source_id, name, "known sectors").alias("sector"),
        places_text.cast(pl.Int64).alias("places"),
        _map_values(homes, "joiner_status", JOINER_VALUES, source_id, name, "known joiner status").alias(
            "joined"
        ),
        _map_values(homes, "leaver_status", LEAVER_VALUES, source_id, name, "known leaver status").alias(
            "left"
        ),
        pl.col("la_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .alias("la_name_published"),
        pl.col("region_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .alias("region_name_published"),
        pl.col("file_row"),
        pl.lit(source_id).alias("source_id"),
    )
    neither = tidy.filter(~pl.col("joined") & ~pl.col("left"))
    if neither.height:
        raise ParseError(
            source_id, name, "every row is a joiner or a leaver", f"record {neither['file_row'][0]}"
        )
    not_home_sector = tidy.filter(~pl.col("sector").is_in(HOME_SECTORS))
    if not_home_sector.height:
        raise ParseError(
            source_id,
            name,
            "children's home sectors",
            f"record {not_home_sector['file_row'][0]}: {not_home_sector['sector'][0]!r}",
        )
    return tidy.sort("urn")
