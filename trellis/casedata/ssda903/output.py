"""Rows on their way to a Trellis dataset file, each remembering its SSDA903 row, and the
tally of dates read on the way."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from trellis.casedata.schema import DATASETS
from trellis.casedata.ssda903.log import Log, plural, rows_listed
from trellis.casedata.ssda903.source import Row, Table, parse_date


@dataclass
class Output:
    dataset: str
    rows: list[tuple[tuple[str, ...], str, int]] = field(default_factory=list)

    def add(self, values: dict[str, str], file: str, row: int) -> None:
        columns = DATASETS[self.dataset].column_names
        self.rows.append((tuple(values[c] for c in columns), file, row))

    def write(self, folder: Path) -> dict[tuple[str, int], tuple[str, int]]:
        """Write <dataset>.csv; return (dataset, row) -> (SSDA903 file, row), header = 1."""
        row_map: dict[tuple[str, int], tuple[str, int]] = {}
        with (folder / f"{self.dataset}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(DATASETS[self.dataset].column_names)
            for number, (values, file, row) in enumerate(self.rows, start=2):
                writer.writerow(values)
                row_map[(self.dataset, number)] = (file, row)
        return row_map


class Dates:
    """Turns SSDA903 dates into YYYY-MM-DD. A value that is no date is passed on as written,
    so that Trellis validation reports it on its row (which row_map leads back to the SSDA903
    row) rather than the adapter guessing; each such value is counted for the report."""

    def __init__(self) -> None:
        self.converted = 0
        self._unreadable: dict[tuple[str, str], list[int]] = defaultdict(list)

    def iso(self, table: Table, row: Row, column: str) -> str:
        text = row.get(column)
        if text == "":
            return ""
        parsed = parse_date(text)
        if parsed is None:
            self._unreadable[(table.file, column)].append(row.number)
            return text
        self.converted += 1
        return parsed.isoformat()

    def report(self, log: Log) -> None:
        if self.converted:
            log.note(f"dates: DD/MM/YYYY → YYYY-MM-DD ({plural(self.converted, 'value')})")
        for (file, column), rows in self._unreadable.items():
            log.unmap(
                f"{file} {column}: {plural(len(rows), 'value')} not a date "
                f"({rows_listed(rows)}); passed on as written, so validation reports them"
            )
