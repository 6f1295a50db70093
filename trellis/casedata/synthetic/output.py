"""Writing the extract: the generated rows go to DuckDB as Arrow tables (days become dates,
people's numbers become their identifiers) and out as one sorted CSV a dataset."""

from __future__ import annotations

import pathlib
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from trellis.casedata.synthetic.aftercare import LEAVER_SPANS

# The datasets of DATA.md in its order: columns as it names them, and the order of the rows,
# by child_id (id_number sorts as it does) and then date. For the two big contact files the
# order is one number (sort_key is under 2**24), which DuckDB sorts fastest.
DATASETS: dict[str, tuple[tuple[str, ...], str]] = {
    "episodes": (
        (
            "child_id",
            "date_of_birth",
            "sex",
            "episode_start",
            "episode_end",
            "placement_type",
            "placement_area",
        ),
        "id_number, episode_start",
    ),
    "health_assessments": (
        ("child_id", "accommodated_date", "assessment_date"),
        "id_number, accommodated_date",
    ),
    "cp_registrations": (
        ("child_id", "registration_date", "deregistration_date"),
        "id_number, registration_date",
    ),
    "cp_contacts": (("child_id", "contact_date", "contact_type"), "(id_number << 24) + sort_key"),
    "short_breaks": (("child_id", "service_start", "service_end"), "id_number, service_start"),
    "reviews": (
        ("child_id", "review_date", "review_type"),
        "id_number, review_date, review_type",
    ),
    "care_leavers": (("child_id", "date_of_birth", "date_left_care"), "id_number"),
    "care_leaver_contacts": (("child_id", "contact_date", "eet"), "(id_number << 24) + sort_key"),
    "attendance": (
        ("child_id", "academic_year", "possible_sessions", "attended_sessions"),
        "id_number, academic_year",
    ),
}

# The generated tables: a person's number, then columns of kind "int", "str" or "day" (a day
# number, or None, stored as a date). cp_spells and leaver_spans feed the contact queries.
TABLES: dict[str, dict[str, str]] = {
    "people": {
        "person": "int",
        "id_number": "int",
        "child_id": "str",
        "date_of_birth": "day",
        "sex": "str",
    },
    "episodes": {
        "person": "int",
        "episode_start": "day",
        "episode_end": "day",
        "placement_type": "str",
        "placement_area": "str",
    },
    "health_assessments": {"person": "int", "accommodated_date": "day", "assessment_date": "day"},
    "cp_registrations": {"person": "int", "registration_date": "day", "deregistration_date": "day"},
    "cp_spells": {"person": "int", "first_day": "int", "stop": "int"},
    "short_breaks": {"person": "int", "service_start": "day", "service_end": "day"},
    "reviews": {"person": "int", "review_date": "day", "review_type": "str"},
    "care_leavers": {"person": "int", "date_left_care": "day"},
    "leaver_spans": dict.fromkeys(LEAVER_SPANS, "int"),
    "attendance": {
        "person": "int",
        "academic_year": "str",
        "possible_sessions": "int",
        "attended_sessions": "int",
    },
}
ARROW_TYPES = {"int": pa.int64(), "str": pa.string()}


def arrow_table(rows: Sequence[tuple[Any, ...]], columns: dict[str, str]) -> pa.Table:
    """An Arrow table from row tuples and its columns' kinds (see TABLES)."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    arrays = []
    for kind, column in zip(columns.values(), values, strict=True):
        if kind == "day":
            arrays.append(pa.array(column, pa.int32()).cast(pa.date32()))
        else:
            arrays.append(pa.array(column, ARROW_TYPES[kind]))
    return pa.table(arrays, names=list(columns))


def bind(sql: str, values: dict[str, int]) -> str:
    """`sql` with each $name replaced by its whole-number value (views take no parameters)."""
    for name in sorted(values, key=len, reverse=True):
        sql = sql.replace(f"${name}", str(int(values[name])))
    return sql


def write_datasets(connection: duckdb.DuckDBPyConnection, out: pathlib.Path) -> dict[str, int]:
    """COPY each dataset (a table or view of that name with `person` and its own columns,
    joined to `people` for identifier, birth date and sex) to out/<dataset>.csv, rows in
    identifier order; return the row counts."""
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, int] = {}
    for name, (columns, order) in DATASETS.items():
        target = (out / f"{name}.csv").as_posix().replace("'", "''")
        query = (
            f"SELECT {', '.join(columns)} FROM {name} JOIN people USING (person) "  # noqa: S608 - names are this module's constants
            f"ORDER BY {order}"
        )
        written = connection.execute(f"COPY ({query}) TO '{target}' (FORMAT csv, HEADER)")
        summary[name] = int(written.fetchall()[0][0])
    return summary
