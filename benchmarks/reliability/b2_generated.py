"""B2: generated inputs on every parser. Hypothesis draws inputs for the case-data reader
and validator (CSV and xlsx), the disclosure control and the plan importer's parsers, and
counts what escapes each: only the documented refusals may (ReadError from the importer,
DisclosureError from disclosure control; the case-data reader reports problems and raises
nothing). Every example runs to the end; unexpected exceptions are counted and the first
few printed, not stopped at.

    .venv/bin/python benchmarks/reliability/b2_generated.py \
        [--examples 2000 --casedata-examples 500]

Bounded by the number of examples per target (and Hypothesis's own limits); prints JSON.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
os.environ.setdefault("TRELLIS_DATA_DIR", tempfile.mkdtemp(prefix="trellis-b2-"))
(Path(os.environ["TRELLIS_DATA_DIR"]) / "upload-tmp").mkdir(exist_ok=True)

import django  # noqa: E402

django.setup()

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from trellis.casedata.schema import DATASETS, Kind  # noqa: E402
from trellis.casedata.validation import ReadResult, read_extract  # noqa: E402
from trellis.core.disclosure import (  # noqa: E402
    DisclosureError,
    Figure,
    Thresholds,
    protect_breakdowns,
    protect_figure,
    protect_table,
)
from trellis.transfer.parse import parse_file, parse_text  # noqa: E402
from trellis.transfer.readers import ReadError  # noqa: E402

EXTRACT_DATE = dt.date(2020, 12, 31)
NAMES = sorted(DATASETS)


class Tally:
    def __init__(self, allowed: tuple[type[BaseException], ...]) -> None:
        self.allowed = allowed
        self.examples = 0
        self.outcomes: Counter[str] = Counter()
        self.unexpected: list[str] = []

    def run(self, call: Callable[[], Any]) -> Any:
        self.examples += 1
        try:
            result = call()
        except self.allowed as error:
            self.outcomes[type(error).__name__] += 1
            return None
        except Exception as error:
            self.outcomes[f"UNEXPECTED {type(error).__name__}"] += 1
            if len(self.unexpected) < 5:
                self.unexpected.append(traceback.format_exc(limit=-3))
            return None
        if isinstance(result, ReadResult):  # the reader's verdict: refused or read
            self.outcomes["refused with problems" if result.errors else "read clean"] += 1
        else:
            self.outcomes["returned"] += 1
        return result

    def report(self, seconds: float) -> dict[str, Any]:
        surprises = sum(n for k, n in self.outcomes.items() if k.startswith("UNEXPECTED"))
        return {
            "examples": self.examples,
            "outcomes": dict(self.outcomes),
            "unexpected exceptions": surprises,
            "first unexpected": self.unexpected,
            "seconds": round(seconds, 1),
        }


# Case data: cells a dataset's column might hold, and anything at all.
ANY_CELL = st.text(max_size=12)


def cell(kind: Kind, codes: tuple[str, ...]) -> st.SearchStrategy[str]:
    plausible: list[st.SearchStrategy[str]] = [ANY_CELL]
    if kind is Kind.DATE:
        plausible.append(st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)).map(str))
        plausible.append(st.sampled_from(["2020-02-30", "31/12/2020", "2020-1-1", ""]))
    elif kind is Kind.CODE and codes:
        plausible.append(st.sampled_from([*codes, codes[0].upper(), " " + codes[0]]))
    elif kind is Kind.INTEGER:
        plausible.append(st.integers(-(10**20), 10**20).map(str))
    elif kind is Kind.ID:
        plausible.append(st.from_regex(r"[A-Z]{0,2}[0-9]{0,9}", fullmatch=True))
    return st.one_of(plausible)


@st.composite
def dataset_rows(draw: Any) -> tuple[str, list[str], list[list[str]]]:
    name = draw(st.sampled_from(NAMES))
    columns = list(DATASETS[name].columns)
    header = [c.name for c in columns]
    # Sometimes a column dropped, renamed or repeated: the header is input too.
    header = draw(
        st.one_of(
            st.just(header),
            st.lists(st.sampled_from([*header, "extra", ""]), max_size=len(header) + 2),
        )
    )
    by_name = {c.name: c for c in columns}
    rows = draw(
        st.lists(
            st.tuples(
                *[
                    cell(by_name[h].kind, tuple(getattr(by_name[h], "codes", ()) or ()))
                    if h in by_name
                    else ANY_CELL
                    for h in header
                ]
            ).map(list),
            max_size=12,
        )
    )
    return name, header, rows


def as_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def as_xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_one_file(name: str, data: bytes) -> ReadResult:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_bytes(data)
        return read_extract(Path(folder), extract_date=EXTRACT_DATE)


XLSX_CELL = st.one_of(
    ANY_CELL.filter(lambda s: s.isprintable()),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    st.booleans(),
    st.none(),
)


def targets(examples: int, casedata_examples: int) -> dict[str, Callable[[], dict[str, Any]]]:
    many = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    # Each case-data example writes a file and runs the whole reader and validator.
    few = settings(many, max_examples=casedata_examples)

    def casedata_csv() -> dict[str, Any]:
        tally = Tally(())

        @few
        @given(dataset_rows())
        def run(drawn: tuple[str, list[str], list[list[str]]]) -> None:
            name, header, rows = drawn
            tally.run(lambda: read_one_file(f"{name}.csv", as_csv(header, rows)))

        return _timed(run, tally)

    def casedata_csv_bytes() -> dict[str, Any]:
        tally = Tally(())

        @few
        @given(st.sampled_from(NAMES), st.binary(max_size=400))
        def run(name: str, data: bytes) -> None:
            tally.run(lambda: read_one_file(f"{name}.csv", data))

        return _timed(run, tally)

    def casedata_xlsx() -> dict[str, Any]:
        tally = Tally(())

        @few
        @given(dataset_rows(), st.lists(st.lists(XLSX_CELL, max_size=8), max_size=4))
        def run(drawn: tuple[str, list[str], list[list[str]]], typed: list[list[Any]]) -> None:
            name, header, rows = drawn
            clean = [[c if c.isprintable() else "" for c in r] for r in rows]
            head = [h if h.isprintable() else "" for h in header]
            data = as_xlsx(head, [*clean, *typed])
            tally.run(lambda: read_one_file(f"{name}.xlsx", data))

        return _timed(run, tally)

    def casedata_xlsx_bytes() -> dict[str, Any]:
        tally = Tally(())
        valid = as_xlsx(["child_id", "date_of_birth"], [["RV1", "2010-01-01"]])

        @few
        @given(st.integers(0, len(valid) - 1), st.binary(min_size=1, max_size=64))
        def run(at: int, patch: bytes) -> None:
            data = valid[:at] + patch + valid[at + len(patch) :]
            tally.run(lambda: read_one_file("episodes.xlsx", data))

        return _timed(run, tally)

    def disclosure() -> dict[str, Any]:
        tally = Tally((DisclosureError,))
        # Valid figures (a share's numerator within its denominator); now and then a
        # threshold out of range, which must be refused with DisclosureError.
        counts = st.integers(0, 60)
        cells = st.tuples(counts, counts).map(lambda p: (p[0], p[0] + p[1]))

        @many
        @given(
            st.integers(0, 12),
            st.integers(-1, 30),
            st.lists(cells, max_size=8),
            st.booleans(),
        )
        def run(
            min_count: int, min_denominator: int, cells: list[tuple[int, int]], share: bool
        ) -> None:
            def protect() -> None:
                thresholds = Thresholds(min_count, min_denominator)
                figures = [Figure.share(n, d) if share else Figure.count(n) for n, d in cells]
                if share:
                    total = Figure.share(
                        sum(f.numerator or 0 for f in figures),
                        sum(f.denominator or 0 for f in figures),
                    )
                else:
                    total = Figure.count(sum(f.numerator or 0 for f in figures))
                for f in figures:
                    shown = protect_figure(f, thresholds)
                    assert not shown.suppressed or shown.numerator is None  # noqa: S101
                table = protect_table(figures, total, thresholds)
                for shown in [*table.cells, table.total]:
                    if shown and not shown.suppressed and shown.denominator is None:
                        assert not thresholds.small(shown.numerator or 0)  # noqa: S101
                protect_breakdowns(total, {"a": figures, "b": figures[::-1]}, thresholds)

            tally.run(protect)

        return _timed(run, tally)

    def transfer_files() -> dict[str, Any]:
        tally = Tally((ReadError,))
        suffixes = st.sampled_from(["csv", "xlsx", "docx", "pdf", "json", "txt", "tsv", ""])

        @many
        @given(st.binary(max_size=600), suffixes)
        def run(data: bytes, suffix: str) -> None:
            tally.run(lambda: parse_file(data, f"plan.{suffix}").draft())

        return _timed(run, tally)

    def transfer_csv() -> dict[str, Any]:
        tally = Tally((ReadError,))
        words = st.sampled_from(
            ["Outcome", "Driver", "Action", "Lead", "Due", "Ref", "1.1", "2025-03-31", ""]
        )
        grid = st.lists(st.lists(st.one_of(words, ANY_CELL), max_size=7), max_size=12)

        @many
        @given(grid)
        def run(rows: list[list[str]]) -> None:
            data = as_csv(["Ref", "Outcome", "Driver", "Action", "Lead", "Due"], rows)
            tally.run(lambda: parse_file(data, "plan.csv").draft())

        return _timed(run, tally)

    def transfer_xlsx() -> dict[str, Any]:
        tally = Tally((ReadError,))

        @many
        @given(st.lists(st.lists(XLSX_CELL, max_size=7), max_size=10))
        def run(rows: list[list[Any]]) -> None:
            data = as_xlsx(["Ref", "Outcome", "Driver", "Action", "Lead", "Due"], rows)
            tally.run(lambda: parse_file(data, "plan.xlsx").draft())

        return _timed(run, tally)

    def transfer_text() -> dict[str, Any]:
        tally = Tally((ReadError,))

        @many
        @given(st.text(max_size=600))
        def run(text: str) -> None:
            tally.run(lambda: parse_text(text).draft())

        return _timed(run, tally)

    def transfer_json() -> dict[str, Any]:
        tally = Tally((ReadError,))
        leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10))
        doc = st.recursive(
            leaf,
            lambda inner: st.one_of(
                st.lists(inner, max_size=5),
                st.dictionaries(
                    st.sampled_from(
                        ["plan", "outcomes", "drivers", "actions", "title", "ref", "format", "x"]
                    ),
                    inner,
                    max_size=5,
                ),
            ),
            max_leaves=30,
        )

        @many
        @given(doc)
        def run(document: Any) -> None:
            data = json.dumps(document).encode()
            tally.run(lambda: parse_file(data, "plan.json").draft())

        return _timed(run, tally)

    return {
        "case data: CSV rows in the DATA.md columns": casedata_csv,
        "case data: CSV of any bytes": casedata_csv_bytes,
        "case data: xlsx rows, typed cells": casedata_xlsx,
        "case data: xlsx with bytes overwritten": casedata_xlsx_bytes,
        "disclosure: figure, table, breakdowns": disclosure,
        "plan import: any bytes as each format": transfer_files,
        "plan import: CSV grids": transfer_csv,
        "plan import: xlsx grids": transfer_xlsx,
        "plan import: pasted text": transfer_text,
        "plan import: JSON documents": transfer_json,
    }


def _timed(run: Callable[[], None], tally: Tally) -> dict[str, Any]:
    started = time.monotonic()
    run()
    return tally.report(time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="per target")
    parser.add_argument(
        "--casedata-examples", type=int, default=500, help="per case-data target (slower)"
    )
    parser.add_argument("--only", default="", help="run targets whose name contains this")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for name, target in targets(args.examples, args.casedata_examples).items():
        if args.only in name:
            report[name] = target()
            print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)
    report["total examples"] = sum(r["examples"] for r in report.values())
    report["total unexpected"] = sum(
        r["unexpected exceptions"] for k, r in report.items() if isinstance(r, dict)
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
