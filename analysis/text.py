"""The words and number formats chapters glue into their sentences: one definition each.

    n(37520)                     -> "37,520"
    pct(44.91)                   -> "44.9%"      (one decimal by default; unrounded in, rounded once here)
    signed_pct(59.31)            -> "+59.3%"
    signed_n(-443)               -> "-443"       (a net count with its sign: +979)
    direction(23560, 37520)      -> "rose"       (before, after: always in time order)
    direction_within(41.6, 59.3) -> "rose"       (a change known only within bounds: low, high)
    net_change(-3)               -> "fell by a net 3"
    listing(["a", "b", "c"])     -> "a, b and c"
    region("North West")         -> "the North West"  (region("London") -> "London")
    share(part, whole)           -> part / whole x 100, unrounded; None when a part is missing or whole is 0
    change(before, after)        -> (after - before) / before x 100, unrounded
    years([2011, 2012, 2014])    -> "2011 to 2012, 2014"
    day(date(2024, 3, 31))       -> "31 March 2024"
    cite(frame)                  -> "Department for Education, Children looked after in England ..., releases 2011 to 2024"

A suppressed or missing value is never a number: `n(None)` raises, so a chapter can never print 0 for it; use
`value_or(value, note)` where a figure may be suppressed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date


class NoFigure(ValueError):
    """A number was asked for where the data has none (suppressed, not published, not applicable)."""


def _number(value: float | int | None, what: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise NoFigure(f"{what}: no figure (suppressed or not published); say so in words, never as 0")
    return value


def n(value: float | int | None) -> str:
    """A count with thousands separators: 37,520."""
    value = _number(value, "n()")
    if value != round(value):
        raise ValueError(f"n() is for whole numbers; {value} is not one (use dec())")
    return f"{int(round(value)):,}"


def dec(value: float | None, places: int = 1) -> str:
    """A number with `places` decimals: 1.6."""
    return f"{_number(value, 'dec()'):,.{places}f}"


def pct(value: float | None, places: int = 1) -> str:
    """A percentage from an unrounded value: 44.9%."""
    return f"{_number(value, 'pct()'):.{places}f}%"


def signed_pct(value: float | None, places: int = 1) -> str:
    """A change in per cent with its sign: +59.3%, -4.0%."""
    return f"{_number(value, 'signed_pct()'):+.{places}f}%"


def signed_n(value: float | int | None) -> str:
    """A whole number with its sign (a net gain or loss): +979, -443, 0."""
    value = _number(value, "signed_n()")
    if value != round(value):
        raise ValueError(f"signed_n() is for whole numbers; {value} is not one")
    return f"{int(round(value)):+,}" if value else "0"


def value_or(value: float | int | None, note: str | None = None) -> str:
    """A count, or the words for why there is none ('suppressed'), never 0."""
    if value is None:
        return "suppressed" if note and "suppress" in note else "no figure"
    return n(value)


def share(part: float | None, whole: float | None) -> float | None:
    """part / whole x 100, unrounded; None when a part is missing or the whole is 0."""
    if part is None or whole is None or whole == 0:
        return None
    return part / whole * 100


def change(before: float | None, after: float | None) -> float:
    """(after - before) / before x 100, unrounded."""
    before = _number(before, "change()")
    after = _number(after, "change()")
    if before == 0:
        raise ValueError("change() from 0 is not a percentage")
    return (after - before) / before * 100


# Regions named without "the" (ONS names); every other English region takes it ("the North West").
_REGIONS_WITHOUT_ARTICLE = {"London", "Yorkshire and The Humber"}


def region(name: str, *, start: bool = False) -> str:
    """A region's name as it reads in a sentence: 'the North West', 'London'; `start`: 'The North West'."""
    words = name if name in _REGIONS_WITHOUT_ARTICLE else f"the {name}"
    return words[:1].upper() + words[1:] if start else words


def listing(values: Iterable[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c' (in the order given)."""
    items = [str(v) for v in values]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def net_change(value: int | None) -> str:
    """A net change in words from its signed count: 'grew by a net 1,084', 'fell by a net 3', 'did not change'."""
    value = _number(value, "net_change()")
    if value > 0:
        return f"grew by a net {n(value)}"
    if value < 0:
        return f"fell by a net {n(-value)}"
    return "did not change in number"


def direction(
    before: float, after: float, *, up: str = "rose", down: str = "fell", same: str = "was unchanged"
) -> str:
    """The verb for a change from `before` to `after` (in that order), decided by the data."""
    before = _number(before, "direction()")
    after = _number(after, "direction()")
    if after > before:
        return up
    if after < before:
        return down
    return same


def direction_within(
    low: float, high: float, *, up: str = "rose", down: str = "fell", unknown: str = "changed"
) -> str:
    """The verb for a change known only between two bounds (in per cent): `up` only if even the lower bound is a
    rise, `down` only if even the upper bound is a fall, else `unknown` (the direction is not known)."""
    low = _number(low, "direction_within()")
    high = _number(high, "direction_within()")
    if low > high:
        raise ValueError(f"direction_within(): low {low} is above high {high}")
    if low > 0:
        return up
    if high < 0:
        return down
    return unknown


def years(values: Iterable[int]) -> str:
    """[2011, 2012, 2013, 2015] -> '2011 to 2013, 2015'."""
    ordered = sorted({int(v) for v in values})
    if not ordered:
        return ""
    runs: list[tuple[int, int]] = []
    start = prev = ordered[0]
    for year in ordered[1:]:
        if year == prev + 1:
            prev = year
            continue
        runs.append((start, prev))
        start = prev = year
    runs.append((start, prev))
    return ", ".join(str(a) if a == b else f"{a} to {b}" for a, b in runs)


def day(value: date) -> str:
    """'31 March 2024' (GOV.UK style)."""
    return f"{value.day} {value:%B %Y}"


def cite(frame) -> str:
    """A short source for prose: each publisher and publication, with the years its figures are for."""
    from analysis import data

    groups: dict[tuple[str, str], set[int]] = {}
    for use in data.source_uses(frame):
        found = groups.setdefault((use.publisher, use.publication.split(" (")[0]), set())
        for part in use.years.split(", "):
            bounds = [int(b) for b in part.split(" to ") if b.strip().isdigit()]
            if bounds:
                found.update(range(bounds[0], bounds[-1] + 1))
    return "; ".join(
        f"{publisher}, {publication}" + (f" (figures for {years(found)})" if found else "")
        for (publisher, publication), found in groups.items()
    )
