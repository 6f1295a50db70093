"""Properties of the extract reader: row order never matters, and no input makes it raise."""

from __future__ import annotations

import codecs
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.casedata.conftest import EXTRACT_DATE, csv_bytes
from trellis.casedata.schema import DATASETS, Kind
from trellis.casedata.validation import ReadResult, read_extract

QUICK = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORDERS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHILDREN = st.sampled_from(["A1", "a1 ", "B2", "SECRETID123", ""])
DATES = st.sampled_from(
    ["2020-01-01", "2020-02-01", "01/02/2020", "2020-03-01", "", "2020-02-30", "2026-04-01"]
)
SMALL_DATES = st.sampled_from(["2010-05-01", "2020-02-01", "2021-01-01"])


def _values(dataset: str) -> st.SearchStrategy[dict[str, str]]:
    fields: dict[str, st.SearchStrategy[str]] = {}
    for column in DATASETS[dataset].columns:
        if column.name == "child_id":
            fields[column.name] = CHILDREN
        elif column.name == "date_of_birth":
            fields[column.name] = SMALL_DATES
        elif column.kind is Kind.DATE:
            fields[column.name] = DATES
        elif column.kind is Kind.CODE:
            fields[column.name] = st.sampled_from([*column.codes[:2], column.codes[0].upper(), "x"])
        elif column.kind is Kind.INTEGER:
            fields[column.name] = st.sampled_from(["0", "10", "12", "-1", "1.5"])
        else:
            fields[column.name] = st.sampled_from(["2019/20", "2019/21"])
    return st.fixed_dictionaries(fields)


ROWS = {
    name: st.lists(_values(name), max_size=8)
    for name in ("episodes", "health_assessments", "cp_registrations", "care_leavers", "attendance")
}


def _read_rows(files: dict[str, list[dict[str, str]]]) -> ReadResult:
    with tempfile.TemporaryDirectory() as folder:
        for name, rows in files.items():
            columns = DATASETS[name].column_names
            (Path(folder) / f"{name}.csv").write_bytes(csv_bytes(rows, columns=columns))
        return read_extract(Path(folder), extract_date=EXTRACT_DATE)


def _normalised(name: str, values: dict[str, str]) -> tuple[str, ...]:
    """A row as validation compares rows: copies of a row share this key."""
    out = []
    for column in DATASETS[name].columns:
        text = values[column.name].strip()
        out.append(text.upper() if column.kind is Kind.ID else text.lower())
    return tuple(out)


def _keyed(result: ReadResult, files: dict[str, list[dict[str, str]]]) -> Counter[tuple]:
    """Problems with their row replaced by that row's content, so orders can be compared."""
    keys: Counter[tuple] = Counter()
    for severity, problems in (("error", result.errors), ("warning", result.warnings)):
        for p in problems:
            name = p.file.removesuffix(".csv")
            content = p.row if p.row in (None, 1) else _normalised(name, files[name][p.row - 2])
            keys[(severity, p.file, content, p.column, p.rule)] += 1
    return keys


@ORDERS
@given(files=st.fixed_dictionaries(ROWS), data=st.data())
def test_rows_in_another_order_give_the_same_problems_and_tables(files, data):
    shuffled = {name: data.draw(st.permutations(rows)) for name, rows in files.items()}
    first, second = _read_rows(files), _read_rows(shuffled)
    assert _keyed(first, files) == _keyed(second, shuffled)
    if first.tables is None or second.tables is None:
        assert first.tables is second.tables is None
        return
    assert first.tables.keys() == second.tables.keys()
    for name, table in first.tables.items():
        assert table.equals(second.tables[name]), name


def _read_bytes(name: str, data: bytes) -> ReadResult:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_bytes(data)
        return read_extract(Path(folder), extract_date=EXTRACT_DATE)


def _is_a_result(result: ReadResult) -> bool:
    return (result.tables is None) == bool(result.errors)


@QUICK
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_as_a_csv_give_problems_never_an_exception(data):
    assert _is_a_result(_read_bytes("episodes.csv", data))


HEADER = b"child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"


@QUICK
@given(data=st.binary(max_size=3000), bom=st.sampled_from([b"", codecs.BOM_UTF8]))
def test_arbitrary_bytes_after_a_good_header_give_problems_never_an_exception(data, bom):
    assert _is_a_result(_read_bytes("episodes.csv", bom + HEADER + data))


@QUICK
@given(text=st.text(max_size=500), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_arbitrary_text_in_any_accepted_encoding_never_raises(text, encoding):
    data = (HEADER.decode() + text).encode(encoding, errors="replace")
    assert _is_a_result(_read_bytes("episodes.csv", data))


@QUICK
@given(data=st.binary(max_size=2000), zip_like=st.booleans())
def test_arbitrary_bytes_as_an_xlsx_give_problems_never_an_exception(data, zip_like):
    prefix = b"PK\x03\x04" if zip_like else b""
    assert _is_a_result(_read_bytes("episodes.xlsx", prefix + data))
