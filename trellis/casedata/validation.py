"""Read and validate a case-level extract: shared/DATA.md "Files" and "Validation".

    result = read_extract(path, extract_date=date(2026, 3, 31))  # a folder, a zip or one file
    result.errors, result.warnings  # lists of Problem, sorted by file, row, column, rule
    result.tables  # None when there is any error; else {dataset: pyarrow.Table}

Rows never become Python objects: each file is read as Arrow string columns, normalised with
pyarrow.compute and checked in DuckDB (in memory, no spilling to disk, no file access), where
every rule is one SQL condition (validation_rules.py). A valid file costs one pass per stage;
only failing rows are fetched, at most PER_RULE_CAP per rule.

Steps for each dataset file:
1. header: known columns found (case-insensitive), unknown ones warned, missing ones errors;
2. values trimmed, codes lower-cased, child_id upper-cased (NFC), empty -> NULL, blank rows
   dropped (a row with nothing in any column is no row);
3. duplicate rows (the same in every dataset column once trimmed) warned and kept once;
4. typed values and per-child flags computed; every rule counted in one query.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from trellis.casedata.problems import PER_RULE_CAP, Problem, Problems, Severity
from trellis.casedata.reading import ROW, RawTable, read_sources
from trellis.casedata.schema import DATASETS, Column, Dataset, Kind
from trellis.casedata.validation_rules import FLAGS, Rule, rules_for, typed_sql

__all__ = ["Problem", "ReadResult", "read_extract"]

ARROW_TYPES = {
    Kind.ID: pa.string(),
    Kind.DATE: pa.date32(),
    Kind.CODE: pa.string(),
    Kind.INTEGER: pa.int64(),
    Kind.ACADEMIC_YEAR: pa.string(),
}


@dataclass(frozen=True)
class ReadResult:
    errors: list[Problem]
    warnings: list[Problem]
    tables: dict[str, pa.Table] | None


def read_extract(path: Path, *, extract_date: dt.date) -> ReadResult:
    problems = Problems()
    raws = sorted(read_sources(path, problems), key=lambda r: list(DATASETS).index(r.dataset.name))
    with _connect() as con:
        loaded: dict[str, tuple[str, set[str]]] = {}  # dataset -> file, columns in its header
        for raw in raws:
            present = _load(con, raw, problems)
            if present is not None:
                loaded[raw.dataset.name] = (raw.file, present)
        for name, (file, present) in loaded.items():
            rules = rules_for(
                DATASETS[name], present=present, tables=set(loaded), extract_date=extract_date
            )
            _check(con, DATASETS[name], file, rules, problems)
        tables = None if problems.has_errors else {n: _output(con, DATASETS[n]) for n in loaded}
    return ReadResult(problems.errors(), problems.warnings(), tables)


def schema_of(dataset: Dataset) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.kind]) for c in dataset.columns])


def _connect() -> duckdb.DuckDBPyConnection:
    """In memory only: temp_directory '' forbids spilling rows (raw identifiers) to disk, and
    no file or network access. Set in turn: disabling access first would lock temp_directory."""
    con = duckdb.connect(config={"temp_directory": ""})
    _run(con, "SET enable_external_access = false")
    _run(con, "SET lock_configuration = true")
    return con


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """Execute and fetch everything: DuckDB 2 refuses new work while a result is unread."""
    return con.execute(sql).fetchall()


# 1. Header ------------------------------------------------------------------------------


def _positions(raw: RawTable, problems: Problems) -> dict[str, str] | None:
    """Dataset column -> raw column (c0, c1, ...), or None when the header names none."""
    known = set(raw.dataset.column_names)
    found: dict[str, str] = {}
    for i, name in enumerate(raw.header):
        key = _header_key(name)
        if key in known and key in found:
            problems.error(raw.file, 1, key, "duplicate-column", _DUPLICATE_COLUMN.format(key))
        elif key in known:
            found[key] = f"c{i}"
    if not found:
        problems.error(raw.file, 1, None, "no-header", _no_header(raw.dataset))
        return None
    _warn_unknown(raw, known, problems)
    for column in raw.dataset.columns:
        if column.required and column.name not in found:
            problems.error(raw.file, 1, column.name, "missing-column", _missing(column))
    return found


def _header_key(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _warn_unknown(raw: RawTable, known: set[str], problems: Problems) -> None:
    for i, name in enumerate(raw.header):
        key = _header_key(name)
        if key in known:
            continue
        if key:
            shown = name.strip()[:60]
            problems.warn(raw.file, 1, shown, "unknown-column", _UNKNOWN_COLUMN.format(shown))
        elif _has_values(raw.table[f"c{i}"]):
            problems.warn(raw.file, 1, None, "unknown-column", _UNNAMED_COLUMN)


def _has_values(column: pa.ChunkedArray) -> bool:
    return bool(pc.any(pc.not_equal(pc.utf8_trim_whitespace(column), "")).as_py())


# 2. Values as text ----------------------------------------------------------------------


def _normalised(raw: RawTable, positions: dict[str, str]) -> pa.Table:
    trimmed = {name: pc.utf8_trim_whitespace(raw.table[name]) for name in _text_columns(raw)}
    count = raw.table.num_rows
    texts = {
        f"{column.name}__text": _as_text(column, trimmed.get(positions.get(column.name, "")), count)
        for column in raw.dataset.columns
    }
    table = pa.table({**texts, ROW: raw.table[ROW]})
    if not trimmed or count == 0:
        return table
    return table.filter(pc.invert(functools.reduce(pc.and_, _blanks(trimmed))))


def _blanks(trimmed: dict[str, pa.ChunkedArray]) -> list[pa.ChunkedArray]:
    return [pc.equal(values, "") for values in trimmed.values()]


def _text_columns(raw: RawTable) -> list[str]:
    return [name for name in raw.table.column_names if name != ROW]


def _as_text(column: Column, values: pa.ChunkedArray | None, count: int) -> pa.ChunkedArray:
    if values is None:  # an optional column left out: every value empty
        return pa.chunked_array([pa.nulls(count, pa.string())])
    if column.kind is Kind.ID:
        values = pc.utf8_upper(pc.utf8_normalize(values, "NFC"))
    elif column.kind is Kind.CODE:
        values = pc.utf8_lower(values)
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


# 3. Duplicates, 4. types and flags ------------------------------------------------------


def _load(con: duckdb.DuckDBPyConnection, raw: RawTable, problems: Problems) -> set[str] | None:
    """Create t_<dataset>: one row per distinct row, typed, with its flags. Returns the
    dataset columns the header holds (None when the file cannot be checked at all)."""
    positions = _positions(raw, problems)
    if positions is None:
        return None
    name = raw.dataset.name
    con.register(f"raw_{name}", _normalised(raw, positions))
    try:
        _run(con, _repeats_sql(raw.dataset))
        _warn_duplicates(con, raw, problems)
        _run(con, _typed_table_sql(raw.dataset))
        for statement in _checked_view_sql(raw.dataset):
            _run(con, statement)
    finally:
        con.unregister(f"raw_{name}")
    return set(positions)


def _repeats_sql(dataset: Dataset) -> str:
    """r_<dataset>: each row that repeats an earlier one, with the row it repeats. Rows are
    bucketed by a hash of their values first (cheap); only rows sharing a hash are compared
    value by value, so a file without duplicates costs one hash and one small GROUP BY."""
    texts = ", ".join(f"{c.name}__text" for c in dataset.columns)
    raw = f"raw_{dataset.name}"
    return (
        f"CREATE TABLE r_{dataset.name} AS "  # noqa: S608 - names from the schema
        f"WITH shared AS (SELECT hash({texts}) AS h FROM {raw} GROUP BY h HAVING count(*) > 1) "
        f"SELECT {ROW}, __first FROM ("
        f"SELECT {ROW}, min({ROW}) OVER (PARTITION BY {texts}) AS __first FROM {raw} "
        f"WHERE hash({texts}) IN (SELECT h FROM shared)) WHERE {ROW} <> __first"
    )


def _typed_table_sql(dataset: Dataset) -> str:
    texts = ", ".join(f"{c.name}__text" for c in dataset.columns)
    typed = ", ".join(f"{typed_sql(c)} AS {c.name}" for c in dataset.columns)
    return (
        f"CREATE TABLE t_{dataset.name} AS "  # noqa: S608 - names from the schema
        f"SELECT {ROW}, {texts}, {typed} FROM raw_{dataset.name} "
        f"WHERE {ROW} NOT IN (SELECT {ROW} FROM r_{dataset.name})"
    )


def _checked_view_sql(dataset: Dataset) -> tuple[str, str]:
    """c_<dataset>: t_<dataset> with its per-child flags. The flags' window functions see only
    the columns they name (a narrow sort), and f_<dataset> keeps only flagged rows, so joining
    it back is cheap."""
    flags = FLAGS.get(dataset.name, {"__none": "FALSE"})
    name = dataset.name
    return (
        f"CREATE TABLE f_{name} AS SELECT * FROM ("  # noqa: S608 - names from the schema
        f"SELECT {ROW}, "
        + ", ".join(f"{sql} AS {flag}" for flag, sql in flags.items())
        + f" FROM t_{name}) WHERE "
        + " OR ".join(flags),
        f"CREATE VIEW c_{name} AS SELECT * FROM t_{name} LEFT JOIN f_{name} USING ({ROW})",  # noqa: S608
    )


def _warn_duplicates(con: duckdb.DuckDBPyConnection, raw: RawTable, problems: Problems) -> None:
    name = raw.dataset.name
    ((count,),) = _run(con, f"SELECT count(*) FROM r_{name}")  # noqa: S608
    if not count:
        return
    repeats = _run(
        con,
        f"SELECT {ROW}, __first FROM r_{name} ORDER BY {ROW} LIMIT {PER_RULE_CAP}",  # noqa: S608
    )
    for row, first in repeats:
        problems.warn(raw.file, row, None, "duplicate-row", _DUPLICATE_ROW.format(first))
    problems.count_unlisted(
        Severity.WARNING, file=raw.file, rule="duplicate-row", count=int(count) - len(repeats)
    )


def _check(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    file: str,
    rules: list[Rule],
    problems: Problems,
) -> None:
    """Count every rule's failing rows in one query, then fetch rows only for those failing."""
    select = ", ".join(f"count_if({r.condition})" for r in rules)
    (counts,) = _run(con, f"SELECT {select} FROM c_{dataset.name}")  # noqa: S608 - schema SQL
    for rule, count in zip(rules, counts, strict=True):
        if count:
            _report(con, dataset, file, rule, int(count), problems)


def _report(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    file: str,
    rule: Rule,
    count: int,
    problems: Problems,
) -> None:
    rows = _run(
        con,
        f"SELECT {ROW} FROM c_{dataset.name} WHERE {rule.condition} "  # noqa: S608 - schema SQL
        f"ORDER BY {ROW} LIMIT {PER_RULE_CAP}",
    )
    problems.add_rows(
        rule.severity,
        file=file,
        rows=[row for (row,) in rows],
        total=count,
        column=rule.column,
        rule=rule.rule,
        message=rule.message,
    )


def _output(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> pa.Table:
    """The dataset's typed columns, sorted by every column so row order never matters."""
    columns = ", ".join(dataset.column_names)
    table = con.sql(
        f"SELECT {columns} FROM t_{dataset.name} ORDER BY {columns}"  # noqa: S608 - schema names
    ).to_arrow_table()
    return table.cast(schema_of(dataset))


_DUPLICATE_COLUMN = "The header names {} more than once."
_DUPLICATE_ROW = "This row is the same as row {}; it was kept once."
_UNKNOWN_COLUMN = "The column '{}' is not one of this dataset's; it was ignored."
_UNNAMED_COLUMN = "A column with no name in the header has values; it was ignored."


def _no_header(dataset: Dataset) -> str:
    return (
        "The first row names none of this dataset's columns ("
        + ", ".join(dataset.column_names)
        + "). Put the column names in the first row."
    )


def _missing(column: Column) -> str:
    return f"The required column {column.name} is missing from the header row."
