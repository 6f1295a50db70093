"""The rows a measure gives: one per period, unbroken and per breakdown group.

Queries return one record per (period, breakdown group) with named aggregates; the builders
here turn those few records into MeasureRow objects, adding the unbroken row of a period
that had nobody in it (a grouped query gives no record for an empty period).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trellis.casedata.compute.periods import Period

SEXES = ("m", "f", "u")
AGE_BANDS = ("0-4", "5-11", "12-15", "16-17", "18+")
PLACEMENT_TYPES = ("home", "kinship", "foster", "residential", "community_other")
PLACEMENT_AREAS = ("in_area", "out_of_area", "unknown")
PLACEMENT_GROUPS = ("home", "other")

# Breakdown fields and their groups in the order rows are given (DATA.md's order).
GROUP_ORDER: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "age_band": AGE_BANDS,
    "placement_type": PLACEMENT_TYPES,
    "placement_area": PLACEMENT_AREAS,
    "placement_group": PLACEMENT_GROUPS,
}
FIELD_ORDER = tuple(GROUP_ORDER)


@dataclass(frozen=True)
class MeasureRow:
    measure: str
    period_start: dt.date
    period_end: dt.date
    breakdown: dict[str, str] | None
    numerator: int | None
    denominator: int | None
    value: float | int | None
    provisional: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "breakdown": None if self.breakdown is None else dict(self.breakdown),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class Group:
    """One record of a grouped query: a period, a breakdown group (None: unbroken) and the
    aggregates named in the query."""

    period_start: dt.date
    field: str | None
    value: str | None
    aggregates: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.aggregates[name]


class Groups:
    """The records of a grouped query, looked up by period."""

    def __init__(self, records: Iterable[Group]) -> None:
        self._unbroken: dict[dt.date, Group] = {}
        self._broken: dict[dt.date, list[Group]] = {}
        for record in records:
            if record.field is None:
                self._unbroken[record.period_start] = record
            else:
                self._broken.setdefault(record.period_start, []).append(record)

    def unbroken(self, period: Period) -> Group | None:
        return self._unbroken.get(period.start)

    def broken(self, period: Period, fields: Collection[str]) -> list[Group]:
        """The period's breakdown records of the given fields, in reading order."""
        found = [g for g in self._broken.get(period.start, ()) if g.field in fields]
        return sorted(found, key=lambda g: breakdown_sort_key(g.field, g.value))


def breakdown_sort_key(field: str | None, value: str | None) -> tuple[int, int, str]:
    if field is None:
        return (-1, -1, "")
    order = GROUP_ORDER.get(field, ())
    position = order.index(value) if value in order else len(order)
    index = FIELD_ORDER.index(field) if field in FIELD_ORDER else len(FIELD_ORDER)
    return (index, position, value or "")


def share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _breakdown(group: Group | None) -> dict[str, str] | None:
    if group is None or group.field is None or group.value is None:
        return None
    return {group.field: group.value}


def records_of(groups: Groups, period: Period, fields: Collection[str]) -> list[Group | None]:
    """The period's unbroken record (None when the period had nobody), then its breakdown
    records of the given fields."""
    return [groups.unbroken(period), *groups.broken(period, fields)]


def count_rows(
    measure: str,
    periods: Sequence[Period],
    groups: Groups,
    *,
    count: str,
    fields: Collection[str] = (),
) -> Iterator[MeasureRow]:
    """A count measure: the unbroken count of every period (0 when nobody), then one row per
    group that has anyone in it."""
    for period in periods:
        for record in records_of(groups, period, fields):
            n = 0 if record is None else int(record[count])
            if record is None or record.field is None or n:
                breakdown = _breakdown(record)
                yield MeasureRow(measure, period.start, period.end, breakdown, n, None, n, False)


def share_rows(
    measure: str,
    periods: Sequence[Period],
    groups: Groups,
    *,
    numerator: str,
    denominator: str,
    fields: Collection[str] = (),
    provisional: str | None = None,
) -> Iterator[MeasureRow]:
    """A share measure: the unbroken share of every period (0 / 0, null, when nobody), then
    one row per group present in the denominator. `provisional` names a count of records
    whose outcome may still change."""
    for period in periods:
        for record in records_of(groups, period, fields):
            num = 0 if record is None else int(record[numerator])
            den = 0 if record is None else int(record[denominator])
            if record is not None and record.field is not None and not den:
                continue
            pending = bool(record is not None and provisional and record[provisional])
            yield MeasureRow(
                measure,
                period.start,
                period.end,
                _breakdown(record),
                num,
                den,
                share(num, den),
                pending,
            )
