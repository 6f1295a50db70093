"""The built-in measures of shared/DATA.md, computed from validated case-level tables.

One in-process DuckDB connection reads the Arrow tables in place; each family of measures
is one set-based query over all periods at once (the period calendar is a table), grouped
per period and breakdown; only the few result records become Python objects.
docs/casedata-measures.md gives each measure as implemented and every choice made where
DATA.md is silent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from trellis.casedata.compute import (
    attendance,
    care_leavers,
    child_protection,
    health,
    looked_after,
    short_breaks,
)
from trellis.casedata.compute.periods import academic_years, quarters
from trellis.casedata.compute.rows import MeasureRow
from trellis.casedata.compute.session import Dataset, Session, open_session

__all__ = ["MEASURE_CODES", "MeasureRow", "compute_measures"]


@dataclass(frozen=True)
class Family:
    """Measures computed together from the same datasets."""

    codes: tuple[str, ...]
    datasets: tuple[str, ...]
    compute: Callable[[Session], Iterable[MeasureRow]]


# In DATA.md's order, which is also the order of the rows given.
FAMILIES = (
    Family(looked_after.CODES, looked_after.DATASETS, looked_after.compute),
    Family(health.CODES, health.DATASETS, health.compute),
    Family(
        child_protection.REGISTER_CODES,
        child_protection.REGISTER_DATASETS,
        child_protection.compute_register,
    ),
    Family(
        child_protection.CONTACT_CODES,
        child_protection.CONTACT_DATASETS,
        child_protection.compute_contacts,
    ),
    Family(short_breaks.CODES, short_breaks.DATASETS, short_breaks.compute),
    Family(care_leavers.CODES, care_leavers.DATASETS, care_leavers.compute),
    Family(attendance.CODES, attendance.DATASETS, attendance.compute),
)

MEASURE_CODES: tuple[str, ...] = tuple(code for family in FAMILIES for code in family.codes)


def compute_measures(
    tables: Mapping[str, Dataset],
    *,
    extract_date: dt.date,
    start: dt.date,
    end: dt.date,
    warn: Callable[[str], None] = lambda message: None,
) -> list[MeasureRow]:
    """Every built-in measure whose datasets the extract holds (each an Arrow table or a
    Parquet file), for every quarter (and, for attendance_gap, every academic year) of
    start..end that has ended by the extract date: per measure, then per period, the
    unbroken row first and then the breakdown rows."""
    present = {name: table for name, table in tables.items() if table is not None}
    families = [f for f in FAMILIES if computable(f, present, warn)]
    if not families:
        return []
    rows: list[MeasureRow] = []
    with open_session(
        present,
        quarters=quarters(start, end, extract_date),
        academic_years=academic_years(start, end, extract_date),
        extract_date=extract_date,
    ) as current:
        for family in families:
            rows.extend(family.compute(current))
    return rows


def computable(family: Family, tables: Mapping[str, Dataset], warn: Callable[[str], None]) -> bool:
    """Whether the extract holds every dataset the family needs; if not, say which
    measures are left out and why."""
    missing = [name for name in family.datasets if name not in tables]
    for code in family.codes if missing else ():
        warn(f"{code} is left out: the extract has no {' or '.join(missing)} dataset.")
    return not missing
