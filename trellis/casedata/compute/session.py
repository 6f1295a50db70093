"""One in-process DuckDB connection per computation, with the extract's tables and the
period calendar registered, and the grouped query every measure's figures come from."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from trellis.casedata.compute.periods import Period, as_table
from trellis.casedata.compute.rows import Group, Groups

# Columns each dataset is read with, cast to the types the queries rely on. An optional
# column (marked None) that the table lacks reads as null: an open episode, say.
DATASET_COLUMNS: dict[str, dict[str, str | None]] = {
    "episodes": {
        "child_id": "VARCHAR",
        "date_of_birth": "DATE",
        "sex": "VARCHAR",
        "episode_start": "DATE",
        "episode_end": None,
        "placement_type": "VARCHAR",
        "placement_area": "VARCHAR",
    },
    "health_assessments": {
        "child_id": "VARCHAR",
        "accommodated_date": "DATE",
        "assessment_date": None,
    },
    "cp_registrations": {
        "child_id": "VARCHAR",
        "registration_date": "DATE",
        "deregistration_date": None,
    },
    "cp_contacts": {"child_id": "VARCHAR", "contact_date": "DATE", "contact_type": "VARCHAR"},
    "short_breaks": {"child_id": "VARCHAR", "service_start": "DATE", "service_end": None},
    "reviews": {"child_id": "VARCHAR", "review_date": "DATE", "review_type": "VARCHAR"},
    "care_leavers": {"child_id": "VARCHAR", "date_of_birth": "DATE", "date_left_care": "DATE"},
    "care_leaver_contacts": {"child_id": "VARCHAR", "contact_date": "DATE", "eet": "VARCHAR"},
    "attendance": {
        "child_id": "VARCHAR",
        "academic_year": "VARCHAR",
        "possible_sessions": "BIGINT",
        "attended_sessions": "BIGINT",
    },
}

# Helpers every query may use. Whole years of age compare (month, day) pairs, so a child
# born on 29 February is a year older on 1 March of a common year, as DATA.md asks (and on
# 29 February of a leap year). An open end (null) lies after every day.
MACROS = """
CREATE TEMP MACRO age_years(born, on_day) AS
    year(on_day) - year(born)
    - CASE WHEN month(on_day) * 100 + day(on_day) < month(born) * 100 + day(born)
           THEN 1 ELSE 0 END;
CREATE TEMP MACRO age_band(born, on_day) AS
    CASE WHEN age_years(born, on_day) < 5 THEN '0-4'
         WHEN age_years(born, on_day) < 12 THEN '5-11'
         WHEN age_years(born, on_day) < 16 THEN '12-15'
         WHEN age_years(born, on_day) < 18 THEN '16-17'
         ELSE '18+' END;
CREATE TEMP MACRO quarter_start(day) AS date_trunc('quarter', day)::DATE;
CREATE TEMP MACRO open_end(day) AS coalesce(day, DATE '9999-12-31');
-- Whole Monday-to-Sunday weeks between two days, both included (isodow: Monday 1, Sunday 7).
CREATE TEMP MACRO first_monday(day) AS day + ((8 - isodow(day)) % 7)::INTEGER;
CREATE TEMP MACRO last_sunday(day) AS day - (isodow(day) % 7)::INTEGER;
CREATE TEMP MACRO whole_weeks(first_day, last_day) AS
    greatest(0, (last_sunday(last_day) - first_monday(first_day) + 1) // 7);
"""

# DuckDB uses every core. Past the memory cap it spills to a private temporary folder
# (removed afterwards) rather than grow without bound on a very large extract; results are
# ordered by the code, so DuckDB need not keep rows in insertion order.
SETTINGS: dict[str, str | bool] = {"memory_limit": "2GB", "preserve_insertion_order": False}


@dataclass(frozen=True)
class Session:
    con: duckdb.DuckDBPyConnection
    quarters: tuple[Period, ...]
    academic_years: tuple[Period, ...]
    extract_date: dt.date

    def records(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The query's result, fetched whole as Arrow (a DuckDB 2 connection refuses the next
        statement while a result is unconsumed) and only then turned into Python values."""
        return self.con.sql(sql, params=params).to_arrow_table().to_pylist()

    def groups_from(self, sql: str, params: Mapping[str, Any] | None = None) -> Groups:
        """The records of a query that gives one per period and group: period_start,
        breakdown_field and breakdown_value (null: unbroken), and its aggregates."""
        return Groups(
            Group(r["period_start"], r["breakdown_field"], r["breakdown_value"], r)
            for r in self.records(sql, params)
        )

    def groups(
        self,
        population: str,
        *,
        breakdowns: Sequence[str] = (),
        aggregates: Mapping[str, str],
        params: Mapping[str, Any] | None = None,
    ) -> Groups:
        return self.groups_from(grouped_query(population, breakdowns, aggregates), params)


def grouped_query(population: str, breakdowns: Sequence[str], aggregates: Mapping[str, str]) -> str:
    """Aggregates of the population (rows carrying period_start, period_end and the breakdown
    columns) per period: unbroken and per group of each breakdown (GROUPING SETS).

    The aggregates must add up (count, sum): they are taken first per period and combination
    of groups, a few thousand records however many children, and then summed into each
    grouping set, which is far quicker than grouping millions of rows once per set."""
    keys = ", ".join(["period_start", "period_end", *breakdowns])
    fine = ",\n        ".join(f"{expression} AS {name}" for name, expression in aggregates.items())
    summed = ",\n    ".join(f"sum({name})::BIGINT AS {name}" for name in aggregates)
    sets = ", ".join(
        f"(period_start, period_end{', ' + f if f else ''})" for f in [None, *breakdowns]
    )
    return f"""
WITH population AS ({population}),
combinations AS (
    SELECT {keys},
        {fine}
    FROM population
    GROUP BY {keys}
)
SELECT period_start, period_end, {breakdown_columns(breakdowns)},
    {summed}
FROM combinations
GROUP BY GROUPING SETS ({sets})
"""  # noqa: S608 - names and expressions are the package's constants, never data


def breakdown_columns(breakdowns: Sequence[str]) -> str:
    """breakdown_field and breakdown_value of a grouping-set record: the one breakdown
    column it is grouped by, and that column's value; both null in the unbroken record."""
    if not breakdowns:
        return "NULL::VARCHAR AS breakdown_field, NULL::VARCHAR AS breakdown_value"
    field = " ".join(f"WHEN GROUPING({f}) = 0 THEN '{f}'" for f in breakdowns)
    value = " ".join(f"WHEN GROUPING({f}) = 0 THEN {f}" for f in breakdowns)
    return f"CASE {field} END AS breakdown_field, CASE {value} END AS breakdown_value"


# A dataset as an Arrow table in memory, or as the Parquet file a snapshot keeps it in.
Dataset: TypeAlias = pa.Table | Path


@contextmanager
def open_session(
    tables: Mapping[str, Dataset],
    *,
    quarters: tuple[Period, ...],
    academic_years: tuple[Period, ...],
    extract_date: dt.date,
) -> Iterator[Session]:
    spill = tempfile.TemporaryDirectory(prefix="trellis-measures-")
    con = duckdb.connect(":memory:", config={**SETTINGS, "temp_directory": spill.name})
    try:
        con.execute(MACROS)
        con.register("quarters", as_table(quarters))
        con.register("academic_years", as_table(academic_years))
        for name, table in tables.items():
            if name in DATASET_COLUMNS:
                register_dataset(con, name, table)
        yield Session(con, quarters, academic_years, extract_date)
    finally:
        con.close()
        spill.cleanup()


def register_dataset(con: duckdb.DuckDBPyConnection, name: str, data: Dataset) -> None:
    """A view of the dataset's columns over the Arrow table (read in place, not copied) or
    over the Parquet file itself, which DuckDB then scans in parallel, reading only the
    columns and row groups each query needs: far quicker than loading it into Arrow first."""
    if isinstance(data, Path):
        present = set(pq.read_schema(data).names)
        literal = str(data).replace("'", "''")
        source = f"read_parquet('{literal}')"
    else:
        con.register(f"arrow_{name}", data)
        present = set(data.column_names)
        source = f"arrow_{name}"
    columns = ", ".join(
        f"{column}::{sql_type or 'DATE'} AS {column}"
        if column in present or sql_type is not None
        else f"NULL::DATE AS {column}"
        for column, sql_type in DATASET_COLUMNS[name].items()
    )
    con.execute(f"CREATE TEMP VIEW {name} AS SELECT {columns} FROM {source}")  # noqa: S608
